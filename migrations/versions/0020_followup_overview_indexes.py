"""case and followupreport: indexes for the follow-up overview's paged lists

The follow-up overview shows one page at a time of the cases in follow-up, by return
date, and of the overdue reports, by due date (issue #8). Without an index in that order
PostgreSQL walked ``ix_case_actual_return`` from the earliest return and dropped every
closed case on the way (112 ms for a page at 250,000 cases, 0.13 ms with the index), and
found the due reports by walking ``ix_followupreport_due_date`` past every submitted one
(750 ms against 270 ms).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_case_status_actual_return_reference', 'case', ['status', 'actual_return', 'reference'])
    op.create_index('ix_followupreport_status_due_date_id', 'followupreport', ['status', 'due_date', 'id'])


def downgrade() -> None:
    op.drop_index('ix_followupreport_status_due_date_id', table_name='followupreport')
    op.drop_index('ix_case_status_actual_return_reference', table_name='case')

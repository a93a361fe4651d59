"""disbursement.request_token: one payment per disburse form

The partner's disburse form carries a one-time token, stored on the payment it records.
Sent twice (double click, browser resubmit), the second post finds the token and is
answered as already recorded; the unique index stops a second row whatever the timing.
Payments recorded before this migration (and those recorded in code) have none: NULL
is not unique-checked on PostgreSQL or SQLite. A unique index rather than a table
constraint, so that SQLite needs no copy of the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('disbursement', sa.Column('request_token', sqlmodel.sql.sqltypes.AutoString(length=64),
                                            nullable=True))
    op.create_index('ix_disbursement_request_token', 'disbursement', ['request_token'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_disbursement_request_token', table_name='disbursement')
    op.drop_column('disbursement', 'request_token')

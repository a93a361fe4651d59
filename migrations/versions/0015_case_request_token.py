"""case.request_token: one case per new-case form

A slow double click on "Create the case" sent the form twice and created two cases for
the same person (special-category data, and no way to delete a case). The form carries
a one-time token, stored with the case it created; the same token again finds that case
instead of creating another, as the payment form does (0008).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case', sa.Column('request_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index('ix_case_request_token', 'case', ['request_token'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_case_request_token', table_name='case')
    op.drop_column('case', 'request_token')

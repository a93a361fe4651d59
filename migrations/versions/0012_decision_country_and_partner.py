"""decision.return_country and partner_name: where and with whom, as decided

The approval package named the case's country of return and partner organisation as
they are now: a case moved to another partner (or country) after its approval changed
what the archived package says, beside budget lines in the old partner's currency. The
decision now keeps both as they were; decisions made before this migration have none,
and their package reads the case as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decision', sa.Column('return_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
    op.add_column('decision', sa.Column('partner_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column('decision', 'partner_name')
    op.drop_column('decision', 'return_country')

"""organisation.timezone: the partner's own time zone

Partner officers in Lagos, Chiang Mai or Hanoi read the times the partner portal shows
(when a report was sent, when a case was closed) in their own time, not in UTC. The
zone (an IANA name, ``Africa/Lagos``) comes from the partner registry
(``partners/*.toml``); NULL for the organisations that have none (DRC, the authority,
CMM) and for a partner until the registry is loaded again: its pages say UTC meanwhile.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('organisation', sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('organisation', 'timezone')

"""decision.plan_document: the plan as it was decided, for the approval package

The approval package rebuilt the plan from the case as it is now: a child added to the
case after the approval made the package show a provider's caps that were never
approved, and a plan file whose digest no longer matched the decision's. The decision
now keeps the plan document (PLAN_FORMAT.md, with the reference date it was checked on)
that its ``content_sha256`` was taken of, and the package is built from it. Decisions
made before this migration have none; their package is built from the case as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decision', sa.Column('plan_document', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    op.drop_column('decision', 'plan_document')

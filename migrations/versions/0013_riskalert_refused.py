"""riskalert.refused: an alert raised from a report send that could not be saved

A partner officer's send refused because a colleague had submitted the report first, or
because the case had been closed, still alerts CMM and DRC to the risk signs it held
(``followup.operations.alert_refused_report``). Those signs are not in the report the
alert is linked to, so the alert says why it was refused: ``submitted`` or
``case_closed``; NULL for an alert opened by a submitted report (every alert before this
migration).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('riskalert', sa.Column('refused', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('riskalert', 'refused')

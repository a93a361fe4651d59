"""decision.rate_table_document and reference_basis: what an approval was checked against

A rate table is corrected by editing its file and raising its version (rates/README.md):
the old figures are gone from the files. The approval package checked the approved plan
against the table loaded now, so a correction silently changed the caps, the allocation
and the follow-up schedule of every archived package, while the package still named the
old version. The decision now keeps the table file's text as it read at the approval,
and the package is built from it. Decisions made before this migration have none; their
package uses the table loaded now, as before.

It also keeps what its reference date was (the actual return, the planned return, or
none known: the day of deciding), so the package's follow-up schedule can say which
date it counts from, and give no invented dates when the case had no return date.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decision', sa.Column('rate_table_document', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('decision', sa.Column('reference_basis', sqlmodel.sql.sqltypes.AutoString(length=16),
                                        nullable=True))


def downgrade() -> None:
    op.drop_column('decision', 'reference_basis')
    op.drop_column('decision', 'rate_table_document')

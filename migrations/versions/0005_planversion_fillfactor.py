"""planversion keeps 15 % of each page free, so updates stay on the page (PostgreSQL)

A plan version's row is rewritten by every save of the draft (revision, updated_at,
the check's record) and by every re-validation (the rate table, and the verdict when it
changes). With full pages (fill factor 100) each new row version lands on another page,
and all seven indexes of the table get a new entry for it. With room left on the page,
PostgreSQL writes a heap-only tuple (HOT) whenever no indexed column changes, and the
indexes are not touched: re-validating 40,703 open plans wrote them in about 0.6 s
instead of 0.9 s (issue #8, bench/RESULTS.md, fifth session).

The setting applies to pages written from now on. A database with many versions
already may rewrite the table in a maintenance window (``VACUUM FULL planversion``,
which locks it) to have the room everywhere at once; otherwise it comes with the
ordinary churn. SQLite has no fill factor.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FILLFACTOR = 85


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE planversion SET (fillfactor = {FILLFACTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE planversion RESET (fillfactor)')

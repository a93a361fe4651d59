"""Trigram indexes for the case list's text search (PostgreSQL)

The case list's search (reference or name containing the words typed) is an ILIKE
'%...%' that no ordered index can serve: at 250,000 cases a search for one reference
read the whole table (issue #8: 276-542 ms against 6-12 ms at 1,000 cases). pg_trgm's
GIN indexes answer ILIKE on any part of the text from the index. pg_trgm ships with
PostgreSQL and is a trusted extension (PostgreSQL 13+): the database's owner may create
it. SQLite, the embedded default for small installations, needs nothing.

The indexes are not in the models (which also build SQLite schemas): Alembic's
comparison leaves them out by name (``reintegration.migrate.include_object``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = {"ix_case_reference_trgm": "reference", "ix_case_person_name_trgm": "person_name"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in COLUMNS.items():
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "case" USING gin ({column} gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other objects of the database may have come to use it.

"""Migration 0020: the indexes the follow-up overview's paged lists walk in order (the
cases in follow-up by return date, the due reports by due date); taken back, they go."""

from __future__ import annotations

from sqlalchemy import inspect

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

INDEXES = {"case": ("ix_case_status_actual_return_reference", ["status", "actual_return", "reference"]),
           "followupreport": ("ix_followupreport_status_due_date_id", ["status", "due_date", "id"])}


def _indexes(conn, table: str) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in inspect(conn).get_indexes(table)}


def test_the_overview_indexes_are_made_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0020")
    with engine.connect() as conn:
        for table, (name, columns) in INDEXES.items():
            assert _indexes(conn, table)[name] == columns
    downgrade(app, "0020-1")
    with engine.connect() as conn:
        for table, (name, _columns) in INDEXES.items():
            assert name not in _indexes(conn, table)
    upgrade(app, "head")
    engine.dispose()

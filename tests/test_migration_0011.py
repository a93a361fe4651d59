"""Migration 0011: a decision can keep the rate table file it was taken on; decisions
made before have none (their package uses the tables loaded now)."""

from __future__ import annotations

from sqlalchemy import inspect

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade


def test_0011_adds_the_rate_table_document_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0011")
    with engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("decision")}
    assert columns["rate_table_document"]["nullable"] and columns["reference_basis"]["nullable"]
    downgrade(app, "0010")
    with engine.connect() as conn:
        assert "rate_table_document" not in {c["name"] for c in inspect(conn).get_columns("decision")}
    upgrade(app, "head")
    engine.dispose()

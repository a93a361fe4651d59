"""Migrations 0011 and 0012: a decision can keep the rate table file it was taken on and
what its reference date was (0011), and its case's country of return and partner (0012);
decisions made before have none (their package reads the tables loaded now and the case)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade


@pytest.mark.parametrize("revision, before, columns", [
    ("0011", "0010", ("rate_table_document", "reference_basis")),
    ("0012", "0011", ("return_country", "partner_name")),
])
def test_the_decision_columns_come_and_can_be_taken_back(scratch_url, revision, before, columns):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, revision)
    with engine.connect() as conn:
        found = {c["name"]: c for c in inspect(conn).get_columns("decision")}
    assert all(found[name]["nullable"] for name in columns)
    downgrade(app, before)
    with engine.connect() as conn:
        assert not set(columns) & {c["name"] for c in inspect(conn).get_columns("decision")}
    upgrade(app, "head")
    engine.dispose()

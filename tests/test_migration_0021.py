"""Migration 0021: ``organisation.timezone``, NULL for every organisation that was
there (its pages say UTC until the registry is loaded again); taken back, it goes and
the organisations keep their other values."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade


def _columns(conn) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("organisation")}


def test_the_timezone_column_is_added_empty_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0020")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, kind, code, name, country, status, created_at) "
                          "VALUES (1, 'partner', 'ng-edo', 'Edo', 'NG', 'active', :now)"),
                     {"now": datetime(2026, 12, 1, tzinfo=timezone.utc)})
    upgrade(app, "0021")
    with engine.begin() as conn:
        assert "timezone" in _columns(conn)
        assert conn.execute(text("SELECT code, timezone FROM organisation")).all() == [("ng-edo", None)]
        conn.execute(text("UPDATE organisation SET timezone = 'Africa/Lagos'"))
    downgrade(app, "0020")
    with engine.connect() as conn:
        assert "timezone" not in _columns(conn)
        assert conn.execute(text("SELECT code, name, country FROM organisation")).all() == [("ng-edo", "Edo", "NG")]
    upgrade(app, "head")
    engine.dispose()

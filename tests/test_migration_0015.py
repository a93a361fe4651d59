"""Migration 0015: a case can carry the one-time token of the form that created it
(``case.request_token``, unique); every case before it reads NULL, and many may."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

INSERT = ("INSERT INTO \"case\" (reference, status, person_name, person_date_of_birth, unaccompanied_minor, "
          "return_country, legal_hold, created_at, updated_at, revision{token}) "
          "VALUES (:ref, 'preparing', 'P', '1990-01-01', false, 'NG', false, :now, :now, 1{value})")


def test_the_token_column_is_empty_for_earlier_cases_unique_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0014")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        for ref in ("RT-1", "RT-2"):
            conn.execute(text(INSERT.format(token="", value="")), {"ref": ref, "now": now})
    upgrade(app, "0015")
    with engine.connect() as conn:
        assert {c["name"]: c for c in inspect(conn).get_columns("case")}["request_token"]["nullable"]
        assert conn.execute(text("SELECT reference, request_token FROM \"case\" ORDER BY reference")).all() == [
            ("RT-1", None), ("RT-2", None)]
    with engine.begin() as conn:
        conn.execute(text(INSERT.format(token=", request_token", value=", :token")),
                     {"ref": "RT-3", "now": now, "token": "t" * 32})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(INSERT.format(token=", request_token", value=", :token")),
                     {"ref": "RT-4", "now": now, "token": "t" * 32})
    downgrade(app, "0014")
    with engine.connect() as conn:
        assert "request_token" not in {c["name"] for c in inspect(conn).get_columns("case")}
        assert len(conn.execute(text("SELECT reference FROM \"case\"")).all()) == 3
    upgrade(app, "head")
    engine.dispose()

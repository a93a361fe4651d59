"""Migration 0016: a comment can carry the one-time token of the form that added it
(``comment.request_token``, unique); every comment before it reads NULL, and many may."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

INSERT = ("INSERT INTO comment (plan_version_id, author_id, body, created_at{token}) "
          "VALUES (1, 1, :body, :now{value})")


def test_the_token_column_is_empty_for_earlier_comments_unique_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0015")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, kind, code, name, status, created_at) "
                          "VALUES (1, 'drc', 'drc', 'DRC', 'active', :now)"), {"now": now})
        conn.execute(text('INSERT INTO "user" (id, organisation_id, email, name, role, password_hash, locale, '
                          "active, mfa_enabled, session_token, failed_logins, password_changed_at, created_at) "
                          "VALUES (1, 1, 'a@example.org', 'A', 'cmm', 'x', 'da', true, false, 's', 0, :now, :now)"),
                     {"now": now})
        conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, '
                          "unaccompanied_minor, return_country, legal_hold, created_at, updated_at, revision) "
                          "VALUES (1, 'RT-1', 'preparing', 'P', '1990-01-01', false, 'NG', false, :now, :now, 1)"),
                     {"now": now})
        conn.execute(text("INSERT INTO planversion (id, case_id, number, status, created_at, updated_at, revision) "
                          "VALUES (1, 1, 1, 'draft', :now, :now, 1)"), {"now": now})
        for body in ("First", "Second"):
            conn.execute(text(INSERT.format(token="", value="")), {"body": body, "now": now})
    upgrade(app, "0016")
    with engine.connect() as conn:
        assert {c["name"]: c for c in inspect(conn).get_columns("comment")}["request_token"]["nullable"]
        assert conn.execute(text("SELECT body, request_token FROM comment ORDER BY body")).all() == [
            ("First", None), ("Second", None)]
    with engine.begin() as conn:
        conn.execute(text(INSERT.format(token=", request_token", value=", :token")),
                     {"body": "Third", "now": now, "token": "t" * 32})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(INSERT.format(token=", request_token", value=", :token")),
                     {"body": "Third again", "now": now, "token": "t" * 32})
    downgrade(app, "0015")
    with engine.connect() as conn:
        assert "request_token" not in {c["name"] for c in inspect(conn).get_columns("comment")}
        assert len(conn.execute(text("SELECT body FROM comment")).all()) == 3
    upgrade(app, "head")
    engine.dispose()

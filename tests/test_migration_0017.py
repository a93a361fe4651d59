"""Migration 0017: ``user.sign_in_lock_lifted_at`` takes the place of ``failed_logins``
and ``locked_until``, which nothing read; every account keeps its other values, and the
lock is lifted for nobody (NULL). Taken back, the old columns return (0 and NULL)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade


def _columns(conn) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("user")}


def test_the_lock_column_replaces_the_unread_ones_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0016")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, kind, code, name, status, created_at) "
                          "VALUES (1, 'drc', 'drc', 'DRC', 'active', :now)"), {"now": now})
        conn.execute(text('INSERT INTO "user" (id, organisation_id, email, name, role, password_hash, locale, '
                          "active, mfa_enabled, session_token, failed_logins, locked_until, password_changed_at, "
                          "created_at) VALUES (1, 1, 'a@example.org', 'A', 'cmm', 'x', 'da', true, false, 's', 3, "
                          ":now, :now, :now)"), {"now": now})
    upgrade(app, "0017")
    with engine.connect() as conn:
        columns = _columns(conn)
        assert "sign_in_lock_lifted_at" in columns and not {"failed_logins", "locked_until"} & columns
        assert conn.execute(text('SELECT email, sign_in_lock_lifted_at FROM "user"')).all() == [
            ("a@example.org", None)]
    downgrade(app, "0016")
    with engine.connect() as conn:
        columns = _columns(conn)
        assert "sign_in_lock_lifted_at" not in columns
        assert conn.execute(text('SELECT email, failed_logins, locked_until FROM "user"')).all() == [
            ("a@example.org", 0, None)]
    upgrade(app, "head")
    engine.dispose()

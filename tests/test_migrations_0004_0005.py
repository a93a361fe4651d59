"""Migration 0004 (``audit_append()``, the audit chain's append in one call) and 0005
(room on planversion's pages: fill factor 85), both for PostgreSQL only; on SQLite they
do nothing. Both ways, in a database of the test's own (``scratch_url``); the chain
written across the upgrade still verifies."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from reintegration import audit, create_app
from reintegration.migrate import downgrade, upgrade


def _has_function(engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_append'")).scalar() == 1


def _append(engine, action: str) -> None:
    with Session(engine) as db:
        audit.record(db, action, detail={"step": action})
        db.commit()


def test_0004_adds_the_append_function_on_postgresql_and_takes_it_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    postgresql = engine.dialect.name == "postgresql"
    upgrade(app, "0004")
    assert _has_function(engine) is postgresql
    _append(engine, "test.after_0004")
    downgrade(app, "0003")
    assert not _has_function(engine)
    upgrade(app, "head")
    assert _has_function(engine) is postgresql
    _append(engine, "test.after_head")
    with Session(engine) as db:
        events = list(audit.all_events(db))
        assert [e.action for e in events] == ["test.after_0004", "test.after_head"]
        assert audit.verify(events) == []
    engine.dispose()


def _fillfactor(engine) -> str | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'planversion'")).scalar()
    return next((o.split("=", 1)[1] for o in options or () if o.startswith("fillfactor=")), None)


def test_0005_leaves_room_on_planversion_pages_on_postgresql_and_takes_it_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0004")
    assert _fillfactor(engine) is None
    upgrade(app, "0005")
    assert _fillfactor(engine) == ("85" if engine.dialect.name == "postgresql" else None)
    downgrade(app, "0004")
    assert _fillfactor(engine) is None
    engine.dispose()

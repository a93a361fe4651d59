"""Migration 0002 on a database that already holds cases: ``case.plan_attention`` is
filled in from the existing plans, the triggers keep it from then on, and the
migration can be taken back. On SQLite, and on PostgreSQL when the suite runs there
(in a database of its own, ``scratch_url``, so the shared test schema is never
downgraded)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

from support import insert_cases_with_versions


def test_0002_fills_in_existing_cases_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0001")
    with engine.begin() as conn:
        insert_cases_with_versions(conn, {1: [("approved", True), ("returned", True)], 2: [("draft", False)],
                                          3: [("draft", None), ("submitted", True)], 4: []})

    def attention():
        with engine.connect() as conn:
            return dict(conn.execute(text('SELECT id, plan_attention FROM "case" ORDER BY id')).all())

    upgrade(app, "0002")
    assert attention() == {1: "sent_back", 2: "draft_errors", 3: None, 4: None}
    with engine.begin() as conn:  # from now on the triggers keep it
        conn.execute(text("UPDATE planversion SET check_ok = false WHERE case_id = 3 AND status = 'draft'"))
        conn.execute(text("DELETE FROM planversion WHERE case_id = 1 AND status = 'returned'"))
    assert attention() == {1: None, 2: "draft_errors", 3: "draft_errors", 4: None}

    downgrade(app, "0001")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("case")}
    assert "plan_attention" not in columns
    with engine.begin() as conn:  # no trigger left behind that names the dropped column
        conn.execute(text("UPDATE planversion SET status = 'returned' WHERE case_id = 2"))
    upgrade(app, "head")
    assert attention()[2] == "sent_back"
    engine.dispose()

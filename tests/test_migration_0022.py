"""Migration 0022 on a database that already holds cases: ``case.plan_attention`` says
"sent back" only while the newest version that is not a draft is the one sent back (a
case whose plan was sent back, then resubmitted and approved, no longer does), the new
triggers keep it, and the migration can be taken back to 0002's rule."""

from __future__ import annotations

from sqlalchemy import text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

from support import insert_cases_with_versions

CASES = {
    1: [("returned", True), ("approved", True)],  # sent back, then approved
    2: [("returned", True), ("draft", True)],  # sent back, the answer being drafted
    3: [("returned", True), ("submitted", True)],  # sent back, answered
    4: [("approved", True), ("returned", True)],  # an amendment sent back
    5: [("draft", False)],
    6: [("returned", True), ("approved", True), ("draft", False)],  # an amendment with errors
    7: [],
}


def test_0022_recomputes_every_case_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0021")
    with engine.begin() as conn:
        insert_cases_with_versions(conn, CASES)

    def attention():
        with engine.connect() as conn:
            return dict(conn.execute(text('SELECT id, plan_attention FROM "case" ORDER BY id')).all())

    before = {1: "sent_back", 2: "sent_back", 3: "sent_back", 4: "sent_back", 5: "draft_errors",
              6: "sent_back", 7: None}
    assert attention() == before  # 0002's rule: any version ever sent back
    upgrade(app, "0022")
    assert attention() == {1: None, 2: "sent_back", 3: None, 4: "sent_back", 5: "draft_errors",
                           6: "draft_errors", 7: None}
    with engine.begin() as conn:  # the new triggers keep it
        conn.execute(text("UPDATE planversion SET status = 'submitted' WHERE case_id = 2 AND number = 2"))
        conn.execute(text("UPDATE planversion SET status = 'returned' WHERE case_id = 3 AND number = 2"))
        conn.execute(text("INSERT INTO planversion (case_id, number, status, check_ok, created_at, updated_at, "
                          "revision) VALUES (7, 1, 'returned', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
    assert attention() == {1: None, 2: None, 3: "sent_back", 4: "sent_back", 5: "draft_errors",
                           6: "draft_errors", 7: "sent_back"}

    downgrade(app, "0021")
    assert attention() == {1: "sent_back", 2: "sent_back", 3: "sent_back", 4: "sent_back", 5: "draft_errors",
                           6: "sent_back", 7: "sent_back"}
    with engine.begin() as conn:  # 0002's triggers are back
        conn.execute(text("DELETE FROM planversion WHERE case_id = 7"))
    assert attention()[7] is None
    upgrade(app, "head")
    assert attention()[1] is None
    engine.dispose()

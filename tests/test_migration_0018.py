"""Migration 0018: a decision keeps the names of who decided, submitted, drafted and
commented as they were. Decisions taken before it are filled in from the user table as
it is when the migration runs: the names as they are then."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade

NAMES = ("decided_by_name", "submitted_by_name", "drafter_names", "comment_author_names")
USER = ('INSERT INTO "user" (id, organisation_id, email, name, role, password_hash, locale, active, mfa_enabled, '
        "session_token, password_changed_at, created_at) "
        "VALUES (:id, 1, :email, :name, :role, 'x', 'da', true, false, :token, :now, :now)")
VERSION = ("INSERT INTO planversion (id, case_id, number, status, created_by, submitted_by, submitted_at, "
           "created_at, updated_at, revision) VALUES (:id, 1, :number, :status, :by, :by, :now, :now, :now, 1)")
DECISION = ("INSERT INTO decision (id, plan_version_id, outcome, decided_by, decided_at, rate_table_id, "
            "rate_table_version, content_sha256) VALUES (:id, :version, :outcome, 4, :now, '2026-2029', 1, :sha)")


def test_the_names_are_filled_in_for_earlier_decisions_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0017")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, kind, code, name, status, created_at) "
                          "VALUES (1, 'drc', 'drc', 'DRC', 'active', :now)"), {"now": now})
        for id_, name, role in ((1, "Dorte Drafter", "caseworker"), (2, "erik Editor", "caseworker"),
                                (3, "Bo Second", "caseworker"), (4, "Anders Approver", "approver"),
                                (5, "Camilla Commenter", "cmm")):
            conn.execute(text(USER), {"id": id_, "email": f"u{id_}@example.org", "name": name, "role": role,
                                      "token": f"s{id_}", "now": now})
        conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, '
                          "unaccompanied_minor, return_country, legal_hold, created_at, updated_at, revision) "
                          "VALUES (1, 'RT-1', 'approved', 'P', '1990-01-01', false, 'NG', false, :now, :now, 1)"),
                     {"now": now})
        # Version 1 (drafted by 1, edited by 2) sent back; version 2 (by 3) approved; version 3
        # (by 1) submitted, not decided.
        conn.execute(text(VERSION), {"id": 1, "number": 1, "status": "sent_back", "by": 1, "now": now})
        conn.execute(text(VERSION), {"id": 2, "number": 2, "status": "approved", "by": 3, "now": now})
        conn.execute(text(VERSION), {"id": 3, "number": 3, "status": "submitted", "by": 1, "now": now})
        for version, user in ((1, 1), (1, 2), (2, 3), (3, 1)):
            conn.execute(text("INSERT INTO plancontributor (plan_version_id, user_id) VALUES (:v, :u)"),
                         {"v": version, "u": user})
        for id_, version, author in ((1, 1, 5), (2, 2, 5), (3, 2, 1), (4, 3, 5)):
            conn.execute(text("INSERT INTO comment (id, plan_version_id, author_id, body, created_at) "
                              "VALUES (:id, :v, :a, 'Noted', :now)"), {"id": id_, "v": version, "a": author,
                                                                      "now": now})
        conn.execute(text(DECISION), {"id": 1, "version": 1, "outcome": "sent_back", "now": now, "sha": "1" * 64})
        conn.execute(text(DECISION), {"id": 2, "version": 2, "outcome": "approved", "now": now, "sha": "2" * 64})
    upgrade(app, "0018")
    with engine.connect() as conn:
        assert {c["name"] for c in inspect(conn).get_columns("decision")} >= set(NAMES)
        rows = conn.execute(text(f"SELECT id, {', '.join(NAMES)} FROM decision ORDER BY id")).all()
    (_, decided1, submitted1, drafters1, authors1), (_, decided2, submitted2, drafters2, authors2) = rows
    assert (decided1, submitted1, decided2, submitted2) == ("Anders Approver", "Dorte Drafter", "Anders Approver",
                                                             "Bo Second")
    # As ``drafter_ids`` counts them: this and every earlier version, alphabetical whatever the case.
    assert json.loads(drafters1) == ["Dorte Drafter", "erik Editor"]
    assert json.loads(drafters2) == ["Bo Second", "Dorte Drafter", "erik Editor"]
    assert json.loads(authors1) == {"1": "Camilla Commenter"}
    assert json.loads(authors2) == {"2": "Camilla Commenter", "3": "Dorte Drafter"}
    downgrade(app, "0017")
    with engine.connect() as conn:
        assert not {c["name"] for c in inspect(conn).get_columns("decision")} & set(NAMES)
        assert len(conn.execute(text("SELECT id FROM decision")).all()) == 2
    upgrade(app, "head")
    engine.dispose()


def test_the_migration_runs_on_a_database_without_decisions(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    upgrade(app, "head")
    with app.extensions["db_engine"].connect() as conn:
        assert {c["name"] for c in inspect(conn).get_columns("decision")} >= set(NAMES)
    app.extensions["db_engine"].dispose()

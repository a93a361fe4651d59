"""Migration 0019: the notes appended to a closed risk alert's ``action_taken`` become
rows of their own (author name, time in UTC, text). A block that reads as the old author
line and note is split into them; one that does not is kept whole, as a note with no
author at the alert's closing time: nothing is lost. The downgrade folds them back."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text
from sqlmodel import Session, select

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade
from reintegration.models import RiskAlertNote

SEP = "\n\n———\n"
USER = ('INSERT INTO "user" (id, organisation_id, email, name, role, password_hash, locale, active, mfa_enabled, '
        "session_token, password_changed_at, created_at) "
        "VALUES (:id, 1, :email, :name, 'cmm', 'x', 'da', true, false, :token, :now, :now)")
ALERT = ("INSERT INTO riskalert (id, case_id, indicators, opened_at, closed_at, closed_by, action_taken) "
         "VALUES (:id, 1, 'threats', :opened, :closed, :by, :text)")
CLOSED = datetime(2026, 12, 5, 14, 10, 30, tzinfo=timezone.utc)
# Two notes that read: one in winter time (15.30 in Copenhagen is 14.30 UTC), one in
# summer time by an author whose name holds a comma, its note on two lines.
READABLE = ("Reported the threats to the police." + SEP + "Anna Jensen, 05.12.2026 15.30:\nCalled her brother."
            + SEP + "Berg, Bo, 01.07.2026 09.05:\nShe moved.\nSafe now.")
# A block that does not read (no author line), and a note that held the separator line:
# its tail after the separator is a block of its own that does not read either.
UNREADABLE = ("Visited her." + SEP + "A note written some other way" + SEP
              + "Carl Carlsen, 05.12.2026 15.45:\nFirst part" + SEP + "the rest of Carl's note")


def test_the_appended_notes_become_rows_and_fold_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0018")
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, kind, code, name, status, created_at) "
                          "VALUES (1, 'cmm', 'cmm', 'CMM', 'active', :now)"), {"now": now})
        conn.execute(text(USER), {"id": 1, "email": "u1@example.org", "name": "Mette Madsen", "token": "s1",
                                  "now": now})
        conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, '
                          "unaccompanied_minor, return_country, legal_hold, created_at, updated_at, revision) "
                          "VALUES (1, 'RT-1', 'in_followup', 'P', '1990-01-01', false, 'NG', false, :now, :now, 1)"),
                     {"now": now})
        for id_, closed, value in ((1, CLOSED, READABLE), (2, CLOSED, UNREADABLE), (3, CLOSED, "Just closed."),
                                   (4, None, None)):
            conn.execute(text(ALERT), {"id": id_, "opened": now, "closed": closed, "by": 1 if closed else None,
                                       "text": value})
    upgrade(app, "0019")
    with engine.connect() as conn:
        assert "riskalertnote" in inspect(conn).get_table_names()
        kept = dict(conn.execute(text("SELECT id, action_taken FROM riskalert")).all())
    assert kept == {1: "Reported the threats to the police.", 2: "Visited her.", 3: "Just closed.", 4: None}
    with Session(engine) as db:
        rows = [(n.alert_id, n.author_id, n.author_name, n.created_at, n.text)
                for n in db.exec(select(RiskAlertNote).order_by(RiskAlertNote.id)).all()]
    assert rows == [
        (1, None, "Anna Jensen", datetime(2026, 12, 5, 14, 30, tzinfo=timezone.utc), "Called her brother."),
        (1, None, "Berg, Bo", datetime(2026, 7, 1, 7, 5, tzinfo=timezone.utc), "She moved.\nSafe now."),
        (2, None, None, CLOSED, "A note written some other way"),
        (2, None, "Carl Carlsen", datetime(2026, 12, 5, 14, 45, tzinfo=timezone.utc), "First part"),
        (2, None, None, CLOSED, "the rest of Carl's note"),
    ]

    downgrade(app, "0018")
    with engine.connect() as conn:
        assert "riskalertnote" not in inspect(conn).get_table_names()
        back = dict(conn.execute(text("SELECT id, action_taken FROM riskalert")).all())
    assert back == {1: READABLE, 2: UNREADABLE, 3: "Just closed.", 4: None}
    upgrade(app, "head")
    engine.dispose()


def test_the_migration_runs_on_a_database_without_alerts(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    upgrade(app, "head")
    with app.extensions["db_engine"].connect() as conn:
        assert {c["name"] for c in inspect(conn).get_columns("riskalertnote")} == {
            "id", "alert_id", "author_id", "author_name", "created_at", "text"}
    app.extensions["db_engine"].dispose()

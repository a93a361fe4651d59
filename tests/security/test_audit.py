"""The audit trail: hash chain, tamper detection (``flask audit verify``), safe
concurrent writers, and the administrators' page and CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from reintegration import audit
from reintegration.models import AuditEvent, AuditEventCase


def _events(app, n=5, **kw):
    with Session(app.extensions["db_engine"]) as db:
        for i in range(n):
            audit.record(db, f"test.event{i}", detail={"i": i}, **kw)
        db.commit()


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_intact_chain_verifies(app, runner):
    _events(app)
    result = _verify(runner)
    assert result.exit_code == 0 and result.output.startswith("OK: 5 entries")


def test_edited_entry_is_detected(app, runner):
    _events(app)
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("UPDATE auditevent SET detail = '{\"i\": 99}' WHERE action = 'test.event2'"))
    result = _verify(runner)
    assert result.exit_code == 1 and "content changed" in result.output


def test_inserted_entry_is_detected(app, runner, db):
    _events(app)
    third = db.exec(select(AuditEvent).order_by(AuditEvent.id).offset(2)).first()
    with app.extensions["db_engine"].begin() as conn:
        # A forger who knows the algorithm appends a well-formed entry after the head...
        conn.execute(text("INSERT INTO auditevent (at, action, prev_hash, hash) VALUES (:at, 'forged', :p, :h)"),
                     {"at": third.at, "p": third.hash, "h": "f" * 64})
    result = _verify(runner)
    assert result.exit_code == 1


def test_inserted_entry_in_the_middle_with_a_valid_hash_is_detected(app, runner, db):
    _events(app)
    events = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    with app.extensions["db_engine"].begin() as conn:
        # Move the tail up to make room, then insert a correctly hashed entry after no. 2.
        conn.execute(text("UPDATE auditevent SET id = id + 100 WHERE id > :i"), {"i": events[1].id})
        forged = AuditEvent(id=events[1].id + 1, at=events[1].at, action="forged", prev_hash=events[1].hash, hash="")
        forged.hash = audit.event_hash(forged.prev_hash, forged)
        conn.execute(text("INSERT INTO auditevent (id, at, action, prev_hash, hash) VALUES (:id, :at, 'forged', :p, :h)"),
                     {"id": forged.id, "at": forged.at, "p": forged.prev_hash, "h": forged.hash})
    result = _verify(runner)
    assert result.exit_code == 1 and "inserted or deleted" in result.output


def test_deleted_entry_is_detected(app, runner, db):
    _events(app)
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE action = 'test.event2'"))
    result = _verify(runner)
    assert result.exit_code == 1 and "inserted or deleted" in result.output


def test_deleted_tail_is_detected_against_a_noted_head(app, runner, db):
    _events(app)
    head = audit.head(db)
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("DELETE FROM auditevent WHERE action = 'test.event4'"))
    assert _verify(runner).exit_code == 0  # the chain alone cannot see a cut tail
    result = runner.invoke(args=["audit", "verify", "--expect-head", head])
    assert result.exit_code == 1 and "removed" in result.output


def test_concurrent_writers_keep_one_chain(app, runner):
    errors = []

    def writer(k):
        try:
            for i in range(10):
                with Session(app.extensions["db_engine"]) as db:
                    audit.record(db, "test.concurrent", detail={"k": k, "i": i})
                    db.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _verify(runner)
    assert result.exit_code == 0 and "80 entries" in result.output, result.output


def test_admin_page_filters_pages_exports_and_is_audited(app, client, auth, make_user, make_case, db):
    admin = auth.login("admin")
    other = make_user("caseworker")
    case = make_case()
    with Session(app.extensions["db_engine"]) as s:
        for i in range(30):
            audit.record(s, "case.read", user=other, case_id=case.id, object_type="case", object_id=case.id)
        audit.record(s, "plan.submit", user=other, case_id=case.id)
        s.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "case.read" in page and ("Page 1 of" in page or "Side 1 af" in page)
    filtered = client.get(f"/admin/audit?action=plan.&user={other.id}&case={case.reference}").get_data(as_text=True)
    assert "plan.submit" in filtered and "case.read</code>" not in filtered
    today = date.today()
    none = client.get(f"/admin/audit?date_from={(today + timedelta(days=2)).isoformat()}").get_data(as_text=True)
    assert "plan.submit" not in none
    for query in ("date_from=not-a-date&page=-4&user=abc", "date_to=9999-12-31&date_from=0001-01-01",
                  "user=99999999999999999999&page=99999999999"):
        assert client.get(f"/admin/audit?{query}").status_code == 200, query
    response = client.get(f"/admin/audit/export.csv?case={case.reference}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 31 and {r["action"] for r in rows} == {"case.read", "plan.submit"}
    assert rows[0]["user_email"] == other.email
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.user_id == admin.id)).all()
    assert "audit.view" in actions and "audit.export" in actions
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_csv_cells_cannot_become_formulas(app, db):
    audit.record(db, "test.csv", detail={"x": 1}, object_type="=cmd", object_id="+1")
    db.commit()
    out = io.StringIO()
    audit.write_csv(db.exec(select(AuditEvent)), out)
    row = list(csv.DictReader(io.StringIO(out.getvalue())))[0]
    assert row["object_type"] == "'=cmd" and row["object_id"] == "'+1"


def test_cli_export(app, runner, tmp_path):
    _events(app, 3)
    out = tmp_path / "audit.csv"
    result = runner.invoke(args=["audit", "export", "-o", str(out), "--action", "test."])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(out.open()))) == 3


def test_the_cli_export_keeps_no_typed_text_in_the_trail(app, db, runner, tmp_path):
    """An action filter that is not an action name may be a person's name: the trail,
    which is permanent, records its length only, as the web page's export does."""
    import json

    out = tmp_path / "audit.csv"
    assert runner.invoke(args=["audit", "export", "-o", str(out), "--action", "Blessing Okafor"]).exit_code == 0
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).all()
    assert json.loads(event.detail)["action"] == "(other text, 15 characters)" and "Blessing" not in event.detail


def test_a_database_error_logs_no_bound_value_and_the_page_still_answers(app, client, auth, db, caplog,
                                                                         monkeypatch):
    """A failed statement's message names the statement, never the values bound to it (a
    person's name, a note); the error page is rendered after the failed transaction is
    rolled back, so the user gets the app's page, not the server's bare 500."""
    from sqlalchemy import text

    from reintegration.cases import views as case_views

    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login("caseworker", locale="en")

    def failing_list(*args, **kwargs):
        from reintegration.db import get_session
        get_session().execute(text("SELECT :name FROM no_such_table"), {"name": "Blessing Okafor"})

    monkeypatch.setattr(case_views, "render_template", failing_list)
    with caplog.at_level("ERROR"):
        response = client.get("/cases")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)
    logged = "\n".join(r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "") for r in caplog.records)
    assert "no_such_table" in logged and "Blessing Okafor" not in logged


def test_only_admins_see_the_audit_trail(client, auth):
    for role in ("caseworker", "cmm", "approver", "partner"):
        auth.login(role)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403
        auth.logout()


def test_a_read_alone_skips_the_flush_wait_a_change_never_does(app):
    """PostgreSQL: the record of a read in a transaction that changed nothing commits
    without waiting for the WAL flush; a record in a transaction that changed data keeps
    full durability (``audit_append``, migration 0004)."""
    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    with Session(engine) as db:
        audit.record(db, "case.read", object_type="case", object_id=1)
        assert db.execute(text("SHOW synchronous_commit")).scalar() == "off"
        db.commit()
        assert db.execute(text("SHOW synchronous_commit")).scalar() == "on"  # this transaction only
        db.rollback()
    with Session(engine) as db:
        db.execute(text("UPDATE auditevent SET id = id WHERE false"))  # no row: no change yet
        db.execute(text("INSERT INTO loginattempt (at, email, ip, success) VALUES (now(), 'x@example.org', '::1', false)"))
        audit.record(db, "case.read", object_type="case", object_id=1)
        assert db.execute(text("SHOW synchronous_commit")).scalar() == "on"
        db.rollback()
    with Session(engine) as db:
        audit.record(db, "case.update", object_type="case", object_id=1)
        assert db.execute(text("SHOW synchronous_commit")).scalar() == "on"
        db.commit()


def test_the_database_chains_exactly_as_verify_checks(app, runner):
    """On PostgreSQL the hash is computed by the database (``audit_append``); each
    stored event's hash is the one ``event_hash`` gives, text with any characters
    included, and the event returned carries what was stored."""
    with Session(app.extensions["db_engine"]) as db:
        made = [audit.record(db, "test.unicode", detail={"name": "Åse Ødegård – 日本", "quote": '"\\'}),
                audit.record(db, "test.empty")]
        db.commit()
        stored = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.id, e.prev_hash, e.hash) for e in made] == [(e.id, e.prev_hash, e.hash) for e in stored]
    assert stored[0].prev_hash == audit.GENESIS and stored[1].prev_hash == stored[0].hash
    assert all(audit.event_hash(e.prev_hash, e) == e.hash for e in stored)
    assert _verify(runner).exit_code == 0


# --- events about many cases: one chained event, and link rows that index it ------------

def _list_reads_and_a_batch(app, make_case):
    """Two list reads (through the page) and a batch export of three cases."""
    cases = [make_case() for _ in range(3)]
    with Session(app.extensions["db_engine"]) as db:
        audit.record(db, "case.read", case_id=cases[0].id)
        audit.record_for_cases(db, "case_list.read", [cases[0].id, cases[1].id],
                               detail={"page": "cases.index", "searched": False})
        audit.record_for_cases(db, "case_list.read", [cases[2].id], detail={"page": "approvals.queue",
                                                                            "searched": False})
        made = audit.record_for_cases(db, "export.batch", [c.id for c in reversed(cases)] + [cases[0].id],
                                      detail={"from": "2027-01-01", "to": "2027-01-31", "language": "da"})
        audit.record_for_cases(db, "export.batch", [], detail={"from": "2026-01-01", "to": "2026-01-31"})
        db.commit()
    return cases, made


def test_a_trail_with_list_reads_and_a_batch_export_verifies(app, runner, db, make_case):
    cases, made = _list_reads_and_a_batch(app, make_case)
    batch = db.get(AuditEvent, made.id)
    assert batch.case_id is None and json.loads(batch.detail)["cases"] == sorted(c.id for c in cases)
    assert sorted(db.exec(select(AuditEventCase.case_id).where(AuditEventCase.event_id == made.id)).all()) \
        == sorted(c.id for c in cases)
    # The case filter: its own events and those linked to it, each once, newest first.
    found = db.exec(audit.filtered(case_id=cases[0].id)).all()
    assert [e.action for e in found] == ["export.batch", "case_list.read", "case.read"]
    result = _verify(runner)
    assert result.exit_code == 0 and result.output.startswith("OK: 5 entries"), result.output


def test_a_deleted_case_link_is_detected(app, runner, db, make_case):
    """Deleting a link row would hide a read from the case filter: the event's chained
    detail still names the case, and verify says so."""
    cases, made = _list_reads_and_a_batch(app, make_case)
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("DELETE FROM auditeventcase WHERE event_id = :e AND case_id = :c"),
                     {"e": made.id, "c": cases[1].id})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"entry {made.id}: case link to case {cases[1].id} removed" in result.output


def test_an_added_case_link_is_detected(app, runner, db, make_case):
    """Adding a link row would put an event on a case it never concerned: detected too,
    also on an event that names no cases at all."""
    cases, made = _list_reads_and_a_batch(app, make_case)
    stranger = make_case()
    plain = db.exec(select(AuditEvent).where(AuditEvent.action == "case.read")).one()
    with app.extensions["db_engine"].begin() as conn:
        for event_id in (made.id, plain.id):
            conn.execute(text("INSERT INTO auditeventcase (event_id, case_id) VALUES (:e, :c)"),
                         {"e": event_id, "c": stranger.id})
    result = _verify(runner)
    assert result.exit_code == 1
    for event_id in (made.id, plain.id):
        assert f"entry {event_id}: case link to case {stranger.id} added" in result.output


def test_verify_reads_the_links_beside_the_chain():
    """Link rows of no event (a database without its foreign key) are reported as well;
    events recorded before the links existed (the batch's count) need none."""
    events, prev = [], audit.GENESIS
    for i, detail in enumerate(['{"cases": [4, 5], "page": "cases.index"}', '{"cases": 3, "from": "2027-01-01"}',
                                None]):
        event = AuditEvent(id=10 + i, at=datetime(2027, 1, 1, tzinfo=timezone.utc), action="x", detail=detail,
                           prev_hash=prev, hash="")
        event.hash = prev = audit.event_hash(prev, event)
        events.append(event)
    assert audit.verify(events, [(10, 4), (10, 5)]) == []
    assert audit.verify(events) == []  # the chain alone
    assert audit.verify(events, [(9, 1), (10, 4), (10, 5), (99, 2)]) == [
        (9, "a case link to case 1 without its entry"), (99, "a case link to case 2 without its entry")]


def test_the_case_filter_pages_through_own_and_linked_events_each_once(app, client, auth, make_case):
    case, other = make_case(), make_case()
    with Session(app.extensions["db_engine"]) as s:
        for i in range(30):
            if i % 3:
                audit.record_for_cases(s, "case_list.read", [case.id, other.id], detail={"page": "cases.index",
                                                                                         "searched": False})
            else:
                audit.record(s, "case.read", case_id=case.id, object_type="case", object_id=case.id)
        audit.record_for_cases(s, "case_list.read", [other.id], detail={"page": "cases.index", "searched": False})
        s.commit()
    auth.login("admin")
    numbers = []
    for page in (1, 2):
        html = client.get(f"/admin/audit?case={case.reference}&page={page}").get_data(as_text=True)
        assert "30 entries." in html
        numbers += [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]
    assert len(numbers) == 30 and numbers == sorted(set(numbers), reverse=True)

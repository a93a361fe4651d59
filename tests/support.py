"""Constants and helpers the tests import by name.

Test modules import from here, never from the ``conftest`` module: with several
conftest.py files in the tree, the module named ``conftest`` is whichever loaded first.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, text

from reintegration.models import metadata

TEST_PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _empty_tables(engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


def waits_for_commit(engine, first, second) -> None:
    """Run ``first(conn)`` in a transaction left open, then ``second(conn)`` in a
    transaction of its own in another thread; check that the second waits for the first
    to commit (PostgreSQL: a row lock; SQLite: the database's write lock), commit the
    first and let the second finish. An error in the second is raised here."""
    import threading

    conn = engine.connect()
    transaction = conn.begin()
    first(conn)
    finished, errors = threading.Event(), []

    def run_second():
        try:
            with engine.begin() as other:
                second(other)
        except Exception as error:  # raised below, in the test's own thread
            errors.append(error)
        finally:
            finished.set()

    thread = threading.Thread(target=run_second)
    thread.start()
    try:
        assert not finished.wait(0.5), "the second transaction did not wait for the first"
    finally:
        transaction.commit()
        conn.close()
        thread.join(30)
    if errors:
        raise errors[0]


def sent_twice_at_once(module, lookup: str, send) -> None:
    """Run ``send`` in two threads at once, both past the look-up for an earlier send of
    the same form (``module.<lookup>``) before either has written: the look-up is wrapped
    to wait for the other thread, once per thread (a loser's second look-up, finding the
    winner's record, does not wait). The original look-up is put back."""
    import threading

    barrier = threading.Barrier(2)
    original = getattr(module, lookup)
    calls = threading.local()

    def looked_up_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        if not getattr(calls, "waited", False):
            calls.waited = True
            barrier.wait(timeout=10)
        return result

    setattr(module, lookup, looked_up_then_wait)
    try:
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        setattr(module, lookup, original)


def approved_plan_and_amendment(db, case, *, approved, paid, amendment, recorded_by, status="draft"):
    """An approved version of ``case``, money paid out on its lines, and an amendment
    of it, straight into the database. ``approved`` and ``amendment`` are lines as
    ``(line_key, kind, amount, description)``; ``paid`` maps a line key to the amount
    paid on it (a string); ``recorded_by`` is the user id on the disbursements; the
    amendment is left in ``status`` with no check stored. Returns both versions."""
    from datetime import date
    from decimal import Decimal

    from reintegration.models import BudgetLine, Disbursement, PlanVersion

    def version(number, lines, final_status, amends=None):
        row = PlanVersion(case_id=case.id, number=number, status="draft", amends_id=amends,
                          activity_kind="business", activity_description="Tailoring workshop")
        db.add(row)
        db.commit()
        for position, (key, kind, amount, description) in enumerate(lines):
            db.add(BudgetLine(plan_version_id=row.id, line_key=key, position=position, kind=kind, month=1,
                              amount_dkk=Decimal(amount), description=description))
        row.status = final_status  # lines first: an approved version's lines can never change
        db.add(row)
        db.commit()
        return row

    first = version(1, approved, "approved")
    for key, amount in paid.items():
        db.add(Disbursement(case_id=case.id, line_key=key, plan_version_id=first.id, paid_on=date(2026, 7, 1),
                            amount_dkk=Decimal(amount), recorded_by=recorded_by))
    db.commit()
    return first, version(2, amendment, status, amends=first.id)


def allocation_rows(page: str) -> dict[str, list[str]]:
    """The budget check's table of entitlements on a page (drafting or review), as
    {entitlement: [cap, used, left, ...]} in the page's words."""
    import re

    table = re.search(r'<table class="table[^"]*"[^>]*>\s*<caption[^>]*>[^<]*(?:entitlement|ydelse|Caps, used|'
                      r'Lofter)[^<]*</caption>.*?</table>', page, re.S)
    assert table, "no allocation table"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S):
        head = re.search(r'<th scope="row">\s*([^<]+)', row)
        if head:
            cells = [re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", c)).replace("\xa0", " ").strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            rows[head.group(1).strip()] = cells
    return rows


@contextmanager
def database_trail(engine):
    """What the block does with the database, in order: ``"BEGIN"``, each statement's
    text, ``"COMMIT"`` and ``"ROLLBACK"`` (SQLAlchemy's own transaction events, so the
    same on SQLite and PostgreSQL; the pool's ping is no statement here)."""
    trail: list[str] = []
    listeners = (("begin", lambda _conn: trail.append("BEGIN")),
                 ("commit", lambda _conn: trail.append("COMMIT")),
                 ("rollback", lambda _conn: trail.append("ROLLBACK")),
                 ("before_cursor_execute", lambda _conn, _cursor, statement, *_args: trail.append(statement)))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield trail
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def one_transaction(app, client, url: str) -> str:
    """GET ``url`` and check it was one transaction that wrote only its read's audit record
    and read nothing after that record committed; the page's HTML."""
    with database_trail(app.extensions["db_engine"]) as trail:
        response = client.get(url)
    assert response.status_code == 200
    assert trail.count("BEGIN") == 1, trail
    assert trail[0] == "BEGIN" and trail[-1] == "COMMIT", trail  # nothing after the read's record commits
    writes = [statement for statement in trail[1:-1] if not statement.lstrip().upper().startswith("SELECT")]
    assert all("auditevent" in statement for statement in writes), writes  # the commit keeps the record only
    return response.get_data(as_text=True)


def reads_of(db, page: str) -> list:
    """The case reads recorded by ``page`` (an endpoint), oldest first."""
    import json

    from sqlmodel import select

    from reintegration.models import AuditEvent

    db.expire_all()
    return [event for event in db.exec(select(AuditEvent).where(AuditEvent.action == "case.read")
                                       .order_by(AuditEvent.id)).all()
            if json.loads(event.detail or "{}").get("page") == page]


def danish_day(moment):
    """The day a stored moment (UTC; naive from SQLite) fell on in Danish time, as the
    pages give it (``followup.status.danish_day``)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    return moment.astimezone(ZoneInfo("Europe/Copenhagen")).date()


def decision_form(db, version, action: str = "approve", reason: str | None = None) -> dict:
    """The review page's decision form as an approver sends it after reading the page:
    its hidden ``seen`` says what the page shows now (``approvals.operations.Seen``)."""
    from reintegration.approvals.operations import seen_token
    from reintegration.models import PlanVersion

    db.expire_all()
    form = {"action": action, "seen": seen_token(db, db.get(PlanVersion, version.id))}
    if reason is not None:
        form["reason"] = reason
    return form


def insert_cases_with_versions(conn, cases: dict[int, list[tuple[str, bool | None]]]) -> None:
    """Plain-SQL rows for migration tests: case ``id`` -> its plan versions as
    ``(status, check_ok)``, numbered from 1 in the order given."""
    for case_id, versions in cases.items():
        conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, '
                          'nationality, return_country, unaccompanied_minor, legal_hold, created_at, updated_at, '
                          "revision) VALUES (:id, :ref, 'preparing', 'A', '1990-01-01', 'NG', 'NG', false, false, "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"id": case_id, "ref": f"RT-{case_id}"})
        for number, (status, ok) in enumerate(versions, start=1):
            conn.execute(text("INSERT INTO planversion (case_id, number, status, check_ok, created_at, "
                              "updated_at, revision) VALUES (:c, :n, :s, :ok, CURRENT_TIMESTAMP, "
                              "CURRENT_TIMESTAMP, 1)"), {"c": case_id, "n": number, "s": status, "ok": ok})



def danish_today():
    """Today as the app counts days (Danish time, ``i18n.local_today``). The machine's
    ``date.today()`` is the UTC day, one day behind Denmark from Danish midnight to 01:00
    (02:00 in summer): then its tomorrow is the app's today, and on New Year's night its
    year is the old one."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from reintegration.config import Defaults

    return datetime.now(ZoneInfo(Defaults.BABEL_DEFAULT_TIMEZONE)).date()


def danish_tomorrow() -> str:
    """Tomorrow as the app counts days, ISO: the first date a "not in the future" rule refuses."""
    from datetime import timedelta

    return (danish_today() + timedelta(days=1)).isoformat()

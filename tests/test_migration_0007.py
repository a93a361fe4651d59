"""Migration 0007: each follow-up report carries its case's partner organisation (for
the partner portal's due list index), filled in for the reports that exist and kept by
triggers from then on, whatever writes it: a report added with no partner or the wrong
one, a case moved to another partner or to none, a report moved to another case, many
reports in one statement. The stored partner is always the case's."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import inspect, insert, select, text, update

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade
from reintegration.models import Case, FollowUpReport

from support import waits_for_commit


def _partners(conn) -> dict[int, tuple]:
    """Each report's stored partner and its case's partner."""
    rows = conn.execute(text('SELECT r.id, r.partner_id, c.partner_id FROM followupreport AS r '
                             'JOIN "case" AS c ON c.id = r.case_id ORDER BY r.id')).all()
    return {report: (stored, wanted) for report, stored, wanted in rows}


def _insert_case(conn, case_id: int, partner_id: int | None) -> None:
    conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, nationality, '
                      'return_country, unaccompanied_minor, legal_hold, partner_id, created_at, updated_at, '
                      "revision) VALUES (:id, :ref, 'in_followup', 'A', '1990-01-01', 'NG', 'NG', false, false, "
                      ":partner, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"),
                 {"id": case_id, "ref": f"RT-{case_id}", "partner": partner_id})


def _insert_report(conn, report_id: int, case_id: int, **extra) -> None:
    columns = {"id": report_id, "case_id": case_id, "due_month": 1, "due_date": "2027-01-01", "final": False,
               "status": "due", "risk_indicators": "", "revision": 1, **extra}
    conn.execute(text(f"INSERT INTO followupreport ({', '.join(columns)}) "
                      f"VALUES ({', '.join(':' + c for c in columns)})"), columns)


def test_0007_fills_in_existing_reports_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0006")
    with engine.begin() as conn:
        for org in (1, 2):
            conn.execute(text("INSERT INTO organisation (id, kind, code, name, status, created_at) "
                              "VALUES (:id, 'partner', :code, :code, 'active', CURRENT_TIMESTAMP)"),
                         {"id": org, "code": f"p{org}"})
        _insert_case(conn, 1, 1)
        _insert_case(conn, 2, 2)
        _insert_case(conn, 3, None)
        for report, case in ((1, 1), (2, 1), (3, 2), (4, 3)):
            _insert_report(conn, report, case)

    upgrade(app, "0007")
    with engine.connect() as conn:
        assert _partners(conn) == {1: (1, 1), 2: (1, 1), 3: (2, 2), 4: (None, None)}
    with engine.begin() as conn:  # from now on the triggers keep it
        conn.execute(text('UPDATE "case" SET partner_id = 2 WHERE id = 1'))
        conn.execute(text('UPDATE "case" SET partner_id = 1 WHERE id = 3'))
        _insert_report(conn, 5, 2, partner_id=1)  # a writer's wrong value is replaced by the case's
    with engine.connect() as conn:
        assert _partners(conn) == {1: (2, 2), 2: (2, 2), 3: (2, 2), 4: (1, 1), 5: (2, 2)}

    downgrade(app, "0006")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("followupreport")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("followupreport")}
    assert "partner_id" not in columns
    assert "ix_followupreport_status_due_date_id" in indexes
    with engine.begin() as conn:  # no trigger left behind that names the dropped column
        conn.execute(text('UPDATE "case" SET partner_id = 1'))
        _insert_report(conn, 6, 1)
    upgrade(app, "head")
    with engine.connect() as conn:
        assert _partners(conn) == {n: (1, 1) for n in range(1, 7)}
    engine.dispose()


change = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))),
    st.tuples(st.just("add_many"), st.lists(st.integers(0, 2), min_size=1, max_size=4)),
    st.tuples(st.just("case_partner"), st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))),
    st.tuples(st.just("all_cases_partner"), st.integers(0, 2)),
    st.tuples(st.just("move_report"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("set_report_partner"), st.integers(0, 9), st.one_of(st.none(), st.integers(0, 2))),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(change, min_size=1, max_size=8))
def test_a_reports_partner_is_always_its_cases_partner(app, db, make_org, make_case, changes):
    """Whatever is written (a report with any partner or none, a case given another
    partner or none, one or many at once, a report moved to another case or its partner
    written directly), and in whatever order, each report's partner is its case's, inside
    the transaction and after it commits."""
    partners = [make_org("partner") for _ in range(3)]
    cases = [make_case(partner=partners[n]) for n in range(3)]
    conn = db.connection()
    table = FollowUpReport.__table__

    def org(n):
        return None if n is None else partners[n].id

    def nth_report(n):
        ids = conn.execute(select(table.c.id).where(table.c.case_id.in_([c.id for c in cases]))
                           .order_by(table.c.id)).scalars().all()
        return ids[n % len(ids)] if ids else None

    def report(case_index, partner=None):
        return {"case_id": cases[case_index].id, "due_month": 1, "due_date": date(2027, 1, 1), "final": False,
                "status": "due", "risk_indicators": "", "revision": 1, "partner_id": partner}

    for step in changes:
        kind = step[0]
        if kind == "add":
            conn.execute(insert(table), [report(step[1], org(step[2]))])
        elif kind == "add_many":
            conn.execute(insert(table), [report(n) for n in step[1]])
        elif kind == "case_partner":
            conn.execute(update(Case.__table__).where(Case.id == cases[step[1]].id).values(partner_id=org(step[2])))
        elif kind == "all_cases_partner":
            conn.execute(update(Case.__table__).where(Case.id.in_([c.id for c in cases]))
                         .values(partner_id=org(step[1])))
        elif kind == "move_report" and (report_id := nth_report(step[1])) is not None:
            conn.execute(update(table).where(table.c.id == report_id).values(case_id=cases[step[2]].id))
        elif kind == "set_report_partner" and (report_id := nth_report(step[1])) is not None:
            conn.execute(update(table).where(table.c.id == report_id).values(partner_id=org(step[2])))
        assert all(stored == wanted for stored, wanted in _partners(conn).values()), step
    db.commit()
    with db.get_bind().connect() as fresh:
        assert all(stored == wanted for stored, wanted in _partners(fresh).values())


def test_a_report_written_while_its_case_moves_to_another_partner_follows_the_case(app, db, make_org, make_case):
    """One transaction moves a case to another partner; another adds a report to the case
    at the same moment. The report's writer waits for the move (PostgreSQL: the case row
    is read FOR SHARE; SQLite: the database's write lock) and takes the new partner.
    Read without waiting, the report would keep the old partner for good, and show in
    the old partner's due list."""
    engine = app.extensions["db_engine"]
    old, new = make_org("partner"), make_org("partner")
    case = make_case(partner=old)
    db.close()

    waits_for_commit(
        engine,
        lambda conn: conn.execute(update(Case.__table__).where(Case.id == case.id).values(partner_id=new.id)),
        lambda conn: conn.execute(insert(FollowUpReport.__table__), [{
            "case_id": case.id, "due_month": 1, "due_date": date(2027, 1, 1), "final": False, "status": "due",
            "risk_indicators": "", "revision": 1}]))
    with engine.connect() as conn:
        assert set(_partners(conn).values()) == {(new.id, new.id)}

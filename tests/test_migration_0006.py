"""Migration 0006: each plan version keeps the summary of its budget lines (count, cash
and in-kind totals, lowest amount, first and last month), filled in for the versions
that exist and kept by triggers on budgetline from then on, whatever the change: a plan
saved, a line changed, moved to another version or deleted, many lines in one
statement. The stored summary is always ``LineSummary.of`` the version's lines, which
is what the re-validation and the totals on the case page and approval queue read."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, insert, inspect, select, text, update

from reintegration import create_app
from reintegration.domain.budget import BudgetLine as DomainLine, LineSummary
from reintegration.migrate import downgrade, upgrade
from reintegration.models import BudgetLine, PlanVersion

from support import waits_for_commit

SUMMARY = ("line_count", "lines_cash_ore", "lines_in_kind_ore", "lines_lowest_ore", "lines_first_month",
           "lines_last_month")


def _expected(conn, version_id: int) -> tuple:
    """The summary of the version's lines as the domain works it out (amounts in øre)."""
    lines = conn.execute(select(BudgetLine.kind, BudgetLine.amount_dkk, BudgetLine.month)
                         .where(BudgetLine.plan_version_id == version_id)).all()
    s = LineSummary.of([DomainLine(kind=kind, amount_dkk=amount, month=month) for kind, amount, month in lines])
    return (s.lines, s.cash_ore, s.in_kind_ore, s.lowest_ore, s.first_month, s.last_month)


def _stored(conn, version_id: int) -> tuple:
    return tuple(conn.execute(text(f"SELECT {', '.join(SUMMARY)} FROM planversion WHERE id = :id"),
                              {"id": version_id}).one())


def test_0006_fills_in_existing_versions_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0005")
    with engine.begin() as conn:
        conn.execute(text('INSERT INTO "case" (id, reference, status, person_name, person_date_of_birth, '
                          'nationality, return_country, unaccompanied_minor, legal_hold, created_at, updated_at, '
                          "revision) VALUES (1, 'RT-1', 'preparing', 'A', '1990-01-01', 'NG', 'NG', false, false, "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
        for number in (1, 2, 3):
            conn.execute(text("INSERT INTO planversion (id, case_id, number, status, created_at, updated_at, "
                              "revision) VALUES (:n, 1, :n, 'draft', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"),
                         {"n": number})
        for n, (version, kind, ore, month) in enumerate([(1, "cash", 1_000_000, 1), (1, "in_kind", 2_500_050, 3),
                                                          (1, "cash", 1, 12), (2, "in_kind", 900_000, 2)]):
            conn.execute(text("INSERT INTO budgetline (plan_version_id, line_key, position, kind, month, amount_dkk) "
                              "VALUES (:v, :k, :p, :kind, :month, :ore)"),
                         {"v": version, "k": f"k{n}", "p": n, "kind": kind, "month": month, "ore": ore})

    upgrade(app, "0006")
    with engine.connect() as conn:
        assert _stored(conn, 1) == (3, 1_000_001, 2_500_050, 1, 1, 12)
        assert _stored(conn, 2) == (1, 0, 900_000, 900_000, 2, 2)
        assert _stored(conn, 3) == (0, 0, 0, None, None, None)  # no lines yet
    with engine.begin() as conn:  # from now on the triggers keep it
        conn.execute(text("UPDATE budgetline SET plan_version_id = 3 WHERE plan_version_id = 2"))
        conn.execute(text("DELETE FROM budgetline WHERE amount_dkk = 1"))
    with engine.connect() as conn:
        assert [_stored(conn, v) for v in (1, 2, 3)] == [_expected(conn, v) for v in (1, 2, 3)]
        assert _stored(conn, 2)[0] == 0 and _stored(conn, 3)[0] == 1

    downgrade(app, "0005")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("planversion")}
    assert not columns & set(SUMMARY)
    with engine.begin() as conn:  # no trigger left behind that names a dropped column
        conn.execute(text("UPDATE budgetline SET month = 2"))
        conn.execute(text("DELETE FROM budgetline WHERE plan_version_id = 3"))
    upgrade(app, "head")
    with engine.connect() as conn:
        assert [_stored(conn, v) for v in (1, 2, 3)] == [(2, 1_000_000, 2_500_050, 1_000_000, 2, 2),
                                                         (0, 0, 0, None, None, None), (0, 0, 0, None, None, None)]
    engine.dispose()


line = st.tuples(st.sampled_from(["cash", "in_kind"]), st.integers(min_value=-10_000, max_value=5_000_000),
                 st.integers(min_value=0, max_value=14))
change = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 2), st.lists(line, min_size=1, max_size=5)),
    st.tuples(st.just("update"), st.integers(0, 2), st.integers(0, 7), line),
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 2), st.integers(0, 7)),
    st.tuples(st.just("replace"), st.integers(0, 2), st.lists(line, max_size=5)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(change, min_size=1, max_size=8))
def test_the_stored_summary_is_always_the_summary_of_the_lines(app, db, make_case, changes):
    """Whatever happens to the lines (many in one statement, one changed, all of a version
    moved to another, deleted, a draft's lines replaced as the plan form saves them), and
    in whatever order, each version's stored summary is that of its lines when the
    transaction commits, and already inside it."""
    case = make_case()
    versions = []
    for number in (1, 2, 3):
        version = PlanVersion(case_id=case.id, number=number, status="draft")
        db.add(version)
        db.commit()
        versions.append(version.id)
    conn = db.connection()
    keys = iter(range(10**6))

    def rows(version_id, lines):
        return [{"plan_version_id": version_id, "line_key": f"h{version_id}-{next(keys)}", "position": 0,
                 "kind": kind, "month": month, "amount_dkk": Decimal(ore).scaleb(-2)} for kind, ore, month in lines]

    def nth_line(version_id, n):
        ids = conn.execute(select(BudgetLine.id).where(BudgetLine.plan_version_id == version_id)
                           .order_by(BudgetLine.id)).scalars().all()
        return ids[n % len(ids)] if ids else None

    for step in changes:
        kind, version_id = step[0], versions[step[1]]
        if kind == "insert":
            conn.execute(insert(BudgetLine.__table__), rows(version_id, step[2]))
        elif kind == "replace":  # as plans.operations._replace_lines: delete all, add the form's
            conn.execute(delete(BudgetLine.__table__).where(BudgetLine.plan_version_id == version_id))
            if step[2]:
                conn.execute(insert(BudgetLine.__table__), rows(version_id, step[2]))
        elif kind == "update" and (line_id := nth_line(version_id, step[2])) is not None:
            line_kind, ore, month = step[3]
            conn.execute(update(BudgetLine.__table__).where(BudgetLine.id == line_id)
                         .values(kind=line_kind, amount_dkk=Decimal(ore).scaleb(-2), month=month))
        elif kind == "move":
            conn.execute(update(BudgetLine.__table__).where(BudgetLine.plan_version_id == version_id)
                         .values(plan_version_id=versions[step[2]]))
        elif kind == "delete" and (line_id := nth_line(version_id, step[2])) is not None:
            conn.execute(delete(BudgetLine.__table__).where(BudgetLine.id == line_id))
        assert [_stored(conn, v) for v in versions] == [_expected(conn, v) for v in versions], step
    db.commit()
    with db.get_bind().connect() as fresh:
        assert [_stored(fresh, v) for v in versions] == [_expected(fresh, v) for v in versions]


def test_two_writers_of_one_version_at_once_leave_the_summary_of_all_its_lines(app, db, make_case):
    """Two transactions add lines to the same version at the same moment: the second waits
    for the first (PostgreSQL: the lock on the version; SQLite: the database's write lock)
    and then sums the first's lines too. Summed with what it saw before the wait, the
    version would show only the second's line."""
    engine = app.extensions["db_engine"]
    case = make_case()
    version = PlanVersion(case_id=case.id, number=1, status="draft")
    db.add(version)
    db.commit()
    db.close()

    def line(key, kind, ore, month):
        return {"plan_version_id": version.id, "line_key": key, "position": 0, "kind": kind, "month": month,
                "amount_dkk": Decimal(ore).scaleb(-2)}

    waits_for_commit(engine,
                     lambda conn: conn.execute(insert(BudgetLine.__table__), [line("first", "cash", 100_000, 1)]),
                     lambda conn: conn.execute(insert(BudgetLine.__table__), [line("second", "in_kind", 250_000, 2)]))
    with engine.connect() as conn:
        assert _stored(conn, version.id) == _expected(conn, version.id) == (2, 100_000, 250_000, 100_000, 1, 2)

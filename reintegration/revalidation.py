"""Re-validating open plans against the rate tables, after a table is added or changed.

Open plans are the drafts and the submitted versions; approved versions keep the table
they were approved against.

Built for tens of thousands of open plans (an EU-wide programme, issue #8): a plan's
verdict needs of its lines only their totals per kind, the lowest amount and the first
and last month (``domain.budget.LineSummary``), which every version keeps (migration
0006), so the query that reads the plans reads no line at all.
Only versions whose table or verdict changed are written, in one statement per kind of
change, which skips any version saved by someone else since it was read (that save ran
the check itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, select

from . import audit
from .domain.budget import Child as DomainChild, LineSummary, Plan, verdict
from .domain.rates import RateTables
from .models import Case, Child, PlanVersion
from .plans.mapping import build_plan, return_reference

OPEN_STATUSES = ("draft", "submitted")


@dataclass(frozen=True)
class Change:
    case_reference: str
    version: int
    status: str
    old_table: str | None
    new_table: str | None
    old_ok: bool | None
    new_ok: bool


@dataclass(frozen=True)
class Revalidation:
    checked: int
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class OpenVersion:
    """What the re-validation needs to know about a version besides its plan."""

    id: int
    revision: int
    number: int
    status: str
    case_reference: str
    rate_table_id: str | None
    rate_table_version: int | None
    check_ok: bool | None


# A version's line summary as ``LineSummary`` takes it, stored on the version and kept
# by the database's triggers on budgetline (migration 0006): no line is read. Tests hold
# the stored summary to ``LineSummary.of`` the lines after any change to them
# (tests/test_migration_0006.py), and each verdict to the drafting check of the whole
# stored plan (tests/test_revalidation.py).
LINE_SUMMARY = (PlanVersion.line_count, PlanVersion.lines_cash_ore, PlanVersion.lines_in_kind_ore,
                PlanVersion.lines_lowest_ore, PlanVersion.lines_first_month, PlanVersion.lines_last_month)


def open_plans(db: Session) -> Iterator[tuple[OpenVersion, Plan, LineSummary]]:
    """Every open version with its domain plan (without lines) and the summary of its
    lines, in version order.

    On PostgreSQL both reads share one REPEATABLE READ snapshot (when the session has
    not begun a transaction yet), so a version submitted or approved between them is
    never judged with its case's children of another moment.
    """
    if db.get_bind().dialect.name == "postgresql":
        if not db.in_transaction():
            db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # The query runs once; compiling it to machine code (PostgreSQL's JIT, which its
        # cost estimate asks for at this size) took longer than it saved. The children's
        # sort (48,000 at 250,000 cases) spilled to disk in the server's default 4 MB.
        db.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"))
    conn = db.connection()  # plain Core rows: no ORM loading
    is_open = PlanVersion.status.in_(OPEN_STATUSES)
    children: dict[int, list[DomainChild]] = {}
    for case_id, born, lives_in in conn.execute(
            select(Child.case_id, Child.date_of_birth, Child.lives_in)
            .where(Child.case_id.in_(select(PlanVersion.case_id).where(is_open)))
            .order_by(Child.case_id, Child.position, Child.id)).all():
        children.setdefault(case_id, []).append(DomainChild(date_of_birth=born, lives_in=lives_in))
    rows = conn.execute(
        select(PlanVersion.id, PlanVersion.revision, PlanVersion.number, PlanVersion.status,
               PlanVersion.rate_table_id, PlanVersion.rate_table_version, PlanVersion.check_ok,
               PlanVersion.activity_kind, PlanVersion.activity_description,
               Case.id, Case.reference, Case.person_date_of_birth, Case.unaccompanied_minor,
               Case.actual_return, Case.planned_return, *LINE_SUMMARY)
        .join(Case, Case.id == PlanVersion.case_id)
        .where(is_open)
        .order_by(PlanVersion.id)).all()  # one fetch: row by row costs a call each
    no_lines = LineSummary(lines=0)
    for (vid, revision, number, status, table_id, table_version, ok, kind, description,
         case_id, reference, born, minor, actual_return, planned_return,
         lines, cash, in_kind, lowest, first_month, last_month) in rows:
        plan = build_plan(date_of_birth=born, unaccompanied_minor=minor,
                          children=tuple(children.get(case_id, ())), activity_kind=kind,
                          activity_description=description, lines=(),
                          reference_date=return_reference(actual_return, planned_return))
        summary = LineSummary(lines, cash, in_kind, lowest, first_month, last_month) if lines else no_lines
        yield OpenVersion(vid, revision, number, status, reference, table_id, table_version, ok), plan, summary


def revalidate_open_plans(db: Session, tables: RateTables, today: date, *, dry_run: bool = False) -> Revalidation:
    """Check every open plan against ``tables`` and record the table and verdict on
    each version whose result changed (only the check's record: the plan's content,
    its revision and its submission digest stay as they were)."""
    checked, changes, updates = 0, [], []
    for head, plan, summary in open_plans(db):
        checked += 1
        check = verdict(plan, summary, tables, today)
        table_id = check.rate_table.id if check.rate_table else None
        table_version = check.rate_table.version if check.rate_table else None
        if (head.rate_table_id, head.rate_table_version, head.check_ok) == (table_id, table_version, check.ok):
            continue
        changes.append(Change(head.case_reference, head.number, head.status,
                              head.rate_table_id and f"{head.rate_table_id} v{head.rate_table_version}",
                              table_id and f"{table_id} v{table_version}", head.check_ok, check.ok))
        updates.append({"vid": head.id, "seen": head.revision, "seen_status": head.status, "seen_ok": head.check_ok,
                        "table_id": table_id, "table_version": table_version, "ok": check.ok})
    db.rollback()  # end the read snapshot; the writes below see what is committed now
    if not dry_run:
        # A version whose verdict stands gets only its table: writing check_ok would run
        # the case's plan-attention trigger (migration 0002) for nothing.
        _write(db, [u for u in updates if u["ok"] != u["seen_ok"]], verdict_changed=True)
        _write(db, [u for u in updates if u["ok"] == u["seen_ok"]], verdict_changed=False)
        audit.record(db, "rates.revalidate", object_type="rate_tables",
                     detail={"checked": checked, "changed": len(changes),
                             "tables": sorted(f"{t.id} v{t.version}" for t in tables)})
        db.commit()
    return Revalidation(checked, tuple(changes))


def _write(db: Session, updates: list[dict], *, verdict_changed: bool) -> None:
    """Record the new table (and verdict) on each version still at the revision and
    status it was read with."""
    if not updates:
        return
    if db.get_bind().dialect.name == "postgresql":
        # One statement over arrays instead of one statement per version (psycopg's
        # executemany): 40,703 versions in about 1.0 s against 1.5 s. The statuses again
        # as a list of their own: with them the server reads only the open versions (by
        # the status index) to join on, not all 280,000 (0.43 s against 0.56 s).
        verdict_column = ", check_ok = u.ok" if verdict_changed else ""
        db.execute(
            text(f"""UPDATE planversion AS v SET rate_table_id = u.table_id, rate_table_version = u.table_version
                                                 {verdict_column}
                     FROM unnest(CAST(:vid AS bigint[]), CAST(:seen AS integer[]), CAST(:seen_status AS text[]),
                                 CAST(:table_id AS text[]), CAST(:table_version AS integer[]),
                                 CAST(:ok AS boolean[]))
                          AS u(vid, seen, seen_status, table_id, table_version, ok)
                     WHERE v.id = u.vid AND v.revision = u.seen AND v.status = u.seen_status
                       AND v.status = ANY(CAST(:statuses AS text[]))"""),
            {"statuses": sorted({u["seen_status"] for u in updates}),
             **{key: [u[key] for u in updates] for key in ("vid", "seen", "seen_status", "table_id", "table_version",
                                                           "ok")}})
        return
    table = PlanVersion.__table__
    values = {"rate_table_id": bindparam("table_id"), "rate_table_version": bindparam("table_version")}
    if verdict_changed:
        values["check_ok"] = bindparam("ok")
    db.connection().execute(
        update(table)
        .where(table.c.id == bindparam("vid"), table.c.revision == bindparam("seen"),
               table.c.status == bindparam("seen_status"))
        .values(**values),
        updates)

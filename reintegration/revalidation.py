"""Re-validating open plans against the rate tables, after a table is added or changed.

Open plans are the drafts and the submitted versions; approved versions keep the table
they were approved against.

Built for tens of thousands of open plans (an EU-wide programme, issue #8): a plan's
verdict needs of its lines only their totals per kind, the lowest amount and the first
and last month (``domain.budget.LineSummary``), which every version keeps (migration
0006), so the query that reads the plans reads no line at all. The exception is the
rare amendment with money paid out on its case: the rule that what was paid stays paid
needs its lines one by one, so it is read with its lines and what was paid, and judged
by the whole drafting check (``check_plan``).
Only versions whose table or verdict changed are written, in one statement per kind of
change and batch, which skips any version saved by someone else since it was read (that
save ran the check itself). A new verdict moves the case's plan attention, so the cases
of those versions are locked first (``locks``: the case before its versions).

On PostgreSQL the three parts overlap: a thread fetches the next batch of versions while
this one is judged, and another writes the changes found so far on a connection of its
own, in one transaction that the audit record closes. The rules are Python, the reading
and writing mostly the database server's work, which on a second core goes on meanwhile
(40,703 plans: a median of 2.37 s against 3.07 s one part after the other, on the slowest
machine measured; bench/RESULTS.md).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Iterator, NamedTuple, TypeVar

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, select

from . import audit
from .domain.budget import Child as DomainChild, LineSummary, Plan, RemovedLine, Verdict, check_plan, verdict
from .domain.rates import RateTables
from .domain.workflow import OPEN_PLAN_STATUSES
from .models import BudgetLine, Case, Child, Disbursement, PlanVersion
from .plans.mapping import build_plan, domain_line, paid_lines, return_reference


# Versions per fetch and per write: large enough that a batch costs one round trip for
# thousands of versions, small enough that the first write starts early in the run.
BATCH = 5_000

T = TypeVar("T")


# Tuples with names, not dataclasses: one of each per open version (40,703 in the
# benchmark), and a frozen dataclass sets each field through object.__setattr__.
class Change(NamedTuple):
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


class OpenVersion(NamedTuple):
    """What the re-validation needs to know about a version besides its plan."""

    id: int
    revision: int
    number: int
    status: str
    case_reference: str
    rate_table_id: str | None
    rate_table_version: int | None
    check_ok: bool | None
    # When money was paid on the case (an amendment): what was paid by line index, the
    # paid lines the version removed and the kind each paid line was paid out as
    # (``mapping.paid_lines``). The plan then has its lines.
    paid: tuple[dict[int, Decimal] | None, tuple[RemovedLine, ...], dict[int, str] | None] | None = None


# A version's line summary as ``LineSummary`` takes it, stored on the version and kept
# by the database's triggers on budgetline (migration 0006): no line is read. Tests hold
# the stored summary to ``LineSummary.of`` the lines after any change to them
# (tests/test_migration_0006.py), and each verdict to the drafting check of the whole
# stored plan (tests/test_revalidation.py).
LINE_SUMMARY = (PlanVersion.line_count, PlanVersion.lines_cash_ore, PlanVersion.lines_in_kind_ore,
                PlanVersion.lines_lowest_ore, PlanVersion.lines_first_month, PlanVersion.lines_last_month)


def open_plans(db: Session) -> Iterator[tuple[OpenVersion, Plan, LineSummary]]:
    """Every open version with its domain plan (without lines) and the summary of its
    lines, in version order; an amendment with money paid on its case comes with its
    lines and what was paid (``OpenVersion.paid``).

    On PostgreSQL all reads share one REPEATABLE READ snapshot (when the session has
    not begun a transaction yet), so a version submitted or approved between them is
    never judged with its case's children or payments of another moment.
    """
    if db.get_bind().dialect.name == "postgresql":
        if not db.in_transaction():
            db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        # The query runs once; compiling it to machine code (PostgreSQL's JIT, which its
        # cost estimate asks for at this size) took longer than it saved. The children's
        # sort (48,000 at 250,000 cases) spilled to disk in the server's default 4 MB.
        db.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"))
    conn = db.connection()  # plain Core rows: no ORM loading
    is_open = PlanVersion.status.in_(OPEN_PLAN_STATUSES)
    children: dict[int, list[DomainChild]] = {}
    for case_id, born, lives_in in conn.execute(
            select(Child.case_id, Child.date_of_birth, Child.lives_in)
            .where(Child.case_id.in_(select(PlanVersion.case_id).where(is_open)))
            .order_by(Child.case_id, Child.position, Child.id)).all():
        children.setdefault(case_id, []).append(DomainChild(date_of_birth=born, lives_in=lives_in))
    # Money is paid only under an approved version, so only amendments (few) can have
    # payments on their case: read those payments, and the lines of those versions.
    paid_amendment = is_open & PlanVersion.amends_id.is_not(None)
    paid: dict[int, dict[str, Decimal]] = {}
    paid_kinds: dict[int, dict[str, str]] = {}  # the kind each was paid out as (``mapping.paid_lines_as_paid``)
    paid_line = BudgetLine.__table__.alias("paid_line")
    for case_id, key, amount, kind in conn.execute(
            select(Disbursement.case_id, Disbursement.line_key, Disbursement.amount_dkk, paid_line.c.kind)
            .outerjoin(paid_line, (paid_line.c.plan_version_id == Disbursement.plan_version_id)
                  & (paid_line.c.line_key == Disbursement.line_key))
            .where(Disbursement.case_id.in_(select(PlanVersion.case_id).where(paid_amendment)))
            .order_by(Disbursement.case_id, Disbursement.id)).all():
        by_key = paid.setdefault(case_id, {})
        by_key[key] = by_key.get(key, Decimal("0.00")) + amount
        if kind is not None:
            paid_kinds.setdefault(case_id, {})[key] = kind
    lines_of_paid: dict[int, list] = {}  # version id: its lines, in the drafting check's order
    if paid:
        with_payments = paid_amendment & PlanVersion.case_id.in_(select(Disbursement.case_id))
        lines_of_paid = {vid: [] for vid in conn.execute(select(PlanVersion.id).where(with_payments)).scalars()}
        for line in conn.execute(
                select(BudgetLine.__table__).join(PlanVersion, PlanVersion.id == BudgetLine.plan_version_id)
                .where(with_payments).order_by(BudgetLine.plan_version_id, BudgetLine.position, BudgetLine.id)):
            lines_of_paid[line.plan_version_id].append(line)
    # Fetched a batch at a time (a call per batch, not per row), on PostgreSQL from a
    # server-side cursor, the next batch while the caller works on this one.
    batches = conn.execution_options(stream_results=True).execute(
        select(PlanVersion.id, PlanVersion.revision, PlanVersion.number, PlanVersion.status,
               PlanVersion.rate_table_id, PlanVersion.rate_table_version, PlanVersion.check_ok,
               PlanVersion.activity_kind, PlanVersion.activity_description,
               Case.id, Case.reference, Case.person_date_of_birth, Case.unaccompanied_minor,
               Case.actual_return, Case.planned_return, *LINE_SUMMARY)
        .join(Case, Case.id == PlanVersion.case_id)
        .where(is_open)
        .order_by(PlanVersion.id)).partitions(BATCH)
    if conn.dialect.name == "postgresql":
        batches = read_ahead(batches)
    no_lines = LineSummary(lines=0)
    for rows in batches:
        for (vid, revision, number, status, table_id, table_version, ok, kind, description,
             case_id, reference, born, minor, actual_return, planned_return,
             lines, cash, in_kind, lowest, first_month, last_month) in rows:
            version_lines, version_paid = (), None
            if vid in lines_of_paid:
                rows_of_lines = lines_of_paid[vid]
                version_lines = tuple(domain_line(line) for line in rows_of_lines)
                version_paid = paid_lines([line.line_key for line in rows_of_lines], paid.get(case_id),
                                          kinds_by_key=paid_kinds.get(case_id))
            plan = build_plan(date_of_birth=born, unaccompanied_minor=minor,
                              children=tuple(children.get(case_id, ())), activity_kind=kind,
                              activity_description=description, lines=version_lines,
                              reference_date=return_reference(actual_return, planned_return))
            summary = LineSummary(lines, cash, in_kind, lowest, first_month, last_month) if lines else no_lines
            yield (OpenVersion(vid, revision, number, status, reference, table_id, table_version, ok, version_paid),
                   plan, summary)


def judged_whole(plan: Plan, paid: tuple[dict[int, Decimal] | None, tuple[RemovedLine, ...], dict[int, str] | None],
                 tables: RateTables, today: date) -> Verdict:
    """The verdict of an amendment with money paid on its case, by the drafting check
    itself: what was paid stays paid (no paid line lowered below it, removed, or given
    another kind)."""
    disbursed, removed, kinds = paid
    check = check_plan(plan, tables, today, disbursed, removed, kinds)
    return Verdict(check.ok, check.rate_table)


def read_ahead(items: Iterable[T]) -> Iterator[T]:
    """``items``, each next one taken in a thread while the caller works on the one
    before: for a database cursor, the server and the network work while Python does.
    The iterable is only ever used by one thread at a time."""
    iterator = iter(items)
    with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as pool:
        upcoming = pool.submit(next, iterator, _END)
        while (item := upcoming.result()) is not _END:
            upcoming = pool.submit(next, iterator, _END)
            yield item


_END = object()


def revalidate_open_plans(db: Session, tables: RateTables, today: date, *, dry_run: bool = False) -> Revalidation:
    """Check every open plan against ``tables`` and record the table and verdict on
    each version whose result changed (only the check's record: the plan's content,
    its revision and its submission digest stay as they were). Every change and the
    audit record are committed together, or none."""
    checked, changes, updates = 0, [], []
    writer = None if dry_run else _Writer.for_session(db)
    try:
        # Closed on the way out, error or not: the read-ahead thread's fetch ends before
        # the caller's session is rolled back or closed.
        with closing(open_plans(db)) as plans:
            for head, plan, summary in plans:
                checked += 1
                if head.paid is None:
                    check = verdict(plan, summary, tables, today)
                else:
                    check = judged_whole(plan, head.paid, tables, today)
                table_id = check.rate_table.id if check.rate_table else None
                table_version = check.rate_table.version if check.rate_table else None
                if (head.rate_table_id, head.rate_table_version, head.check_ok) == (table_id, table_version,
                                                                                    check.ok):
                    continue
                changes.append(Change(head.case_reference, head.number, head.status,
                                      head.rate_table_id and f"{head.rate_table_id} v{head.rate_table_version}",
                                      table_id and f"{table_id} v{table_version}", head.check_ok, check.ok))
                updates.append(Update(head.id, head.revision, head.status, head.check_ok, table_id, table_version,
                                      check.ok))
                if writer and writer.concurrent and len(updates) == BATCH:
                    writer.write(updates)
                    updates = []
        db.rollback()  # end the read snapshot; the writes see what is committed now
        if writer:
            writer.write(updates)
            writer.commit({"checked": checked, "changed": len(changes),
                           "tables": sorted(f"{t.id} v{t.version}" for t in tables)})
    except BaseException:
        if writer:
            writer.abandon()
        raise
    return Revalidation(checked, tuple(changes))


class _Writer:
    """Writes the changes in batches, and the audit record, in one transaction.

    On PostgreSQL (``concurrent``) on a session of its own, in a thread, while the
    caller goes on reading and judging; elsewhere (SQLite, one writer at a time) on the
    caller's session, after the reading."""

    def __init__(self, db: Session, concurrent: bool):
        self.db = db
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="revalidation-write") if concurrent else None
        self._pending: list[Future] = []

    @property
    def concurrent(self) -> bool:
        return self._pool is not None

    @classmethod
    def for_session(cls, db: Session) -> "_Writer":
        bind = db.get_bind()
        if bind.dialect.name == "postgresql":
            return cls(Session(bind), concurrent=True)
        return cls(db, concurrent=False)

    def write(self, updates: list[Update]) -> None:
        if not updates:
            return
        if not self.concurrent:
            _write(self.db, updates)
            return
        for done in [f for f in self._pending if f.done()]:
            done.result()  # a failed batch stops the run now, not at the end
            self._pending.remove(done)
        self._pending.append(self._pool.submit(_write, self.db, updates))

    def commit(self, detail: dict) -> None:
        self._drain()
        audit.record(self.db, "rates.revalidate", object_type="rate_tables", detail=detail)
        self.db.commit()
        self._close()

    def abandon(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self.db.rollback()
        self._close()

    def _drain(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            for future in self._pending:
                future.result()

    def _close(self) -> None:
        if self.concurrent:
            self.db.close()


class Update(NamedTuple):
    """A version's new record, and the revision, status and verdict it was read with."""

    vid: int
    seen: int
    seen_status: str
    seen_ok: bool | None
    table_id: str | None
    table_version: int | None
    ok: bool


def _write(db: Session, updates: list[Update]) -> None:
    """Record the new table, and the new verdict where it changed, on each version still
    at the revision and status it was read with.

    A version whose verdict stands gets only its table: writing check_ok would run the
    case's plan-attention trigger (migration 0002) for nothing."""
    if not updates:
        return
    if db.get_bind().dialect.name == "postgresql":
        _write_postgresql(db, updates)
        return
    table = PlanVersion.__table__
    for verdict_changed in (True, False):
        values = {"rate_table_id": bindparam("table_id"), "rate_table_version": bindparam("table_version")}
        if verdict_changed:
            values["check_ok"] = bindparam("ok")
        rows = [u._asdict() for u in updates if (u.ok != u.seen_ok) == verdict_changed]
        if rows:
            db.connection().execute(
                update(table)
                .where(table.c.id == bindparam("vid"), table.c.revision == bindparam("seen"),
                       table.c.status == bindparam("seen_status"))
                .values(**values),
                rows)


# The changes of a batch go to the server by COPY into a table of the transaction's own
# (psycopg writes the rows in C), and two statements apply them: 40,703 versions in
# 0.64-0.74 s and 0.05 s of Python, against 0.97-1.13 s and 0.24-0.32 s of Python when
# they went as seven arrays of parameters (psycopg dumps those element by element in
# Python, which held up the reading thread). With the statuses as a list of their own
# the server reads only the open versions (by the status index) to join on.
_STAGE = text("CREATE TEMPORARY TABLE IF NOT EXISTS revalidation_change "
              "(vid bigint, seen integer, seen_status text, seen_ok boolean, table_id text, table_version integer, "
              "ok boolean) ON COMMIT DROP")
_COPY = "COPY revalidation_change (vid, seen, seen_status, seen_ok, table_id, table_version, ok) FROM STDIN"
_APPLY = """UPDATE planversion AS v SET rate_table_id = c.table_id, rate_table_version = c.table_version {verdict}
            FROM revalidation_change AS c
            WHERE v.id = c.vid AND v.revision = c.seen AND v.status = c.seen_status
              AND v.status = ANY(CAST(:statuses AS text[])) AND c.ok IS {distinct} c.seen_ok"""
_APPLY_VERDICT = text(_APPLY.format(verdict=", check_ok = c.ok", distinct="DISTINCT FROM"))
_APPLY_TABLE = text(_APPLY.format(verdict="", distinct="NOT DISTINCT FROM"))
_CLEAR = text("TRUNCATE revalidation_change")
# The cases whose version gets a new verdict, locked in the order of their ids before the
# versions are written: the verdict moves the case's plan attention (the planversion
# trigger), and every write takes a case before its versions (``locks``). A version
# that gets only its table does not touch its case.
_LOCK_CASES = text("""SELECT c.id FROM "case" AS c
                      WHERE c.id IN (SELECT v.case_id FROM planversion AS v JOIN revalidation_change AS ch
                                     ON ch.vid = v.id WHERE ch.ok IS DISTINCT FROM ch.seen_ok)
                      ORDER BY c.id FOR UPDATE OF c""")


def _write_postgresql(db: Session, updates: list[Update]) -> None:
    db.execute(_STAGE)
    with db.connection().connection.dbapi_connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        for row in updates:
            copy.write_row(row)
    statuses = {"statuses": sorted({u.seen_status for u in updates})}
    if any(u.ok != u.seen_ok for u in updates):
        db.execute(_LOCK_CASES)
    db.execute(_APPLY_VERDICT, statuses)
    db.execute(_APPLY_TABLE, statuses)
    db.execute(_CLEAR)

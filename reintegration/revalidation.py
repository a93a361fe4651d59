"""Re-validating open plans against the rate tables, after a table is added or changed.

Open plans are the drafts and the submitted versions; approved versions keep the table
they were approved against.

Built for tens of thousands of open plans (an EU-wide programme, issue #8): the plans
are read in three queries whatever their number, as plain columns rather than ORM
objects, from one consistent snapshot; the lines are streamed in plan order, so each
plan is checked as soon as its lines are in and memory stays flat. Only versions whose
table or verdict changed are written, in one batched UPDATE that skips any version
saved by someone else since it was read (that save ran the check itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import chain, groupby
from operator import itemgetter
from typing import Iterator

from sqlalchemy import BigInteger, String, bindparam, type_coerce, update
from sqlmodel import Session, select

from . import audit
from .domain.budget import BudgetLine as DomainLine, Child as DomainChild, Plan, check_plan
from .domain.money import from_ore
from .domain.rates import RateTables
from .models import BudgetLine, Case, Child, PlanVersion
from .plans.mapping import build_plan, return_reference

OPEN_STATUSES = ("draft", "submitted")
FETCH_ROWS = 10_000  # budget lines per round trip: a batch size (memory, latency), not a rate figure


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


def _open_version_ids():
    return select(PlanVersion.id).where(PlanVersion.status.in_(OPEN_STATUSES))


def open_plans(db: Session) -> Iterator[tuple[OpenVersion, Plan]]:
    """Every open version with its domain plan, in version order.

    On PostgreSQL the three reads share one REPEATABLE READ snapshot (when the session
    has not begun a transaction yet), so a version submitted or approved between them
    can never be checked with half its lines.
    """
    if db.get_bind().dialect.name == "postgresql" and not db.in_transaction():
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # Plain Core rows (no ORM loading), money as raw øre and exact decimals as raw text,
    # turned into Decimals here once: reading 700,000 lines is most of the work.
    conn = db.connection()
    heads = conn.execute(
        select(PlanVersion.id, PlanVersion.revision, PlanVersion.number, PlanVersion.status,
               PlanVersion.rate_table_id, PlanVersion.rate_table_version, PlanVersion.check_ok,
               PlanVersion.activity_kind, PlanVersion.activity_description,
               Case.id, Case.reference, Case.person_date_of_birth, Case.unaccompanied_minor,
               Case.actual_return, Case.planned_return)
        .join(Case, Case.id == PlanVersion.case_id)
        .where(PlanVersion.status.in_(OPEN_STATUSES))
        .order_by(PlanVersion.id)).all()
    if not heads:
        return
    children: dict[int, list[DomainChild]] = {}
    for case_id, born, lives_in in conn.execute(
            select(Child.case_id, Child.date_of_birth, Child.lives_in)
            .where(Child.case_id.in_(select(PlanVersion.case_id).where(PlanVersion.status.in_(OPEN_STATUSES))))
            .order_by(Child.case_id, Child.position, Child.id)).all():
        children.setdefault(case_id, []).append(DomainChild(date_of_birth=born, lives_in=lives_in))
    rows = conn.execute(
        select(BudgetLine.plan_version_id, BudgetLine.kind, type_coerce(BudgetLine.amount_dkk, BigInteger),
               BudgetLine.month, BudgetLine.category, BudgetLine.description, BudgetLine.currency,
               type_coerce(BudgetLine.amount_local, String), type_coerce(BudgetLine.exchange_rate, String))
        .where(BudgetLine.plan_version_id.in_(_open_version_ids()))
        .order_by(BudgetLine.plan_version_id, BudgetLine.position, BudgetLine.id)
        .execution_options(yield_per=FETCH_ROWS))
    grouped = groupby(chain.from_iterable(rows.partitions(FETCH_ROWS)), key=itemgetter(0))
    pending = next(grouped, None)
    for (vid, revision, number, status, table_id, table_version, ok, kind, description,
         case_id, reference, born, minor, actual_return, planned_return) in heads:
        # Both sides are ordered by version id: skip lines of versions not in the heads
        # (there are none in a snapshot), take this version's lines if they are next.
        while pending is not None and pending[0] < vid:
            pending = next(grouped, None)
        lines: tuple[DomainLine, ...] = ()
        if pending is not None and pending[0] == vid:
            lines = tuple(DomainLine(k, from_ore(ore), month, category, text, currency,
                                     None if local is None else Decimal(local),
                                     None if rate is None else Decimal(rate))
                          for _vid, k, ore, month, category, text, currency, local, rate in pending[1])
            pending = next(grouped, None)
        plan = build_plan(date_of_birth=born, unaccompanied_minor=minor, children=tuple(children.get(case_id, ())),
                          activity_kind=kind, activity_description=description, lines=lines,
                          reference_date=return_reference(actual_return, planned_return))
        yield OpenVersion(vid, revision, number, status, reference, table_id, table_version, ok), plan


def revalidate_open_plans(db: Session, tables: RateTables, today: date, *, dry_run: bool = False) -> Revalidation:
    """Check every open plan against ``tables`` and record the table and verdict on
    each version whose result changed (only the check's record: the plan's content,
    its revision and its submission digest stay as they were)."""
    checked, changes, updates = 0, [], []
    for head, plan in open_plans(db):
        checked += 1
        check = check_plan(plan, tables, today)
        table_id = check.rate_table.id if check.rate_table else None
        table_version = check.rate_table.version if check.rate_table else None
        if (head.rate_table_id, head.rate_table_version, head.check_ok) == (table_id, table_version, check.ok):
            continue
        changes.append(Change(head.case_reference, head.number, head.status,
                              head.rate_table_id and f"{head.rate_table_id} v{head.rate_table_version}",
                              table_id and f"{table_id} v{table_version}", head.check_ok, check.ok))
        updates.append({"vid": head.id, "seen": head.revision, "seen_status": head.status,
                        "table_id": table_id, "table_version": table_version, "ok": check.ok})
    db.rollback()  # end the read snapshot; the writes below see what is committed now
    if not dry_run:
        if updates:
            table = PlanVersion.__table__
            db.connection().execute(
                update(table)
                .where(table.c.id == bindparam("vid"), table.c.revision == bindparam("seen"),
                       table.c.status == bindparam("seen_status"))
                .values(rate_table_id=bindparam("table_id"), rate_table_version=bindparam("table_version"),
                        check_ok=bindparam("ok")),
                updates)
        audit.record(db, "rates.revalidate", object_type="rate_tables",
                     detail={"checked": checked, "changed": len(changes),
                             "tables": sorted(f"{t.id} v{t.version}" for t in tables)})
        db.commit()
    return Revalidation(checked, tuple(changes))

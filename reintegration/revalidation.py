"""Re-validating open plans against the rate tables, after a table is added or changed.

Open plans are the drafts and the submitted versions; approved versions keep the table
they were approved against.

Built for tens of thousands of open plans (an EU-wide programme, issue #8): the plans
are read as plain columns rather than ORM objects, from one consistent snapshot; their
lines are read ``PLANS_PER_QUERY`` plans at a time (ordinary buffered queries: no
server-side cursor and its round trip per fetch), so memory stays bounded, and only the
columns the budget check reads. Only versions whose table or verdict changed are
written, in one batched UPDATE that skips any version saved by someone else since it
was read (that save ran the check itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Iterator

from sqlalchemy import BigInteger, bindparam, type_coerce, update
from sqlmodel import Session, select

from . import audit
from .domain.budget import BudgetLine as DomainLine, Child as DomainChild, Plan, check_plan
from .domain.money import from_ore
from .domain.rates import RateTables
from .models import BudgetLine, Case, Child, PlanVersion
from .plans.mapping import build_plan, return_reference

OPEN_STATUSES = ("draft", "submitted")
PLANS_PER_QUERY = 5_000  # plans whose lines one query reads: a batch size (memory), not a rate figure


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


def open_plans(db: Session) -> Iterator[tuple[OpenVersion, Plan]]:
    """Every open version with its domain plan, in version order.

    On PostgreSQL all the reads share one REPEATABLE READ snapshot (when the session
    has not begun a transaction yet), so a version submitted or approved between them
    can never be checked with half its lines.
    """
    if db.get_bind().dialect.name == "postgresql" and not db.in_transaction():
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # Plain Core rows (no ORM loading), money as raw øre turned into Decimals here once:
    # reading 700,000 lines is most of the work.
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
    for first in range(0, len(heads), PLANS_PER_QUERY):
        part = heads[first:first + PLANS_PER_QUERY]
        rows = conn.execute(_lines_of([head[0] for head in part])).all()
        lines_of = {vid: tuple(DomainLine(kind, from_ore(ore), month) for _vid, kind, ore, month in lines)
                    for vid, lines in groupby(rows, key=itemgetter(0))}
        for (vid, revision, number, status, table_id, table_version, ok, kind, description,
             case_id, reference, born, minor, actual_return, planned_return) in part:
            plan = build_plan(date_of_birth=born, unaccompanied_minor=minor,
                              children=tuple(children.get(case_id, ())), activity_kind=kind,
                              activity_description=description, lines=lines_of.get(vid, ()),
                              reference_date=return_reference(actual_return, planned_return))
            yield OpenVersion(vid, revision, number, status, reference, table_id, table_version, ok), plan


def _lines_of(version_ids: list[int]):
    """The lines of the versions ``version_ids``, in plan order, with only what the
    budget check reads (kind, amount, month): what a line says, what it is for and its
    currency never change a verdict. A test holds this to the check of the whole stored
    plan (tests/test_revalidation.py)."""
    return (select(BudgetLine.plan_version_id, BudgetLine.kind, type_coerce(BudgetLine.amount_dkk, BigInteger),
                   BudgetLine.month)
            .where(BudgetLine.plan_version_id.in_(version_ids))
            .order_by(BudgetLine.plan_version_id, BudgetLine.position, BudgetLine.id))


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

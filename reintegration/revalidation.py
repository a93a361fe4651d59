"""Re-validating open plans against the rate tables, after a table is added or changed.

Open plans are the drafts and the submitted versions; approved versions keep the table
they were approved against. Everything is loaded in four queries, whatever the number
of plans, and only versions whose verdict or table changed are written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from .domain.budget import check_plan
from .domain.rates import RateTables
from .models import BudgetLine, Case, Child, PlanVersion
from .plans.mapping import StoredPlan, domain_plan

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


def load_open_plans(db: Session) -> list[StoredPlan]:
    versions = db.exec(select(PlanVersion).where(PlanVersion.status.in_(OPEN_STATUSES))
                       .order_by(PlanVersion.id)).all()
    if not versions:
        return []
    version_ids = [v.id for v in versions]
    case_ids = {v.case_id for v in versions}
    cases = {c.id: c for c in db.exec(select(Case).where(Case.id.in_(case_ids))).all()}
    children = defaultdict(list)
    for child in db.exec(select(Child).where(Child.case_id.in_(case_ids)).order_by(Child.position, Child.id)):
        children[child.case_id].append(child)
    lines = defaultdict(list)
    for line in db.exec(select(BudgetLine).where(BudgetLine.plan_version_id.in_(version_ids))
                        .order_by(BudgetLine.position, BudgetLine.id)):
        lines[line.plan_version_id].append(line)
    return [StoredPlan(cases[v.case_id], tuple(children[v.case_id]), v, tuple(lines[v.id])) for v in versions]


def revalidate_open_plans(db: Session, tables: RateTables, today: date, *, dry_run: bool = False) -> Revalidation:
    """Check every open plan against ``tables`` and record the table and verdict on
    each version whose result changed."""
    changes = []
    stored_plans = load_open_plans(db)
    for stored in stored_plans:
        check = check_plan(domain_plan(stored), tables, today)
        version = stored.version
        table_id = check.rate_table.id if check.rate_table else None
        table_version = check.rate_table.version if check.rate_table else None
        if (version.rate_table_id, version.rate_table_version, version.check_ok) == (table_id, table_version, check.ok):
            continue
        changes.append(Change(stored.case.reference, version.number, version.status,
                              version.rate_table_id and f"{version.rate_table_id} v{version.rate_table_version}",
                              table_id and f"{table_id} v{table_version}", version.check_ok, check.ok))
        if not dry_run:
            # Only the check's record changes: the plan's content (and so its
            # submission digest) stays as it was.
            version.rate_table_id, version.rate_table_version, version.check_ok = table_id, table_version, check.ok
            db.add(version)
    if not dry_run:
        db.commit()
    return Revalidation(len(stored_plans), tuple(changes))

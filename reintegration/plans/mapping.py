"""Between the stored plan and the domain: one place that turns a plan version and its
case into a domain :class:`~reintegration.domain.budget.Plan`, its plan-file document
(PLAN_FORMAT.md) and the SHA-256 digest that decisions and approval packages record.

Every area (drafting, approval, exports, follow-up, benchmarks) uses these, so the app
and ``python -m reintegration validate`` always judge the same plan the same way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Mapping, Sequence

from sqlmodel import Session, select

from ..domain.budget import Activity, BudgetCheck, Child as DomainChild, Person, Plan, RemovedLine, check_plan
from ..domain.budget import BudgetLine as DomainLine
from ..domain.planfile import plan_to_json
from ..domain.rates import RateTables
from ..models import BudgetLine, Case, Child, Disbursement, PlanVersion


@dataclass(frozen=True)
class StoredPlan:
    """A version with everything the rules need, loaded in three queries."""

    case: Case
    children: tuple[Child, ...]
    version: PlanVersion
    lines: tuple[BudgetLine, ...]


def load_plan(db: Session, version: PlanVersion) -> StoredPlan:
    case = db.get(Case, version.case_id)
    children = tuple(db.exec(select(Child).where(Child.case_id == case.id).order_by(Child.position, Child.id)).all())
    lines = tuple(db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)
                          .order_by(BudgetLine.position, BudgetLine.id)).all())
    return StoredPlan(case, children, version, lines)


def reference_date(case: Case) -> date | None:
    return return_reference(case.actual_return, case.planned_return)


def return_reference(actual_return: date | None, planned_return: date | None) -> date | None:
    """The actual return date once known, else the planned one (DOMAIN.md)."""
    return actual_return or planned_return


# Which date ``return_reference`` gave (``Decision.reference_basis``): none means the
# case had neither, and a check took the day of checking.
RETURN_ACTUAL, RETURN_PLANNED, RETURN_NONE = "actual", "planned", "none"


def return_basis(actual_return: date | None, planned_return: date | None) -> str:
    if actual_return is not None:
        return RETURN_ACTUAL
    return RETURN_PLANNED if planned_return is not None else RETURN_NONE


def domain_plan(stored: StoredPlan) -> Plan:
    case, version = stored.case, stored.version
    return build_plan(
        date_of_birth=case.person_date_of_birth, unaccompanied_minor=case.unaccompanied_minor,
        children=tuple(DomainChild(date_of_birth=c.date_of_birth, lives_in=c.lives_in) for c in stored.children),
        activity_kind=version.activity_kind, activity_description=version.activity_description,
        lines=tuple(domain_line(line) for line in stored.lines),
        reference_date=reference_date(case),
    )


def build_plan(*, date_of_birth: date, unaccompanied_minor: bool, children: tuple[DomainChild, ...],
               activity_kind: str | None, activity_description: str | None, lines: tuple[DomainLine, ...],
               reference_date: date | None) -> Plan:
    """The domain plan from a version's stored values, however they were read (ORM
    objects here, plain rows in the re-validation)."""
    activity = Activity(kind=activity_kind, description=activity_description or "") if activity_kind else None
    return Plan(person=Person(date_of_birth=date_of_birth, unaccompanied_minor=unaccompanied_minor),
                children=children, activity=activity, lines=lines, reference_date=reference_date)


def domain_line(line: BudgetLine) -> DomainLine:
    return DomainLine(
        kind=line.kind, amount_dkk=Decimal(line.amount_dkk), month=line.month, category=line.category,
        description=line.description, currency=line.currency, amount_local=line.amount_local,
        exchange_rate=line.exchange_rate,
    )


def plan_document(stored: StoredPlan) -> dict:
    """The version as a plan file (PLAN_FORMAT.md). The reference date is the case's
    return date (actual, else planned), so the file gives the same verdict on any later
    day; a case with neither has none, and the file none either ("absent = today")."""
    plan = domain_plan(stored)
    document = plan_to_json(plan)
    if plan.reference_date is None:
        document.pop("reference_date", None)
    return document


def decided_plan(stored: StoredPlan, reference_date: date) -> Plan:
    """The plan a decision judges: the version as stored, on the decision's reference date."""
    return replace(domain_plan(stored), reference_date=reference_date)


def decided_document(stored: StoredPlan, reference_date: date) -> str:
    """``decided_plan`` as the plan file a decision keeps (``Decision.plan_document``)."""
    return json.dumps(plan_to_json(decided_plan(stored, reference_date)), ensure_ascii=False)


def canonical_bytes(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(stored: StoredPlan) -> str:
    """The digest of what is decided on: the plan document plus the activity and risk
    texts the approver reads. Any change to either changes the digest."""
    version = stored.version
    narrative = {
        field: getattr(version, field)
        for field in ("activity_location", "activity_start_month", "realism", "social_support", "housing",
                      "health", "schooling", "risk_health", "risk_traffickers", "risk_management")
    }
    narrative["expected_monthly_income"] = (None if version.expected_monthly_income is None
                                            else f"{version.expected_monthly_income:.2f}")
    payload = {"plan": plan_document(stored), "narrative": narrative,
               "case": stored.case.reference, "version": version.number}
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def check_stored(stored: StoredPlan, tables: RateTables, today: date,
                 disbursed_by_key: Mapping[str, Decimal] | None = None,
                 descriptions: Mapping[str, str | None] | None = None,
                 kinds_by_key: Mapping[str, str] | None = None) -> BudgetCheck:
    """The budget check of a stored version. ``disbursed_by_key`` maps a line key to
    what has been paid on it (for amendments: a line can't go below that, nor be
    removed); ``descriptions`` name, by key, the paid lines the version no longer has;
    ``kinds_by_key`` gives the kind each paid line's money was paid out as (it stays)."""
    disbursed, removed, kinds = paid_lines([line.line_key for line in stored.lines], disbursed_by_key, descriptions,
                                           kinds_by_key)
    return check_plan(domain_plan(stored), tables, today, disbursed, removed, kinds)


def paid_lines_as_paid(db: Session, case_id: int) -> dict[str, tuple[str, str | None]]:
    """Each of the case's paid lines as it read in the version the payment was made under
    (the latest payment's, should they differ): its kind, which the money was paid out
    as and which stays, and its description, which names it once removed."""
    return {key: (kind, description) for key, kind, description in db.exec(
        select(Disbursement.line_key, BudgetLine.kind, BudgetLine.description)
        .join(BudgetLine, (Disbursement.plan_version_id == BudgetLine.plan_version_id)
              & (Disbursement.line_key == BudgetLine.line_key))
        .where(Disbursement.case_id == case_id).order_by(Disbursement.id)).all()}


def paid_lines(line_keys: Sequence[str], disbursed_by_key: Mapping[str, Decimal] | None,
               descriptions: Mapping[str, str | None] | None = None,
               kinds_by_key: Mapping[str, str] | None = None,
               ) -> tuple[dict[int, Decimal] | None, tuple[RemovedLine, ...], dict[int, str] | None]:
    """What the amendment rules of ``check_plan`` take, from a version's line keys (in
    line order) and what has been paid per key on its case: the paid amount by line
    index, the paid keys the version no longer has (in key order), and the kind each
    paid line was paid out as, by line index."""
    if not disbursed_by_key:
        return None, (), None
    present = set(line_keys)
    disbursed = {i: disbursed_by_key[key] for i, key in enumerate(line_keys) if key in disbursed_by_key}
    removed = tuple(RemovedLine(paid=amount, key=key, description=(descriptions or {}).get(key))
                    for key, amount in sorted(disbursed_by_key.items()) if key not in present)
    kinds = {i: kinds_by_key[key] for i, key in enumerate(line_keys) if key in (kinds_by_key or {})}
    return disbursed, removed, kinds



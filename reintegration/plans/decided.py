"""Plan versions as they were decided: the decision and who took it, and an approved
version's check as approved.

A decision is final for its version. An approved version (and one superseded since) is
read as it was approved: the plan file and the rate table the decision kept
(``Decision.plan_document``, ``Decision.rate_table_document``), checked on the decision's
reference date, with the country of return and the partner it named (migration 0012).
The case may change afterwards (a child removed, a date corrected, another partner): that
changes nothing that was approved, so the pages say what changed instead, and an
amendment is checked against the case as it is now. The approval package, the review
page and the plan's own page all read an approved version here, so none of them can
contradict another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from ..domain.budget import BudgetCheck, Plan, check_plan
from ..domain.planfile import parse_plan, plan_to_json
from ..domain.rates import RateTables, parse_rate_table
from ..i18n import local_day
from ..models import Case, Decision, Organisation, PlanVersion, User
from .mapping import RETURN_NONE, StoredPlan, decided_plan, load_plan, plan_document
from .operations import case_differences

# ``Decision.outcome``
APPROVED, SENT_BACK, REJECTED = "approved", "sent_back", "rejected"


@dataclass(frozen=True)
class DecisionTaken:
    """A decision, the number of the version it is on and the name of who took it."""

    decision: Decision
    version_number: int
    decided_by: str


def _taken(db: Session, *conditions) -> DecisionTaken | None:
    row = db.exec(select(Decision, PlanVersion.number, User.name)
                  .join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                  .join(User, User.id == Decision.decided_by)
                  .where(*conditions).order_by(PlanVersion.number.desc()).limit(1)).first()
    return DecisionTaken(*row) if row else None


def decision_on(db: Session, version: PlanVersion) -> DecisionTaken | None:
    """The decision on ``version``, if it has one."""
    return _taken(db, Decision.plan_version_id == version.id)


def latest_decision(db: Session, case_id: int) -> DecisionTaken | None:
    """The newest decision on the case's plan, on whichever version."""
    return _taken(db, PlanVersion.case_id == case_id)


def decision_followed(db: Session, version: PlanVersion) -> DecisionTaken | None:
    """For a version not decided yet: the decision that sent back or rejected the version
    before it, which it answers (the points to fix); None after an approval."""
    taken = _taken(db, PlanVersion.case_id == version.case_id, PlanVersion.number < version.number)
    return taken if taken is not None and taken.decision.outcome != APPROVED else None


def approved_decision(db: Session, version_id: int) -> Decision | None:
    return db.exec(select(Decision).where(Decision.plan_version_id == version_id,
                                          Decision.outcome == APPROVED)).first()


def partner_name(db: Session, case: Case) -> str | None:
    """The name of the case's partner organisation now."""
    partner = db.get(Organisation, case.partner_id) if case.partner_id else None
    return partner.name if partner else None


def plan_file(db: Session, version: PlanVersion) -> tuple[dict, bool]:
    """The version's plan file (PLAN_FORMAT.md) and whether it is the approved one. An
    approved version gives the file its decision kept: the case may have changed since,
    and the file must still be the plan that was approved. A decision from before the
    decisions kept their plan file (migration 0009) gives the plan its approval package
    holds (:func:`approved_plan`)."""
    decision = approved_decision(db, version.id)
    if decision is None:
        return plan_document(load_plan(db, version)), False
    if decision.plan_document:
        return json.loads(decision.plan_document), True
    return plan_to_json(approved_plan(decision, load_plan(db, version))), True


def tables_at_decision(decision: Decision, tables: RateTables) -> RateTables:
    """The rate table the decision was taken on, as its file read then (migration 0011):
    a later correction of the file changes nothing approved. A decision taken before
    the decisions kept it is checked against ``tables``, the tables loaded now."""
    if not decision.rate_table_document:
        return tables
    return RateTables((parse_rate_table(decision.rate_table_document, f"{decision.rate_table_id}.toml"),))


def approved_plan(decision: Decision, stored: StoredPlan) -> Plan:
    """The plan as approved: the plan file the decision kept, so that a later change to
    the case (a child added, a date corrected) changes neither its caps nor its verdict.
    A decision from before the decisions kept it (migration 0009): the version on the
    decision's reference date."""
    if decision.plan_document:
        return parse_plan(json.loads(decision.plan_document))
    return decided_plan(stored, decision.reference_date or local_day(decision.decided_at))


@dataclass(frozen=True)
class CaseChange:
    """A fact of the case that the check rests on, as approved and as it is now:
    ``what`` is one of ``case_differences``'s (date_of_birth, unaccompanied_minor,
    children, reference_date), or return_country or partner."""

    what: str
    approved: object
    now: object


@dataclass(frozen=True)
class AsApproved:
    """An approved version as it was approved, and what has changed on its case since."""

    plan: Plan
    check: BudgetCheck
    return_country: str
    partner_name: str | None
    changes: tuple[CaseChange, ...]


def as_approved(db: Session, decision: Decision | None, stored: StoredPlan, tables: RateTables) -> AsApproved | None:
    """The version of ``stored`` as ``decision`` approved it; None unless the decision
    was an approval (the other versions are read as they stand, against the case now).

    The check is the approval's: no payment made since is counted (the amendment rules
    about paid lines judge the versions that change an approved one)."""
    if decision is None or decision.outcome != APPROVED:
        return None
    plan = approved_plan(decision, stored)
    check = check_plan(plan, tables_at_decision(decision, tables), plan.reference_date)
    case = stored.case
    partner_now = partner_name(db, case)
    if decision.return_country is not None:  # as decided (migration 0012)
        country, partner = decision.return_country, decision.partner_name
    else:  # decided before the decisions kept them: the case's
        country, partner = case.return_country, partner_now
    changes = [CaseChange(*difference) for difference in case_differences(case, stored.children, plan)
               if not _still_without_return_date(difference, decision)]
    if country != case.return_country:
        changes.append(CaseChange("return_country", country, case.return_country))
    if partner != partner_now:
        changes.append(CaseChange("partner", partner, partner_now))
    return AsApproved(plan, check, country, partner, tuple(changes))


def _still_without_return_date(difference: tuple[str, object, object], decision: Decision) -> bool:
    """A case approved without a return date was checked on the day of deciding; if it
    has none now either, that is no change."""
    what, _approved, now = difference
    return what == "reference_date" and now is None and decision.reference_basis in (RETURN_NONE, None)


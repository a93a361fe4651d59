"""Plan versions built directly in the database (the drafting pages belong to the plans
area), with the digest a real submission fixes, for the approval and export tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import BudgetLine, Case, Comment, Disbursement, PlanContributor, PlanVersion
from reintegration.plans.mapping import content_sha256, load_plan

PLANNED_RETURN = date(2027, 3, 1)


@dataclass
class Line:
    kind: str = "in_kind"
    amount: str = "5000.00"
    month: int = 1
    description: str = "Salon chairs"
    key: str | None = None
    currency: str | None = None
    amount_local: str | None = None
    exchange_rate: str | None = None
    category: str | None = None


def seal(db, version: PlanVersion) -> PlanVersion:
    """Fix the digest as submission does."""
    db.refresh(version)
    version.content_sha256 = content_sha256(load_plan(db, version))
    db.add(version)
    db.commit()
    return version


def change_after_submission(db, version: PlanVersion) -> None:
    """Change the version's first budget line in the database after its digest was fixed,
    so its content no longer matches what was submitted."""
    line = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id).order_by(BudgetLine.id)).first()
    line.amount_dkk = Decimal("6000.00")
    db.add(line)
    db.commit()


@pytest.fixture
def drafter(make_user):
    return make_user("caseworker")


@pytest.fixture
def make_plan(db, make_case, drafter):
    """``make_plan(case=None, lines=[Line(...)], status="submitted", by=user, amends=None,
    submitted_days_ago=3, activity="...")`` → a version with its lines, contributor and digest."""

    def make(case=None, lines=None, status="submitted", by=None, amends=None, submitted_days_ago=3,
             activity="Hair salon in Benin City", number=None, **version_fields):
        by = by or drafter
        if case is None:
            case = make_case(planned_return=PLANNED_RETURN, caseworker_id=by.id,
                             status="awaiting_approval" if status == "submitted" else "preparing")
        if number is None:
            last = db.exec(select(PlanVersion.number).where(PlanVersion.case_id == case.id)
                           .order_by(PlanVersion.number.desc())).first()
            number = (last or 0) + 1
        submitted = status != "draft"
        version = PlanVersion(
            case_id=case.id, number=number, status=status, amends_id=amends.id if amends else None,
            activity_kind="business", activity_description=activity, realism="Trained hairdresser",
            created_by=by.id, submitted_by=by.id if submitted else None,
            submitted_at=datetime.now(timezone.utc) - timedelta(days=submitted_days_ago) if submitted else None,
            rate_table_id="2026-2029", rate_table_version=1, check_ok=True, **version_fields)
        db.add(version)
        db.commit()
        for position, line in enumerate(lines if lines is not None else [Line()]):
            db.add(BudgetLine(plan_version_id=version.id, line_key=line.key or str(uuid.uuid4()),
                              position=position, kind=line.kind, category=line.category,
                              description=line.description, month=line.month,
                              amount_dkk=Decimal(line.amount), currency=line.currency,
                              amount_local=Decimal(line.amount_local) if line.amount_local else None,
                              exchange_rate=Decimal(line.exchange_rate) if line.exchange_rate else None))
        db.add(PlanContributor(plan_version_id=version.id, user_id=by.id))
        db.commit()
        return seal(db, version) if submitted else version

    return make


@pytest.fixture
def pay(db):
    """Record a disbursement on a line key of a case."""

    def pay(case_or_id, line_key: str, amount: str, version, by) -> Disbursement:
        case_id = case_or_id if isinstance(case_or_id, int) else case_or_id.id
        d = Disbursement(case_id=case_id, line_key=line_key, plan_version_id=version.id, paid_on=date(2027, 3, 10),
                         amount_dkk=Decimal(amount), recorded_by=by.id)
        db.add(d)
        db.commit()
        return d

    return pay


@pytest.fixture
def comment(db):
    def add(version, author, body="Risk of debt noted"):
        c = Comment(plan_version_id=version.id, author_id=author.id, body=body)
        db.add(c)
        db.commit()
        return c

    return add


@pytest.fixture
def approver(make_user):
    return make_user("approver")


@pytest.fixture
def approve(app, db, approver):
    """Approve a version through the operation (as ``approver`` unless told otherwise)."""
    from reintegration.approvals.operations import decide

    def run(version, user=None, action="approve", reason=None, now=None):
        with app.app_context():
            return decide(db, version.id, user or approver, action, reason, app.extensions["rate_tables"],
                          date.today(), now=now)

    return run


def case_of(db, version) -> Case:
    db.expire_all()
    return db.get(Case, version.case_id)


@pytest.fixture
def amendment(db, make_plan, approve, comment, pay, approver, drafter):
    """Version 2, submitted, amending the approved version 1 (a line of which is paid),
    with a comment: every part of the review and drafting pages has something to read."""
    first = make_plan(lines=[Line(kind="cash", amount="4000.00", key="cash"), Line(key="chairs")])
    approve(first)
    pay(first.case_id, "chairs", "1000.00", first, approver)
    second = make_plan(case=db.get(Case, first.case_id), amends=first,
                       lines=[Line(kind="cash", amount="3000.00", key="cash"), Line(key="chairs"),
                              Line(amount="2000.00", description="Hair dryer")])
    comment(second, drafter, body="Second dryer asked for")
    return second

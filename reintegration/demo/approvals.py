"""Demo decisions, taken through the same operation as the decision form.

approver@hjem.demo (who drafted none of the demo plans) approves two submitted plans and
sends one back with points to fix (a draft submitted here by its own author first), so
that at least one submitted plan stays in the queue for approver2@hjem.demo.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlmodel import Session, select

from ..approvals import operations as ops
from ..domain import workflow as wf
from ..models import Case, PlanVersion, User

APPROVE = ("Blessing Okoro", "Malee Srisuk")
SEND_BACK = "Faith Aghedo"
POINTS_TO_FIX = ("Please add the hostel's written offer and explain who pays the rent after month 12. "
                 "The monthly cash looks high next to the school fees: consider moving part of it to "
                 "in-kind support for the course.")


def _latest(db: Session, name: str) -> PlanVersion | None:
    return db.exec(select(PlanVersion).join(Case, Case.id == PlanVersion.case_id)
                   .where(Case.person_name == name).order_by(PlanVersion.number.desc())).first()


def load(db: Session, app: Flask) -> str:
    tables = app.extensions["rate_tables"]
    today = date.today()
    approver = db.exec(select(User).where(User.email == "approver@hjem.demo")).first()
    if approver is None:
        return ""
    approved = sent_back = 0
    for name in APPROVE:
        version = _latest(db, name)
        if version is None or version.status != wf.SUBMITTED:
            continue
        try:
            ops.decide(db, version.id, approver, wf.APPROVE, None, tables, today)
            approved += 1
        except ops.DecisionRefused:
            continue
    draft = _latest(db, SEND_BACK)
    if draft is not None and draft.status == wf.DRAFT:
        from ..plans import operations as plans

        author = db.get(User, draft.created_by)
        try:
            plans.submit_version(db, draft, seen_revision=draft.revision, user=author, tables=tables, today=today)
            ops.decide(db, draft.id, approver, wf.SEND_BACK, POINTS_TO_FIX, tables, today)
            sent_back += 1
        except (plans.SubmitRefused, plans.PlanConflict, plans.PlanFrozen, ops.DecisionRefused):
            db.rollback()
    waiting = len(db.exec(select(PlanVersion.id).where(PlanVersion.status == wf.SUBMITTED)).all())
    return f"Demo approvals: {approved} approved, {sent_back} sent back, {waiting} waiting in the queue."

"""Many writers at once: optimistic locking loses no update, and concurrent approvals
give exactly one decision per version. Each thread has its own database session
(its own connection), as concurrent requests do."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, func, select

from reintegration.approvals import operations as approvals
from reintegration.models import AuditEvent, BudgetLine, Case, Decision, PlanContributor, PlanVersion
from reintegration.plans import operations as plans
from reintegration.plans.mapping import content_sha256, load_plan

THREADS = 8


def _version(db, make_case, drafter, status):
    case = make_case(planned_return=date(2027, 3, 1), caseworker_id=drafter.id,
                     status="awaiting_approval" if status == "submitted" else "preparing")
    version = PlanVersion(case_id=case.id, number=1, status=status, activity_kind="business",
                          activity_description="start", created_by=drafter.id, check_ok=True,
                          submitted_by=drafter.id if status == "submitted" else None,
                          submitted_at=datetime.now(timezone.utc) - timedelta(days=1) if status == "submitted" else None,
                          rate_table_id="2026-2029", rate_table_version=1)
    db.add(version)
    db.commit()
    db.add(BudgetLine(plan_version_id=version.id, line_key=str(uuid.uuid4()), kind="in_kind", description="Chairs",
                      month=1, amount_dkk=Decimal("5000.00")))
    db.add(PlanContributor(plan_version_id=version.id, user_id=drafter.id))
    db.commit()
    if status == "submitted":
        db.refresh(version)
        version.content_sha256 = content_sha256(load_plan(db, version))
        db.add(version)
        db.commit()
    return version


def _run_together(target, n):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_concurrent_saves_conflict_instead_of_overwriting(app, db, make_case, make_user):
    users = [make_user("caseworker") for _ in range(THREADS)]
    version = _version(db, make_case, users[0], "draft")
    seen = version.revision
    tables = app.extensions["rate_tables"]

    def save(i):
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as s:
            mine = s.get(PlanVersion, version.id)
            try:
                plans.save_draft(s, mine, seen_revision=seen, narrative={"activity_description": f"writer {i}",
                                                                         "activity_kind": "business"},
                                 lines=[], user=users[i], tables=tables, today=date.today())
                return "saved"
            except plans.PlanConflict:
                return "conflict"

    outcomes = _run_together(save, THREADS)
    assert outcomes.count("saved") == 1 and outcomes.count("conflict") == THREADS - 1
    db.expire_all()
    stored = db.get(PlanVersion, version.id)
    assert stored.revision == seen + 1
    assert stored.activity_description == f"writer {outcomes.index('saved')}"


def test_concurrent_writers_that_retry_all_get_their_update_applied_once(app, db, make_case, make_user):
    users = [make_user("caseworker") for _ in range(THREADS)]
    version = _version(db, make_case, users[0], "draft")
    start = version.revision
    tables = app.extensions["rate_tables"]

    def save_until_applied(i):
        conflicts = 0
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as s:
            while True:
                mine = s.get(PlanVersion, version.id)
                s.refresh(mine)
                try:
                    plans.save_draft(s, mine, seen_revision=mine.revision,
                                     narrative={"activity_description": f"writer {i}", "activity_kind": "business"},
                                     lines=[], user=users[i], tables=tables, today=date.today())
                    return conflicts
                except plans.PlanConflict:
                    conflicts += 1

    _run_together(save_until_applied, THREADS)
    db.expire_all()
    assert db.get(PlanVersion, version.id).revision == start + THREADS
    updates = db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan.update")).one()
    assert updates == THREADS


def test_concurrent_approvals_give_exactly_one_decision(app, db, make_case, make_user):
    drafter = make_user("caseworker")
    approvers = [make_user("approver") for _ in range(THREADS)]
    version = _version(db, make_case, drafter, "submitted")
    tables = app.extensions["rate_tables"]

    def approve(i):
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as s:
            try:
                approvals.decide(s, version.id, approvers[i], "approve", None, tables, date.today())
                return "approved"
            except approvals.DecisionRefused:
                return "refused"

    outcomes = _run_together(approve, THREADS)
    assert outcomes.count("approved") == 1, outcomes
    assert db.exec(select(func.count()).select_from(Decision).where(Decision.plan_version_id == version.id)).one() == 1
    db.expire_all()
    assert db.get(PlanVersion, version.id).status == "approved"
    assert db.get(Case, version.case_id).status == "approved"
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0

"""The decision: approve, send back, reject; and every crafted attempt refused and audited."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from approval_factories import Line, case_of, change_after_submission
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.approvals import operations as ops
from reintegration.models import AuditEvent, BudgetLine, Decision, PlanContributor, PlanVersion


def decide_url(version):
    return f"/approvals/{version.id}/decide"


def refused_events(db, version):
    db.expire_all()
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "approval.refused", AuditEvent.object_id == str(version.id))).all()]


def status_of(db, version):
    db.expire_all()
    return db.get(PlanVersion, version.id).status


def test_approve_records_who_when_rate_table_and_digest(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    response = auth.post(decide_url(version), decision_form(db, version, "approve"))
    assert response.status_code == 302
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    assert (decision.outcome, decision.decided_by) == ("approved", approver.id)
    assert (decision.rate_table_id, decision.rate_table_version) == ("2026-2029", 1)
    assert decision.content_sha256 == version.content_sha256 and decision.decided_at is not None
    assert decision.reference_date == case_of(db, version).planned_return
    assert status_of(db, version) == "approved" and case_of(db, version).status == "approved"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "approval.approved")).first() is not None
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert "The plan is approved." in page and "approval package" in page


@pytest.mark.parametrize("action, field_message", [("send_back", "Write the points to fix."),
                                                    ("reject", "Write the reason for the rejection.")])
def test_send_back_and_reject_need_a_reason_named_at_the_field(auth, db, make_plan, approver, action, field_message):
    version = make_plan()
    auth.login(approver)
    response = auth.post(decide_url(version), {"action": action, "reason": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and field_message in page and 'href="#reason"' in page
    assert 'value="%s" checked' % action in page or f'checked value="{action}"' in page or "checked" in page
    assert status_of(db, version) == "submitted"


def test_send_back_returns_the_version_and_the_case_to_preparing(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    assert auth.post(decide_url(version), decision_form(db, version, "send_back", "Split the equipment line")).status_code == 302
    assert status_of(db, version) == "returned" and case_of(db, version).status == "preparing"
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    assert (decision.outcome, decision.reason) == ("sent_back", "Split the equipment line")


def test_reject(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    assert auth.post(decide_url(version), decision_form(db, version, "reject", "No realistic activity")).status_code == 302
    assert status_of(db, version) == "rejected" and case_of(db, version).status == "preparing"


def test_an_approver_who_edited_the_plan_is_refused_and_it_is_audited(auth, db, make_plan, approver):
    version = make_plan()
    db.add(PlanContributor(plan_version_id=version.id, user_id=approver.id))
    db.commit()
    auth.login(approver)
    response = auth.post(decide_url(version), decision_form(db, version, "approve"))
    assert response.status_code == 403
    assert "another approver must decide" in response.get_data(as_text=True)
    assert status_of(db, version) == "submitted"
    assert refused_events(db, version)[-1]["violations"] == ["decision.own_plan"]


def test_the_submitter_may_not_decide(auth, db, make_plan, make_user):
    submitter = make_user("approver")
    version = make_plan()
    version.submitted_by = submitter.id
    db.add(version)
    db.commit()
    auth.login(submitter)
    assert auth.post(decide_url(version), decision_form(db, version, "approve")).status_code == 403
    assert refused_events(db, version)[-1]["violations"] == ["decision.own_plan"]


def test_a_caseworker_posting_a_decision_is_refused_and_audited(auth, db, make_plan, make_user):
    version = make_plan()
    auth.login(make_user("caseworker"))
    assert auth.post(decide_url(version), decision_form(db, version, "approve")).status_code == 403
    assert status_of(db, version) == "submitted"
    assert "decision.wrong_organisation" in refused_events(db, version)[-1]["violations"]


def test_an_approver_of_another_organisation_is_refused(auth, db, make_plan, make_user, make_org):
    outsider = make_user("approver")  # an account moved to DRC without its role changed
    outsider.organisation_id = make_org("drc").id
    db.add(outsider)
    db.commit()
    version = make_plan()
    auth.login(outsider)
    assert auth.post(decide_url(version), decision_form(db, version, "approve")).status_code == 403
    assert refused_events(db, version)[-1]["violations"] == ["decision.wrong_organisation"]


def test_a_partner_is_refused_on_its_own_case_and_gets_404_on_another(auth, db, make_plan, make_user, make_case,
                                                                      make_org):
    partner_org = make_org("partner")
    own = make_plan(case=make_case(partner=partner_org))
    foreign = make_plan()
    auth.login(make_user("partner", organisation=partner_org))
    assert auth.post(decide_url(own), decision_form(db, own, "approve")).status_code == 403
    assert auth.post(decide_url(foreign), decision_form(db, foreign, "approve")).status_code == 404
    assert status_of(db, own) == status_of(db, foreign) == "submitted"
    assert refused_events(db, own) and refused_events(db, foreign)


def test_a_second_decision_is_refused_as_already_decided(auth, db, make_plan, approver, make_user):
    version = make_plan()
    auth.login(approver)
    assert auth.post(decide_url(version), decision_form(db, version, "approve")).status_code == 302
    auth.logout()
    auth.login(make_user("approver"))
    response = auth.post(decide_url(version), decision_form(db, version, "reject", "late"))
    assert response.status_code == 409 and "already been decided" in response.get_data(as_text=True)
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1
    assert refused_events(db, version)[-1]["violations"] == ["decision.already_decided"]


def test_two_approvers_at_the_same_moment_give_exactly_one_decision(app, db, make_plan, approver, make_user,
                                                                    monkeypatch):
    """The second approver's checks pass (the first has not committed yet when they run);
    the unique version id on Decision still makes it one decision. A rival ``decide``
    waits for the case's lock (``locks``); this rival writes the decision without it, so
    the test takes no lock either (on SQLite the lock would make the rival wait for this
    transaction, which waits for the rival): the unique id is the guard behind the lock."""
    version = make_plan()
    rival = make_user("approver")
    real_check = ops.check_version

    def check_then_rival_commits(db_, *args, **kwargs):
        result = real_check(db_, *args, **kwargs)
        with Session(app.extensions["db_engine"]) as other:
            other.add(Decision(plan_version_id=version.id, outcome="approved", decided_by=rival.id,
                               rate_table_id="2026-2029", rate_table_version=1, content_sha256="f" * 64))
            other.commit()
        return result

    monkeypatch.setattr(ops, "check_version", check_then_rival_commits)
    monkeypatch.setattr(ops, "lock_case", lambda db_, case_id: None)
    from datetime import date

    with app.app_context(), pytest.raises(ops.DecisionRefused) as refused:
        ops.decide(db, version.id, approver, "approve", None, app.extensions["rate_tables"], date.today())
    assert [v.code for v in refused.value.violations] == ["decision.already_decided"]
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1
    assert status_of(db, version) == "submitted"  # the rival's transaction owns the status change


def test_a_plan_with_an_error_finding_cannot_be_approved_but_can_be_sent_back(auth, db, make_plan, approver):
    version = make_plan(lines=[Line(kind="cash", amount="15000.00")])  # above the 10,000 kr. cash rate
    auth.login(approver)
    response = auth.post(decide_url(version), decision_form(db, version, "approve"))
    assert response.status_code == 422 and "cannot be approved" in response.get_data(as_text=True)
    assert status_of(db, version) == "submitted"
    assert auth.post(decide_url(version), decision_form(db, version, "send_back", "Cash above the rate")).status_code == 302


def test_a_plan_changed_after_submission_cannot_be_approved(auth, db, make_plan, approver):
    version = make_plan()
    change_after_submission(db, version)
    auth.login(approver)
    response = auth.post(decide_url(version), decision_form(db, version, "approve"))
    assert response.status_code == 422 and "changed after it was submitted" in response.get_data(as_text=True)
    assert refused_events(db, version)[-1]["violations"] == ["decision.content_changed"]


def test_a_case_fact_changed_after_submission_is_named_with_the_refusal(auth, db, make_plan, approver):
    """The submitted digest covers the plan file, whose household and reference date come
    from the case: a return date moved after submission refuses the approval too, and the
    approver is told it may be the case's facts, not only the plan, that changed."""
    version = make_plan()
    case = case_of(db, version)
    case.planned_return = date(2027, 4, 1)
    db.add(case)
    db.commit()
    auth.login(approver)
    said = "The plan, or the person, children or return date it was checked against, changed after it was submitted"
    assert said in auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    response = auth.post(decide_url(version), decision_form(db, version, "approve"))
    assert response.status_code == 422 and said in response.get_data(as_text=True)
    assert refused_events(db, version)[-1]["violations"] == ["decision.content_changed"]


def test_only_submitted_versions_are_decided(auth, db, make_plan, approver):
    draft = make_plan(status="draft")
    auth.login(approver)
    assert auth.post(decide_url(draft), decision_form(db, draft, "approve")).status_code == 409
    assert status_of(db, draft) == "draft"


def test_approval_supersedes_the_earlier_approved_version_and_keeps_followup(db, make_plan, approve):
    first = make_plan()
    approve(first)
    case = case_of(db, first)
    case.status = "in_followup"
    db.add(case)
    db.commit()
    amendment = make_plan(case=case, amends=first)
    approve(amendment)
    assert status_of(db, first) == "superseded" and status_of(db, amendment) == "approved"
    assert case_of(db, first).status == "in_followup"


def test_sending_back_an_amendment_keeps_the_approved_version_in_force(db, make_plan, approve):
    first = make_plan()
    approve(first)
    amendment = make_plan(case=case_of(db, first), amends=first)
    approve(amendment, action="send_back", reason="Explain the new line")
    assert status_of(db, first) == "approved" and case_of(db, first).status == "approved"


def test_approved_lines_never_change_and_attempts_are_audited(app, db, make_plan, approve, approver):
    from sqlalchemy import update

    version = make_plan(lines=[Line(currency="NGN", amount_local="1000000", exchange_rate="0.005")])
    approve(version)
    line = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)).one()
    line.exchange_rate = Decimal("0.006")
    db.add(line)
    with pytest.raises(ops.FrozenVersionError) as raised:
        db.commit()
    db.rollback()
    with pytest.raises(ops.FrozenVersionError):
        db.exec(update(BudgetLine).where(BudgetLine.plan_version_id == version.id).values(month=2))
    db.rollback()
    with pytest.raises(ops.FrozenVersionError):
        db.delete(db.get(BudgetLine, line.id))
        db.flush()
    with app.test_request_context():
        ops.record_frozen_attempt(db, approver, raised.value)
    db.expire_all()
    assert db.get(BudgetLine, line.id).exchange_rate == Decimal("0.005")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_change_refused")).first()


def test_a_frozen_change_in_a_request_answers_409_and_is_audited(app, db, make_plan, approve, approver, auth):
    from reintegration.access import allow
    from reintegration.db import get_session

    version = make_plan()
    approve(version)

    @allow("approver")
    def tamper():
        session = get_session()
        line = session.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)).one()
        line.amount_dkk = Decimal("1.00")
        session.add(line)
        session.commit()
        return "changed"

    app.add_url_rule("/test-tamper", "test_tamper", tamper)
    auth.login(approver)
    response = auth._client.get("/test-tamper")
    assert response.status_code == 409 and "cannot change" in response.get_data(as_text=True)
    db.expire_all()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_change_refused")).first()

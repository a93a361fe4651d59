import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reintegration.domain import workflow as wf
from reintegration.domain.violation import Violation

ACTIONS = (wf.SUBMIT, wf.APPROVE, wf.SEND_BACK, wf.REJECT, wf.SUPERSEDE)
ALLOWED = {
    (wf.DRAFT, wf.SUBMIT): wf.SUBMITTED,
    (wf.SUBMITTED, wf.APPROVE): wf.APPROVED,
    (wf.SUBMITTED, wf.SEND_BACK): wf.RETURNED,
    (wf.SUBMITTED, wf.REJECT): wf.REJECTED,
    (wf.APPROVED, wf.SUPERSEDE): wf.SUPERSEDED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(wf.PLAN_STATUSES, ACTIONS)))
def test_every_status_and_action(status, action):
    if (status, action) in ALLOWED:
        assert wf.transition(status, action) == ALLOWED[status, action]
    else:
        with pytest.raises(wf.WorkflowError) as raised:
            wf.transition(status, action)
        assert raised.value.code == "workflow.not_allowed"
        assert raised.value.params == {"status": status, "action": action}


def decide(**overrides):
    arguments = dict(decider_user_id=7, decider_org_kind="hjemrejsestyrelsen", drafter_user_ids={3, 4},
                     has_errors=False, status=wf.SUBMITTED)
    return [violation.code for violation in wf.decision_violations(**{**arguments, **overrides})]


def test_an_approver_from_the_return_agency_may_decide_on_a_plan_they_did_not_draft():
    assert decide() == []


def test_four_eyes():
    assert decide(decider_user_id=3) == ["decision.own_plan"]


def test_only_the_return_agency_decides():
    assert decide(decider_org_kind="drc") == ["decision.wrong_organisation"]


def test_only_submitted_versions_are_decided():
    assert decide(status=wf.DRAFT) == ["decision.not_submitted"]


def test_a_plan_with_errors_may_be_sent_back_or_rejected_but_not_approved():
    assert decide(has_errors=True) == ["decision.has_errors"]
    assert decide(has_errors=True, action=wf.SEND_BACK) == []
    assert decide(has_errors=True, action=wf.REJECT) == []


def test_all_violations_are_reported_together():
    assert decide(decider_user_id=4, decider_org_kind="partner", has_errors=True, status=wf.APPROVED) == [
        "decision.not_submitted", "decision.wrong_organisation", "decision.own_plan", "decision.has_errors"]


def test_submit_violations():
    assert wf.submit_violations(wf.DRAFT, has_errors=False) == []
    assert wf.submit_violations(wf.DRAFT, has_errors=True) == [Violation("submit.has_errors")]
    assert wf.submit_violations(wf.RETURNED, has_errors=False) == [
        Violation("submit.not_draft", {"status": "returned"})]


def test_vocabularies():
    assert wf.CASE_STATUSES == ("preparing", "awaiting_approval", "approved", "in_followup", "closed")
    assert wf.CLOSURE_REASONS == ("completed", "withdrew", "contact_lost", "period_ended")
    assert set(wf.TRANSITIONS.values()) | {wf.DRAFT} == set(wf.PLAN_STATUSES)


@pytest.mark.parametrize("case_status, action, in_force, expected", [
    # A first plan moves the case along.
    (wf.PREPARING, wf.SUBMIT, False, wf.AWAITING_APPROVAL),
    (wf.AWAITING_APPROVAL, wf.APPROVE, False, wf.CASE_APPROVED),
    (wf.AWAITING_APPROVAL, wf.SEND_BACK, False, wf.PREPARING),
    (wf.AWAITING_APPROVAL, wf.REJECT, False, wf.PREPARING),
    # An amendment leaves it where it is, whatever becomes of the amendment.
    (wf.CASE_APPROVED, wf.SUBMIT, True, wf.CASE_APPROVED),
    (wf.CASE_APPROVED, wf.APPROVE, True, wf.CASE_APPROVED),
    (wf.CASE_APPROVED, wf.SEND_BACK, True, wf.CASE_APPROVED),
    (wf.IN_FOLLOWUP, wf.SUBMIT, True, wf.IN_FOLLOWUP),
    (wf.IN_FOLLOWUP, wf.APPROVE, True, wf.IN_FOLLOWUP),
    (wf.IN_FOLLOWUP, wf.SEND_BACK, True, wf.IN_FOLLOWUP),
    (wf.IN_FOLLOWUP, wf.REJECT, True, wf.IN_FOLLOWUP),
    (wf.AWAITING_APPROVAL, wf.SEND_BACK, True, wf.CASE_APPROVED),  # left awaiting by an earlier submission
    # A closed case stays closed.
    (wf.CLOSED, wf.SEND_BACK, True, wf.CLOSED),
    (wf.CLOSED, wf.REJECT, False, wf.CLOSED),
])
def test_the_case_status_after_a_submission_or_decision(case_status, action, in_force, expected):
    assert wf.case_status_after(case_status, action, approved_in_force=in_force) == expected


def test_nothing_is_submitted_or_approved_on_a_closed_case():
    assert Violation("submit.case_closed") in wf.submit_violations(wf.DRAFT, False, case_status=wf.CLOSED)
    assert wf.submit_violations(wf.DRAFT, False, case_status=wf.IN_FOLLOWUP) == []
    common = dict(decider_user_id=1, decider_org_kind=wf.APPROVING_ORGANISATION, drafter_user_ids={2},
                  has_errors=False, status=wf.SUBMITTED, case_status=wf.CLOSED)
    assert wf.decision_violations(action=wf.APPROVE, **common) == [Violation("decision.case_closed")]
    assert wf.decision_violations(action=wf.SEND_BACK, reason_given=True, **common) == []


def test_start_violations():
    """A new version is started on an open case without an open version; a version
    decided (returned, rejected, approved, superseded) does not stand in the way."""
    for status in (None, wf.RETURNED, wf.REJECTED, wf.APPROVED, wf.SUPERSEDED):
        assert wf.start_violations(wf.PREPARING, status) == []
        assert wf.start_violations(wf.IN_FOLLOWUP, status) == []
    assert wf.start_violations(wf.CLOSED) == [Violation("start.case_closed")]
    assert wf.start_violations(wf.CASE_APPROVED, wf.SUBMITTED) == [Violation("start.open_version",
                                                                             {"status": wf.SUBMITTED})]
    assert [v.code for v in wf.start_violations(wf.CLOSED, wf.DRAFT)] == ["start.case_closed", "start.open_version"]


BLOCKERS = {"decision.has_errors", "decision.content_changed", "decision.case_closed"}


@given(has_errors=st.booleans(), content_changed=st.booleans(), case_status=st.sampled_from(wf.CASE_STATUSES),
       status=st.sampled_from(wf.PLAN_STATUSES), own_plan=st.booleans(), decider_role=st.sampled_from(
           ("approver", "caseworker")), action=st.sampled_from(wf.DECISIONS))
def test_what_blocks_approving_is_what_deciding_refuses_about_the_plan(
        has_errors, content_changed, case_status, status, own_plan, decider_role, action):
    """The review page leaves Approve out exactly when ``decide`` would refuse it for the
    plan's sake, whoever asks; sending back and rejecting are never blocked by it."""
    blockers = wf.approve_blockers(has_errors=has_errors, content_changed=content_changed, case_status=case_status)
    assert [v.code for v in blockers] == [code for code, on in (
        ("decision.has_errors", has_errors), ("decision.content_changed", content_changed),
        ("decision.case_closed", case_status == wf.CLOSED)) if on]
    refused = wf.decision_violations(
        decider_user_id=3 if own_plan else 7, decider_org_kind=wf.APPROVING_ORGANISATION, drafter_user_ids={3},
        has_errors=has_errors, status=status, action=action, decider_role=decider_role,
        content_changed=content_changed, case_status=case_status)
    about_the_plan = [v for v in refused if v.code in BLOCKERS]
    assert about_the_plan == (blockers if action == wf.APPROVE else [])


@pytest.mark.parametrize("case_status", wf.CASE_STATUSES)
def test_an_inactive_partner_locks_out_only_an_open_case(case_status):
    assert wf.partner_locked_out(partner_inactive=True, case_status=case_status) == (case_status != wf.CLOSED)
    assert not wf.partner_locked_out(partner_inactive=False, case_status=case_status)

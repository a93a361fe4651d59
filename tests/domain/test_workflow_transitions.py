import itertools

import pytest

from reintegration.domain import workflow as wf
from reintegration.domain.violation import Violation

ACTIONS = (wf.SUBMIT, wf.APPROVE, wf.SEND_BACK, wf.REJECT, wf.SUPERSEDE, wf.REOPEN_DRAFT)
ALLOWED = {
    (wf.DRAFT, wf.SUBMIT): wf.SUBMITTED,
    (wf.SUBMITTED, wf.APPROVE): wf.APPROVED,
    (wf.SUBMITTED, wf.SEND_BACK): wf.RETURNED,
    (wf.SUBMITTED, wf.REJECT): wf.REJECTED,
    (wf.RETURNED, wf.REOPEN_DRAFT): wf.DRAFT,
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

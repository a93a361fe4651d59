"""The decision rules added to the pure domain (reintegration.domain.workflow)."""

from __future__ import annotations

from reintegration.domain import workflow as wf


def decide(**overrides):
    arguments = dict(decider_user_id=7, decider_org_kind="hjemrejsestyrelsen", drafter_user_ids={3, 4},
                     has_errors=False, status=wf.SUBMITTED)
    return [v.code for v in wf.decision_violations(**{**arguments, **overrides})]


def test_only_an_approver_decides_even_inside_the_return_agency():
    assert decide(decider_role="caseworker") == ["decision.wrong_role"]


def test_changed_content_blocks_approval_but_not_sending_back():
    assert decide(content_changed=True) == ["decision.content_changed"]
    assert decide(content_changed=True, action=wf.SEND_BACK) == []
    assert decide(content_changed=True, action=wf.REJECT) == []


def test_sending_back_and_rejecting_need_a_reason():
    assert decide(action=wf.SEND_BACK, reason_given=False) == ["decision.reason_missing"]
    assert decide(action=wf.REJECT, reason_given=False) == ["decision.reason_missing"]
    assert decide(reason_given=False) == []  # approving needs none


def test_an_unknown_action_is_refused_alone():
    assert decide(action="approve_quietly", decider_org_kind="partner") == ["decision.unknown_action"]

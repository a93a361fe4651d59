"""Who may move a plan or a case on, and when.

A plan version is drafted (DRC with the partner), submitted, and decided by
Hjemrejsestyrelsen, which gives the final approval (seed lines 1354-1366): approved, sent
back for changes, or rejected. A version sent back stays as it was decided; the next
version starts as a copy of it and is submitted in its turn. A change after approval is an amendment: a new version, and approving it
supersedes the version before, whose payments stay paid.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from .violation import Violation

# Plan version statuses.
DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
RETURNED = "returned"  # sent back for changes
REJECTED = "rejected"
SUPERSEDED = "superseded"  # replaced by an approved amendment
PLAN_STATUSES = (DRAFT, SUBMITTED, APPROVED, RETURNED, REJECTED, SUPERSEDED)
# A case has at most one open version; while it has one, no new version is started.
# A version sent back is not open: the next draft starts as a copy of it.
OPEN_PLAN_STATUSES = (DRAFT, SUBMITTED)

# Actions on a plan version.
SUBMIT = "submit"
APPROVE = "approve"
SEND_BACK = "send_back"
REJECT = "reject"
SUPERSEDE = "supersede"
DECISIONS = (APPROVE, SEND_BACK, REJECT)

TRANSITIONS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        (DRAFT, SUBMIT): SUBMITTED,
        (SUBMITTED, APPROVE): APPROVED,
        (SUBMITTED, SEND_BACK): RETURNED,
        (SUBMITTED, REJECT): REJECTED,
        (APPROVED, SUPERSEDE): SUPERSEDED,
    }
)

# Case statuses, in the order a case normally goes through them.
PREPARING = "preparing"
AWAITING_APPROVAL = "awaiting_approval"
CASE_APPROVED = "approved"
IN_FOLLOWUP = "in_followup"  # from the departure date, for the reintegration period
CLOSED = "closed"
CASE_STATUSES = (PREPARING, AWAITING_APPROVAL, CASE_APPROVED, IN_FOLLOWUP, CLOSED)

CLOSURE_REASONS = ("completed", "withdrew", "contact_lost", "period_ended")

# Only the Danish Return Agency decides on plans.
APPROVING_ORGANISATION = "hjemrejsestyrelsen"
APPROVER_ROLE = "approver"


class WorkflowError(Exception):
    """An action the current status does not allow, as a code and parameters."""

    def __init__(self, code: str, params: Mapping[str, object]) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code} {dict(params)}")


class CaseClosed(Exception):
    """The case is closed: a closed case is read-only, so nothing is started, sent or
    changed on it. Raised by the operations of both drafting and follow-up."""

    def __init__(self, case_id: int) -> None:
        super().__init__(f"case {case_id} is closed")
        self.case_id = case_id


def transition(current: str, action: str) -> str:
    """The status a plan version moves to when ``action`` is taken on it."""
    try:
        return TRANSITIONS[current, action]
    except KeyError:
        raise WorkflowError("workflow.not_allowed", {"status": current, "action": action}) from None


def start_violations(case_status: str, open_version_status: str | None = None) -> list[Violation]:
    """Why a new version of the case's plan may not be started: never on a closed case (a
    closed case is read-only), and not while a version is open (``OPEN_PLAN_STATUSES``,
    ``open_version_status``: the next version starts as a copy of the last one decided)."""
    violations = []
    if case_status == CLOSED:
        violations.append(Violation("start.case_closed"))
    if open_version_status in OPEN_PLAN_STATUSES:
        violations.append(Violation("start.open_version", {"status": open_version_status}))
    return violations


def submit_violations(status: str, has_errors: bool, case_status: str | None = None) -> list[Violation]:
    """Why a version may not be submitted: only drafts go, only without error findings,
    and never on a closed case."""
    violations = []
    if (status, SUBMIT) not in TRANSITIONS:
        violations.append(Violation("submit.not_draft", {"status": status}))
    if has_errors:
        violations.append(Violation("submit.has_errors"))
    if case_status == CLOSED:
        violations.append(Violation("submit.case_closed"))
    return violations


def case_status_after(case_status: str, action: str, *, approved_in_force: bool) -> str:
    """The case's status once a version of its plan is submitted or decided (``action``).

    A first plan moves the case along: submitted, it awaits approval; approved, the case
    is approved; sent back or rejected, it is in preparation again. An amendment (an
    approved version is in force) leaves the case where it is: a person in follow-up
    stays in follow-up, and an approved case stays approved, whatever becomes of the
    amendment; the amendment's own status says that it awaits a decision. A closed case
    stays closed (nothing is submitted on it, see ``submit_violations``). A decision on an
    amendment of an approved case leaves it approved (also where an earlier submission
    had it awaiting approval).
    """
    if action not in (SUBMIT, *DECISIONS):
        raise WorkflowError("workflow.not_allowed", {"status": case_status, "action": action})
    if case_status in (CLOSED, IN_FOLLOWUP):
        return case_status
    if action == SUBMIT:
        return case_status if approved_in_force else AWAITING_APPROVAL
    if action == APPROVE or approved_in_force:
        return CASE_APPROVED
    return PREPARING


def decision_violations(
    *,
    decider_user_id: int,
    decider_org_kind: str,
    drafter_user_ids: Collection[int],
    has_errors: bool,
    status: str,
    action: str = APPROVE,
    decider_role: str = "approver",
    content_changed: bool = False,
    reason_given: bool = True,
    case_status: str | None = None,
) -> list[Violation]:
    """Why this user may not take ``action`` (one of ``DECISIONS``) on a plan version.

    Four eyes: nobody decides on a plan they helped draft (``drafter_user_ids`` holds
    everyone who drafted, edited or submitted it or any earlier version of the case's plan,
    since each version starts as a copy of the one before). Only an approver of the
    Return Agency decides. A plan with error findings may be sent back or rejected, but
    not approved. ``content_changed``: the content no longer matches the digest fixed at
    submission, so approving would approve something nobody submitted; such a version may
    still be sent back or rejected, so it never gets stuck. Sending back needs the
    points to fix and rejecting needs the reason (``reason_given``). Nothing is approved
    on a closed case (a version submitted before the case closed is sent back or rejected).
    """
    violations = []
    if action not in DECISIONS:
        return [Violation("decision.unknown_action", {"action": action})]
    if status != SUBMITTED:
        violations.append(Violation("decision.not_submitted", {"status": status}))
    if decider_org_kind != APPROVING_ORGANISATION:
        violations.append(Violation("decision.wrong_organisation", {"organisation_kind": decider_org_kind}))
    if decider_user_id in drafter_user_ids:
        violations.append(Violation("decision.own_plan"))
    if decider_role != APPROVER_ROLE:
        violations.append(Violation("decision.wrong_role", {"role": decider_role}))
    if action != APPROVE and not reason_given:
        violations.append(Violation("decision.reason_missing", {"action": action}))
    if action == APPROVE:
        violations += approve_blockers(has_errors=has_errors, content_changed=content_changed,
                                       case_status=case_status)
    return violations


def approve_blockers(*, has_errors: bool, content_changed: bool, case_status: str | None) -> list[Violation]:
    """What stops a submitted plan version from being approved by anyone, as the plan and
    its case stand: error findings in the rate check, content changed since submission,
    a closed case. Such a version may still be sent back or rejected. The review page asks
    this to leave Approve out; :func:`decision_violations` applies it to every approval."""
    blockers = []
    if has_errors:
        blockers.append(Violation("decision.has_errors"))
    if content_changed:
        blockers.append(Violation("decision.content_changed"))
    if case_status == CLOSED:
        blockers.append(Violation("decision.case_closed"))
    return blockers


def partner_locked_out(*, partner_inactive: bool, case_status: str) -> bool:
    """An open case whose own partner organisation is inactive: its officers cannot sign
    in, so no report or payment of theirs can come until DRC moves the case or the
    organisation is made active again. A closed case expects nothing more from them."""
    return partner_inactive and case_status != CLOSED

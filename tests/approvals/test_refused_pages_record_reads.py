"""A page shown again on a refused form shows the case as the page opened does (the
review's name, plan texts and comments; the drafting page's comments and decision), so
its read is recorded as the opened page's is: ``case.read`` with the page, in the view's
one transaction, after everything the page shows is read (see
test_read_pages_in_one_transaction.py)."""

from __future__ import annotations

import pytest

from approval_factories import amendment, approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from support import database_trail, decision_form, reads_of


def posted_in_one_transaction(app, auth, url: str, data: dict, status: int) -> str:
    """POST ``data`` to ``url``, refused with ``status``: one transaction that wrote only
    the read's audit record and read nothing after it committed; the page's HTML."""
    with database_trail(app.extensions["db_engine"]) as trail:
        response = auth.post(url, data)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert trail.count("BEGIN") == 1, trail
    assert trail[0] == "BEGIN" and trail[-1] == "COMMIT", trail
    writes = [statement for statement in trail[1:-1] if not statement.lstrip().upper().startswith("SELECT")]
    assert all("auditevent" in statement for statement in writes), writes
    return response.get_data(as_text=True)


def test_a_decision_refused_for_its_form_records_the_review_read(app, auth, db, amendment, approver):
    auth.login(approver)
    page = posted_in_one_transaction(app, auth, f"/approvals/{amendment.id}/decide",
                                     decision_form(db, amendment, "reject", "  "), 422)
    assert "Second dryer asked for" in page and "Hair dryer" in page
    assert [(e.user_id, e.case_id) for e in reads_of(db, "approvals.review")] == [(approver.id, amendment.case_id)]


def test_a_decision_refused_by_the_rules_records_the_review_read(auth, db, amendment, drafter, make_user):
    """An approver who drafted the plan (four eyes): the review again, 403, read recorded."""
    drafter.role = "approver"
    db.add(drafter)
    db.commit()
    auth.login(drafter)
    response = auth.post(f"/approvals/{amendment.id}/decide", decision_form(db, amendment, "approve"))
    assert response.status_code == 403 and "Hair dryer" in response.get_data(as_text=True)
    assert [(e.user_id, e.case_id) for e in reads_of(db, "approvals.review")] == [(drafter.id, amendment.case_id)]


def _draft(db, amendment):
    amendment.status = "draft"
    db.add(amendment)
    db.commit()
    db.refresh(amendment)
    return amendment


def _edit(version) -> str:
    return f"/cases/{version.case_id}/plans/{version.id}/edit"


@pytest.mark.parametrize("action", ["save", "restore_line:made-up"])
def test_a_draft_refused_for_its_form_records_the_drafting_page_read(app, auth, db, amendment, drafter, action):
    """Errors in the form (422; a line that cannot be put back too): the drafting page
    again, with the stored comment, and its read recorded."""
    draft = _draft(db, amendment)
    auth.login(drafter)
    page = posted_in_one_transaction(app, auth, _edit(draft), {"revision": str(draft.revision), "action": action,
                                                               "activity_kind": "no such kind"},
                                     422)
    assert "Second dryer asked for" in page
    assert [(e.user_id, e.case_id) for e in reads_of(db, "plans.edit")] == [(drafter.id, draft.case_id)]


def test_a_discard_without_confirmation_records_the_drafting_page_read(app, auth, db, amendment, drafter):
    draft = _draft(db, amendment)
    auth.login(drafter)
    page = posted_in_one_transaction(app, auth, f"/cases/{draft.case_id}/plans/{draft.id}/discard",
                                     {"revision": str(draft.revision)}, 422)
    assert "Second dryer asked for" in page
    assert [(e.user_id, e.case_id) for e in reads_of(db, "plans.edit")] == [(drafter.id, draft.case_id)]


def test_an_empty_comment_records_the_page_read(app, auth, db, amendment, drafter):
    """The comment refused for its own error: the version's page again (the drafting page
    of a draft), its read recorded."""
    auth.login(drafter)
    page = posted_in_one_transaction(app, auth, f"/cases/{amendment.case_id}/plans/{amendment.id}/comments",
                                     {"body": ""}, 422)
    assert "Second dryer asked for" in page
    assert [(e.user_id, e.case_id) for e in reads_of(db, "plans.show")] == [(drafter.id, amendment.case_id)]

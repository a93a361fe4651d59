"""Four eyes, route by route: whoever changes what a version holds, or moves it on, on
any drafting route (starting it, saving it by any button of the drafting form,
importing a plan file, submitting it) is barred from deciding on it, even when someone
else drafted the rest and submits it (DOMAIN.md: an approver never approves a plan they
drafted). The plan routes are read from the URL map: a new one that writes must be
named here as drafting or not, or the first test fails."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from approval_factories import Line, case_of
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.models import AuditEvent, Decision, PlanVersion
from test_four_eyes_earlier_versions import become_approver

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plans"))  # the drafting form helpers
from plan_helpers import base_form, edit_url  # noqa: E402

# What each route that is not a GET does to a version: a drafting route makes its user
# one of the version's drafters; the others say why they do not.
DRAFTING = {"plans.create", "plans.edit", "plans.import_json", "plans.submit"}
NOT_DRAFTING = {
    "plans.comment": "a comment on the plan, not the plan",
    "plans.check": "checks the form as typed, saves nothing",
    "plans.discard": "deletes the draft: nothing of it is left to decide on",
}
# The buttons of the drafting form (``plans.views._posted_action``); each saves the draft.
# "restore_line" (a paid line put back into an amendment) saves the same way, see
# tests/plans/test_put_paid_line_back.py.
EDIT_ACTIONS = ("save", "add_line", "remove_line:0", "spread_cash")


def test_every_plan_route_that_writes_is_named_drafting_or_not(app):
    writing = {rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint.startswith("plans.") and (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}}
    unnamed = writing - DRAFTING - set(NOT_DRAFTING)
    assert not unnamed, f"plan routes that write, neither drafting nor not (say which, above): {sorted(unnamed)}"
    assert not (DRAFTING | set(NOT_DRAFTING)) - writing, "a route named above no longer exists"


def _refused_as_drafter(auth, db, helper, version) -> None:
    """The helper, moved to Hjemrejsestyrelsen as an approver, may not decide."""
    version = db.get(PlanVersion, version.id)
    db.refresh(version)
    assert version.status == "submitted"
    auth.logout()
    auth.login(become_approver(db, helper))
    for action, reason in (("approve", None), ("send_back", "Fine")):
        response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, action, reason))
        assert response.status_code == 403, response.get_data(as_text=True)[:500]
    db.expire_all()
    assert db.exec(select(Decision).where(Decision.plan_version_id == version.id)).first() is None
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused",
                                               AuditEvent.object_id == str(version.id))).all()
    assert [json.loads(e.detail)["violations"] for e in refused] == [["decision.own_plan"]] * 2


def _submit_as(auth, db, user, version) -> None:
    db.expire_all()
    version = db.get(PlanVersion, version.id)
    auth.logout()
    auth.login(user)
    response = auth.post(f"/cases/{version.case_id}/plans/{version.id}/submit", {"revision": str(version.revision)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def helper(make_user, approver):
    """The caseworker who touches the plan once, and later becomes an approver (of the
    organisation ``approver`` belongs to)."""
    return make_user("caseworker")


def test_who_started_the_version_is_a_drafter(auth, db, make_plan, approve, drafter, helper):
    first = make_plan(by=drafter, lines=[Line(key="chairs")])
    approve(first, action="send_back", reason="Add a quote")
    auth.login(helper)
    assert auth.post(f"/cases/{first.case_id}/plans").status_code == 302
    second = db.exec(select(PlanVersion).where(PlanVersion.case_id == first.case_id,
                                               PlanVersion.number == 2)).one()
    _submit_as(auth, db, drafter, second)
    _refused_as_drafter(auth, db, helper, second)


@pytest.mark.parametrize("action", EDIT_ACTIONS)
def test_who_saved_the_draft_by_any_button_is_a_drafter(auth, db, make_plan, drafter, helper, action):
    draft = make_plan(by=drafter, status="draft", lines=[Line(key="chairs")])
    auth.login(helper)
    form = base_form(draft, [{"amount_dkk": "5000.00", "line_key": "chairs", "description": "Salon chairs"},
                             {"amount_dkk": "900.00", "description": "Mirror"}], action=action)
    if action == "spread_cash":
        form.update(spread_total="3000.00", spread_from="1", spread_to="3")
    response = auth.post(edit_url(draft), form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    _submit_as(auth, db, drafter, draft)
    _refused_as_drafter(auth, db, helper, draft)


def test_who_imported_a_plan_file_is_a_drafter(auth, db, make_plan, drafter, helper):
    draft = make_plan(by=drafter, status="draft", lines=[Line(key="chairs")])
    auth.login(helper)
    document = {"format": "reintegration-plan/1", "reference_date": "2027-03-01",
                "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False}, "children": [],
                "activity": {"kind": "business", "description": "Hair salon"},
                "lines": [{"kind": "in_kind", "amount_dkk": "5000.00", "month": 1, "description": "Chairs"}]}
    response = auth.post(f"/cases/{draft.case_id}/plans/{draft.id}/import",
                         {"revision": str(draft.revision),
                          "plan_file": (io.BytesIO(json.dumps(document).encode()), "plan.json")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    _submit_as(auth, db, drafter, draft)
    _refused_as_drafter(auth, db, helper, draft)


def test_who_only_submitted_it_is_a_drafter(auth, db, make_plan, drafter, helper):
    draft = make_plan(by=drafter, status="draft", lines=[Line(key="chairs")])
    _submit_as(auth, db, helper, draft)
    _refused_as_drafter(auth, db, helper, draft)


def test_a_commenter_is_not_a_drafter(auth, db, make_plan, drafter, helper, make_user):
    """The control: a caseworker who only commented may decide once an approver (they
    wrote nothing of the plan), so the refusals above are about drafting."""
    version = make_plan(by=drafter, lines=[Line(key="chairs")])
    auth.login(helper)
    assert auth.post(f"/cases/{version.case_id}/plans/{version.id}/comments",
                     {"body": "Is the quote for the chairs current?"}).status_code == 302
    auth.logout()
    auth.login(become_approver(db, helper))
    response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "approve"))
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert case_of(db, version).status == "approved"

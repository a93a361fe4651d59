"""Submitting or discarding a draft a colleague saved after the page was opened: 409,
the drafting page naming who saved it and when, with what they saved; nothing is
submitted or deleted. A submit sent twice submits once and says so; a save sent to a
version a colleague submitted meanwhile names who submitted it and when."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from reintegration.models import AuditEvent, PlanVersion

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _fresh(db, version):
    db.expire_all()
    return db.get(PlanVersion, version.id)


def _colleague(app, auth, make_user):
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    return other


def _ready_draft(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    assert auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1000.00"}])).status_code == 302
    return _fresh(db, version)


def test_a_submit_after_a_colleagues_save_is_a_conflict(app, auth, db, make_user, plan_case, start_draft):
    version = _ready_draft(auth, db, plan_case, start_draft)
    opened = version.revision
    other = _colleague(app, auth, make_user)
    assert other.post(edit_url(version), base_form(version, [{"amount_dkk": "2000.00"}],
                                                   realism="Changed by the colleague")).status_code == 302

    response = auth.post(f"/cases/{plan_case.id}/plans/{version.id}/submit", {"revision": str(opened)})

    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague saved it at" in page and "so it was not submitted" in page
    assert "Changed by the colleague" in page  # what they saved
    assert _fresh(db, version).status == "draft"


def test_a_discard_after_a_colleagues_save_is_a_conflict(app, auth, db, make_user, plan_case, start_draft):
    version = _ready_draft(auth, db, plan_case, start_draft)
    opened = version.revision
    other = _colleague(app, auth, make_user)
    assert other.post(edit_url(version), base_form(version, [{"amount_dkk": "2000.00"}])).status_code == 302

    response = auth.post(f"/cases/{plan_case.id}/plans/{version.id}/discard",
                         {"revision": str(opened), "confirm_discard": "y"})

    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague saved it at" in page and "so it was not discarded" in page
    assert _fresh(db, version) is not None


def test_a_submit_sent_twice_submits_once(auth, db, plan_case, start_draft):
    version = _ready_draft(auth, db, plan_case, start_draft)
    form = {"revision": str(version.revision)}
    url = f"/cases/{plan_case.id}/plans/{version.id}/submit"
    assert auth.post(url, form).status_code == 302

    again = auth.post(url, form)

    assert again.status_code == 302
    assert "is submitted for approval" in _text(auth._client.get(again.headers["Location"]))
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(version.id))).all()
    assert actions.count("plan.submit") == 1 and "plan.frozen_edit_refused" not in actions


def test_a_save_after_a_colleagues_submit_names_who_submitted(app, auth, db, make_user, plan_case, start_draft):
    version = _ready_draft(auth, db, plan_case, start_draft)
    other = _colleague(app, auth, make_user)
    assert other.post(f"/cases/{plan_case.id}/plans/{version.id}/submit",
                      {"revision": str(version.revision)}).status_code == 302

    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "3000.00"}]))

    assert response.status_code == 409
    assert "Karen Colleague submitted it at" in _text(response)

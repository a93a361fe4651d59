"""A decision sent twice (a double click) is recorded once and said as done; a decision
sent after a colleague decided keeps the reason typed in view (read-only, to copy), beside
the decision that stands."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from approval_factories import approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.models import AuditEvent, Decision


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_decision_sent_twice_is_recorded_once(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    form = decision_form(db, version, "send_back", "Split the equipment line")
    assert auth.post(f"/approvals/{version.id}/decide", form).status_code == 302

    again = auth.post(f"/approvals/{version.id}/decide", form)

    assert again.status_code == 302
    assert "The plan is sent back to the caseworker." in _text(auth._client.get(again.headers["Location"]))
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).first() is None


def test_a_late_decision_keeps_the_reason_typed(auth, db, make_plan, approver, make_user):
    version = make_plan()
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "approve")).status_code == 302
    auth.logout()
    auth.login(make_user("approver"))

    response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "reject", "The activity is not realistic in Benin City"))

    assert response.status_code == 409
    page = _text(response)
    assert "already been decided" in page
    assert "Your decision was not recorded" in page
    assert "The activity is not realistic in Benin City" in page
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1

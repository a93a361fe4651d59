"""The audit trail is permanent (never anonymised): a decision's free-text reason stays on
the Decision row and is not copied into the trail."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from approval_factories import approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.models import AuditEvent, Decision

REASON = "Ms Adaeze Okafor still owes 3,000 USD to the recruiter in Benin City"


@pytest.mark.parametrize("action, outcome", [("send_back", "sent_back"), ("reject", "rejected"),
                                             ("approve", "approved")])
def test_the_reason_is_kept_on_the_decision_but_not_in_the_audit_trail(auth, db, make_plan, approver,
                                                                       action, outcome):
    version = make_plan()
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, action, REASON)).status_code == 302
    db.expire_all()
    assert db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one().reason == REASON
    event = db.exec(select(AuditEvent).where(AuditEvent.action == f"approval.{outcome}")).one()
    detail = json.loads(event.detail)
    assert detail["decision"] == outcome and detail["reason_chars"] == len(REASON)
    assert "reason" not in detail
    for event in db.exec(select(AuditEvent)).all():
        for word in ("Okafor", "Adaeze", "Benin", "recruiter"):
            assert word not in (event.detail or ""), (event.action, event.detail)

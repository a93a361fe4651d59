"""Every follow-up page that shows a case records a ``case.read`` (special-category data:
every read is logged), with the page it was read on."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent, RiskAlert


def reads(db, case_id):
    db.expire_all()
    return [json.loads(e.detail or "{}").get("page") for e in db.exec(
        select(AuditEvent).where(AuditEvent.action == "case.read", AuditEvent.case_id == case_id))]


@pytest.mark.parametrize("role, page, path", [
    ("approver", "followup.record_return", "/followup/cases/{case}/return"),
    ("caseworker", "followup.record_return", "/followup/cases/{case}/return"),
    ("caseworker", "followup.close_case", "/followup/cases/{case}/close"),
    ("caseworker", "followup.close_alert", "/followup/alerts/{alert}/close"),
    ("cmm", "followup.close_alert", "/followup/alerts/{alert}/close"),
])
def test_opening_a_followup_form_records_a_case_read(client, auth, db, make_user, returned_case, role, page, path):
    user = make_user(role)
    case = returned_case(**({"cmm_contact_id": user.id} if role == "cmm" else {}))
    alert = RiskAlert(case_id=case.id, indicators="debt")
    db.add(alert)
    db.commit()
    auth.login(user)
    response = client.get(path.format(case=case.id, alert=alert.id))
    assert response.status_code == 200
    assert page in reads(db, case.id)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "case.read", AuditEvent.case_id == case.id)
                    .order_by(AuditEvent.id.desc())).first()
    assert event.user_id == user.id


def test_a_refused_page_records_no_read(client, auth, db, make_user, make_org, returned_case):
    case = returned_case(cmm_contact_id=make_user("cmm").id)
    alert = RiskAlert(case_id=case.id, indicators="debt")
    db.add(alert)
    db.commit()
    auth.login(make_user("cmm", organisation=make_org("cmm")))  # another CMM office
    assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 404
    assert reads(db, case.id) == []

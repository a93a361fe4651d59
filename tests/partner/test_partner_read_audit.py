"""The partner's report, payment and upload pages show the case: opening them records a ``case.read``."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent


@pytest.mark.parametrize("page, path", [("partner.disburse", "disburse"), ("partner.upload", "attachments"),
                                        ("partner.report", "reports/{report_id}")])
def test_opening_a_partner_form_records_a_case_read(client, auth, db, make_org, make_user, returned_case,
                                                    page, path):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    officer = make_user("partner", organisation=partner)
    auth.login(officer)
    if "{report_id}" in path:
        from reintegration.models import FollowUpReport

        report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id,
                                                      FollowUpReport.status == "due")).first()
        path = path.format(report_id=report.id)
    assert client.get(f"/partner/cases/{case.id}/{path}").status_code == 200
    db.expire_all()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "case.read",
                                              AuditEvent.case_id == case.id)).all()
    assert [(e.user_id, json.loads(e.detail)["page"]) for e in events] == [(officer.id, page)]

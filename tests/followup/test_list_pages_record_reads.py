"""The follow-up overview and the partner portal's lists name people's cases (references,
risk signs, return dates, reports due): like the case list, each records one list read
(``case_list.read``, the page in its detail) linked to every case it shows and no other,
in the view's one transaction, after everything shown is read."""

from __future__ import annotations

import json

from sqlmodel import select

from reintegration.models import AuditEvent, AuditEventCase, FollowUpReport, Organisation
from support import one_transaction
from test_alert_reach import risky_report


def _list_reads(db) -> list[tuple[AuditEvent, dict, list[int]]]:
    db.expire_all()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "case_list.read").order_by(AuditEvent.id)).all()
    return [(event, json.loads(event.detail),
             sorted(db.exec(select(AuditEventCase.case_id).where(AuditEventCase.event_id == event.id)).all()))
            for event in events]


def test_the_followup_overview_records_a_list_read_of_the_cases_it_shows(app, client, auth, db, make_user,
                                                                       make_case, returned_case):
    followed = returned_case()
    alerted = returned_case()
    officer = make_user("partner", organisation=db.get(Organisation, alerted.partner_id))
    risky_report(app, db, alerted, officer, "threats")
    alerted.status = "closed"  # an open alert is shown on a closed case too
    db.add(alerted)
    db.commit()
    hidden = make_case(status="preparing")  # neither followed nor alerted: not on the page
    reader = auth.login("approver")  # Hjemrejsestyrelsen: every case
    page = one_transaction(app, client, "/followup/")
    assert followed.reference in page and alerted.reference in page and hidden.reference not in page
    [(event, detail, linked)] = _list_reads(db)
    assert event.user_id == reader.id and detail["page"] == "followup.overview"
    assert detail["cases"] == linked == sorted([followed.id, alerted.id])


def test_the_partner_portal_records_a_list_read_of_the_cases_it_shows(app, client, auth, db, make_org, make_user,
                                                                    make_case, returned_case):
    mine, theirs = make_org("partner"), make_org("partner")
    due = returned_case(partner=mine)
    assert db.exec(select(FollowUpReport).where(FollowUpReport.case_id == due.id)).first() is not None
    preparing = make_case(partner=mine, status="preparing")
    closed = make_case(partner=mine, status="closed")
    other = returned_case(partner=theirs)
    reader = auth.login(make_user("partner", organisation=mine))
    page = one_transaction(app, client, "/partner/")
    assert all(case.reference in page for case in (due, preparing, closed)) and other.reference not in page
    [(event, detail, linked)] = _list_reads(db)
    assert event.user_id == reader.id and detail["page"] == "partner.index"
    assert detail["cases"] == linked == sorted([due.id, preparing.id, closed.id])

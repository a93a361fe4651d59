"""The final report closes the reintegration period, so it can only be sent once the
month it reports on has begun: sent earlier it is refused, and nothing the partner
entered or chose is lost."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from reintegration.domain.followup import opens_on
from reintegration.followup import operations as ops
from reintegration.followup.questions import load_questions
from reintegration.models import Attachment, AuditEvent, Case, FollowUpReport

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def final_report(db, case) -> FollowUpReport:
    db.expire_all()
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final)).one()


def report_data(report, **overrides) -> dict:
    data = {"revision": str(report.revision), "contact_date": date.today().isoformat(), "contact_kind": "visit",
            "activity_status": "running", "income_local": "25000", "monthly_income": "",
            "housing": "Rents a room near the market", "health": "Good", "schooling": "",
            "wellbeing": "Feels settled", "notes": "Met at the shop", "risk_threats": "y"}
    for question in load_questions().questions:
        data[f"q_{question.key}"] = question.options[-2].key
    data.update(overrides)
    return data


@pytest.fixture
def final_case(auth, make_org, make_user, returned_case):
    """A case returned 40 days ago (month 2), its partner officer signed in, in English."""
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    auth.login(make_user("partner", organisation=partner))
    return case


def test_an_early_final_report_is_refused_and_keeps_what_was_entered(client, auth, db, final_case):
    report = final_report(db, final_case)
    opens = opens_on(final_case.actual_return, 12)
    url = f"/partner/cases/{final_case.id}/reports/{report.id}"
    shown = f"{opens:%b} {opens.day}, {opens.year}"  # the English date format
    assert f"This is the final report: sending it closes the reintegration period. It can be sent from {shown}." \
        in client.get(url).get_data(as_text=True)

    response = auth.post(url, report_data(report, files=(io.BytesIO(PNG), "visit.png")),
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f"The final report (month 12) can be sent from {shown}, once that month after the return has begun: "
            "sending it closes the reintegration period. Nothing was sent.") in page
    # What was typed and ticked is in the form shown again ...
    for kept in ("Rents a room near the market", "Feels settled", "Met at the shop", 'value="25000"',
                 '<input checked class="form-checkbox" id="risk_threats"'):
        assert kept in page, kept
    # ... and the file chosen is kept, on the report.
    assert "The files you chose are attached to the report for month 12." in page
    report = final_report(db, final_case)
    [kept_file] = db.exec(select(Attachment).where(Attachment.followup_id == report.id)).all()
    assert kept_file.original_name == "visit.png"
    # Nothing was submitted and the case goes on.
    assert report.status == "due" and report.submitted_at is None
    assert db.get(Case, final_case.id).status == "in_followup"
    assert db.exec(select(AuditEvent).where(AuditEvent.action.in_(
        ["followup.report_submitted", "followup.period_closed", "followup.alert_opened"]))).all() == []


def test_an_early_final_report_is_refused_in_danish_too(client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    report = final_report(db, case)
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(report),
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Den endelige rapport (måned 12) kan sendes fra" in page


@pytest.mark.parametrize("days_after_opening, refused", [(-1, True), (0, False), (20, False)])
def test_the_final_report_opens_the_first_day_of_its_month(app, db, make_user, returned_case, monkeypatch,
                                                           days_after_opening, refused):
    case = returned_case(days_ago=40)
    partner = make_user("partner")
    report = final_report(db, case)
    opens = opens_on(case.actual_return, report.due_month)
    monkeypatch.setattr(ops, "today", lambda: opens + timedelta(days=days_after_opening))
    data = ops.ReportInput(contact_date=date.today(), contact_kind="visit", activity_status="running",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=())
    with app.test_request_context():
        if refused:
            with pytest.raises(ops.NotOpenYet) as error:
                ops.submit_report(db, case, report, report.revision, data, user=partner, questions=load_questions())
            assert error.value.opens == opens
        else:
            ops.submit_report(db, case, report, report.revision, data, user=partner, questions=load_questions())
    db.expire_all()
    closed = db.get(Case, case.id)
    assert (closed.status, closed.closure_reason) == (("in_followup", None) if refused else ("closed", "period_ended"))


def test_an_on_time_final_report_closes_the_period(client, auth, db, final_case, monkeypatch):
    report = final_report(db, final_case)
    monkeypatch.setattr(ops, "today", lambda: opens_on(final_case.actual_return, 12) + timedelta(days=3))
    url = f"/partner/cases/{final_case.id}/reports/{report.id}"
    assert "It can be sent from" not in client.get(url).get_data(as_text=True)
    response = auth.post(url, report_data(report), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert final_report(db, final_case).status == "submitted"
    case = db.get(Case, final_case.id)
    assert case.status == "closed" and case.closure_reason == "period_ended"


def test_other_reports_are_not_held_back(client, auth, db, final_case):
    """Only the final report waits for its month: the month-3 report, say, can be sent
    early (nothing closes with it)."""
    db.expire_all()
    month_3 = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == final_case.id,
                                                   FollowUpReport.due_month == 3)).one()
    response = auth.post(f"/partner/cases/{final_case.id}/reports/{month_3.id}", report_data(month_3),
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def test_reports_never_sent_are_not_sent_once_the_period_closed(client, auth, db, final_case, monkeypatch):
    """The month-1 report, overdue when the final report closes the case, is shown as not
    sent: nothing can be sent on a closed case, so it is no longer due or overdue."""
    report = final_report(db, final_case)
    monkeypatch.setattr(ops, "today", lambda: opens_on(final_case.actual_return, 12) + timedelta(days=3))
    response = auth.post(f"/partner/cases/{final_case.id}/reports/{report.id}", report_data(report),
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.expire_all()
    assert db.get(Case, final_case.id).status == "closed"
    auth.login("approver")
    page = client.get(f"/followup/cases/{final_case.id}").get_data(as_text=True)
    states = re.findall(r'<span class="badge[^"]*">([^<]*)</span>', page)
    earlier = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == final_case.id,
                                                   FollowUpReport.final.is_(False))).all()
    assert earlier and all(r.status == "due" for r in earlier)
    assert states.count("Not sent (case closed)") == len(earlier) and states.count("Submitted") == 1
    assert "Overdue" not in states and "Due" not in states

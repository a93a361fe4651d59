"""The final report closes the case ("period ended"), so it can only be sent on the last
day of the reintegration period or later: sent earlier it is refused, nothing the partner
entered or chose is lost, and the risk signs it marks are not lost either: CMM and DRC
are alerted to them, as for the other refused sends. Until then the case stays in
follow-up, and the payments of month 12 can be recorded."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlmodel import select

from reintegration.domain.followup import opens_on, period_end
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.followup import operations as ops
from reintegration.followup.questions import load_questions
from reintegration.models import Attachment, AuditEvent, Case, Disbursement, FollowUpReport, RiskAlert
from support import danish_day

THREATS = "The person or their family has been threatened"
DEBT = "The person is still being asked to pay a debt to the trafficker"
REFUSED_EARLY = ("Marked in the final report, which could not be saved, because it was sent before the last day of "
                 "the reintegration period. These signs are not in any report.")


def final_opens(case) -> date:
    """The day the final report can be sent: the last day of the period."""
    table = load_rate_tables(default_rates_dir()).for_date(case.actual_return)
    return period_end(case.actual_return, table)


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def opened(db) -> list[dict]:
    db.expire_all()
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_opened")
                                                  .order_by(AuditEvent.id)).all()]

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


def test_an_early_final_report_is_refused_and_keeps_what_was_entered(app, client, auth, db, make_user, final_case):
    """Sent 40 days after the return with "threats" and "debt to trafficker" ticked: nothing
    of the report is saved, but CMM and DRC are alerted to the signs at once (the partner
    could not send them again for ten months), and the page says so and what to do."""
    caseworker, cmm = make_user("caseworker"), make_user("cmm")
    report = final_report(db, final_case)
    opens = final_opens(final_case)
    assert opens > opens_on(final_case.actual_return, 12)  # not the first day of month 12: the period's last
    url = f"/partner/cases/{final_case.id}/reports/{report.id}"
    shown = f"{opens:%b} {opens.day}, {opens.year}"  # the English date format
    assert f"This is the final report: sending it closes the reintegration period. It can be sent from {shown}." \
        in client.get(url).get_data(as_text=True)

    response = auth.post(url, report_data(report, risk_debt_to_trafficker="y",
                                          files=(io.BytesIO(PNG), "visit.png")),
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 422
    assert (f"The final report (month 12) can be sent from {shown}, the last day of the reintegration period: "
            "sending it closes the case. Nothing was sent.") in page
    # What was typed and ticked is in the form shown again ...
    for kept in ("Rents a room near the market", "Feels settled", "Met at the shop", 'value="25000"',
                 '<input checked class="form-checkbox" id="risk_threats"',
                 '<input checked class="form-checkbox" id="risk_debt_to_trafficker"'):
        assert kept in page, kept
    # ... and the file chosen is kept, on the report.
    assert "The files you chose are attached to the report for month 12." in page
    report = final_report(db, final_case)
    [kept_file] = db.exec(select(Attachment).where(Attachment.followup_id == report.id)).all()
    assert kept_file.original_name == "visit.png"
    # Nothing was submitted and the case goes on ...
    assert report.status == "due" and report.submitted_at is None
    assert db.get(Case, final_case.id).status == "in_followup"
    assert db.exec(select(AuditEvent).where(AuditEvent.action.in_(
        ["followup.report_submitted", "followup.period_closed"]))).all() == []
    # ... but the signs are not lost: one alert on the final report, CMM and DRC told.
    [alert] = db.exec(select(RiskAlert)).all()
    assert (alert.followup_id, alert.indicators, alert.refused) == (report.id, "debt_to_trafficker,threats",
                                                                    "not_open_yet")
    [event] = opened(db)
    assert event["from"] == "refused_report" and event["refused"] == "not_open_yet"
    assert set(event["notified"]) == {caseworker.id, cmm.id}
    assert {caseworker.email, cmm.email} == {to for mail in app.extensions.get("mail_outbox", []) for to in mail.to}
    assert "The signs of risk you marked were not saved CMM and DRC have been alerted to them:" in words
    assert THREATS in words and DEBT in words
    # What else to do: the answers wait for the day the final report opens; the report that
    # can be sent now (month 1, the earliest not sent) is named and linked, to carry the signs.
    month_1 = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == final_case.id,
                                                   FollowUpReport.due_month == 1)).one()
    assert (f"Your answers are kept below, to send from {shown}. The report for month 1 can be sent now: mark "
            "the signs there too, so that they are in a report.") in words
    assert f'href="/partner/cases/{final_case.id}/reports/{month_1.id}"' in page

    # The same form sent again opens no second alert while the first is open, and says the same.
    again = auth.post(url, report_data(final_report(db, final_case), risk_debt_to_trafficker="y"),
                      content_type="multipart/form-data")
    assert again.status_code == 422 and "CMM and DRC have been alerted to them" in again.get_data(as_text=True)
    assert len(db.exec(select(RiskAlert)).all()) == 1

    # The alert pages say where the signs were marked, and why they are in no report.
    auth.login(caseworker)
    for where in (f"/followup/cases/{final_case.id}", "/followup/", f"/followup/alerts/{alert.id}/close"):
        assert REFUSED_EARLY in text_of(client.get(where).get_data(as_text=True)), where


def test_an_early_final_report_without_risk_signs_alerts_no_one(client, auth, db, final_case):
    report = final_report(db, final_case)
    url = f"/partner/cases/{final_case.id}/reports/{report.id}"
    response = auth.post(url, report_data(report, risk_threats=""), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "the last day of the reintegration period" in page
    assert "have been alerted" not in page and db.exec(select(RiskAlert)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_opened")).all() == []
    assert final_report(db, final_case).status == "due"


def test_an_early_final_report_with_its_own_errors_still_alerts(client, auth, db, final_case):
    """Fixing the form's own errors would not make it sendable for months: the signs are
    alerted all the same (as on a closed case)."""
    report = final_report(db, final_case)
    url = f"/partner/cases/{final_case.id}/reports/{report.id}"
    response = auth.post(url, report_data(report, contact_kind=""), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "CMM and DRC have been alerted to them" in response.get_data(as_text=True)
    [alert] = db.exec(select(RiskAlert)).all()
    assert (alert.indicators, alert.refused) == ("threats", "not_open_yet")


def test_an_early_final_report_with_no_other_report_left_says_to_mark_the_signs_again(client, auth, db, final_case):
    for month in (1, 3, 6):  # every other report submitted
        other = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == final_case.id,
                                                     FollowUpReport.due_month == month)).one()
        sent = auth.post(f"/partner/cases/{final_case.id}/reports/{other.id}", report_data(other, risk_threats=""),
                         content_type="multipart/form-data")
        assert sent.status_code == 302, month
    report = final_report(db, final_case)
    response = auth.post(f"/partner/cases/{final_case.id}/reports/{report.id}", report_data(report),
                         content_type="multipart/form-data")
    words = text_of(response.get_data(as_text=True))
    assert "CMM and DRC have been alerted to them" in words
    assert "Mark the signs again when you send the report." in words and "can be sent now" not in words


def test_an_early_final_report_is_refused_in_danish_too(client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    report = final_report(db, case)
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(report),
                         content_type="multipart/form-data")
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 422 and "Slutrapporten (måned 12) kan sendes fra" in words
    assert "reintegrationsperiodens sidste dag: når den sendes, lukkes sagen. Intet blev sendt." in words
    assert "De tegn på risiko, du markerede, blev ikke gemt CMM og DRC har fået besked om dem:" in words
    assert "Rapporten for måned 1 kan sendes nu: markér også tegnene der, så de står i en rapport." in words
    auth.login(make_user("caseworker", locale="da"))
    assert ("Markeret i slutrapporten, som ikke kunne gemmes, fordi den blev sendt før "
            "reintegrationsperiodens sidste dag.") in text_of(client.get("/followup/").get_data(as_text=True))


@pytest.mark.parametrize("days_after_opening, refused", [(-1, True), (0, False), (20, False)])
def test_the_final_report_opens_the_last_day_of_the_period(app, db, make_user, returned_case, monkeypatch,
                                                          days_after_opening, refused):
    case = returned_case(days_ago=40)
    partner = make_user("partner")
    report = final_report(db, case)
    opens = final_opens(case)
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
    monkeypatch.setattr(ops, "today", lambda: final_opens(final_case) + timedelta(days=3))
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


def test_reports_never_sent_are_not_required_once_the_period_closed(client, auth, db, final_case, monkeypatch):
    """The month-1 report, overdue when the final report closes the case, is shown as not
    required since the day the case closed: nothing can be sent on a closed case, so it is
    no longer due or overdue."""
    report = final_report(db, final_case)
    monkeypatch.setattr(ops, "today", lambda: final_opens(final_case) + timedelta(days=3))
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
    closed_on = format_date(danish_day(db.get(Case, final_case.id).closed_at), "medium", locale="en")
    assert states.count(f"Not required: the case was closed on {closed_on}") == len(earlier)
    assert states.count("Submitted") == 1
    assert "Overdue" not in states and "Due" not in states


def test_in_month_12_the_final_report_leaves_the_case_open_for_its_payments(app, db, make_user, returned_case,
                                                                             monkeypatch):
    """The audit's case: one cash line in month 12, the final report sent on the first day
    of month 12, a month before the period ends. It used to close the case ("period ended",
    untrue) and refuse the month-12 payment; now it is refused, and the payment recorded."""
    case = returned_case(days_ago=40, lines=[{"kind": "cash", "month": 12, "amount_dkk": Decimal("1000.00")}])
    partner = make_user("partner")
    report = final_report(db, case)
    day = opens_on(case.actual_return, 12)
    assert day < final_opens(case) == period_end(case.actual_return,
                                                  load_rate_tables(default_rates_dir()).for_date(case.actual_return))
    monkeypatch.setattr(ops, "today", lambda: day)
    data = ops.ReportInput(contact_date=day, contact_kind="visit", activity_status="running", income_local=None,
                           monthly_income=None, housing=None, health=None, schooling=None, wellbeing=None,
                           notes=None, answers={}, risk_indicators=())
    with app.test_request_context():
        with pytest.raises(ops.NotOpenYet):
            ops.submit_report(db, case, report, report.revision, data, user=partner, questions=load_questions())
        db.rollback()
        ops.record_disbursement(db, db.get(Case, case.id), user=partner, line_key=f"L{case.id}-0", paid_on=day,
                                amount_local=None, amount_dkk=Decimal("1000.00"), note=None)
    db.expire_all()
    assert db.get(Case, case.id).status == "in_followup"
    assert [(d.paid_on, d.amount_dkk) for d in db.exec(select(Disbursement)).all()] == [(day, Decimal("1000.00"))]
    # On the last day of the period the final report goes through and closes the case, truly.
    monkeypatch.setattr(ops, "today", lambda: final_opens(case))
    with app.test_request_context():
        ops.submit_report(db, db.get(Case, case.id), final_report(db, case), final_report(db, case).revision,
                          data, user=partner, questions=load_questions())
    db.expire_all()
    closed = db.get(Case, case.id)
    assert (closed.status, closed.closure_reason) == ("closed", "period_ended")

"""Watching the year: overdue reports, alerts, closure, the summary export."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from reintegration.domain.followup import is_overdue
from reintegration.domain.rates import load_rate_tables
from reintegration.followup import operations as ops
from reintegration.models import AuditEvent, Case, Disbursement, FollowUpReport, RiskAlert


def section(page: str, heading: str) -> str:
    """The part of a page under ``<h2>heading</h2>``, up to the next heading."""
    return page.split(f"<h2>{heading}</h2>")[1].split("<h2")[0]


def reports(db, case):
    db.expire_all()
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                   .order_by(FollowUpReport.due_month)).all()


def test_overdue_at_the_14_day_boundary():
    table = load_rate_tables(__import__("pathlib").Path("rates")).for_date(date(2026, 3, 15))
    due = date(2026, 4, 15)
    assert table.overdue_after_days == 14
    assert not is_overdue(due, due + timedelta(days=14), table)
    assert is_overdue(due, due + timedelta(days=15), table)


@pytest.mark.parametrize("days_after_due, overdue", [(14, False), (15, True)])
def test_overview_lists_overdue_reports_after_14_days(client, auth, db, returned_case, monkeypatch,
                                                      days_after_due, overdue):
    case = returned_case()
    due = reports(db, case)[0].due_date
    monkeypatch.setattr(ops, "today", lambda: due + timedelta(days=days_after_due))
    auth.login("caseworker")
    page = client.get("/followup/").get_data(as_text=True)
    assert (case.reference in section(page, "Overdue reports")) is overdue


def risky_report(app, db, case, user, *indicators):
    from reintegration.followup.questions import load_questions

    report = reports(db, case)[0]
    data = ops.ReportInput(contact_date=case.actual_return, contact_kind="phone", activity_status="delayed",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=indicators)
    with app.test_request_context():
        return ops.submit_report(db, case, report, report.revision, data, user=user, questions=load_questions())


def test_an_alert_is_shown_first_and_closes_only_with_what_was_done(app, client, auth, db, make_user,
                                                                      returned_case):
    caseworker = make_user("caseworker")
    case = returned_case(caseworker_id=caseworker.id)
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    assert [m.to for m in app.extensions["mail_outbox"]] == [(caseworker.email,)]  # no CMM users exist
    auth.login(caseworker)
    page = client.get("/followup/").get_data(as_text=True)
    assert page.index("Open risk alerts") < page.index("Overdue reports")
    assert case.reference in section(page, "Open risk alerts")
    for action in ("", "   ", "x" * 2001):
        response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": action})
        assert response.status_code == 422 and 'href="#action"' in response.get_data(as_text=True)
        db.expire_all()
        assert db.get(RiskAlert, alert.id).closed_at is None
    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": "Called the person; referred to shelter"})
    assert response.status_code == 302
    db.expire_all()
    closed = db.get(RiskAlert, alert.id)
    assert closed.closed_at and closed.closed_by == caseworker.id and closed.action_taken.startswith("Called")
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_closed")).one()
    assert case.reference not in section(client.get("/followup/").get_data(as_text=True), "Open risk alerts")


def test_cmm_of_another_organisation_cannot_close_or_see_the_alert(app, client, auth, db, make_user, make_org,
                                                                   returned_case):
    contact = make_user("cmm", organisation=make_org("cmm"))
    case = returned_case(cmm_contact_id=contact.id)
    alert = risky_report(app, db, case, make_user("partner"), "trafficker_ties")
    auth.login(make_user("cmm", organisation=make_org("cmm")))
    assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 404
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": "done"}).status_code == 404
    assert client.get(f"/followup/cases/{case.id}").status_code == 404
    auth.logout()
    auth.login(contact)
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": "Met her."}).status_code == 302


def test_the_final_report_closes_the_period(app, db, make_user, returned_case, monkeypatch):
    case = returned_case(days_ago=300)
    partner = make_user("partner")
    final = reports(db, case)[-1]
    assert final.final and final.due_month == 12
    monkeypatch.setattr(ops, "today", lambda: final.due_date)  # the last day of the period
    from reintegration.followup.questions import load_questions

    data = ops.ReportInput(contact_date=date.today(), contact_kind="visit", activity_status="running",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=())
    with app.test_request_context():
        ops.submit_report(db, case, final, final.revision, data, user=partner, questions=load_questions())
    db.expire_all()
    closed = db.get(Case, case.id)
    assert closed.status == "closed" and closed.closure_reason == "period_ended" and closed.closed_at


def test_early_closure_needs_a_reason_and_makes_the_case_read_only(client, auth, db, make_user, make_org,
                                                                  returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login("caseworker")
    for data, field in [({"reason": "", "note": "x"}, "reason"), ({"reason": "bored", "note": "x"}, "reason"),
                        ({"reason": "withdrew", "note": ""}, "note"),
                        ({"reason": "withdrew", "note": "x" * 2001}, "note")]:
        response = auth.post(f"/followup/cases/{case.id}/close", data)
        assert response.status_code == 422 and f'href="#{field}"' in response.get_data(as_text=True)
    assert auth.post(f"/followup/cases/{case.id}/close",
                     {"reason": "contact_lost", "note": "No answer since May."}).status_code == 302
    db.expire_all()
    closed = db.get(Case, case.id)
    assert closed.status == "closed" and closed.closure_reason == "contact_lost"
    # Read-only everywhere: every form is refused with a message, nothing changes.
    response = auth.post(f"/followup/cases/{case.id}/return", {"return_date": "2026-03-01"}, follow_redirects=True)
    assert "This case is closed" in response.get_data(as_text=True)
    assert auth.post(f"/followup/cases/{case.id}/close", {"reason": "completed", "note": "x"}).status_code == 302
    auth.logout()
    auth.login(make_user("partner", organisation=partner))
    report = reports(db, case)[0]
    for url, data in [(f"/partner/cases/{case.id}/disburse", {"line_key": f"L{case.id}-1", "amount_dkk": "5",
                                                             "paid_on": date.today().isoformat()}),
                      (f"/partner/cases/{case.id}/reports/{report.id}", {"contact_kind": "visit"}),
                      (f"/partner/cases/{case.id}/attachments", {"target": f"report:{report.id}"})]:
        response = auth.post(url, data, follow_redirects=True)
        # What was sent is not dropped: shown, not sendable, who closed the case named (tests/partner).
        assert response.status_code == 409 and "A DRC caseworker closed this case on" in \
            response.get_data(as_text=True), url
        assert "This case is closed" in client.get(url, follow_redirects=True).get_data(as_text=True)
    db.expire_all()
    assert db.exec(select(Disbursement)).all() == [] and reports(db, case)[0].status == "due"
    assert db.get(Case, case.id).actual_return == case.actual_return


def test_summary_xlsx_opens_with_money_scores_and_alerts(app, client, auth, db, make_user, returned_case):
    case = returned_case()
    risky_report(app, db, case, make_user("partner"), "debt_to_trafficker")
    with app.test_request_context():
        ops.record_disbursement(db, case, user=make_user("partner"), line_key=f"L{case.id}-1",
                                paid_on=date.today(), amount_local=None, amount_dkk=Decimal("1234.50"),
                                note="=HYPERLINK(\"http://evil\")", files=())
        alert = db.exec(select(RiskAlert).where(RiskAlert.case_id == case.id)).one()
        ops.close_alert(db, alert, user=make_user("cmm"), action="=HYPERLINK(\"http://evil\")")  # text, as typed
    auth.login("approver")
    response = client.get(f"/followup/cases/{case.id}/summary.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.data))
    assert {"Case", "Budget", "Payments", "Outcomes", "Risk alerts"} <= set(book.sheetnames)
    budget = list(book["Budget"].values)
    assert budget[2][5] == 1234.5 or str(budget[2][5]) == "1234.50"
    assert book["Risk alerts"]["F2"].value == "=HYPERLINK(\"http://evil\")"
    assert book["Risk alerts"]["F2"].data_type == "s"
    assert len(list(book["Risk alerts"].values)) == 2
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.summary_exported")).one()


def test_summary_sheet_leaves_out_characters_no_worksheet_holds():
    """Text saved before the forms refused control characters (the fuzz test found one in
    a report) must not make the export fail: openpyxl refuses them, so they are left out."""
    from openpyxl import Workbook

    from reintegration.exports.workbook import text_not_formula
    from reintegration.followup.summary import _sheet

    book = Workbook()
    _sheet(book, "Outcomes", ["Notes", "Formula", "List"], [("paid\x0b in cash\x01", "=1+1", "- 2 bags of rice")])
    text_not_formula(book)  # as workbook_bytes does once for all its sheets
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Outcomes"]
    # Text as typed (no apostrophe shown before it), and "=1+1" a text cell, not a formula.
    assert list(sheet.values)[1] == ("paid in cash", "=1+1", "- 2 bags of rice")
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "s"]


def test_case_page_shows_timeline_and_money(client, auth, db, returned_case):
    case = returned_case()
    auth.login("approver")
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert "Month 12" in page and "(final)" in page and "Approved" in page
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "case.read")).first()


@pytest.mark.parametrize("role, status", [("partner", 403), ("admin", 403), ("caseworker", 200), ("cmm", 200),
                                          ("approver", 200)])
def test_who_sees_the_overview(client, auth, role, status):
    auth.login(role)
    assert client.get("/followup/").status_code == status


def test_money_off_plan_is_listed(app, client, auth, db, make_user, returned_case):
    # Returned 40 days ago: month 2. Nothing paid although month 1 planned 4,515.00 kr.: under plan.
    under = returned_case()
    on_plan = returned_case()
    with app.test_request_context():
        ops.record_disbursement(db, on_plan, user=make_user("partner"), line_key=f"L{on_plan.id}-0",
                                paid_on=date.today(), amount_local=Decimal("1000000"), amount_dkk=None, note=None)
    auth.login("caseworker")
    listed = section(client.get("/followup/").get_data(as_text=True), "Money over or under plan")
    assert under.reference in listed and "Under plan" in listed
    assert on_plan.reference not in listed


def test_a_report_sent_to_a_case_closed_while_it_was_open_is_refused_and_keeps_nothing(app, db, make_user,
                                                                                       returned_case):
    """The page was loaded while the case was open; a caseworker closed it before the
    send: the send sees the closure under the case's lock (nothing written, no alert)."""
    from sqlmodel import Session

    caseworker = make_user("caseworker")
    case = returned_case(caseworker_id=caseworker.id)
    report = reports(db, case)[0]
    with Session(app.extensions["db_engine"]) as other, app.test_request_context():
        ops.close_case(other, other.get(Case, case.id), user=other.get(type(caseworker), caseworker.id),
                       reason="withdrew", note="The person withdrew.")
    from reintegration.followup.questions import load_questions

    partner = make_user("partner")
    assert case.status != "closed"  # the sender's view of the case is from before the closure
    data = ops.ReportInput(contact_date=case.actual_return, contact_kind="phone", activity_status="delayed",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=("threats",))
    with app.test_request_context(), pytest.raises(ops.CaseClosed):
        ops.submit_report(db, case, report, report.revision, data, user=partner, questions=load_questions())
    db.expire_all()
    assert db.get(FollowUpReport, report.id).status == ops.DUE
    assert db.exec(select(RiskAlert).where(RiskAlert.case_id == case.id)).all() == []
    assert db.get(Case, case.id).closure_reason == "withdrew"


@pytest.mark.parametrize("locale, due_text, in_time, overdue", [
    ("en", "Due", "Send by", "Overdue"), ("da", "Skal sendes", "Skal sendes senest", "Over fristen")])
def test_a_report_past_its_due_date_but_in_time_says_until_when(client, auth, db, returned_case, monkeypatch,
                                                                 locale, due_text, in_time, overdue):
    """In the grace period a report is still due, not overdue; "due 28 Nov" beside a plain
    "Due" on 6 Dec read as late. It names the last day it is in time: the due date plus
    the rate table's grace (14 days), and is overdue the day after."""
    from flask_babel import force_locale

    from reintegration.followup.forms import report_state_label
    from reintegration.i18n import format_day

    case = returned_case()
    first = reports(db, case)[0]
    due = first.due_date
    last = due + timedelta(days=14)
    auth.login("caseworker", locale=locale)

    def state_on(day):
        monkeypatch.setattr(ops, "today", lambda: day)
        page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
        with client.application.test_request_context(), force_locale(locale):
            return page, format_day(last)

    page, said = state_on(due)  # on the day itself: due, nothing more to say
    assert f"{in_time} " not in page and f">{due_text}<" in page
    for day in (due + timedelta(days=1), last):
        page, said = state_on(day)
        assert f"{in_time} {said}" in page, day
    page, said = state_on(last + timedelta(days=1))
    assert f"{in_time} " not in page and overdue in page
    with client.application.test_request_context(), force_locale("en"):
        assert report_state_label("due") == "Due" and report_state_label("overdue", send_by=last) == "Overdue"


def test_the_partner_reads_until_when_a_report_is_in_time(client, auth, db, make_org, make_user, returned_case,
                                                           monkeypatch):
    """The partner portal's due list and case page say the same as the staff's pages."""
    org = make_org("partner")
    case = returned_case(partner=org)
    due = reports(db, case)[0].due_date
    monkeypatch.setattr(ops, "today", lambda: due + timedelta(days=3))
    auth.login(make_user("partner", organisation=org, locale="en"))
    last = (due + timedelta(days=14)).strftime("%b %-d, %Y")
    for url in ("/partner/", f"/partner/cases/{case.id}"):
        page = client.get(url).get_data(as_text=True)
        assert f"Send by {last}" in page, url

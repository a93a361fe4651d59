"""The partner portal: own cases only, reports, disbursements, light pages."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import Attachment, AuditEvent, Disbursement, FollowUpReport, RiskAlert
from support import danish_tomorrow

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")




def first_report(db, case):
    db.expire_all()
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                   .order_by(FollowUpReport.due_month)).first()


def report_data(db, report, **overrides):
    from reintegration.followup.questions import load_questions

    data = {"revision": str(report.revision), "contact_date": date.today().isoformat(), "contact_kind": "visit",
            "activity_status": "running", "income_local": "25000", "monthly_income": "",
            "housing": "Rents a room", "health": "Good", "schooling": "", "wellbeing": "Better"}
    for question in load_questions().questions:
        data[f"q_{question.key}"] = question.options[-2].key
    data.update(overrides)
    return data


def test_partner_sees_only_own_cases_and_next_due(client, auth, db, make_org, make_user, returned_case):
    mine, theirs = make_org("partner"), make_org("partner")
    own = returned_case(partner=mine, reference="RT-2026-7001", days_ago=60)
    returned_case(partner=theirs, reference="RT-2026-7002")
    auth.login(make_user("partner", organisation=mine))
    page = client.get("/partner/").get_data(as_text=True)
    assert "RT-2026-7001" in page and "RT-2026-7002" not in page
    assert "Overdue" in page  # returned 60 days ago: month 1 is past due + 14 days
    assert client.get(f"/partner/cases/{own.id}").status_code == 200


def test_partner_b_cannot_reach_partner_a_objects(client, auth, db, make_org, make_user, returned_case):
    a, b = make_org("partner"), make_org("partner")
    case = returned_case(partner=a)
    report = first_report(db, case)
    officer_a = make_user("partner", organisation=a)
    auth.login(officer_a)
    response = auth.post(f"/partner/cases/{case.id}/disburse", {
        "line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_dkk": "100",
        "request_token": uuid.uuid4().hex,
        "files": (io.BytesIO(PNG), "receipt.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.exec(select(Attachment)).one()
    disbursement = db.exec(select(Disbursement)).one()
    assert client.get(f"/partner/attachments/{attachment.id}").status_code == 200
    auth.logout()

    auth.login(make_user("partner", organisation=b))
    urls = [f"/partner/cases/{case.id}", f"/partner/cases/{case.id}/reports/{report.id}",
            f"/partner/cases/{case.id}/disburse", f"/partner/cases/{case.id}/attachments",
            f"/partner/attachments/{attachment.id}", f"/partner/attachments/{attachment.id + 1000}"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in urls[1:4]:
        assert auth.post(url, {"line_key": f"L{case.id}-1", "target": f"disbursement:{disbursement.id}"}).status_code == 404, url
    # Nor through the follow-up pages of DRC/CMM (role refused).
    assert client.get(f"/followup/attachments/{attachment.id}").status_code == 403
    assert "RT-" not in client.get("/partner/").get_data(as_text=True)
    # Nothing was added by the attempts.
    assert len(db.exec(select(Disbursement)).all()) == 1


def test_report_of_another_case_in_own_url_is_404(client, auth, db, make_org, make_user, returned_case):
    a, b = make_org("partner"), make_org("partner")
    own, other = returned_case(partner=a), returned_case(partner=b)
    auth.login(make_user("partner", organisation=a))
    other_report = first_report(db, other)
    assert client.get(f"/partner/cases/{own.id}/reports/{other_report.id}").status_code == 404


def test_submit_report_stores_scores_and_closes_nothing_before_final(client, auth, db, make_org, make_user,
                                                                   returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner))
    form = client.get(f"/partner/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert "trafficker" in form and "Economic questions" in form
    data = report_data(db, report, files=(io.BytesIO(PNG), "visit.png"))
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    report = first_report(db, case)
    assert report.status == "submitted" and report.income_local == Decimal("25000")
    assert report.score_economic == Decimal("0.75") and report.score_social is not None
    assert report.risk_indicators == ""
    assert db.exec(select(RiskAlert)).all() == []
    assert db.exec(select(Attachment).where(Attachment.followup_id == report.id)).one().content_type == "image/png"
    db.refresh(case)
    assert case.status == "in_followup"
    # Submitted once: the page now shows the report.
    page = client.get(f"/partner/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert "Rents a room" in page and "<form" not in page.split("<main")[1].split("</main>")[0]


def test_stale_revision_is_a_conflict_that_keeps_the_input(client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner))
    data = report_data(db, report, revision=str(report.revision - 1 if report.revision > 1 else 999),
                       housing="My careful notes")
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data)
    assert response.status_code == 409
    assert "My careful notes" in response.get_data(as_text=True)
    assert first_report(db, case).status == "due"


@pytest.mark.parametrize("field, value, message", [
    ("contact_date", "", "This field is required"),
    ("contact_date", "yesterday", "Enter a date such as"),
    ("contact_date", danish_tomorrow(), "cannot be in the future"),
    ("contact_date", "2026-01-01", "cannot be before the return"),
    ("contact_kind", "teleport", "Choose one of the options"),
    ("contact_kind", "", "Choose one of the options"),
    ("activity_status", "booming", "Choose one of the options"),
    ("income_local", "lots", "Enter an amount such as"),
    ("income_local", "-5", "The amount cannot be negative."),  # zero is an income: not "greater than zero"
    ("monthly_income", "-5", "The amount cannot be negative."),
    ("monthly_income", "1.234,5678", "Enter an amount such as"),
    ("housing", "x" * 2001, "At most 2000 characters"),
    ("wellbeing", "x" * 2001, "At most 2000 characters"),
    ("health", "x" * 2001, "At most 2000 characters"),
    ("schooling", "x" * 2001, "At most 2000 characters"),
    ("contact_date", "2026-13-40", "Enter a date such as"),
    ("notes", "x" * 5001, "At most 5000 characters"),
    ("q_income_sufficient", "", "Choose one of the options"),
    ("q_distress", "maybe", "Choose one of the options"),
    ("revision", "abc", None),
])
def test_bad_report_input_is_a_field_error(client, auth, db, make_org, make_user, returned_case,
                                           field, value, message):
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=10)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner))
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(db, report, **{field: value}))
    page = response.get_data(as_text=True)
    if message is None:  # a mangled revision: treated as a conflict, never a 500
        assert response.status_code == 409
    else:
        assert response.status_code == 422
        assert message in page and f'href="#{field}"' in page
    assert first_report(db, case).status == "due"


def test_risk_indicator_alerts_cmm_and_drc_by_mail(app, client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    cmm_org = make_org("cmm")
    contact = make_user("cmm", organisation=cmm_org)
    colleague = make_user("cmm", organisation=cmm_org)
    elsewhere = make_user("cmm", organisation=make_org("cmm"))
    caseworker = make_user("caseworker")
    case = returned_case(partner=partner, cmm_contact_id=contact.id, caseworker_id=caseworker.id,
                         person_name="Blessing Secret-Name")
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner))
    data = report_data(db, report, risk_debt_to_trafficker="y", risk_threats="y")
    assert auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data).status_code == 302
    alert = db.exec(select(RiskAlert)).one()
    assert alert.indicators == "debt_to_trafficker,threats" and alert.closed_at is None
    outbox = app.extensions["mail_outbox"]
    recipients = sorted(address for mail in outbox for address in mail.to)
    assert recipients == sorted([contact.email, colleague.email, caseworker.email])
    assert elsewhere.email not in recipients
    for mail in outbox:
        assert case.reference in mail.subject
        assert "Blessing" not in mail.body and "Secret" not in mail.subject
        assert "debt" not in mail.body.lower()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_opened")).one()


def test_partner_pages_are_light(client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    report = first_report(db, case)
    for url in ("/partner/", f"/partner/cases/{case.id}", f"/partner/cases/{case.id}/reports/{report.id}",
                f"/partner/cases/{case.id}/disburse", f"/partner/cases/{case.id}/attachments"):
        page = client.get(url).get_data(as_text=True)
        # One small script: the session timeout warning (WCAG 2.1 SC 2.2.1).
        scripts = re.findall(r"<script[^>]*>", page)
        assert "dkfds.min.js" not in page and len(scripts) == 1 and "js/session.js" in scripts[0], url
        # The slim partner stylesheet (issue #8: < 150 KB on a cold first visit) in place
        # of the full design system stylesheet and its web fonts.
        assert "css/partner.css" in page and "dkfds-virkdk" not in page and 'name="viewport"' in page
        assert len(page.encode()) < 60_000, url


def test_partner_pages_are_translated(client, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    report = first_report(db, case)
    page = client.get(f"/partner/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert 'lang="da"' in page and "Send rapporten" in page and "Personens indkomst" in page


HEIC = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64


def test_attach_files_later_to_own_report_or_payment_only(app, client, auth, db, make_org, make_user,
                                                           returned_case):
    partner = make_org("partner")
    case, other = returned_case(partner=partner), returned_case(partner=make_org("partner"))
    auth.login(make_user("partner", organisation=partner))
    report, foreign = first_report(db, case), first_report(db, other)
    url = f"/partner/cases/{case.id}/attachments"
    page = client.get(url).get_data(as_text=True)
    assert "Report for month 1" in page
    assert '<label class="form-label" for="files">Files</label>' in page  # a file is needed: not "(optional)"
    response = auth.post(url, {"target": f"report:{report.id}", "files": (io.BytesIO(HEIC), "IMG_0001.HEIC")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.exec(select(Attachment)).one()
    assert stored.followup_id == report.id and stored.content_type == "image/heic"
    for target in (f"report:{foreign.id}", "report:abc", "disbursement:999999", ""):
        response = auth.post(url, {"target": target, "files": (io.BytesIO(PNG), "x.png")},
                             content_type="multipart/form-data")
        assert response.status_code == 422 and 'href="#target"' in response.get_data(as_text=True), target
    response = auth.post(url, {"target": f"report:{report.id}"}, content_type="multipart/form-data")
    assert "Choose at least one file" in response.get_data(as_text=True)
    assert len(db.exec(select(Attachment)).all()) == 1


def test_console_mail_backend_prints(app, capsys):
    from reintegration import mail

    app.config["MAIL_BACKEND"] = "console"
    with app.app_context():
        mail.send("cmm@example.org", "Risk alert for case RT-1", "Open the case.")
    assert "Risk alert for case RT-1" in capsys.readouterr().out


def test_the_report_form_s_activity_question_is_not_its_heading_again(client, auth, db, make_org, make_user,
                                                                     returned_case):
    """The section is "Income activity"; its first question asks how it stands, so a
    screen reader moving from field to field hears what the choice is about."""
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=10)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    page = client.get(f"/partner/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert "<h2>Indkomstaktivitet</h2>" in page
    label = page.split('for="activity_status"')[1].split("</label>")[0]
    assert "Indkomstaktivitetens status" in label

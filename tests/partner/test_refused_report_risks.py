"""A partner officer's send that is refused for a reason they cannot mend (a colleague
submitted the report meanwhile, or the case was closed meanwhile) saves nothing of the
report, but never loses the risk signs they ticked: CMM and DRC are alerted to those the
stored report lacks, once, and the page says so. A case closed while the report was
being written is a 409 page that keeps every answer in view, like the conflict page.
A form refused for its own errors on an open case alerts no one: it is fixed and sent."""

from __future__ import annotations

import io
import json
import threading
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from reintegration.followup import operations as ops
from reintegration.models import Attachment, AuditEvent, Case, FollowUpReport, RiskAlert, User
from test_portal import PNG, first_report, report_data
from test_report_conflicts import (browser, main_of, revision_in, second_officers_report, text_of,
                                   two_officers)  # noqa: F401 - two_officers is a fixture

ALERTED = "CMM and DRC have been alerted to them"
REFUSED_CLOSED = ("Marked in a report that could not be saved, because the case had been closed. These signs are "
                  "not in any report.")
REFUSED_SUBMITTED = ("Marked in a report that could not be saved, because a colleague had submitted it first. "
                     "These signs are not in the submitted report.")
NOT_ALERTED = "No one has been alerted to them"


def alerts(db) -> list[RiskAlert]:
    db.expire_all()
    return list(db.exec(select(RiskAlert).order_by(RiskAlert.id)).all())


def mailed(app) -> list[str]:
    return sorted(to for mail in app.extensions.get("mail_outbox", []) for to in mail.to)


def told(db, case) -> list[User]:
    """Whom an alert on the case is sent to: its caseworker and its CMM contact."""
    return [db.get(User, case.caseworker_id), db.get(User, case.cmm_contact_id)]


def opened_events(db) -> list[dict]:
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_opened")
                                                  .order_by(AuditEvent.id)).all()]


def close_the_case(app, auth, db, case):
    """The case's caseworker closes it (contact lost)."""
    caseworker = browser(app, auth, db.get(User, case.caseworker_id))
    response = caseworker.post(f"/followup/cases/{case.id}/close",
                               {"reason": "contact_lost", "note": "No answer for two months"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).status == "closed"


# --- a colleague submitted the report meanwhile ---------------------------------------------------

def test_signs_the_submitted_report_has_already_open_no_new_alert(app, auth, db, two_officers):
    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(url, report_data(db, report, risk_threats="y")).status_code == 302
    assert [a.indicators for a in alerts(db)] == ["threats"] and len(mailed(app)) == 2

    response = second.post(url, report_data(db, report, revision=seen, risk_threats="y"))
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "were not in the submitted report" not in words and "have not been sent" not in words
    assert [a.indicators for a in alerts(db)] == ["threats"] and len(mailed(app)) == 2

    # One more sign than the submitted report has: an alert with that sign only.
    response = second.post(url, report_data(db, report, revision=seen, risk_threats="y", risk_debt_to_trafficker="y"))
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409 and ALERTED in words
    assert "still being asked to pay a debt" in words
    assert [(a.indicators, a.followup_id, a.refused) for a in alerts(db)] == [
        ("threats", report.id, None), ("debt_to_trafficker", report.id, "submitted")]
    assert len(mailed(app)) == 4
    # The caseworker reads which alert's signs are in the report and which are not.
    caseworker = browser(app, auth, db.get(User, case.caseworker_id))
    page = caseworker._client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    items = [text_of(item) for item in page.split('<li class="app-alert-item">')[1:]]
    assert [REFUSED_SUBMITTED in item for item in items] == [True, False]  # newest first
    book = load_workbook(io.BytesIO(caseworker._client.get(f"/followup/cases/{case.id}/summary.xlsx").data))
    header, *rows = book["Risk alerts"].values
    assert sorted(row[header.index("Where the signs were marked")] for row in rows) == sorted(
        ["In the submitted report", REFUSED_SUBMITTED])


# --- the case was closed meanwhile -----------------------------------------------------------------

CLOSED = {
    "en": {"closed": "A DRC caseworker closed this case on", "time": "%H:%M",
           "not_saved": "so what you sent was not saved. Your answers are kept below.",
           "heading": "The signs of risk you marked were not saved",
           "alerted": ALERTED,
           "kept": "Your answers (not sent)",
           "files": "The files you chose were not saved (receipt.png). The case is closed, so send them to the DRC "
                    "caseworker of the case."},
    "da": {"closed": "En sagsbehandler i DRC lukkede sagen den", "time": "%H.%M",
           "not_saved": "så det, du sendte, blev ikke gemt. Dine svar er bevaret nedenfor.",
           "heading": "De tegn på risiko, du markerede, blev ikke gemt",
           "alerted": "CMM og DRC har fået besked om dem",
           "kept": "Dine svar (ikke sendt)",
           "files": "De filer, du valgte, blev ikke gemt (receipt.png). Sagen er lukket, så send dem til sagens "
                    "sagsbehandler i DRC."},
}


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_report_sent_after_the_caseworker_closed_the_case_keeps_the_answers_and_alerts(
        app, auth, db, two_officers, locale):
    case, _first, second = two_officers(locale)
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    close_the_case(app, auth, db, case)

    response = second.post(url, second_officers_report(db, report, seen, files=(io.BytesIO(PNG), "receipt.png")),
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    words = text_of(page)
    said = CLOSED[locale]
    assert response.status_code == 409
    # Who closed the case and when, and that nothing was saved ...
    closed_at = db.get(Case, case.id).closed_at
    assert said["closed"] in words and f"{closed_at:{said['time']}} (UTC)" in words and said["not_saved"] in words
    # ... the answers sent, shown but not sendable, risk signs ticked ...
    assert said["kept"] in words
    assert "Sleeps at the shop since the threats" in page and "Saw the recruiter outside the shop twice" in page
    for key in ("trafficker_ties", "threats"):
        assert f'<input checked class="form-checkbox" id="risk_{key}"' in page, key
    assert "<form" not in main_of(page)
    # ... the file named as not saved, and CMM and DRC alerted to the signs.
    assert said["files"] in words
    assert said["heading"] in words and said["alerted"] in words

    db.expire_all()
    stored = db.get(FollowUpReport, report.id)
    assert (stored.status, stored.housing, stored.notes, stored.risk_indicators) == ("due", None, None, "")
    assert db.exec(select(Attachment)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.report_submitted")).all() == []
    [alert] = alerts(db)
    assert (alert.case_id, alert.followup_id, alert.indicators, alert.closed_at) == (
        case.id, report.id, "trafficker_ties,threats", None)
    assert mailed(app) == sorted(u.email for u in told(db, case))
    assert opened_events(db) == [{"indicators": ["trafficker_ties", "threats"], "from": "refused_report",
                                  "refused": "case_closed", "notified": sorted(u.id for u in told(db, case))}]
    # The alert is among the open ones on the dashboard of the case's CMM contact.
    cmm = browser(app, auth, db.get(User, case.cmm_contact_id))
    dashboard = cmm._client.get("/followup/").get_data(as_text=True)
    open_alerts = text_of(dashboard.split("<h2>Open risk alerts</h2>")[1].split("<h2")[0])
    assert case.reference in open_alerts and REFUSED_CLOSED in open_alerts
    assert alert.refused == "case_closed"
    # The case's page, the page that closes the alert and the summary workbook say it too:
    # the signs are in no report, and the reader must not look for them there.
    assert REFUSED_CLOSED in text_of(cmm._client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert REFUSED_CLOSED in text_of(cmm._client.get(f"/followup/alerts/{alert.id}/close").get_data(as_text=True))
    book = load_workbook(io.BytesIO(cmm._client.get(f"/followup/cases/{case.id}/summary.xlsx").data))
    header, *rows = book["Risk alerts"].values
    assert [row[header.index("Where the signs were marked")] for row in rows] == [REFUSED_CLOSED]


def test_a_report_sent_after_a_colleagues_final_report_closed_the_case(app, db, monkeypatch, two_officers):
    """The colleague sent the final report (it closes the period) while the second officer
    was writing the report for month 1: the second one is refused as sent to a closed case,
    with its answers kept and its risk signs alerted, on the report it was written for."""
    case, first, second = two_officers()
    final = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final)).one()
    monkeypatch.setattr(ops, "today", lambda: final.due_date + timedelta(days=3))  # the period has ended
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(f"/partner/cases/{case.id}/reports/{final.id}",
                      report_data(db, final, housing="Rents a room with an aunt")).status_code == 302

    response = second.post(url, second_officers_report(db, report, seen))
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 409
    assert "Ada Okafor sent the final report on" in words and "which closed this case" in words
    assert "Saw the recruiter outside the shop twice" in page and "<form" not in main_of(page)
    assert "The signs of risk you marked were not saved" in words and ALERTED in words
    [alert] = alerts(db)
    assert (alert.followup_id, alert.indicators) == (report.id, "trafficker_ties,threats")
    assert db.get(FollowUpReport, report.id).status == "due"
    assert opened_events(db)[0]["refused"] == "case_closed"


def test_a_closed_case_with_no_signs_ticked_opens_no_alert(app, auth, db, two_officers):
    case, _first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    close_the_case(app, auth, db, case)
    response = second.post(url, report_data(db, report, revision=seen, housing="Moved back to her mother"))
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 409
    assert "A DRC caseworker closed this case on" in words and "Moved back to her mother" in page
    assert "signs of risk you marked" not in words
    assert alerts(db) == [] and mailed(app) == [] and opened_events(db) == []
    assert db.get(FollowUpReport, report.id).housing is None


def test_opening_a_report_of_a_closed_case_still_goes_back_to_the_case(app, auth, db, two_officers):
    case, _first, second = two_officers()
    report = first_report(db, case)
    close_the_case(app, auth, db, case)
    response = second._client.get(f"/partner/cases/{case.id}/reports/{report.id}")
    assert response.status_code == 302 and response.location.endswith(f"/partner/cases/{case.id}")
    assert alerts(db) == []


def test_on_a_closed_case_the_forms_own_errors_do_not_stop_the_alert(app, auth, db, two_officers):
    """Nothing can be sent to a closed case, so a field error is no reason to keep the signs
    back: fixing it would not get them through. A posted sign that is not one of the
    form's is no sign."""
    case, _first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    close_the_case(app, auth, db, case)
    response = second.post(url, second_officers_report(db, report, seen, contact_date="yesterday",
                                                       risk_made_up="y"))
    assert response.status_code == 409 and ALERTED in text_of(response.get_data(as_text=True))
    assert [a.indicators for a in alerts(db)] == ["trafficker_ties,threats"]


def test_a_form_with_its_own_errors_on_an_open_case_alerts_no_one(app, db, two_officers):
    """Refused for its own errors, the form comes back to be fixed and sent: the signs go
    with the report then, and an alert now would be one too many."""
    case, _first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    response = second.post(url, second_officers_report(db, report, seen, contact_date=""))
    assert response.status_code == 422 and "This field is required" in response.get_data(as_text=True)
    assert alerts(db) == [] and mailed(app) == []
    response = second.post(url, second_officers_report(db, report, seen))
    assert response.status_code == 302
    assert [a.indicators for a in alerts(db)] == ["trafficker_ties,threats"]
    assert opened_events(db)[0].get("from") is None  # the report's own alert


# --- once, while it is open ------------------------------------------------------------------------

@pytest.mark.parametrize("refusal", ["submitted", "case_closed"])
def test_the_refused_form_sent_again_opens_no_second_alert(app, auth, db, two_officers, refusal):
    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    if refusal == "submitted":
        assert first.post(url, report_data(db, report, housing="Rents a room with an aunt")).status_code == 302
    else:
        close_the_case(app, auth, db, case)
    sent = second_officers_report(db, report, seen)
    for _ in range(3):  # a double tap, then the browser's "send again"
        response = second.post(url, sent)
        assert response.status_code == 409 and ALERTED in text_of(response.get_data(as_text=True))
    assert [a.indicators for a in alerts(db)] == ["trafficker_ties,threats"]
    assert len(mailed(app)) == 2 and len(opened_events(db)) == 1


def test_once_the_alert_is_closed_the_same_signs_alert_again(app, auth, db, two_officers):
    """An open alert stands for its signs; once CMM or DRC closed it (what was done is
    recorded), signs sent again are news and open a new one."""
    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(url, report_data(db, report)).status_code == 302
    sent = second_officers_report(db, report, seen)
    assert second.post(url, sent).status_code == 409
    [alert] = alerts(db)
    cmm = browser(app, auth, db.get(User, case.cmm_contact_id))
    assert cmm.post(f"/followup/alerts/{alert.id}/close", {"action": "Called her; safe."}).status_code == 302
    assert second.post(url, sent).status_code == 409
    assert [(a.indicators, a.closed_at is None) for a in alerts(db)] == [("trafficker_ties,threats", False),
                                                                          ("trafficker_ties,threats", True)]


def test_two_refused_sends_at_once_open_one_alert(app, db, two_officers, monkeypatch):
    """Two sends of the refused form at the same moment (a double tap on a slow line): the
    second waits for the first (the case row is locked before the open alerts are read),
    then finds its alert. Without the lock both would read no alert and open one each."""
    case, first, second = two_officers()
    report = first_report(db, case)
    assert first.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(db, report)).status_code == 302
    engine = app.extensions["db_engine"]
    officer_id = second.user.id
    db.close()
    real_recipients = ops.alert_recipients
    outcome: dict = {}
    second_done = threading.Event()

    def send():
        with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
            return ops.alert_refused_report(session, session.get(Case, case.id),
                                            session.get(FollowUpReport, report.id), ("threats",),
                                            user=session.get(User, officer_id), refused=ops.REFUSED_SUBMITTED)

    def later():
        try:
            outcome["second"] = send()
        except Exception as error:  # reported in the test's thread
            outcome["second"] = error
        finally:
            second_done.set()

    thread = threading.Thread(target=later)

    def first_opens_then_second_starts(session, locked_case):
        if not thread.is_alive() and not second_done.is_set():
            thread.start()
            outcome["second_waited"] = not second_done.wait(1.0)
        return real_recipients(session, locked_case)

    monkeypatch.setattr(ops, "alert_recipients", first_opens_then_second_starts)
    one = send()
    thread.join(30)
    monkeypatch.undo()

    assert outcome["second_waited"], "the second send did not wait for the first"
    assert one.alert is not None and one.unsent == ("threats",)
    assert outcome["second"] == ops.RefusedRisks(("threats",), None), outcome["second"]
    with Session(engine) as fresh:
        assert [a.indicators for a in fresh.exec(select(RiskAlert)).all()] == ["threats"]


def test_only_the_forms_risk_keys_count(app, db, two_officers):
    case, first, second = two_officers()
    report = first_report(db, case)
    assert first.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(db, report)).status_code == 302
    db.refresh(report)
    with app.test_request_context():
        none = ops.alert_refused_report(db, case, report, ("made_up", ""), user=second.user,
                                        refused=ops.REFUSED_SUBMITTED)
        some = ops.alert_refused_report(db, case, report, ("made_up", "threats", "trafficker_ties", "threats"),
                                        user=second.user, refused=ops.REFUSED_SUBMITTED)
    assert none == ops.RefusedRisks((), None)
    assert some.unsent == ("trafficker_ties", "threats")  # in the form's order, once each
    assert [a.indicators for a in alerts(db)] == ["trafficker_ties,threats"]


# --- should the alert fail, the signs are still not lost from view -------------------------------------

def test_if_the_alert_cannot_be_opened_the_page_says_whom_to_tell(app, db, monkeypatch, two_officers):
    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(url, report_data(db, report)).status_code == 302

    def fails(*args, **kwargs):
        raise OperationalError("INSERT INTO riskalert", {}, Exception("the database is gone"))

    monkeypatch.setattr(ops, "alert_refused_report", fails)
    response = second.post(url, second_officers_report(db, report, seen))
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "The signs of risk you marked have not been sent" in words and NOT_ALERTED in words
    assert "Tell the DRC caseworker of the case at once" in words and ALERTED not in words
    assert "still has contact with or a hold over the person" in words
    assert alerts(db) == []


# --- only the case's partner ---------------------------------------------------------------------

def test_no_one_else_can_send_risk_signs_to_a_closed_case(app, auth, db, make_org, make_user, two_officers):
    case, _first, _second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    close_the_case(app, auth, db, case)
    outsider = browser(app, auth, make_user("partner", organisation=make_org("partner")))
    assert outsider.post(url, second_officers_report(db, report, str(report.revision))).status_code == 404
    caseworker = browser(app, auth, make_user("caseworker"))
    assert caseworker.post(url, second_officers_report(db, report, str(report.revision))).status_code == 403
    assert alerts(db) == [] and mailed(app) == []

"""Closing a case early while risk alerts are open: the close form lists the open alerts
and asks for an explicit confirmation, which the server checks; an alert opened after the
form was shown (a partner's report meanwhile) is never closed over in silence; the audit
names the open alerts; the alerts stay open and in view for CMM and DRC, who can still
close them. The partner's final report still closes the case, its own signs alerted."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from lxml import html
from sqlmodel import Session, select

from reintegration.followup import operations as ops
from reintegration.followup.questions import load_questions
from reintegration.models import AuditEvent, Case, FollowUpReport, RiskAlert, User

NOTE = "The person withdrew by phone; she does not want further visits."
CONFIRM = "I have read the open risk alerts and close the case anyway; the alerts stay open for CMM and DRC"
THREATS = "The person or their family has been threatened"
DEBT = "The person is still being asked to pay a debt to the trafficker"


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def due_reports(db, case) -> list[FollowUpReport]:
    db.expire_all()
    return list(db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                        .order_by(FollowUpReport.due_month)).all())


def report_risks(app, db, case, index: int, *indicators, user=None, make_user=None) -> RiskAlert:
    """The partner submits report number ``index`` of the case (from 0) with risk signs."""
    report = due_reports(db, case)[index]
    data = ops.ReportInput(contact_date=case.actual_return, contact_kind="phone", activity_status="delayed",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=indicators)
    with app.test_request_context():
        alert = ops.submit_report(db, db.get(Case, case.id), report, report.revision, data,
                                  user=user or make_user("partner"), questions=load_questions())
    assert alert is not None
    return alert


def shown_in(page: str) -> str:
    """The value of the form's hidden list of the alerts it showed."""
    [value] = html.fromstring(page).xpath("//input[@name='shown_alerts']/@value") or [""]
    return value


def closure_events(db) -> list[dict]:
    db.expire_all()
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(AuditEvent.action == "followup.case_closed")
                                                  .order_by(AuditEvent.id)).all()]


def status_of(db, case) -> str:
    db.expire_all()
    return db.get(Case, case.id).status


@pytest.fixture
def alerted_case(app, db, make_user, make_org, returned_case):
    """A case in follow-up with its caseworker and CMM contact, and one open alert from the
    month-1 report (threats)."""
    caseworker = make_user("caseworker")
    cmm = make_user("cmm", organisation=make_org("cmm"))
    case = returned_case(caseworker_id=caseworker.id, cmm_contact_id=cmm.id)
    alert = report_risks(app, db, case, 0, "threats", make_user=make_user)
    return case, alert, caseworker, cmm


# --- the form ------------------------------------------------------------------------------------

def test_without_open_alerts_the_form_asks_nothing_more_and_the_audit_names_none(client, auth, db, returned_case):
    case = returned_case()
    auth.login("caseworker")
    page = client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True)
    assert "Open risk alerts" not in page and 'name="confirm_alerts"' not in page and shown_in(page) == ""
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "completed", "note": "All done.",
                                                               "shown_alerts": ""})
    assert response.status_code == 302
    assert status_of(db, case) == "closed"
    assert closure_events(db) == [{"reason": "completed", "open_alerts": []}]


def test_the_form_lists_the_open_alerts_with_a_warning(app, client, auth, db, make_user, alerted_case):
    case, alert, caseworker, _cmm = alerted_case
    closed = report_risks(app, db, case, 1, "debt_to_trafficker", make_user=make_user)  # closed: not listed
    with app.test_request_context():
        ops.close_alert(db, db.get(RiskAlert, closed.id), user=caseworker, action="Called her; safe.")
    auth.login(caseworker)
    response = client.get(f"/followup/cases/{case.id}/close")
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 200
    assert "The case has 1 open risk alert" in words
    assert "Closing the case does not close the alerts: they stay open for CMM and DRC" in words
    listed = page.split("<h2>Open risk alerts</h2>")[1].split("<form")[0]
    assert THREATS in listed and DEBT not in listed  # the closed alert is not listed
    report = due_reports(db, case)[0]
    assert f'href="/followup/cases/{case.id}/reports/{report.id}"' in listed  # the report the signs are in
    assert f'href="/followup/alerts/{alert.id}/close"' in listed and f"/alerts/{closed.id}/" not in listed
    assert f'href="/followup/cases/{case.id}"' in listed
    assert alert.opened_at.strftime("%Y") in listed
    assert shown_in(page) == str(alert.id)
    assert CONFIRM in words and 'name="confirm_alerts"' in page


# --- the confirmation ----------------------------------------------------------------------------

def test_without_the_confirmation_nothing_is_closed_and_the_text_is_kept(client, auth, db, alerted_case):
    case, alert, caseworker, _cmm = alerted_case
    auth.login(caseworker)
    shown = shown_in(client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True))
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                               "shown_alerts": shown})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    tree = html.fromstring(page)
    summary = tree.xpath("//div[contains(@class, 'error-summary')]//a[@href='#confirm_alerts']")
    assert summary and "Tick the box to close the case while risk alerts are open" in summary[0].text_content()
    assert tree.xpath("//select[@id='reason']/option[@selected]/@value") == ["withdrew"]
    assert tree.xpath("//textarea[@id='note']")[0].text_content().strip() == NOTE
    assert tree.xpath("//input[@id='confirm_alerts']/@aria-invalid") == ["true"]
    assert status_of(db, case) == "in_followup" and closure_events(db) == []
    # Other errors and the confirmation are shown together.
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "", "note": NOTE, "shown_alerts": shown})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#reason"' in page and 'href="#confirm_alerts"' in page


def test_with_the_confirmation_the_case_closes_and_the_alert_stays_open(client, auth, db, alerted_case):
    case, alert, caseworker, _cmm = alerted_case
    auth.login(caseworker)
    shown = shown_in(client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True))
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "contact_lost", "note": NOTE,
                                                               "shown_alerts": shown, "confirm_alerts": "y"})
    assert response.status_code == 302
    assert status_of(db, case) == "closed"
    assert db.get(RiskAlert, alert.id).closed_at is None
    [event] = closure_events(db)
    assert event == {"reason": "contact_lost", "open_alerts": [alert.id]}  # ids only, no text
    raw = db.exec(select(AuditEvent.detail).where(AuditEvent.action == "followup.case_closed")).one()
    assert "threats" not in raw and "withdrew" not in raw


def test_a_damaged_list_of_shown_alerts_asks_to_confirm_again(client, auth, db, alerted_case):
    case, _alert, caseworker, _cmm = alerted_case
    auth.login(caseworker)
    for shown in ("", "x", "²", "9" * 40, ",".join(["0"] * 5000)):
        response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "completed", "note": NOTE,
                                                                   "shown_alerts": shown, "confirm_alerts": "y"})
        assert response.status_code == 422 and 'href="#confirm_alerts"' in response.get_data(as_text=True)
    assert status_of(db, case) == "in_followup"


# --- the race: an alert opened after the form was shown -----------------------------------------

def test_an_alert_opened_after_the_form_was_shown_is_not_closed_over(app, client, auth, db, make_user,
                                                                      alerted_case):
    case, first, caseworker, _cmm = alerted_case
    auth.login(caseworker)
    shown = shown_in(client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True))
    assert shown == str(first.id)
    second = report_risks(app, db, case, 1, "debt_to_trafficker", make_user=make_user)  # meanwhile
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                               "shown_alerts": shown, "confirm_alerts": "y"})
    page = response.get_data(as_text=True)
    tree = html.fromstring(page)
    assert response.status_code == 422
    assert status_of(db, case) == "in_followup" and closure_events(db) == []
    assert "A risk alert was opened after you opened this form" in text_of(page)
    assert tree.xpath("//div[contains(@class, 'error-summary')]//a[@href='#confirm_alerts']")
    # Both alerts listed, the new one marked; the confirmation unticked; the text kept.
    items = tree.xpath("//li[contains(@class, 'app-alert-item')]")
    assert len(items) == 2
    marked = [item.text_content() for item in items if "New since you opened this form" in item.text_content()]
    assert len(marked) == 1 and DEBT in marked[0]
    assert tree.xpath("//input[@id='confirm_alerts']/@checked") == []
    assert tree.xpath("//select[@id='reason']/option[@selected]/@value") == ["withdrew"]
    assert tree.xpath("//textarea[@id='note']")[0].text_content().strip() == NOTE
    assert shown_in(page) == f"{first.id},{second.id}"
    # Confirmed again, with both shown: closed, both named, both still open.
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                               "shown_alerts": shown_in(page), "confirm_alerts": "y"})
    assert response.status_code == 302
    assert closure_events(db) == [{"reason": "withdrew", "open_alerts": [first.id, second.id]}]
    assert [a.closed_at for a in db.exec(select(RiskAlert)).all()] == [None, None]


def test_an_alert_opened_after_a_form_that_showed_none_is_not_closed_over(app, client, auth, db, make_user,
                                                                           returned_case):
    caseworker = make_user("caseworker")
    case = returned_case(caseworker_id=caseworker.id)
    auth.login(caseworker)
    page = client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True)
    assert 'name="confirm_alerts"' not in page
    alert = report_risks(app, db, case, 0, "threats", make_user=make_user)
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "completed", "note": NOTE,
                                                               "shown_alerts": shown_in(page)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and status_of(db, case) == "in_followup"
    assert "A risk alert was opened after you opened this form" in text_of(page) and THREATS in page
    assert 'name="confirm_alerts"' in page and shown_in(page) == str(alert.id)


def test_the_open_alerts_are_read_under_the_case_lock(app, db, make_user, returned_case, monkeypatch):
    """A report opening an alert and the closure at once: the closure waits for the
    report's lock on the case, then sees its alert, and closes nothing. Were the alerts read
    before the lock, it would find none and close the case over the new alert."""
    caseworker = make_user("caseworker")
    partner = make_user("partner")
    case = returned_case(caseworker_id=caseworker.id)
    report = due_reports(db, case)[0]
    case_id, report_id, revision, returned = case.id, report.id, report.revision, case.actual_return
    caseworker_id, partner_id = caseworker.id, partner.id
    engine = app.extensions["db_engine"]
    db.close()
    outcome: dict = {}
    closed = threading.Event()

    def close():
        try:
            with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
                ops.close_case(session, session.get(Case, case_id), user=session.get(User, caseworker_id),
                               reason="withdrew", note=NOTE, seen_alerts=frozenset(), confirmed=False)
            outcome["closure"] = "closed"
        except Exception as error:  # reported in the test's thread
            outcome["closure"] = error
        finally:
            closed.set()

    thread = threading.Thread(target=close)
    real_recipients = ops.alert_recipients

    def report_holds_the_lock_then_the_closure_starts(session, locked_case):
        if not thread.is_alive() and not closed.is_set():
            thread.start()
            outcome["waited"] = not closed.wait(1.0)
        return real_recipients(session, locked_case)

    monkeypatch.setattr(ops, "alert_recipients", report_holds_the_lock_then_the_closure_starts)
    data = ops.ReportInput(contact_date=returned, contact_kind="phone", activity_status="delayed",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=("threats",))
    with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
        alert = ops.submit_report(session, session.get(Case, case_id), session.get(FollowUpReport, report_id),
                                  revision, data, user=session.get(User, partner_id),
                                  questions=load_questions())
    thread.join(30)
    monkeypatch.undo()
    assert outcome["waited"], "the closure did not wait for the report's lock on the case"
    assert isinstance(outcome["closure"], ops.AlertsUnconfirmed), outcome["closure"]
    assert outcome["closure"].unseen == [alert.id]
    with Session(engine) as fresh:
        assert fresh.get(Case, case_id).status == "in_followup"


# --- who may close -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["cmm", "approver", "partner", "admin"])
def test_only_a_caseworker_may_close_a_case(client, auth, db, alerted_case, role):
    case, alert, _caseworker, cmm = alerted_case
    auth.login(cmm if role == "cmm" else role)
    assert client.get(f"/followup/cases/{case.id}/close").status_code == 403
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                               "shown_alerts": str(alert.id), "confirm_alerts": "y"})
    assert response.status_code == 403
    assert status_of(db, case) == "in_followup"


def test_anonymous_is_sent_to_sign_in(client, alerted_case):
    case, _alert, _caseworker, _cmm = alerted_case
    response = client.get(f"/followup/cases/{case.id}/close")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- both languages ------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, words", [
    ("da", ("Sagen har 1 åbent risikovarsel", "Åbne risikovarsler",
            "Jeg har læst de åbne risikovarsler og lukker sagen alligevel; varslerne forbliver åbne",
            "Sæt kryds for at lukke sagen, mens der er åbne risikovarsler")),
    ("en", ("The case has 1 open risk alert", "Open risk alerts", CONFIRM,
            "Tick the box to close the case while risk alerts are open")),
])
def test_the_form_in_both_languages(client, auth, db, make_user, alerted_case, locale, words):
    case, alert, _caseworker, _cmm = alerted_case
    auth.login(make_user("caseworker", locale=locale))
    get = client.get(f"/followup/cases/{case.id}/close")
    posted = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                             "shown_alerts": str(alert.id)})
    assert get.status_code == 200 and posted.status_code == 422
    page = text_of(get.get_data(as_text=True)) + text_of(posted.get_data(as_text=True))
    for expected in words:
        assert expected in page, expected


# --- after the closure: the alerts stay in view and can be closed -------------------------------

def test_the_open_alert_of_a_closed_case_stays_in_view_and_can_be_closed(client, auth, db, alerted_case):
    case, alert, caseworker, cmm = alerted_case
    auth.login(caseworker)
    assert auth.post(f"/followup/cases/{case.id}/close", {"reason": "contact_lost", "note": NOTE,
                                                           "shown_alerts": str(alert.id),
                                                           "confirm_alerts": "y"}).status_code == 302
    for who in (caseworker, cmm):
        auth.logout()
        auth.login(who)
        overview = client.get("/followup/").get_data(as_text=True)
        listed = overview.split("<h2>Open risk alerts</h2>")[1].split("<h2")[0]
        assert case.reference in listed and THREATS in listed
        page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
        alerts = page.split("<h2>Risk alerts</h2>")[1].split("<h2")[0]
        assert "Open" in alerts and f'href="/followup/alerts/{alert.id}/close"' in alerts
    # CMM records what was done and closes it, on the closed case.
    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": "Met her at the shelter; safe."})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(RiskAlert, alert.id).closed_by == cmm.id
    overview = client.get("/followup/").get_data(as_text=True)
    assert case.reference not in overview.split("<h2>Open risk alerts</h2>")[1].split("<h2")[0]


def test_the_final_report_still_closes_the_case_and_alerts_its_own_signs(app, client, auth, db, make_user,
                                                                         alerted_case, monkeypatch):
    """The partner's final report closes the case whatever alerts are open (no confirmation
    is asked of a partner), and its own signs open an alert, which stays open and in view."""
    case, earlier, _caseworker, cmm = alerted_case
    final = due_reports(db, case)[-1]
    assert final.final
    monkeypatch.setattr(ops, "today", lambda: final.due_date + timedelta(days=1))
    own = report_risks(app, db, case, len(due_reports(db, case)) - 1, "debt_to_trafficker", make_user=make_user)
    db.expire_all()
    closed = db.get(Case, case.id)
    assert (closed.status, closed.closure_reason) == ("closed", "period_ended")
    assert own.followup_id == final.id and own.indicators == "debt_to_trafficker"
    assert [a.closed_at for a in db.exec(select(RiskAlert).order_by(RiskAlert.id)).all()] == [None, None]
    # The closure's record names the alerts it left open, as a caseworker's closure does.
    (closure,) = db.exec(select(AuditEvent).where(AuditEvent.action == "followup.period_closed")).all()
    assert json.loads(closure.detail) == {"reason": "period_ended", "open_alerts": [earlier.id, own.id]}
    auth.login(cmm)
    listed = client.get("/followup/").get_data(as_text=True).split("<h2>Open risk alerts</h2>")[1].split("<h2")[0]
    assert THREATS in listed and DEBT in listed
    assert f'href="/followup/cases/{case.id}/reports/{final.id}"' in listed  # the final report's own alert


def test_a_case_closed_by_a_colleague_while_the_form_was_sent_is_said_so(app, client, auth, db, alerted_case,
                                                                          monkeypatch):
    """A colleague closes the case between the page's check and the closure's lock: the
    closed-case message, never an error page, and the colleague's closure stands."""
    case, alert, caseworker, _cmm = alerted_case
    colleague_id, case_id = caseworker.id, case.id
    real_lock = ops.lock_case

    def colleague_closes_first(session, case_id_locked):
        monkeypatch.setattr(ops, "lock_case", real_lock)
        with Session(app.extensions["db_engine"]) as other:
            ops.close_case(other, other.get(Case, case_id), user=other.get(User, colleague_id), reason="completed",
                           note="Closed by a colleague.", seen_alerts=frozenset([alert.id]), confirmed=True)
        return real_lock(session, case_id_locked)

    auth.login(caseworker)
    monkeypatch.setattr(ops, "lock_case", colleague_closes_first)
    response = auth.post(f"/followup/cases/{case.id}/close", {"reason": "withdrew", "note": NOTE,
                                                               "shown_alerts": str(alert.id), "confirm_alerts": "y"},
                         follow_redirects=True)
    assert response.status_code == 200 and "This case is closed" in response.get_data(as_text=True)
    assert [event["reason"] for event in closure_events(db)] == ["completed"]

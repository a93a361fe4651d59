"""A report sent by a second officer after the first submitted it, or after a caseworker
changed it (the return date moves every unsent report), is a conflict (409), never a
quiet page: the second officer sees who submitted what and keeps every answer, and CMM
and DRC are alerted to a risk sign the submitted report lacks, so nothing they saw is
silently lost (more in test_refused_report_risks.py). A report still due can be sent with
one more submit from the conflict page."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from reintegration.followup.forms import RISK_LABELS
from reintegration.models import Attachment, AuditEvent, FollowUpReport, RiskAlert, User
from test_portal import PNG, first_report, report_data

REVISION_RE = re.compile(r'name="revision" type="hidden" value="([^"]*)"')
MESSAGES = {
    "en": {"submitted": "Ada Okafor submitted this report on",
           "not_saved": "what you sent was not saved",
           "shown": "The submitted report",
           "kept": "Your answers (not sent)",
           "risks": "The signs of risk you marked were not in the submitted report",
           "tell": "CMM and DRC have been alerted to them",
           "files": "The files you chose were not saved (receipt.png)",
           "changed": "This report was changed while you were writing"},
    "da": {"submitted": "Ada Okafor indsendte denne rapport den",
           "not_saved": "det, du sendte, blev ikke gemt",
           "shown": "Den indsendte rapport",
           "kept": "Dine svar (ikke sendt)",
           "risks": "De tegn på risiko, du markerede, var ikke med i den indsendte rapport",
           "tell": "CMM og DRC har fået besked om dem",
           "files": "De filer, du valgte, blev ikke gemt (receipt.png)",
           "changed": "Rapporten blev ændret, mens du skrev"},
}


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def revision_in(page: str) -> str:
    return REVISION_RE.search(page).group(1)


def browser(app, auth, user):
    """A second browser (session) signed in as ``user``."""
    other = type(auth)(app.test_client(), None)
    other.login(user)
    return other


@pytest.fixture
def two_officers(app, auth, db, make_org, make_user, returned_case):
    """A case in follow-up with a caseworker and a CMM contact, and two officers of its
    partner, each signed in in a browser of their own (the second in ``locale``)."""

    def make(locale="en"):
        partner = make_org("partner")
        caseworker, contact = make_user("caseworker"), make_user("cmm")
        case = returned_case(partner=partner, caseworker_id=caseworker.id, cmm_contact_id=contact.id)
        first = browser(app, auth, make_user("partner", organisation=partner, name="Ada Okafor"))
        second = browser(app, auth, make_user("partner", organisation=partner, name="Bola Eze", locale=locale))
        return case, first, second

    return make


def second_officers_report(db, report, revision, **overrides):
    return report_data(db, report, revision=revision, housing="Sleeps at the shop since the threats",
                       notes="Saw the recruiter outside the shop twice", risk_trafficker_ties="y",
                       risk_threats="y", **overrides)


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_report_sent_after_a_colleague_submitted_it_is_a_conflict_that_loses_nothing(
        app, db, two_officers, locale):
    case, first, second = two_officers(locale)
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen_by_first = revision_in(first._client.get(url).get_data(as_text=True))
    seen_by_second = revision_in(second._client.get(url).get_data(as_text=True))

    sent = report_data(db, report, revision=seen_by_first, housing="Rents a room with an aunt")
    assert first.post(url, sent).status_code == 302
    response = second.post(url, second_officers_report(db, report, seen_by_second,
                                                       files=(io.BytesIO(PNG), "receipt.png")),
                           content_type="multipart/form-data")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    words = text_of(page)
    said = MESSAGES[locale]
    assert said["submitted"] in words and said["not_saved"] in words
    # What was submitted is shown ...
    assert said["shown"] in words and "Rents a room with an aunt" in words
    # ... and the second officer's answers are kept, risk signs ticked, ...
    assert said["kept"] in words
    assert "Sleeps at the shop since the threats" in page and "Saw the recruiter outside the shop twice" in page
    for key in ("trafficker_ties", "threats"):
        assert re.search(rf'<input checked[^>]* id="risk_{key}"', page), key
    # ... the risk signs the submitted report does not have are named, CMM and DRC alerted ...
    assert said["risks"] in words and said["tell"] in words
    if locale == "en":
        assert str(RISK_LABELS["trafficker_ties"]) in words and str(RISK_LABELS["threats"]) in words
    # ... the file chosen is named as not saved, and the report cannot be sent again.
    assert said["files"] in words
    assert "<form" not in main_of(page)

    # Nothing of the second report was written: the first one stands. Its risk signs are
    # in one alert on the report, and the caseworker and the CMM contact are told.
    db.expire_all()
    stored = db.get(FollowUpReport, report.id)
    assert stored.status == "submitted" and stored.housing == "Rents a room with an aunt"
    assert stored.risk_indicators == "" and stored.notes is None
    alert = db.exec(select(RiskAlert)).one()
    assert (alert.indicators, alert.followup_id, alert.closed_at) == ("trafficker_ties,threats", report.id, None)
    told = [db.get(User, case.caseworker_id), db.get(User, case.cmm_contact_id)]
    assert sorted(to for mail in app.extensions["mail_outbox"] for to in mail.to) == sorted(u.email for u in told)
    opened = db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_opened")).one()
    assert opened.user_id == second.user.id and opened.object_id == str(alert.id)
    assert json.loads(opened.detail) == {"indicators": ["trafficker_ties", "threats"], "from": "refused_report",
                                         "refused": "submitted", "notified": sorted(u.id for u in told)}
    assert db.exec(select(Attachment)).all() == []
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "followup.report_submitted")).all()) == 1
    # Opening the page (not sending) still shows the submitted report, read only.
    again = second._client.get(url)
    assert again.status_code == 200 and "<form" not in main_of(again.get_data(as_text=True))


def test_a_final_report_sent_after_a_colleague_closed_the_period_is_a_conflict_too(
        app, db, monkeypatch, two_officers):
    """The colleague's final report closed the case: the second one is still shown as a
    conflict with its risk signs named (not the closed case's bare refusal), and its files,
    which a closed case no longer takes, are to go to the caseworker."""
    from reintegration.followup import operations as ops

    case, first, second = two_officers()
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final)).one()
    monkeypatch.setattr(ops, "today", lambda: report.due_date + timedelta(days=3))  # the period has ended
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(url, report_data(db, report, housing="Rents a room with an aunt")).status_code == 302
    response = second.post(url, second_officers_report(db, report, seen, files=(io.BytesIO(PNG), "receipt.png")),
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 409
    assert MESSAGES["en"]["submitted"] in words and MESSAGES["en"]["risks"] in words
    assert "Saw the recruiter outside the shop twice" in page
    assert "The files you chose were not saved (receipt.png). The case is closed, so send them to the DRC " \
           "caseworker of the case." in words
    assert "/attachments" not in main_of(page)
    db.expire_all()
    assert db.get(FollowUpReport, report.id).risk_indicators == "" and db.exec(select(Attachment)).all() == []
    # The case is closed, and its alert is opened all the same.
    assert db.exec(select(RiskAlert)).one().indicators == "trafficker_ties,threats"


def test_the_same_officer_sending_twice_is_told_it_is_sent(app, db, two_officers):
    """A double tap on a slow line: the second send of the same answers by the officer
    whose first send submitted the report is said as done, as every form sent twice in
    the app is (it was a 409 "You submitted this report" before), and nothing is stored,
    alerted or mailed twice."""
    case, first, _second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    sent = report_data(db, report, risk_threats="y")
    assert first.post(url, sent).status_code == 302
    db.expire_all()
    revision = db.get(FollowUpReport, report.id).revision

    response = first.post(url, sent)  # the form sent twice

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/partner/cases/{case.id}")
    words = text_of(first._client.get(response.headers["Location"]).get_data(as_text=True))
    assert "You sent this report on" in words and "It was sent once: nothing more was sent." in words
    assert "was not saved" not in words
    db.expire_all()
    assert db.get(FollowUpReport, report.id).revision == revision
    assert len(db.exec(select(RiskAlert)).all()) == 1 and len(app.extensions["mail_outbox"]) == 2
    submitted = db.exec(select(AuditEvent).where(AuditEvent.action == "followup.report_submitted")).all()
    assert len(submitted) == 1


def test_the_same_officer_sending_twice_with_its_files_attaches_them_once(app, db, two_officers):
    case, first, _second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    sent = report_data(db, report)
    assert first.post(url, dict(sent, files=(io.BytesIO(PNG), "receipt.png")),
                      content_type="multipart/form-data").status_code == 302

    response = first.post(url, dict(sent, files=(io.BytesIO(PNG), "receipt.png")), content_type="multipart/form-data")

    assert response.status_code == 303
    assert len(db.exec(select(Attachment)).all()) == 1


@pytest.mark.parametrize("changed", [{"housing": "Moved to the aunt's house"}, {"risk_threats": "y"},
                                     {"files": (io.BytesIO(PNG + b"another"), "other.png")}])
def test_the_same_officer_sending_other_answers_again_is_still_a_conflict(app, db, two_officers, changed):
    case, first, _second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    sent = report_data(db, report)
    assert first.post(url, sent).status_code == 302

    response = first.post(url, dict(sent, **changed), content_type="multipart/form-data")

    page = response.get_data(as_text=True)
    words = text_of(page)
    assert response.status_code == 409
    assert "You submitted this report on" in words and "Ada Okafor" not in text_of(main_of(page))
    db.expire_all()
    assert db.get(FollowUpReport, report.id).housing == "Rents a room" and len(db.exec(select(Attachment)).all()) == 0


def test_a_colleague_sending_the_same_answers_is_still_a_conflict(app, db, two_officers):
    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    sent = report_data(db, report)
    assert first.post(url, sent).status_code == 302

    response = second.post(url, sent)

    assert response.status_code == 409
    assert MESSAGES["en"]["submitted"] in text_of(response.get_data(as_text=True))


def test_a_race_lost_inside_the_submit_shows_the_same_conflict(app, db, monkeypatch, two_officers):
    """The colleague's report is committed after this request read the report as due:
    the submit's optimistic lock refuses it (``ops.Conflict``), and the page is the same."""
    from reintegration.followup import operations as ops
    from reintegration.followup.questions import load_questions
    from reintegration.partner import views

    case, first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    loaded = views.scoped_or_404

    def read_then_colleague_submits(model, object_id):
        row = loaded(model, object_id)
        ops.submit_report(db, case, report, report.revision,
                          ops.ReportInput(contact_date=date.today(), contact_kind="visit", activity_status="running",
                                          income_local=None, monthly_income=None, housing="Rents a room with an aunt",
                                          health=None, schooling=None, wellbeing=None, notes=None, answers={},
                                          risk_indicators=()),
                          user=first.user, questions=load_questions())
        return row

    monkeypatch.setattr(views, "scoped_or_404", read_then_colleague_submits)
    response = second.post(url, second_officers_report(db, report, str(report.revision)))
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409
    assert MESSAGES["en"]["submitted"] in words and "Rents a room with an aunt" in words
    assert MESSAGES["en"]["risks"] in words and "Saw the recruiter outside the shop twice" in words
    db.expire_all()
    assert db.get(FollowUpReport, report.id).risk_indicators == ""
    assert db.exec(select(RiskAlert)).one().indicators == "trafficker_ties,threats"


def test_a_report_changed_by_the_return_date_is_sent_with_one_more_submit(app, auth, db, make_user,
                                                                          two_officers):
    case, _first, second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))

    caseworker = browser(app, auth, make_user("caseworker"))
    moved = (case.actual_return - timedelta(days=1)).isoformat()
    db.refresh(case)
    assert caseworker.post(f"/followup/cases/{case.id}/return",
                           {"return_date": moved, "revision": str(case.revision)}).status_code == 302
    db.expire_all()
    now = db.get(FollowUpReport, report.id).revision
    assert str(now) != seen

    mine = second_officers_report(db, report, seen, files=(io.BytesIO(PNG), "receipt.png"))
    response = second.post(url, mine, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert MESSAGES["en"]["changed"] in text_of(page)
    # The answers are kept, the files named to choose again, and the page carries the
    # revision as it is now ...
    assert "Saw the recruiter outside the shop twice" in page
    assert re.search(r'<input checked[^>]* id="risk_threats"', page)
    assert "choose them again before you send (receipt.png)" in page
    assert revision_in(page) == str(now)
    assert db.exec(select(RiskAlert)).all() == []

    # ... so that sending the kept answers once more goes through, risk signs included.
    again = second_officers_report(db, report, revision_in(page), files=(io.BytesIO(PNG), "receipt.png"))
    response = second.post(url, again, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.expire_all()
    stored = db.get(FollowUpReport, report.id)
    assert stored.status == "submitted" and stored.notes == "Saw the recruiter outside the shop twice"
    assert db.exec(select(RiskAlert)).one().indicators == "trafficker_ties,threats"
    assert len(app.extensions["mail_outbox"]) == 2  # the caseworker and the CMM contact
    assert db.exec(select(Attachment).where(Attachment.followup_id == report.id)).one().original_name == "receipt.png"


def test_another_partner_still_cannot_send_or_see_the_report(app, auth, db, make_org, make_user, two_officers):
    case, first, _second = two_officers()
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    assert first.post(url, report_data(db, report, housing="Rents a room with an aunt")).status_code == 302
    outsider = browser(app, auth, make_user("partner", organisation=make_org("partner")))
    response = outsider.post(url, second_officers_report(db, report, str(report.revision + 1)))
    assert response.status_code == 404 and "Rents a room with an aunt" not in response.get_data(as_text=True)
    assert outsider._client.get(url).status_code == 404
    caseworker = browser(app, auth, make_user("caseworker"))
    assert caseworker.post(url, second_officers_report(db, report, str(report.revision + 1))).status_code == 403
    db.expire_all()
    assert db.get(FollowUpReport, report.id).risk_indicators == "" and db.exec(select(RiskAlert)).all() == []


@pytest.mark.parametrize("when", ["before", "meanwhile"])
def test_a_report_dropped_while_it_is_sent_is_said_so_never_a_500(app, auth, db, make_org, make_user, returned_case,
                                                              monkeypatch, when):
    """A report not sent and without files is dropped when a changed return date no longer
    asks for it. Sent while it waited for the case's lock, it is said so on the case's
    page, with nothing written: never a 500. Dropped before the send arrived, its URL is a
    404, as for any report the case does not have (ids reveal nothing)."""
    from sqlmodel import Session

    from reintegration.followup import operations as ops

    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    report = first_report(db, case)
    data = report_data(db, report, notes="She opened the salon.")
    auth.login(make_user("partner", organisation=partner))

    def drop():
        with Session(app.extensions["db_engine"]) as other:  # as record_return drops it
            other.delete(other.get(FollowUpReport, report.id))
            other.commit()

    if when == "before":
        drop()
    else:
        lock = ops.lock_case

        def dropped_meanwhile(session, case_id):
            drop()
            return lock(session, case_id)

        monkeypatch.setattr(ops, "lock_case", dropped_meanwhile)
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data)
    if when == "before":  # a report the case does not have, as any other id: nothing to tell
        assert response.status_code == 404
    else:
        assert response.status_code == 302 and response.location.endswith(f"/partner/cases/{case.id}")
        page = auth._client.get(response.location).get_data(as_text=True)
        assert "This report is no longer asked for" in page
    db.expire_all()
    assert db.exec(select(FollowUpReport).where(FollowUpReport.status == "submitted")).all() == []

"""A payment or files sent by a partner officer after the case was closed (by a DRC
caseworker, or by a colleague's final report) save nothing, but lose nothing from view:
a 409 page says who closed the case and when, shows the payment as it was typed (not
sendable), names the files as not saved and says to send it all to the DRC caseworker of
the case. A payment was made in the field, so DRC is told by e-mail too, once per form.
Opening these pages on a closed case still goes back to the case."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from reintegration.followup import operations as ops
from reintegration.models import Attachment, AuditEvent, Case, Disbursement, FollowUpReport, User
from test_portal import PNG, report_data
from test_refused_report_risks import close_the_case
from test_report_conflicts import browser, main_of, text_of, two_officers  # noqa: F401 - a fixture

SAID = {
    "en": {"closed": "A DRC caseworker closed this case on", "time": "%H:%M",
           "not_saved": "so what you sent was not saved. The payment you sent is shown below.",
           "kept": "The payment you sent (not recorded)",
           "send": "send its details below and the receipt to the DRC caseworker of the case",
           "told": "DRC has been told by e-mail that a payment on this case could not be recorded.",
           "files": "The files you chose were not saved (receipt.png, photo.png). The case is closed, so send them "
                    "to the DRC caseworker of the case.",
           "upload": "A closed case cannot be changed, so no file was saved. Send the files you chose to the DRC "
                     "caseworker of the case.",
           "for": "They were for: Payment of",
           "subject": "Payment not recorded for case"},
    "da": {"closed": "En sagsbehandler i DRC lukkede sagen den", "time": "%H.%M",
           "not_saved": "så det, du sendte, blev ikke gemt. Den udbetaling, du sendte, er vist nedenfor.",
           "kept": "Den udbetaling, du sendte (ikke registreret)",
           "send": "send oplysningerne nedenfor og kvitteringen til sagens sagsbehandler i DRC",
           "told": "DRC har fået besked på e-mail om, at en udbetaling på sagen ikke kunne registreres.",
           "files": "De filer, du valgte, blev ikke gemt (receipt.png, photo.png). Sagen er lukket, så send dem "
                    "til sagens sagsbehandler i DRC.",
           "upload": "En lukket sag kan ikke ændres, så ingen fil blev gemt. Send de filer, du valgte, til sagens "
                     "sagsbehandler i DRC.",
           "for": "De var til: Udbetaling på",
           "subject": "Udbetaling ikke registreret for sag"},
}


def payment(case, token=None, **overrides):
    data = {"line_key": f"L{case.id}-1", "paid_on": (date.today() - timedelta(days=2)).isoformat(),
            "amount_local": "", "amount_dkk": "1.250,50", "note": "Sewing machine <b>and thread</b>",
            "request_token": token or uuid.uuid4().hex,
            "files": [(io.BytesIO(PNG), "receipt.png"), (io.BytesIO(PNG), "photo.png")]}
    return data | overrides


def nothing_stored(app, db):
    db.expire_all()
    assert db.exec(select(Disbursement)).all() == []
    assert db.exec(select(Attachment)).all() == []
    folder = Path(app.config["UPLOAD_DIR"])
    assert not folder.exists() or [p for p in folder.rglob("*") if p.is_file()] == []


def refused_payments(db) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == ops.PAYMENT_REFUSED)).all())


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_payment_sent_after_the_caseworker_closed_the_case_is_kept_in_view(app, auth, db, two_officers, locale):
    case, _first, second = two_officers(locale)
    url = f"/partner/cases/{case.id}/disburse"
    assert second._client.get(url).status_code == 200
    close_the_case(app, auth, db, case)
    caseworker = db.get(User, case.caseworker_id)
    mails_before = len(app.extensions.get("mail_outbox", []))

    token = uuid.uuid4().hex
    response = second.post(url, payment(case, token), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    words = text_of(page)
    said = SAID[locale]
    assert response.status_code == 409
    closed_at = db.get(Case, case.id).closed_at
    assert said["closed"] in words and f"{closed_at:{said['time']}} (UTC)" in words and said["not_saved"] in words
    # The payment as typed: line, date, amount, note (escaped), shown but not sendable.
    assert said["kept"] in words
    assert (date.today() - timedelta(days=2)).isoformat() in words and "1.250,50" in words
    assert "Sewing machine &lt;b&gt;and thread&lt;/b&gt;" in page
    assert "month 2" in words or "måned 2" in words  # the in-kind line of month 2
    assert "<form" not in main_of(page)
    # The files named as not saved, and what to do.
    assert said["files"] in words and said["send"] in words and said["told"] in words
    nothing_stored(app, db)
    # DRC is told: the case's caseworker, once for the form, however often it is sent.
    outbox = app.extensions["mail_outbox"][mails_before:]
    assert [m.to for m in outbox] == [(caseworker.email,)]
    assert case.reference in outbox[0].subject and case.reference in outbox[0].body
    assert "Sewing machine" not in outbox[0].body  # no details in an e-mail
    assert second.post(url, payment(case, token), content_type="multipart/form-data").status_code == 409
    assert len(app.extensions["mail_outbox"]) == mails_before + 1
    assert len(refused_payments(db)) == 1
    nothing_stored(app, db)


def test_a_payment_sent_after_a_colleagues_final_report_closed_the_case(app, db, monkeypatch, two_officers):
    case, first, second = two_officers("da")
    final = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final)).one()
    monkeypatch.setattr(ops, "today", lambda: final.due_date + timedelta(days=3))  # the period has ended
    url = f"/partner/cases/{case.id}/disburse"
    assert second._client.get(url).status_code == 200
    sent = first.post(f"/partner/cases/{case.id}/reports/{final.id}", report_data(db, final))
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.expire_all()
    assert db.get(Case, case.id).status == "closed"

    response = second.post(url, payment(case, paid_on=date.today().isoformat()), content_type="multipart/form-data")
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Ada Okafor sendte slutrapporten den" in words and "og det lukkede sagen" in words
    assert SAID["da"]["kept"] in words and "1.250,50" in words and "Sewing machine" in words
    assert SAID["da"]["files"] in words
    nothing_stored(app, db)


def test_a_payment_closed_while_it_waited_for_the_lock_is_refused_the_same_way(app, auth, db, monkeypatch,
                                                                               two_officers):
    """Open when the page checked, closed by the time the payment was written: the
    operation's own refusal gives the same page."""
    case, _first, second = two_officers()
    real = ops.record_disbursement

    def closed_meanwhile(db_, case_, **kwargs):
        ops.close_case(db, db.get(Case, case.id), user=db.get(User, case.caseworker_id), reason="contact_lost",
                       note="No answer for two months")
        return real(db_, case_, **kwargs)

    monkeypatch.setattr(ops, "record_disbursement", closed_meanwhile)
    response = second.post(f"/partner/cases/{case.id}/disburse", payment(case, amount_dkk="1250.50"),
                           content_type="multipart/form-data")
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 409, words[words.find("There is a problem"):][:400]
    assert SAID["en"]["closed"] in words and SAID["en"]["kept"] in words and SAID["en"]["files"] in words
    nothing_stored(app, db)


@pytest.mark.parametrize("locale", ["en", "da"])
def test_files_sent_after_the_case_was_closed_are_named_as_not_saved(app, auth, db, two_officers, locale):
    case, first, second = two_officers(locale)
    assert first.post(f"/partner/cases/{case.id}/disburse", payment(case, files=[], amount_dkk="1250.50"),
                      content_type="multipart/form-data").status_code == 302
    disbursement = db.exec(select(Disbursement)).one()
    url = f"/partner/cases/{case.id}/attachments"
    assert second._client.get(url).status_code == 200
    close_the_case(app, auth, db, case)
    mails_before = len(app.extensions.get("mail_outbox", []))

    response = second.post(url, {"target": f"disbursement:{disbursement.id}",
                                 "files": [(io.BytesIO(PNG), "receipt.png"), (io.BytesIO(PNG), "photo.png")]},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    words = text_of(page)
    said = SAID[locale]
    assert response.status_code == 409
    closed_at = db.get(Case, case.id).closed_at
    assert said["closed"] in words and f"{closed_at:{said['time']}} (UTC)" in words
    assert said["files"] in words and said["upload"] in words and said["for"] in words
    assert "<form" not in main_of(page)
    db.expire_all()
    assert db.exec(select(Attachment)).all() == []
    folder = Path(app.config["UPLOAD_DIR"])
    assert not folder.exists() or [p for p in folder.rglob("*") if p.is_file()] == []
    assert len(app.extensions.get("mail_outbox", [])) == mails_before


def test_opening_the_payment_and_upload_pages_of_a_closed_case_goes_back_to_the_case(app, auth, db, two_officers):
    case, _first, second = two_officers()
    close_the_case(app, auth, db, case)
    for url in (f"/partner/cases/{case.id}/disburse", f"/partner/cases/{case.id}/attachments"):
        response = second._client.get(url)
        assert response.status_code == 302 and response.location.endswith(f"/partner/cases/{case.id}"), url

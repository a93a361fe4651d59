"""A refused report or payment comes back without the files chosen for it (a browser
cannot put them back, and nothing of a refused form is kept): the page says which files
to choose again, at the file field, so no receipt is silently left behind."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

from sqlmodel import select

from reintegration.followup.questions import load_questions
from reintegration.models import Attachment, FollowUpReport

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
AGAIN = "choose them again before you send (receipt.png)"


def test_a_report_refused_for_its_date_asks_for_its_files_again(auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    auth.login(make_user("partner", organisation=partner))
    data = {"revision": str(report.revision), "contact_date": (case.actual_return - timedelta(days=3)).isoformat(),
            "contact_kind": "visit", "activity_status": "running", "notes": "Long notes typed on a phone",
            "files": (io.BytesIO(PNG), "receipt.png")}
    for question in load_questions().questions:
        data[f"q_{question.key}"] = question.options[-2].key
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The contact cannot be before the return" in page
    assert AGAIN in page and 'href="#files"' in page and "Long notes typed on a phone" in page
    assert db.exec(select(Attachment)).all() == []


def test_a_payment_refused_for_its_amount_asks_for_its_files_again(auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": "",
                          "amount_dkk": "99999999", "note": "Sewing machine", "request_token": uuid.uuid4().hex,
                          "files": (io.BytesIO(PNG), "receipt.png")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "vælg dem igen, før du sender (receipt.png)" in page and "Sewing machine" in page
    assert db.exec(select(Attachment)).all() == []


def test_no_files_chosen_no_message(auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": "",
                          "amount_dkk": "99999999", "note": "", "request_token": uuid.uuid4().hex},
                         content_type="multipart/form-data")
    assert "choose them again" not in response.get_data(as_text=True)


def test_a_file_refused_with_others_names_the_others_to_choose_again(auth, db, make_org, make_user,
                                                                    returned_case):
    """One file refused for its content: its error says so, and the good files chosen with
    it, which were not kept either, are named at the field too (only one error shows
    there), in the report, the payment and the attachments forms."""
    partner = make_org("partner")
    case = returned_case(partner=partner)
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    auth.login(make_user("partner", organisation=partner))

    def files():
        return [(io.BytesIO(b"plain text"), "notes.txt"), (io.BytesIO(PNG), "receipt.png")]

    sends = {
        f"/partner/cases/{case.id}/reports/{report.id}": {"revision": str(report.revision),
                                                          "contact_date": date.today().isoformat()},
        f"/partner/cases/{case.id}/disburse": {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(),
                                               "amount_dkk": "100", "request_token": uuid.uuid4().hex},
        f"/partner/cases/{case.id}/attachments": {"target": f"report:{report.id}"},
    }
    for url, data in sends.items():
        response = auth.post(url, {**data, "files": files()}, content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code == 422, url
        at_field = page.split('id="files-error"')[1].split("</span>")[1]  # after the hidden "Error:"
        # Not named as a kind that is taken: the refusal says what to do instead.
        assert at_field.startswith("notes.txt is not a PDF, JPEG, PNG or HEIC file. Save it as a PDF or take a "
                                   "photo of it, then choose it again."), url
        assert at_field.endswith("The other files you chose were not kept either: choose them again before you "
                                 "send (receipt.png)."), url
    assert db.exec(select(Attachment)).all() == []


def test_the_attachments_form_refused_for_its_target_names_the_files_to_choose_again(auth, db, make_org, make_user,
                                                                                    returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    response = auth.post(f"/partner/cases/{case.id}/attachments",
                         {"target": "", "files": (io.BytesIO(PNG), "receipt.png")}, content_type="multipart/form-data")
    assert response.status_code == 422 and AGAIN in response.get_data(as_text=True)


def test_files_for_a_report_dropped_meanwhile_are_named_to_choose_again(app, auth, db, make_org, make_user,
                                                                        returned_case, monkeypatch):
    """A report not sent and without files is dropped when a changed return date no longer
    asks for it. Files sent for it while that happened (it was there when the page
    checked, gone once the case was locked) are refused at the choice of report, named
    to choose again: never a 500 that loses them."""
    from sqlmodel import Session

    from reintegration.followup import operations as ops

    partner = make_org("partner")
    case = returned_case(partner=partner)
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month.desc())).first()
    auth.login(make_user("partner", organisation=partner))
    lock = ops.lock_case

    def dropped_meanwhile(session, case_id):
        with Session(app.extensions["db_engine"]) as other:  # as record_return drops it
            other.delete(other.get(FollowUpReport, report.id))
            other.commit()
        return lock(session, case_id)

    monkeypatch.setattr(ops, "lock_case", dropped_meanwhile)
    response = auth.post(f"/partner/cases/{case.id}/attachments",
                         {"target": f"report:{report.id}", "files": (io.BytesIO(PNG), "receipt.png")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#target"' in page and AGAIN in page
    assert f'value="report:{report.id}"' not in page  # the choices as the case has them now
    assert db.exec(select(Attachment)).all() == []

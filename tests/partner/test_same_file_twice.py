"""The same file (the same content, ``Attachment.sha256``) sent twice for a case.

Where it is already (the same report or payment, or twice in one send) it is not stored
again, and the partner is told which file it is; everything else sent is saved. Attached
to another report (or payment) of the same case it is stored, the partner is warned, and
the pages DRC and CMM read say so at the file. Only the one case is looked at."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

from babel.dates import format_date
from sqlmodel import select

from reintegration.models import Attachment, FollowUpReport
from test_portal import PNG, report_data

RECEIPT = PNG  # one receipt's bytes, whatever the file is called
PHOTO = PNG + b"\0photo"  # another image
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reports(db, case) -> dict[int, FollowUpReport]:
    db.expire_all()
    return {r.due_month: r for r in db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)).all()}


def files_of(db, **where) -> list[str]:
    db.expire_all()
    query = select(Attachment.original_name).order_by(Attachment.id)
    for name, value in where.items():
        query = query.where(getattr(Attachment, name) == value)
    return list(db.exec(query).all())


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def send_report(client, auth, db, case, month, files):
    report = reports(db, case)[month]
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(db, report, files=files),
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return text(client.get(response.headers["Location"]).get_data(as_text=True))


def upload(client, auth, case, target, files):
    response = auth.post(f"/partner/cases/{case.id}/attachments", {"target": target, "files": files},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return text(client.get(response.headers["Location"]).get_data(as_text=True))


def disburse(client, auth, case, files, amount_local="1000"):
    data = {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": amount_local,
            "amount_dkk": "", "note": "", "request_token": uuid.uuid4().hex, "files": files}
    response = auth.post(f"/partner/cases/{case.id}/disburse", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return text(client.get(response.headers["Location"]).get_data(as_text=True))


def stored_files(app) -> list[str]:
    directory = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def partner_case(auth, db, make_org, make_user, returned_case, **user):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    officer = auth.login(make_user("partner", organisation=partner, **user))
    return case, officer


def test_a_file_sent_twice_with_a_report_is_attached_once_and_the_rest_is_saved(app, client, auth, db, make_org,
                                                                                make_user, returned_case):
    case, _officer = partner_case(auth, db, make_org, make_user, returned_case)
    page = send_report(client, auth, db, case, 1, [(io.BytesIO(RECEIPT), "kvittering.png"),
                                                   (io.BytesIO(PDF), "scan.pdf"),
                                                   (io.BytesIO(RECEIPT), "kvittering-kopi.png")])
    assert "The report is submitted. Thank you." in page
    assert ("kvittering-kopi.png is the same file as kvittering.png already attached to this report; it was not "
            "attached again.") in page
    month1 = reports(db, case)[1]
    assert month1.status == "submitted" and month1.housing == "Rents a room"
    assert files_of(db, followup_id=month1.id) == ["kvittering.png", "scan.pdf"]
    assert len(stored_files(app)) == 2  # the copy left nothing behind

    # Later, on the attachments page: the same receipt again, with a new photo.
    page = upload(client, auth, case, f"report:{month1.id}", [(io.BytesIO(RECEIPT), "IMG_0001.png"),
                                                              (io.BytesIO(PHOTO), "visit.png")])
    assert "The files are attached." in page
    assert ("IMG_0001.png is the same file as kvittering.png already attached to this report; it was not attached "
            "again.") in page
    assert files_of(db, followup_id=month1.id) == ["kvittering.png", "scan.pdf", "visit.png"]

    # Only files it has already: nothing is attached, and the page does not say it was.
    page = upload(client, auth, case, f"report:{month1.id}", [(io.BytesIO(PDF), "scan.pdf")])
    assert "The files are attached." not in page
    assert "scan.pdf is the same file as scan.pdf already attached to this report; it was not attached again." in page
    assert len(files_of(db)) == 3 and len(stored_files(app)) == 3


def test_a_file_of_another_report_is_attached_with_a_warning_drc_and_cmm_see(app, client, auth, db, make_org,
                                                                             make_user, returned_case):
    case, _officer = partner_case(auth, db, make_org, make_user, returned_case)
    send_report(client, auth, db, case, 1, [(io.BytesIO(RECEIPT), "receipt-june.png")])
    page = send_report(client, auth, db, case, 3, [(io.BytesIO(RECEIPT), "receipt-august.png"),
                                                   (io.BytesIO(PHOTO), "visit.png")])
    assert ("receipt-august.png is the same file as receipt-june.png attached to the report for month 1. It is "
            "attached here as well, and DRC and CMM will see that the same file is attached to both reports.") in page
    both = reports(db, case)
    assert files_of(db, followup_id=both[3].id) == ["receipt-august.png", "visit.png"]  # stored all the same

    for role in ("caseworker", "cmm"):
        auth.logout()
        reader = make_user(role)
        if role == "cmm":
            case.cmm_contact_id = reader.id
            db.add(case)
            db.commit()
        auth.login(reader)
        page = client.get(f"/followup/cases/{case.id}/reports/{both[3].id}").get_data(as_text=True)
        link = f'<a href="/followup/cases/{case.id}/reports/{both[1].id}">The same file is attached to the report ' \
               f'for month 1.</a>'
        assert link in page, role
        # At the receipt, not at the photo.
        receipt, photo = page.split("receipt-august.png")[1], page.split("visit.png")[1]
        assert "The same file is attached" in receipt.split("</li>")[0]
        assert "The same file is attached" not in photo.split("</li>")[0]
        page = client.get(f"/followup/cases/{case.id}/reports/{both[1].id}").get_data(as_text=True)
        assert f'reports/{both[3].id}">The same file is attached to the report for month 3.</a>' in page


def test_a_report_not_submitted_is_named_without_a_link(client, auth, db, make_org, make_user, returned_case):
    case, _officer = partner_case(auth, db, make_org, make_user, returned_case)
    send_report(client, auth, db, case, 1, [(io.BytesIO(RECEIPT), "receipt.png")])
    month3 = reports(db, case)[3]
    page = upload(client, auth, case, f"report:{month3.id}", [(io.BytesIO(RECEIPT), "again.png")])
    assert "again.png is the same file as receipt.png attached to the report for month 1." in page
    auth.logout()
    auth.login("caseworker")
    page = client.get(f"/followup/cases/{case.id}/reports/{reports(db, case)[1].id}").get_data(as_text=True)
    assert "The same file is attached to the report for month 3." in page
    assert f"reports/{month3.id}\"" not in page  # a report still due has no page to read


def test_the_same_file_in_another_case_is_never_named(client, auth, db, make_org, make_user, returned_case):
    partner, other_partner = make_org("partner"), make_org("partner")
    case, second_case, foreign = (returned_case(partner=partner), returned_case(partner=partner),
                                  returned_case(partner=other_partner))
    auth.login(make_user("partner", organisation=other_partner))
    send_report(client, auth, db, foreign, 1, [(io.BytesIO(RECEIPT), "foreign-receipt.png")])
    auth.logout()
    auth.login(make_user("partner", organisation=partner))
    page = send_report(client, auth, db, case, 1, [(io.BytesIO(RECEIPT), "receipt.png")])
    assert "same file" not in page and "foreign-receipt" not in page
    page = upload(client, auth, second_case, f"report:{reports(db, second_case)[1].id}",
                  [(io.BytesIO(RECEIPT), "receipt.png")])
    assert "same file" not in page and "The files are attached." in page
    assert len(files_of(db)) == 3
    auth.logout()
    auth.login("caseworker")
    for each in (case, second_case, foreign):
        page = client.get(f"/followup/cases/{each.id}/reports/{reports(db, each)[1].id}").get_data(as_text=True)
        assert "The same file is attached" not in page and "Attached twice" not in page


def test_payments_take_a_file_once_and_warn_of_a_receipt_of_another_payment(client, auth, db, make_org, make_user,
                                                                            returned_case):
    case, _officer = partner_case(auth, db, make_org, make_user, returned_case)
    page = disburse(client, auth, case, [(io.BytesIO(PDF), "receipt.pdf"), (io.BytesIO(PDF), "receipt (1).pdf")])
    assert "The payment is recorded." in page
    assert ("receipt (1).pdf is the same file as receipt.pdf already attached to this payment; it was not attached "
            "again.") in page
    first = db.exec(select(Attachment)).one().disbursement_id
    page = disburse(client, auth, case, [(io.BytesIO(PDF), "receipt-2.pdf")], amount_local="2000")
    assert "The payment is recorded." in page
    day = format_date(date.today(), "medium", locale="en")  # as the pages write a day in English
    assert (f"receipt-2.pdf is the same file as receipt.pdf attached to the payment of DKK 4.52 on {day}. It "
            "is attached here as well, and DRC and CMM will see that the same file is attached to both "
            "payments.") in page  # (text() makes the no-break space a space)
    assert len(files_of(db)) == 2
    page = upload(client, auth, case, f"disbursement:{first}", [(io.BytesIO(PDF), "again.pdf")])
    assert "again.pdf is the same file as receipt.pdf already attached to this payment" in page
    # A payment's receipt in the report of its month is no second use: no warning.
    page = upload(client, auth, case, f"report:{reports(db, case)[1].id}", [(io.BytesIO(PDF), "receipt.pdf")])
    assert "The files are attached." in page and "same file" not in page
    assert len(files_of(db)) == 3

    auth.logout()
    auth.login("caseworker")
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    payments = page.split("payments-caption")[-1]
    assert payments.count("The same file is attached to the payment of") == 2  # at each of the two receipts


def test_the_partner_is_told_in_danish(client, auth, db, make_org, make_user, returned_case):
    case, _officer = partner_case(auth, db, make_org, make_user, returned_case, locale="da")
    page = send_report(client, auth, db, case, 1, [(io.BytesIO(RECEIPT), "kvittering.jpg.png"),
                                                   (io.BytesIO(RECEIPT), "kvittering.png")])
    assert ("kvittering.png er den samme fil som kvittering.jpg.png, der allerede er vedhæftet denne rapport; den "
            "blev ikke vedhæftet igen.") in page
    page = upload(client, auth, case, f"report:{reports(db, case)[3].id}", [(io.BytesIO(RECEIPT), "k.png")])
    assert "k.png er den samme fil som kvittering.jpg.png, der er vedhæftet rapporten for måned 1." in page


def test_two_sends_of_the_same_file_at_once_attach_it_once(app, db, make_org, make_user, returned_case, monkeypatch):
    """Two officers send the same receipt for the same report at the same moment. The
    second must wait for the first to commit (the case lock, as every write on a case)
    and then finds the receipt attached; without the lock both find nothing and both
    attach it."""
    import threading

    from sqlmodel import Session
    from werkzeug.datastructures import FileStorage

    from reintegration.followup import operations as ops
    from reintegration.models import Case, User

    partner = make_org("partner")
    case = returned_case(partner=partner)
    first_id, second_id = (make_user("partner", organisation=partner).id for _ in range(2))
    case_id, report_id = case.id, reports(db, case)[1].id
    engine = app.extensions["db_engine"]
    db.close()
    real_attach = ops._attach
    outcome: dict = {}
    second_done = threading.Event()

    def send(user_id, name):
        told: list = []
        with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
            ops.add_attachments(session, session.get(Case, case_id), user=session.get(User, user_id),
                                target=f"report:{report_id}", files=[FileStorage(io.BytesIO(RECEIPT), name)],
                                same_files=told)
        return told

    def second():
        try:
            outcome["second"] = send(second_id, "second.png")
        except Exception as error:  # reported in the test's thread
            outcome["second"] = error
        finally:
            second_done.set()

    thread = threading.Thread(target=second)

    def first_looks_then_second_starts(*args, **kwargs):
        if not thread.is_alive() and not second_done.is_set():
            thread.start()
            outcome["second_waited"] = not second_done.wait(1.0)
        return real_attach(*args, **kwargs)

    monkeypatch.setattr(ops, "_attach", first_looks_then_second_starts)
    assert send(first_id, "first.png") == []
    thread.join(30)
    monkeypatch.undo()

    assert outcome["second_waited"], "the second send did not wait for the first"
    assert outcome["second"] == [ops.SameFile("second.png", "first.png", "report", attached=False)]
    assert files_of(db, followup_id=report_id) == ["first.png"]
    assert len(stored_files(app)) == 1

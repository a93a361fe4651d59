"""Disbursements against the approved lines, and safe uploads."""

from __future__ import annotations

import io
import os
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from reintegration import uploads
from reintegration.models import Attachment, AuditEvent, Disbursement
from support import danish_tomorrow

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAKE_PDF = b"MZ\x90\x00 this is an executable pretending to be a PDF"


@pytest.fixture
def partner_case(auth, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    return case


def disburse(auth, case, **values):
    """Post the disburse form, as a freshly opened form (a new one-time token) unless
    ``request_token`` is given."""
    data = {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": "", "amount_dkk": "",
            "note": "", "request_token": uuid.uuid4().hex}
    data.update(values)
    return auth.post(f"/partner/cases/{case.id}/disburse", data, content_type="multipart/form-data")


def stored_files(app) -> list[str]:
    directory = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_local_amount_is_converted_at_the_frozen_rate_half_up(auth, db, partner_case):
    # 1,000 NGN at 0.004515 DKK = 4.515 DKK -> 4.52 (half up to øre).
    assert disburse(auth, partner_case, amount_local="1,000").status_code == 302
    paid = db.exec(select(Disbursement)).one()
    assert paid.amount_dkk == Decimal("4.52") and paid.exchange_rate == Decimal("0.004515")
    assert paid.amount_local == Decimal("1000") and paid.currency == "NGN"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.disbursement_recorded")).one()


def test_a_line_without_currency_takes_dkk(auth, db, partner_case):
    assert disburse(auth, partner_case, line_key=f"L{partner_case.id}-1", amount_dkk="7,999.99").status_code == 302
    assert db.exec(select(Disbursement)).one().amount_dkk == Decimal("7999.99")


def test_exceeding_the_approved_line_is_refused_plainly(auth, db, partner_case):
    """Typed in NGN, refused in NGN: the refusal says what the amount comes to in DKK and
    what is left to pay in NGN (the plan's 1,000,000 NGN less the 600,000 paid), and that
    amount, paid, is exactly the line."""
    assert disburse(auth, partner_case, amount_local="600,000").status_code == 302  # 2,709.00 DKK
    response = disburse(auth, partner_case, amount_local="400,200")  # 1,806.90 more
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("This would exceed the approved amount for this line: 400,200.00 NGN comes to DKK\xa01,806.90 at the "
            "approved rate, and of the DKK\xa04,515.00 approved, DKK\xa02,709.00 is already paid. "
            "DKK\xa01,806.00 is left: at most 400,000.00 NGN can still be paid. Paying more needs an approved "
            "amendment.") in page
    assert 'href="#amount_local"' in page
    assert disburse(auth, partner_case, amount_local="400,000").status_code == 302  # exactly the line
    assert sum(d.amount_dkk for d in db.exec(select(Disbursement)).all()) == Decimal("4515.00")


def test_a_dkk_line_over_its_amount_is_refused_in_dkk_alone(auth, db, partner_case):
    line = f"L{partner_case.id}-1"  # 8,000.00 DKK, no local currency
    assert disburse(auth, partner_case, line_key=line, amount_dkk="5,000").status_code == 302
    page = disburse(auth, partner_case, line_key=line, amount_dkk="3,000.01").get_data(as_text=True)
    assert ("This would exceed the approved amount for this line (DKK\xa08,000.00 approved, DKK\xa05,000.00 "
            "already paid). An approved amendment is needed.") in page
    assert 'href="#amount_dkk"' in page
    assert disburse(auth, partner_case, line_key=line, amount_dkk="3,000").status_code == 302


def test_a_line_paid_partly_at_another_rate_names_what_still_fits_in_local_currency(auth, db, partner_case):
    """A payment at another rate (under an earlier version of the plan) makes the plan's
    local amount less what was paid at this rate no measure of what is left: the refusal
    names the most that fits the DKK left, at the approved rate, to the kobo."""
    from reintegration.models import PlanVersion

    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == partner_case.id)).one()
    db.add(Disbursement(case_id=partner_case.id, line_key=f"L{partner_case.id}-0", plan_version_id=version.id,
                        paid_on=date.today(), amount_local=Decimal("100000"), currency="NGN",
                        exchange_rate=Decimal("0.004"), amount_dkk=Decimal("400.00"), recorded_by=auth.user.id))
    db.commit()
    # 4,115.00 DKK left: 911,407.53 NGN come to 4,115.0049... DKK, 911,407.54 NGN to 4,115.01.
    page = disburse(auth, partner_case, amount_local="1,000,000").get_data(as_text=True)
    assert "DKK\xa04,115.00 is left: at most 911,407.53 NGN can still be paid." in page
    page = disburse(auth, partner_case, amount_local="911,407.54").get_data(as_text=True)
    assert ("911,407.54 NGN comes to DKK\xa04,115.01 at the approved rate" in page
            and "at most 911,407.53 NGN can still be paid" in page)
    assert disburse(auth, partner_case, amount_local="911,407.53").status_code == 302
    assert sum(d.amount_dkk for d in db.exec(select(Disbursement)).all()) == Decimal("4515.00")


def test_paying_the_approved_local_amount_in_instalments_is_never_over_the_line(auth, db, partner_case):
    """The line: 1,000,000 NGN at 0.004515, 4,515.00 DKK. Rounded one by one, 999,000 NGN
    (4,510.485 -> 4,510.49) and then 1,000 NGN (4.515 -> 4.52) made 4,515.01 DKK, and the
    last instalment of exactly the approved amount was refused as over the line. The
    running total is rounded once: the second instalment is 4.51 DKK."""
    assert disburse(auth, partner_case, amount_local="999,000").status_code == 302
    assert disburse(auth, partner_case, amount_local="1,000").status_code == 302
    paid = db.exec(select(Disbursement).order_by(Disbursement.id)).all()
    assert [p.amount_dkk for p in paid] == [Decimal("4510.49"), Decimal("4.51")]
    assert sum(p.amount_local for p in paid) == Decimal("1000000")
    # The line is paid in full: one naira more is over it, and nothing more can be paid.
    response = disburse(auth, partner_case, amount_local="1000")
    assert response.status_code == 422 and (
        "This would exceed the approved amount for this line: 1,000.00 NGN comes to DKK\xa04.52 at the approved "
        "rate, and of the DKK\xa04,515.00 approved, DKK\xa04,515.00 is already paid. Nothing more can be paid in "
        "NGN on this line. Paying more needs an approved amendment.") in response.get_data(as_text=True)


@pytest.mark.parametrize("values, field, message", [
    ({"line_key": "nope"}, "line_key", "Choose one of the options"),
    ({"line_key": ""}, "line_key", "Choose one of the options"),
    ({"paid_on": ""}, "paid_on", "This field is required"),
    ({"paid_on": "31.12.2026"}, "paid_on", "Enter a date such as"),
    ({"paid_on": danish_tomorrow(), "amount_local": "10"}, "paid_on", "cannot be in the future"),
    ({"paid_on": "2026-01-01", "amount_local": "10"}, "paid_on", "before the return"),
    ({"amount_local": ""}, "amount_local", "Enter the amount in NGN"),
    ({"amount_local": "ten"}, "amount_local", "Enter an amount such as"),
    ({"amount_local": "0"}, "amount_local", "greater than zero"),
    ({"amount_local": "1.001"}, "amount_local", "Use at most 2 decimals"),
    ({"amount_local": "1"}, "amount_local", "too small"),
    ({"amount_local": "9" * 30}, "amount_local", "The amount can be at most 1,000,000,000,000."),
    ({"line_key": "__L1__", "amount_dkk": "5"}, "line_key", "Choose one of the options"),
    ({"amount_local": "10", "note": "n" * 501}, "note", "At most 500 characters"),
    ({"line_key": "{line1}", "amount_dkk": ""}, "amount_dkk", "Enter the amount in DKK"),
    ({"line_key": "{line1}", "amount_dkk": "abc"}, "amount_dkk", "Enter an amount such as"),
    ({"line_key": "{line1}", "amount_dkk": "-1"}, "amount_dkk", "greater than zero"),
    ({"line_key": "{line1}", "amount_dkk": "8,000.01"}, "amount_dkk", "exceed the approved amount"),
    # The field's own most (10,000,000 DKK) is named; at it exactly, the line's limit speaks.
    ({"line_key": "{line1}", "amount_dkk": "10,000,000.01"}, "amount_dkk", "The amount can be at most 10,000,000."),
    ({"line_key": "{line1}", "amount_dkk": "10,000,000.00"}, "amount_dkk", "exceed the approved amount"),
])
def test_bad_disbursement_input_is_a_field_error(auth, db, partner_case, values, field, message):
    values = {k: v.replace("{line1}", f"L{partner_case.id}-1") for k, v in values.items()}
    response = disburse(auth, partner_case, **values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and f'href="#{field}"' in page
    assert db.exec(select(Disbursement)).all() == []


def test_a_fake_pdf_is_refused_and_nothing_is_stored(app, auth, db, partner_case):
    response = disburse(auth, partner_case, amount_local="1000", files=(io.BytesIO(FAKE_PDF), "receipt.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("receipt.pdf is not a PDF, JPEG, PNG or HEIC file: its name says so, but its content does not" in page
            and 'href="#files"' in page)
    assert db.exec(select(Attachment)).all() == [] and db.exec(select(Disbursement)).all() == []
    assert stored_files(app) == []


@pytest.mark.parametrize("name, named", [("receipt.pdf", True), ("C:\\Scans\\Photo.JPEG", True), ("IMG_1.heif", True),
                                         ("shop.png ", True), ("notes.txt", False), ("invoice.docx", False),
                                         ("pdf", False), ("", False), (None, False)])
def test_a_refusal_tells_a_misnamed_or_damaged_file_from_a_kind_never_taken(name, named):
    assert uploads.named_as_accepted(name) is named


def test_an_oversize_file_is_refused(app, auth, db, partner_case):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    big = PNG + b"\0" * 2000
    response = disburse(auth, partner_case, amount_local="1000", files=(io.BytesIO(big), "photo.png"))
    assert response.status_code == 422 and "is larger than" in response.get_data(as_text=True)
    assert db.exec(select(Attachment)).all() == [] and stored_files(app) == []


def test_a_request_over_the_limit_is_413(app, auth, partner_case):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    app.config["UPLOAD_REQUEST_MAX_BYTES"] = 10_000  # a file form's (tests/partner/test_files_over_the_limit.py)
    response = disburse(auth, partner_case, amount_local="1000", files=(io.BytesIO(PNG + b"\0" * 20_000), "x.png"))
    assert response.status_code == 413


def test_content_decides_the_type_not_the_name(app, auth, db, partner_case):
    files = [(io.BytesIO(PDF), "scan.png"), (io.BytesIO(PNG), "photo")]
    assert disburse(auth, partner_case, amount_local="1000", files=files).status_code == 302
    stored = db.exec(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.content_type, a.original_name) for a in stored] == [("application/pdf", "scan.png.pdf"),
                                                                  ("image/png", "photo.png")]
    for item in stored:
        path = Path(app.config["UPLOAD_DIR"]) / item.stored_name
        assert path.is_file() and len(item.stored_name) == 32
        assert path.stat().st_mode & 0o777 == 0o600  # the application's user alone, whatever the umask
        import hashlib
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256


def test_files_are_served_as_downloads_to_those_who_may_see_the_case(app, client, auth, db, make_user, partner_case):
    disburse(auth, partner_case, amount_local="1000", files=(io.BytesIO(PDF), "receipt.pdf"))
    item = db.exec(select(Attachment)).one()
    response = client.get(f"/partner/attachments/{item.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    auth.logout()
    auth.login("caseworker")
    assert client.get(f"/followup/attachments/{item.id}").status_code == 200
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "attachment.read")).all()
    auth.logout()
    auth.login(make_user("cmm"))  # not the case's CMM contact
    assert client.get(f"/followup/attachments/{item.id}").status_code == 404


def test_a_failed_commit_leaves_no_record_and_no_file(app, db, make_user, returned_case, monkeypatch):
    from reintegration.followup import operations as ops

    case = returned_case()
    user = make_user("partner")

    class Upload:
        filename = "r.png"
        stream = io.BytesIO(PNG)

    def broken_commit():
        raise RuntimeError("database went away")

    with app.test_request_context():
        monkeypatch.setattr(db, "commit", broken_commit)
        with pytest.raises(RuntimeError):
            ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                    amount_local=None, amount_dkk=Decimal("10"), note=None, files=[Upload()])
        monkeypatch.undo()
    db.rollback()
    assert db.exec(select(Attachment)).all() == [] and db.exec(select(Disbursement)).all() == []
    assert stored_files(app) == []


def test_a_commit_that_failed_after_the_database_made_it_keeps_the_file(app, db, make_user, returned_case,
                                                                        monkeypatch):
    """A commit can fail after the database made it (the connection lost during COMMIT):
    its rows are then recorded, and their files must stay, or the receipts are lost. The
    files of a commit that did not go through are removed, as above."""
    from sqlalchemy.exc import OperationalError

    from reintegration.followup import operations as ops

    case = returned_case()
    user = make_user("partner")
    made = db.commit

    class Upload:
        filename = "r.png"
        stream = io.BytesIO(PNG)

    def commit_then_fail():
        made()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    with app.test_request_context():
        monkeypatch.setattr(db, "commit", commit_then_fail)
        with pytest.raises(OperationalError):
            ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                    amount_local=None, amount_dkk=Decimal("10"), note=None, files=[Upload()])
        monkeypatch.undo()
    db.rollback()
    [attachment] = db.exec(select(Attachment)).all()
    assert stored_files(app) == [attachment.stored_name]
    assert len(db.exec(select(Disbursement)).all()) == 1


def test_sweep_removes_stray_files_older_than_an_hour(app, db, runner):
    directory = Path(app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True)
    old, young, keep = directory / ("a" * 32 + ".part"), directory / ("b" * 32 + ".part"), directory / "README"
    orphan = directory / ("c" * 32)
    for path in (old, young, keep, orphan):
        path.write_bytes(b"x")
    hour_ago = time.time() - 3700
    for path in (old, keep, orphan):
        os.utime(path, (hour_ago, hour_ago))
    result = runner.invoke(args=["uploads", "sweep"])
    assert "Removed 2" in result.output
    assert sorted(p.name for p in directory.iterdir()) == sorted([young.name, keep.name])


@pytest.mark.parametrize("head, expected", [
    (b"%PDF-1.7", "application/pdf"), (b"\xff\xd8\xff\xe0", "image/jpeg"), (PNG[:8], "image/png"),
    (b"\0\0\0\x18ftypheic", "image/heic"), (b"\0\0\0\x18ftypmif1", "image/heic"),
    (b"\0\0\0\x18ftypisom", None), (b"<html>", None), (b"%PD", None), (b"", None),
])
def test_sniffing(head, expected):
    assert uploads.sniff(head) == expected


def test_a_refused_payment_names_every_error_at_once(auth, db, partner_case):
    """An amount that cannot be read and a date in the future: both are said on the first
    send, not the date only after the amount is fixed (as the report form does)."""
    tomorrow = danish_tomorrow()
    page = disburse(auth, partner_case, paid_on=tomorrow, amount_local="abc").get_data(as_text=True)
    assert 'id="amount_local-error"' in page and 'id="paid_on-error"' in page
    assert "The date cannot be in the future." in page
    assert db.exec(select(Disbursement)).all() == []
    # A date that cannot be read is its own error, and judged no further.
    page = disburse(auth, partner_case, paid_on="31-02-2026", amount_local="abc").get_data(as_text=True)
    assert "The date cannot be in the future." not in page and 'id="paid_on-error"' in page

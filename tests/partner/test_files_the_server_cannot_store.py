"""A file the server cannot write (disk full, the uploads folder not writable) is refused
like a file of the wrong type: the form comes back with everything typed in it, the
files named at their field to choose again, nothing saved (no row, no file), and the
operator finds the reason in the log. Never a 500 that loses a report typed on a phone.
A report or a payment can then be sent without its files."""

from __future__ import annotations

import errno
import io
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from reintegration import uploads
from reintegration.models import Attachment, Disbursement, FollowUpReport
from test_portal import PNG, report_data

NOT_STORED = "The server could not store the files you chose (receipt.png, photo.png), so nothing was saved."
WITHOUT = "If it fails again, send it without the files and add them later on the page for receipts and photos."


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def break_storage(app, monkeypatch, tmp_path, where: str) -> None:
    if where == "folder":  # the folder cannot be made: a file stands where it should be
        (tmp_path / "blocked").write_bytes(b"")
        monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "blocked" / "uploads"))
    elif where == "write":  # the temporary copy cannot be written to the disk
        monkeypatch.setattr(uploads.os, "fsync", disk_full)
    else:  # "rename": the copy is written, but cannot be moved to its final name
        monkeypatch.setattr(uploads.os, "replace", disk_full)


def files():
    return [(io.BytesIO(PNG), "receipt.png"), (io.BytesIO(PNG + b"\0"), "photo.png")]


def signed_in_officer_case(auth, db, make_org, make_user, returned_case):
    """A partner's case, returned 40 days ago, its officer signed in: the case and its
    first report due."""
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=40)
    auth.login(make_user("partner", organisation=partner))
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    return case, report


@pytest.fixture
def officer_case(auth, db, make_org, make_user, returned_case):
    return signed_in_officer_case(auth, db, make_org, make_user, returned_case)


def nothing_stored(app, db) -> None:
    db.expire_all()
    assert db.exec(select(Attachment)).all() == [] and db.exec(select(Disbursement)).all() == []
    folder = Path(app.config["UPLOAD_DIR"])
    assert not folder.is_dir() or [p.name for p in folder.iterdir()] == []


@pytest.mark.parametrize("where", ["folder", "write", "rename"])
def test_a_report_whose_files_cannot_be_stored_comes_back_with_its_answers(app, auth, db, officer_case, monkeypatch,
                                                                           tmp_path, caplog, where):
    case, report = officer_case
    break_storage(app, monkeypatch, tmp_path, where)
    data = report_data(db, report, notes="Long notes typed on a phone", risk_threats="y", files=files())
    with caplog.at_level("ERROR"):
        response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data,
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert NOT_STORED in page and WITHOUT in page and 'href="#files"' in page
    assert "Long notes typed on a phone" in page and '<input checked class="form-checkbox" id="risk_threats"' in page
    assert "an upload could not be stored" in caplog.text and "receipt" not in caplog.text
    db.refresh(report)
    assert report.status == "due"
    nothing_stored(app, db)

    monkeypatch.undo()  # the report sent again without its files is submitted, its risk sign with it
    data = report_data(db, report, notes="Long notes typed on a phone", risk_threats="y")
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data, content_type="multipart/form-data")
    assert response.status_code == 302
    db.refresh(report)
    assert report.status == "submitted" and report.risk_indicators == "threats"


@pytest.mark.parametrize("where", ["folder", "write", "rename"])
def test_a_payment_whose_files_cannot_be_stored_comes_back_and_its_form_still_records_it(app, auth, db, officer_case,
                                                                                        monkeypatch, tmp_path, where):
    case, _report = officer_case
    token = uuid.uuid4().hex
    data = {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_local": "",
            "amount_dkk": "1250", "note": "Sewing machine", "request_token": token}
    break_storage(app, monkeypatch, tmp_path, where)
    response = auth.post(f"/partner/cases/{case.id}/disburse", {**data, "files": files()},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert NOT_STORED in page and WITHOUT in page and 'href="#files"' in page
    assert "Sewing machine" in page and f'value="{token}"' in page
    nothing_stored(app, db)

    monkeypatch.undo()  # the same form (its one-time token) sent again, with the files now
    response = auth.post(f"/partner/cases/{case.id}/disburse", {**data, "files": files()},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(db.exec(select(Disbursement)).all()) == 1 and len(db.exec(select(Attachment)).all()) == 2


@pytest.mark.parametrize("where", ["folder", "write", "rename"])
def test_files_for_a_report_that_cannot_be_stored_are_named_to_choose_again(app, auth, db, officer_case,
                                                                             monkeypatch, tmp_path, where):
    case, report = officer_case
    break_storage(app, monkeypatch, tmp_path, where)
    response = auth.post(f"/partner/cases/{case.id}/attachments", {"target": f"report:{report.id}", "files": files()},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert NOT_STORED + " Choose them again and send them again." in page and WITHOUT not in page
    assert f'<option selected value="report:{report.id}">' in page
    nothing_stored(app, db)


def test_the_officer_is_told_in_danish(app, auth, db, make_org, make_user, returned_case, monkeypatch):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner, locale="da"))
    monkeypatch.setattr(uploads.os, "fsync", disk_full)
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_dkk": "100",
                          "request_token": uuid.uuid4().hex, "files": files()}, content_type="multipart/form-data")
    assert "Serveren kunne ikke gemme de filer, du valgte (receipt.png, photo.png)" in response.get_data(as_text=True)

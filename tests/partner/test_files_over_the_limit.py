"""A file over the size limit, even one far over it (a phone video chosen by mistake),
is refused at the file field of the report, payment or attachments form with everything
typed kept, as a file just over the limit is: the request is read (up to
``UPLOAD_REQUEST_MAX_BYTES``) and only the first bytes of each file are kept. Only a
request larger than that is a 413, and its page says the limits and how to go back to
what was typed. A file exactly at the limit is taken."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from flask import request, session
from sqlmodel import select

from reintegration.models import Attachment
from test_files_the_server_cannot_store import nothing_stored, signed_in_officer_case
from test_portal import PNG, report_data

LIMIT = 4096
VIDEO = b"\0\0\0\x18ftypmp42" + b"\0" * 60_000  # far over the file limit and over MAX_CONTENT_LENGTH


@pytest.fixture
def officer_case(app, auth, db, make_org, make_user, returned_case, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", LIMIT)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    return signed_in_officer_case(auth, db, make_org, make_user, returned_case)


def test_a_report_with_a_video_far_over_the_limit_keeps_its_answers(app, auth, db, officer_case):
    case, report = officer_case
    data = report_data(db, report, notes="Long notes typed on a phone", risk_threats="y",
                       files=[(io.BytesIO(PNG), "receipt.png"), (io.BytesIO(VIDEO), "video.mp4")])
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "video.mp4 is larger than 1 MB. Nothing was saved." in page and 'href="#files"' in page
    assert "choose them again before you send (receipt.png)" in page
    assert "Long notes typed on a phone" in page
    assert '<input checked class="form-checkbox" id="risk_threats"' in page
    nothing_stored(app, db)


def test_a_payment_with_a_video_far_over_the_limit_keeps_what_was_typed(app, auth, db, officer_case):
    case, _report = officer_case
    token = uuid.uuid4().hex
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_dkk": "1250",
                          "note": "Sewing machine", "request_token": token,
                          "files": (io.BytesIO(VIDEO), "video.mp4")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "video.mp4 is larger than 1 MB." in page and "Sewing machine" in page and f'value="{token}"' in page
    nothing_stored(app, db)


def test_files_far_over_the_limit_for_the_attachments_page_keep_the_choice(app, auth, db, officer_case):
    case, report = officer_case
    response = auth.post(f"/partner/cases/{case.id}/attachments",
                         {"target": f"report:{report.id}", "files": (io.BytesIO(VIDEO), "video.mp4")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "video.mp4 is larger than 1 MB." in page and f'<option selected value="report:{report.id}">' in page
    nothing_stored(app, db)


def test_too_many_files_over_the_limit_are_refused_by_their_number(app, auth, db, officer_case):
    case, report = officer_case
    big = [(io.BytesIO(PNG + bytes([n]) * LIMIT), f"photo{n}.png") for n in range(6)]
    response = auth.post(f"/partner/cases/{case.id}/attachments", {"target": f"report:{report.id}", "files": big},
                         content_type="multipart/form-data")
    assert response.status_code == 422 and "Attach at most 5 files at a time." in response.get_data(as_text=True)
    nothing_stored(app, db)


@pytest.mark.parametrize("over, taken", [(0, True), (1, False)])
def test_a_file_exactly_at_the_limit_is_taken_and_one_byte_more_is_not(app, auth, db, officer_case, over, taken):
    case, report = officer_case
    photo = PNG + b"\0" * (LIMIT - len(PNG) + over)
    response = auth.post(f"/partner/cases/{case.id}/attachments",
                         {"target": f"report:{report.id}", "files": (io.BytesIO(photo), "photo.png")},
                         content_type="multipart/form-data")
    assert response.status_code == (302 if taken else 422)
    assert [a.size for a in db.exec(select(Attachment)).all()] == ([LIMIT] if taken else [])


@pytest.mark.parametrize("locale, said", [
    ("en", "Go back with your browser's Back button (what you typed is usually still in the form), then send it "
           "with fewer or smaller files: at most 5 files, each at most 1 MB."),
    ("da", "Gå tilbage med browserens Tilbage-knap (det, du skrev, står som regel stadig i formularen), og send "
           "det så med færre eller mindre filer: højst 5 filer, hver på højst 1 MB."),
])
def test_a_request_over_the_whole_limit_is_a_413_that_says_the_limits(app, auth, db, make_org, make_user,
                                                                     returned_case, monkeypatch, locale, said):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", LIMIT)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    monkeypatch.setitem(app.config, "UPLOAD_REQUEST_MAX_BYTES", 30_000)
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner, locale=locale))
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_dkk": "1250",
                          "request_token": uuid.uuid4().hex, "files": (io.BytesIO(VIDEO), "video.mp4")},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    assert said in response.get_data(as_text=True).replace("&#39;", "'")
    nothing_stored(app, db)


def test_the_larger_limit_is_only_for_signed_in_users_on_the_file_forms(app, client, auth, db, officer_case):
    case, report = officer_case
    plan_import = auth.post(f"/cases/{case.id}/plans/1/import", {"plan_file": (io.BytesIO(VIDEO), "plan.json")},
                            content_type="multipart/form-data")
    assert plan_import.status_code == 413  # a form without files to keep: MAX_CONTENT_LENGTH, as before
    auth.logout()
    response = client.post(f"/partner/cases/{case.id}/attachments",
                           data={"target": f"report:{report.id}", "files": (io.BytesIO(VIDEO), "video.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_what_a_request_keeps_of_its_files_is_bounded(app, auth, db, officer_case):
    """At most MAX_FILES + 1 files at the limit are kept while a request is read (the
    number refused above): more is a 413, however large the request may be."""
    case, report = officer_case
    big = [(io.BytesIO(PNG + bytes([n]) * LIMIT), f"photo{n}.png") for n in range(7)]
    response = auth.post(f"/partner/cases/{case.id}/attachments", {"target": f"report:{report.id}", "files": big},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    nothing_stored(app, db)


def test_a_limit_set_on_the_request_is_kept_on_a_file_form(app, officer_case):
    """Flask's documented per-request setter still decides when a view uses it: the larger
    limit for signed-in users is a default, not an override."""
    case, _report = officer_case
    with app.test_request_context(f"/partner/cases/{case.id}/attachments", method="POST"):
        session["_user_id"] = "1"
        assert request.max_content_length == app.config["UPLOAD_REQUEST_MAX_BYTES"]
        request.max_content_length = 1234
        assert request.max_content_length == 1234
        request.max_content_length = None  # None is the default again, as in Flask
        assert request.max_content_length == app.config["UPLOAD_REQUEST_MAX_BYTES"]

"""The whole request's limit leaves room for every file a form takes, each at its limit."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest

from sqlmodel import select

from reintegration.followup.forms import MAX_FILES
from reintegration.models import Attachment

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def test_the_request_limit_holds_the_most_files_at_their_largest(app):
    assert app.config["MAX_CONTENT_LENGTH"] > MAX_FILES * app.config["UPLOAD_MAX_BYTES"]


def test_three_photos_each_within_the_limit_are_kept(app, auth, db, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    seven_mb = PNG + b"\0" * (7 * 1024 * 1024)
    # Three different photos (the same file twice is attached once: tests/partner/test_same_file_twice.py).
    files = [(io.BytesIO(seven_mb + bytes([n])), f"photo{n}.png") for n in range(3)]
    response = auth.post(f"/partner/cases/{case.id}/disburse",
                         {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": "1000",
                          "amount_dkk": "", "note": "", "request_token": uuid.uuid4().hex, "files": files},
                         content_type="multipart/form-data")
    assert response.status_code == 302  # recorded, with its photos: not 413 for the whole request
    assert sorted(a.original_name for a in db.exec(select(Attachment)).all()) == ["photo0.png", "photo1.png",
                                                                                  "photo2.png"]


@pytest.mark.parametrize("locale, hint", [("da", "højst {n} filer, hver på højst 4 MB"),
                                           ("en", "at most {n} files, each at most 4 MB")])
def test_the_file_fields_say_their_limits_before_anything_is_refused(app, client, auth, make_org, make_user, returned_case,
                                                                       locale, hint):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner, locale=locale))
    app.config["UPLOAD_MAX_BYTES"] = 4 * 1024 * 1024
    page = client.get(f"/partner/cases/{case.id}/disburse").get_data(as_text=True)
    assert hint.format(n=MAX_FILES) in page

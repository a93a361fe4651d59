"""The follow-up demo: returned cases with reports, payments with valid receipts, an
overdue report and one open risk alert."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import select

from reintegration import uploads
from reintegration.demo.followups import tiny_pdf, tiny_png
from reintegration.domain.followup import is_overdue
from reintegration.models import Attachment, Case, Disbursement, FollowUpReport, RiskAlert


def test_demo_has_the_year_to_show(app, runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    returned = db.exec(select(Case).where(Case.status == "in_followup")).all()
    assert len(returned) == 2
    table = app.extensions["rate_tables"].latest()
    reports = db.exec(select(FollowUpReport)).all()
    assert any(r.status == "submitted" for r in reports)
    assert any(r.status == "due" and is_overdue(r.due_date, date.today(), table) for r in reports)
    assert len(db.exec(select(RiskAlert).where(RiskAlert.closed_at.is_(None))).all()) == 1
    assert db.exec(select(Disbursement)).all()
    files = db.exec(select(Attachment)).all()
    assert files and all((Path(app.config["UPLOAD_DIR"]) / a.stored_name).is_file() for a in files)
    # Every receipt and photo is a file of its own: CMM's payments table says "attached
    # twice" only where the same file really is.
    assert len({a.sha256 for a in files}) == len(files)


def test_demo_files_are_real_pdf_and_png():
    assert uploads.sniff(tiny_pdf("x")[:16]) == "application/pdf" and tiny_pdf("x").rstrip().endswith(b"%%EOF")
    assert uploads.sniff(tiny_png()[:16]) == "image/png"


def test_a_titled_demo_png_is_still_a_well_formed_png():
    import zlib

    data = tiny_png("Photo 1 RT-2026-0001")
    assert data != tiny_png("Photo 2 RT-2026-0001")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    at, kinds = 8, []
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert int.from_bytes(data[at + 8 + length:at + 12 + length], "big") == zlib.crc32(kind + body)
        kinds.append(kind)
        at += 12 + length
    assert (at, kinds) == (len(data), [b"IHDR", b"tEXt", b"IDAT", b"IEND"])


def test_each_demo_partner_with_a_returned_case_has_a_line_left_to_pay(app, runner, db):
    """Signed in as the Nigerian or the Thai partner, the demo's payment form has a line
    with money left on it, so recording a payment can be tried."""
    from reintegration.followup.status import case_year

    assert runner.invoke(args=["demo"]).exit_code == 0
    returned = db.exec(select(Case).where(Case.status == "in_followup")).all()
    assert {case.partner_id for case in returned} and len({case.partner_id for case in returned}) == len(returned)
    for case in returned:
        with app.app_context():
            year = case_year(db, case, date.today())
        assert any(row.remaining > 0 for row in year.lines), case.reference
        assert year.position in ("on_plan", "under"), (case.reference, year.position)

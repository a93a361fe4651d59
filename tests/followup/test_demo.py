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


def test_demo_files_are_real_pdf_and_png():
    assert uploads.sniff(tiny_pdf("x")[:16]) == "application/pdf" and tiny_pdf("x").rstrip().endswith(b"%%EOF")
    assert uploads.sniff(tiny_png()[:16]) == "image/png"

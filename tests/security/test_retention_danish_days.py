"""Retention counts in Danish days: a case closed at 00:30 on 2 March in Copenhagen (23:30
on 1 March in UTC) was closed on 2 March, and is anonymised when a case closed at noon
that day is, on the first day after the fifth anniversary. The data-protection page says
the day it was closed and the day the retention run will anonymise it, as the run does."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from reintegration import retention
from security_helpers import full_case, people  # noqa: F401

WINTER_NIGHT = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # 00:30 on 2 March in Copenhagen (UTC+1)
WINTER_NOON = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
SUMMER_NIGHT = datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc)  # 00:30 on 2 June (UTC+2)
SUMMER_LATE = datetime(2026, 6, 1, 21, 59, tzinfo=timezone.utc)  # 23:59 on 1 June

CLOSED = [  # when, the Danish day it was closed, the first day the run anonymises it (5 years)
    (WINTER_NIGHT, date(2026, 3, 2), date(2031, 3, 3)),
    (WINTER_NOON, date(2026, 3, 2), date(2031, 3, 3)),
    (SUMMER_NIGHT, date(2026, 6, 2), date(2031, 6, 3)),
    (SUMMER_LATE, date(2026, 6, 1), date(2031, 6, 2)),
]


def _closed_case(db, app, people, at):
    return full_case(db, app.config["UPLOAD_DIR"], **people, status="closed", closed_at=at)


@pytest.mark.parametrize("at, closed_on, anonymised_on", CLOSED)
def test_the_run_anonymises_on_the_danish_day_after_the_anniversary(app, db, people, at, closed_on, anonymised_on):
    case = _closed_case(db, app, people, at)
    with app.app_context():
        day_before = date.fromordinal(anonymised_on.toordinal() - 1)
        assert case.id not in {c.id for c in retention.due_cases(db, day_before, 5)}
        assert case.id in {c.id for c in retention.due_cases(db, anonymised_on, 5)}


def _privacy_page(db, app, client, auth, people, at, locale) -> str:
    case = _closed_case(db, app, people, at)
    caseworker = people["caseworker"]
    caseworker.locale = locale
    db.add(caseworker)
    db.commit()
    auth.login(caseworker)
    return client.get(f"/cases/{case.id}/data-protection").get_data(as_text=True)


@pytest.mark.parametrize("at, closed_on, anonymised_on", CLOSED)
def test_the_data_protection_page_says_the_danish_days(app, db, client, auth, people, at, closed_on, anonymised_on):
    page = _privacy_page(db, app, client, auth, people, at, "en")
    assert f"{closed_on:%b} {closed_on.day}, {closed_on.year}" in page
    assert f"{anonymised_on:%b} {anonymised_on.day}, {anonymised_on.year}" in page


def test_the_data_protection_page_in_danish(app, db, client, auth, people):
    page = _privacy_page(db, app, client, auth, people, WINTER_NIGHT, "da")
    assert "2. mar. 2026" in page and "3. mar. 2031" in page and "1. mar. 2026" not in page


def test_a_case_closed_on_29_february_is_anonymised_after_28_february(app):
    with app.app_context():
        assert retention.anonymised_from(datetime(2028, 2, 29, 12, tzinfo=timezone.utc), 5) == date(2033, 3, 1)
        assert retention.anonymised_from(datetime(2027, 2, 28, 12, tzinfo=timezone.utc), 1) == date(2028, 3, 1)

"""The batch export's dates are read as every other date field reads them: a date it
cannot read is refused in the reader's language (not WTForms' "Not a valid date value.")."""

from __future__ import annotations

import html
import re

import pytest


@pytest.fixture
def approver_in(make_user, auth):
    def login(locale):
        return auth.login(make_user("approver", locale=locale))

    return login


@pytest.mark.parametrize("locale, expected", [
    ("da", "Godkendt fra: Indtast en dato som fx 2026-03-14."),
    ("en", "Approved from: Enter a date such as 2026-03-14."),
])
def test_a_date_in_the_wrong_order_is_refused_in_the_readers_language(auth, approver_in, locale, expected):
    approver_in(locale)
    response = auth._client.get("/exports/batch?date_from=01-01-2026&date_to=2026-12-31")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert expected in page and "Not a valid date value" not in page
    assert 'href="#date_from"' in page


def test_an_unreadable_end_date_is_named_at_its_field(auth, approver_in):
    approver_in("da")
    page = html.unescape(auth._client.get("/exports/batch?date_from=2026-01-01&date_to=31.12.2026")
                         .get_data(as_text=True))
    assert "Indtast en dato som fx 2026-03-14." in page and "Not a valid date value" not in page


def test_a_missing_date_still_says_enter_one(auth, approver_in):
    approver_in("en")
    response = auth._client.get("/exports/batch?date_from=&date_to=2026-12-31")
    assert response.status_code == 422 and "Enter a date such as 2026-03-14." in response.get_data(as_text=True)


# Each of the two dates, missing or unreadable: every error gives the one example date
# that every other date field gives (``forms.ENTER_A_DATE``), never another.
@pytest.mark.parametrize("query, expected", [
    ("date_from=&date_to=2026-12-31", "Approved from: Enter a date such as 2026-03-14."),
    ("date_from=31.01.2026&date_to=2026-12-31", "Approved from: Enter a date such as 2026-03-14."),
    ("date_from=2026-01-01&date_to=", "Approved up to and including: Enter a date such as 2026-03-14."),
    ("date_from=2026-01-01&date_to=31.12.2026", "Approved up to and including: Enter a date such as 2026-03-14."),
])
def test_both_dates_errors_give_the_same_example(auth, approver_in, query, expected):
    approver_in("en")
    response = auth._client.get(f"/exports/batch?{query}")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and expected in page
    examples = set(re.findall(r"Enter a date such as (\d{4}-\d{2}-\d{2})", page))
    assert examples == {"2026-03-14"}


def test_both_dates_missing_are_asked_for_alike_in_danish(auth, approver_in):
    approver_in("da")
    page = html.unescape(auth._client.get("/exports/batch?date_from=&date_to=").get_data(as_text=True))
    assert "Godkendt fra: Indtast en dato som fx 2026-03-14." in page
    assert "Godkendt til og med: Indtast en dato som fx 2026-03-14." in page
    assert set(re.findall(r"Indtast en dato som fx (\d{4}-\d{2}-\d{2})", page)) == {"2026-03-14"}

"""The audit trail's filters speak the reader's language, errors and labels alike."""

from __future__ import annotations

import pytest

from admin_edit import text_of

QUERY = "/admin/audit?date_from=2026-13-01&action=" + "a" * 70 + "&page=0&case=" + "b" * 40


@pytest.mark.parametrize("locale, expected", [
    ("en", ["Action: At most 64 characters.", "Case reference: At most 32 characters.",
            "From date: Enter a date such as 2026-03-14.", "Page: Enter a page number from 1 to 1000000."]),
    ("da", ["Handling: Højst 64 tegn.", "Sagsnummer: Højst 32 tegn.",
            "Fra dato: Indtast en dato som fx 2026-03-14.", "Side: Angiv et sidetal fra 1 til 1000000."]),
])
def test_filter_errors_are_in_the_reader_s_language(client, auth, locale, expected):
    auth.login("admin", locale=locale)
    response = client.get(QUERY)
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    for message in expected:
        assert message in page
    for english_default in ("Field cannot be longer", "Not a valid", "Number must be between"):
        assert english_default not in page


@pytest.mark.parametrize("page", ["x", "-1", "1000001", "²"])
def test_a_page_that_is_not_a_page_number_says_so(client, auth, page):
    auth.login("admin", locale="da")
    response = client.get(f"/admin/audit?page={page}")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Side: Angiv et sidetal fra 1 til 1000000." in text and "Not a valid" not in text


def test_valid_filters_still_filter(client, auth):
    auth.login("admin")
    response = client.get("/admin/audit?action=auth.login&date_from=2020-01-01&page=1")
    assert response.status_code == 200
    assert "There is a problem" not in response.get_data(as_text=True)

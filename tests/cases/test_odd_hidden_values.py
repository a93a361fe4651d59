"""Hidden fields and buttons carry numbers (a revision, a row): any other value there is
a conflict or is ignored, never a 500 (``forms.plain_number``)."""

from __future__ import annotations

import pytest

from reintegration.forms import plain_number

ODD = ["99999999999999999999", "²", "٣", "1" * 12, " ", "-1", "1e3"]


@pytest.mark.parametrize("raw, number", [("7", 7), (" 12 ", 12), ("999999999", 999999999), ("1234567890", None),
                                         ("²", None), ("٣", None), ("-1", None), ("", None), (None, None)])
def test_plain_number_takes_only_short_ascii_digits(raw, number):
    assert plain_number(raw) == number


@pytest.mark.parametrize("revision", ODD)
def test_an_odd_revision_is_a_conflict_with_the_input_kept(auth, db, case_data, revision):
    caseworker = auth.login("caseworker")
    created = auth.post("/cases/new", case_data(caseworker))
    case_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    response = auth.post(f"/cases/{case_id}/edit", case_data(caseworker, revision=revision, person_name="Edited Name"))
    assert response.status_code == 409
    assert "Edited Name" in response.get_data(as_text=True)


@pytest.mark.parametrize("position", ODD)
def test_an_odd_child_row_to_remove_removes_nothing(auth, case_data, position):
    caseworker = auth.login("caseworker")
    response = auth.post("/cases/new", case_data(caseworker, action=f"remove_child:{position}"))
    assert response.status_code == 200 and 'value="2015-06-01"' in response.get_data(as_text=True)

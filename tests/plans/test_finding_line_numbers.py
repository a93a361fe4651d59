"""What the drafting page says about a line: a finding names the line by the number its
row shows ("Line 2"), also when a row above it is blank or cannot be read yet and so is
left out of the check; and a refused choice is refused in the reader's language."""

from __future__ import annotations

import re

import pytest

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _slot_text(page: str, slot: str) -> str:
    match = re.search(r'data-line-slot="%s">(.*?)</ul>' % slot, page, re.S)
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", match.group(1))).strip() if match else ""


@pytest.mark.parametrize("first", [{"amount_dkk": "12x", "description": "Chairs"},  # a typo: unreadable
                                   {"amount_dkk": "", "description": ""}])  # blank
def test_a_finding_below_an_unchecked_row_names_its_own_row(auth, plan_case, start_draft, first):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [
        first, {"amount_dkk": "500", "month": "13", "description": "Dryer"}])).get_data(as_text=True)
    panel = re.search(r'<li class="app-finding app-finding--error" data-line="lines-1">(.*?)</li>', page, re.S)
    assert panel and "Line 2: the month must be from 1 to 12" in panel.group(1)
    assert "Line 1: the month" not in page
    # Beside the row, the month field says it; the row's slot does not repeat it.
    assert "the month must be" not in _slot_text(page, "lines-1")


def test_the_live_check_numbers_rows_as_the_page_does_in_danish(auth, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    page = auth.post(f"/cases/{version.case_id}/plans/{version.id}/check", base_form(version, [
        {"amount_dkk": "", "description": "Symaskine"},
        {"amount_dkk": "500", "month": "14", "description": "Stof"}])).get_data(as_text=True)
    assert "Linje 2: måneden skal være fra 1 til 12" in page and "Linje 1: måneden" not in page


def test_an_unknown_choice_is_refused_in_the_readers_language(auth, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "kind": "loan", "category": "x"}],
                                                  activity_kind="hobby")).get_data(as_text=True)
    assert page.count("Vælg en af mulighederne.") >= 3 and "Not a valid choice" not in page

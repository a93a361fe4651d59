"""The drafting page's error summary names the line a field error is on, by the number
the page shows on that row, and says one problem once (a month outside 1 to 12 is the
month field's error; the budget check's finding about it does not repeat it there)."""

from __future__ import annotations

import html
import re

import pytest

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _summary(page: str) -> list[str]:
    """The error summary's entries, as text."""
    block = re.search(r'<div class="alert alert-error error-summary".*?</ul>', page, re.S)
    assert block, "no error summary"
    items = re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", item))).strip() for item in items]


def _eleven_lines(**line_two) -> list[dict]:
    lines = [{"amount_dkk": "100", "month": "1", "description": f"Tool {i + 1}"} for i in range(11)]
    lines[1].update(line_two)
    return lines


@pytest.mark.parametrize("locale, expected", [
    ("da", "Linje 2, Beløb, DKK: Indtast et beløb som fx 12.500,50."),
    ("en", "Line 2, Amount, DKK: Enter an amount such as 12,500.50."),
])
def test_a_bad_amount_names_its_line_in_the_summary(auth, plan_case, start_draft, locale, expected):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, _eleven_lines(amount_dkk="12x")))
    assert response.status_code == 422
    summary = _summary(response.get_data(as_text=True))
    assert expected in summary, summary
    assert 'href="#lines-1-amount_dkk"' in response.get_data(as_text=True)


def test_the_number_is_the_rows_number_with_blank_rows_above(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    lines = [{"amount_dkk": "", "description": ""}, {"amount_dkk": "", "description": ""},
             {"amount_dkk": "1,5,0", "description": "Chairs"}]
    page = auth.post(edit_url(version), base_form(version, lines)).get_data(as_text=True)
    assert any(item.startswith("Line 3, Amount, DKK:") for item in _summary(page)), _summary(page)
    assert "Line 3" in page  # the row's own heading carries the same number


def test_a_removed_row_renumbers_the_rows_below_as_the_page_does(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    lines = [{"amount_dkk": "100", "description": "Kept"}, {"amount_dkk": "100", "description": "Removed"},
             {"amount_dkk": "bad", "description": "Typo"}]
    page = auth.post(edit_url(version), base_form(version, lines, action="remove_line:1")).get_data(as_text=True)
    summary = _summary(page)
    assert any(item.startswith("Line 2, Amount, DKK:") for item in summary), summary


@pytest.mark.parametrize("locale, field_says, check_says", [
    ("da", "Linje 2, Måned: Måneden skal være fra 1 til 12.", "Linje 2: måneden skal være"),
    ("en", "Line 2, Month: The month must be from 1 to 12.", "Line 2: the month must be"),
])
def test_month_13_is_one_entry_in_the_summary(auth, plan_case, start_draft, locale, field_says, check_says):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, _eleven_lines(month="13"))).get_data(as_text=True)
    summary = _summary(page)
    assert summary.count(field_says) == 1, summary
    assert not any(item.startswith(check_says) for item in summary), summary
    assert len([item for item in summary if "2" in item.split(":")[0]]) == 1, summary
    # The line's own slot beside its fields does not repeat what the month field says.
    import re
    slot = re.search(r'data-line-slot="lines-1">(.*?)</ul>', page, re.S).group(1)
    assert "line.month" not in slot and field_says.split(": ", 1)[1] in page, slot


def test_a_line_finding_without_a_field_error_stays_in_its_slot(auth, plan_case, start_draft):
    """Only what the field already says is left out of the slot: a check finding of its own stays."""
    import re
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "100", "month": "12"},
                                                            {"kind": "cash", "amount_dkk": "0", "month": "2"}]),
                     follow_redirects=True).get_data(as_text=True)
    slots = dict(re.findall(r'data-line-slot="(lines-\d+)">(.*?)</ul>', page, re.S))
    assert "<li" not in slots["lines-0"], slots


def test_a_check_error_with_no_field_error_stays_in_the_summary(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "15,000.00"}]),
                     follow_redirects=True)
    summary = _summary(page.get_data(as_text=True))
    assert any("exceeds the cash rate" in item for item in summary), summary


def test_children_rows_on_the_case_form_keep_their_own_names(app):
    """Rows without ``row_label`` are named as before (the case form's children carry
    "Barn 1: ..." / "Child 1: ..." in their labels)."""
    from werkzeug.datastructures import MultiDict

    from reintegration.cases.forms import CaseForm
    from reintegration.forms import form_error_items

    with app.test_request_context("/", method="POST"):
        form = CaseForm(formdata=MultiDict({"children-0-date_of_birth": "soon"}), meta={"csrf": False})
        form.validate()
        messages = [item["message"] for item in form_error_items(form) if item["id"] == "children-0-date_of_birth"]
    assert messages and messages[0].startswith("Barn 1: Fødselsdato:"), messages

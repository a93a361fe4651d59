"""The partner portal's amount fields, for a partner officer on a phone with a screen
reader: the phone opens its number keypad (``inputmode="decimal"``, as the staff plan
forms do), and the currency shown beside the field (``NGN``, hidden from screen readers
as a suffix) is in the label too, so that the field's name says what to type."""

from __future__ import annotations

import re

import pytest

from test_portal import first_report


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    return match.group(0)


def _label(page: str, name: str) -> str:
    match = re.search(rf'<label class="form-label" for="{name}">(.*?)</label>', page, re.S)
    assert match, f"no label for {name}"
    return match.group(1)


@pytest.mark.parametrize("locale, local_label", [("en", "Monthly income in local currency"),
                                                 ("da", "Månedlig indkomst i lokal valuta")])
def test_report_income_fields_open_the_number_keypad_and_name_the_currency(client, auth, db, make_org, make_user,
                                                                           returned_case, locale, local_label):
    org = make_org("partner", currency="NGN")
    case = returned_case(partner=org)
    auth.login(make_user("partner", organisation=org, locale=locale))
    report = first_report(db, case)
    page = client.get(f"/partner/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    for name in ("income_local", "monthly_income"):
        assert 'inputmode="decimal"' in _input(page, name), name
    label = _label(page, "income_local")
    assert label.startswith(local_label)
    assert '<span class="sr-only"> (NGN)</span>' in label  # the suffix NGN is aria-hidden
    # A label that names its currency already is not told it twice.
    assert "sr-only" not in _label(page, "monthly_income")


def test_payment_amount_fields_open_the_number_keypad(client, auth, db, make_org, make_user, returned_case):
    org = make_org("partner")
    case = returned_case(partner=org)
    auth.login(make_user("partner", organisation=org))
    page = client.get(f"/partner/cases/{case.id}/disburse").get_data(as_text=True)
    for name in ("amount_local", "amount_dkk"):
        assert 'inputmode="decimal"' in _input(page, name), name
    assert "sr-only" not in _label(page, "amount_dkk")  # "Amount in DKK" names its currency

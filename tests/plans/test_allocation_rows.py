"""The budget check's table of entitlements agrees with the totals above it: cash over
the cash rate shows what is over, on the drafting page and on the approver's review."""

from __future__ import annotations

import pytest

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401
from support import allocation_rows as _allocation_rows


@pytest.mark.parametrize("locale, amount, label, used, over", [
    ("da", "12.000,00", "Voksen, kontant", "12.000,00 kr.", "Overskredet med 2.000,00 kr."),
    ("en", "12,000.00", "Adult, cash", "DKK 12,000.00", "Over by DKK 2,000.00"),
])
def test_the_drafting_check_shows_cash_over_the_rate(auth, plan_case, start_draft, locale, amount, label, used, over):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": amount}]),
                     follow_redirects=True).get_data(as_text=True)
    rows = _allocation_rows(page)
    assert rows[label][1:] == [used, over], rows


def test_the_live_check_shows_it_too(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(f"/cases/{version.case_id}/plans/{version.id}/check",
                     base_form(version, [{"kind": "cash", "amount_dkk": "12,000.00"}])).get_data(as_text=True)
    assert _allocation_rows(page)["Adult, cash"][1:] == ["DKK 12,000.00", "Over by DKK 2,000.00"]


def test_within_the_rate_the_row_shows_what_is_left(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "4,000.00"}]),
                     follow_redirects=True).get_data(as_text=True)
    assert _allocation_rows(page)["Adult, cash"] == ["DKK 10,000.00", "DKK 4,000.00", "DKK 6,000.00"]


@pytest.mark.parametrize("locale, amount, figure, source", [
    ("da", "4.000,00", "Kontant, person der ikke er forsørger", "linje 833 i kildeteksten"),
    ("en", "4,000.00", "Cash, person who is not a provider", "seed line 833"),
])
def test_each_row_names_its_rate_figure_and_source_in_the_page_language(auth, plan_case, start_draft, locale,
                                                                        amount, figure, source):
    """The source of a cap names the figure in words (not the rate file's key) and quotes
    the passage with the rate file's wording for the page's language."""
    import re

    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": amount}]),
                     follow_redirects=True).get_data(as_text=True)
    table = re.search(r'<table class="table table--compact app-allocation">.*?</table>', page, re.S).group(0)
    first = re.search(r'<div class="details-text"><p>(.*?)</p>', table, re.S).group(1)
    assert first.startswith(f"{figure}: Strategi- og handlingsplan"), first
    assert source in first and "cash_non_provider" not in table


@pytest.mark.parametrize("locale, label, amounts, used, left", [
    ("en", "Household in total", ("10,000.00", "30,000.00"), "DKK 40,000.00", "DKK 0.00"),
    ("en", "Household in total", ("10,000.00", "30,000.01"), "DKK 40,000.01", "Over by DKK 0.01"),
    ("da", "Husstanden i alt", ("10.000,00", "30.000,01"), "40.000,01 kr.", "Overskredet med 0,01 kr."),
])
def test_the_household_row_reads_over_as_the_finding_does(auth, plan_case, start_draft, locale, label, amounts,
                                                          used, left):
    """A budget one øre over the household cap: the finding says the total exceeds the cap,
    and the table's household row says it too, not "used 40,000.00, left 0.00"."""
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    cash, in_kind = amounts
    page = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": cash},
                                                            {"kind": "in_kind", "amount_dkk": in_kind}]),
                     follow_redirects=True).get_data(as_text=True)
    cap = "DKK 40,000.00" if locale == "en" else "40.000,00 kr."
    assert _allocation_rows(page)[label] == [cap, used, left]

"""An amendment is drafted mid-year, after money has been paid out: each paid line of the
drafting form says what has been paid on it so far, which it cannot go below, before the
caseworker types an amount (the budget check says so only once a line is lower). The
approver's review shows the same figures."""

from __future__ import annotations

from datetime import date

import pytest

from support import approved_plan_and_amendment

APPROVED = [("tools", "in_kind", "6500.00", "Poultry house"), ("cash-1", "cash", "3000.00", "Cash")]


@pytest.mark.parametrize("locale, said", [
    ("en", "So far DKK 6,000.50 has been paid out on this line; its amount cannot be lower."),
    ("da", "Der er indtil nu udbetalt 6.000,50 kr. på denne linje; beløbet kan ikke være lavere."),
])
def test_each_paid_line_of_an_amendment_says_what_was_paid(client, auth, db, make_case, locale, said):
    user = auth.login("caseworker", locale=locale)
    case = make_case(planned_return=date(2026, 6, 1), children=[])
    _first, amendment = approved_plan_and_amendment(db, case, approved=APPROVED, paid={"tools": "6000.50"},
                                                    amendment=APPROVED, recorded_by=user.id)
    page = client.get(f"/cases/{case.id}/plans/{amendment.id}/edit").get_data(as_text=True).replace("\xa0", " ")
    assert page.count(said) == 1
    assert page.index('id="lines-0"') < page.index(said) < page.index('id="lines-1"')  # at the paid line

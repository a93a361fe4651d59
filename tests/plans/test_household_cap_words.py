"""The household cap's finding counts the children the cap was made of, in words that
agree with the number (one child, two children, none), in English and Danish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from reintegration.domain.budget import TOTAL_MAX, BudgetLine, Child, Person, Plan, check_plan
from reintegration.plans.findings import message

DAY = date(2026, 6, 1)


def _total_message(app, children: int, locale: str) -> str:
    kids = tuple(Child(date_of_birth=date(2015, 1, 1), lives_in="home_country") for _ in range(children))
    plan = Plan(person=Person(date_of_birth=date(1990, 1, 1)), children=kids, reference_date=DAY,
                lines=(BudgetLine(kind="in_kind", amount_dkk=Decimal("100000.00"), month=1),))
    check = check_plan(plan, app.extensions["rate_tables"], DAY)
    [finding] = [f for f in check.findings if f.rule == TOTAL_MAX]
    with app.test_request_context("/"), force_locale(locale):
        return message(finding, check).replace("\xa0", " ")


@pytest.mark.parametrize("children, locale, ending", [
    (0, "en", "exceed the household cap of DKK 40,000.00 (the adult rate)."),
    (1, "en", "exceed the household cap of DKK 49,000.00 (the adult rate plus 1 minor child)."),
    (2, "en", "exceed the household cap of DKK 58,000.00 (the adult rate plus 2 minor children)."),
    (0, "da", "overstiger husstandens loft på 40.000,00 kr. (voksensatsen)."),
    (1, "da", "overstiger husstandens loft på 49.000,00 kr. (voksensatsen plus 1 mindreårigt barn)."),
    (2, "da", "overstiger husstandens loft på 58.000,00 kr. (voksensatsen plus 2 mindreårige børn)."),
])
def test_the_cap_names_its_children_in_agreeing_words(app, children, locale, ending):
    assert _total_message(app, children, locale).endswith(ending)

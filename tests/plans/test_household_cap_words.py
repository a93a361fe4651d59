"""The household cap's finding counts the children the cap was made of, in words that
agree with the number (one child, two children, none), in English and Danish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from reintegration.domain.budget import CASH_MAX, TOTAL_MAX, BudgetLine, Child, Person, Plan, check_plan
from reintegration.plans.findings import message

DAY = date(2026, 6, 1)


def _message(app, children: int, locale: str, rule: str = TOTAL_MAX, kind: str = "in_kind",
             amount: str = "100000.00") -> str:
    """The ``rule`` finding's words for a household of ``children`` minor children and
    one line of ``amount``."""
    kids = tuple(Child(date_of_birth=date(2015, 1, 1), lives_in="home_country") for _ in range(children))
    plan = Plan(person=Person(date_of_birth=date(1990, 1, 1)), children=kids, reference_date=DAY,
                lines=(BudgetLine(kind=kind, amount_dkk=Decimal(amount), month=1),))
    check = check_plan(plan, app.extensions["rate_tables"], DAY)
    [finding] = [f for f in check.findings if f.rule == rule]
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
    assert _message(app, children, locale).endswith(ending)


@pytest.mark.parametrize("children, locale, ending", [
    (1, "en", "exceeds the provider cash rate of DKK 20,000.00."),
    (0, "en", "exceeds the cash rate of DKK 10,000.00 for a person who is not a provider."),
    # The Danish amount ends in "kr.": a sentence ending with it gets no second full stop.
    (1, "da", "overstiger satsen for kontanter på 20.000,00 kr. for en person, der er forsørger."),
    (0, "da", "overstiger satsen for kontanter på 10.000,00 kr. for en person, der ikke er forsørger."),
])
def test_the_cash_finding_ends_its_sentence_once(app, children, locale, ending):
    said = _message(app, children, locale, rule=CASH_MAX, kind="cash", amount="30000.00")
    assert said.endswith(ending) and ".." not in said


@pytest.mark.parametrize("locale, text", [
    ("en", "Child 1 is 18 or older on Jun 1, 2026 and is not counted in the caps."),
    # Not "er fyldt 18 den …", which reads as the child's 18th birthday falling on that day.
    ("da", "Barn 1 er 18 år eller ældre den 1. jun. 2026 og tælles ikke med i lofterne."),
])
def test_an_adult_child_is_said_to_be_18_or_older_on_the_day(app, locale, text):
    from reintegration.domain.budget import CHILD_NOT_MINOR

    plan = Plan(person=Person(date_of_birth=date(1970, 1, 1)), reference_date=DAY,
                children=(Child(date_of_birth=date(2000, 1, 1), lives_in="home_country"),),
                lines=(BudgetLine(kind="in_kind", amount_dkk=Decimal("100.00"), month=1),))
    check = check_plan(plan, app.extensions["rate_tables"], DAY)
    [finding] = [f for f in check.findings if f.rule == CHILD_NOT_MINOR]
    with app.test_request_context("/"), force_locale(locale):
        assert message(finding, check).replace("\xa0", " ") == text

"""Amounts as people type them: Danish ``12.500,50`` or English ``12,500.50``, with or
without "kr."; never a typo read as money (``1e5`` is not 100,000 kr.)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, strategies as st

from reintegration.i18n import AmountError, parse_amount


@pytest.mark.parametrize("text, locale, value", [
    ("12.500,50", "da", "12500.50"), ("12500", "da", "12500"), ("1.000.000", "da", "1000000"),
    ("12 500,50", "da", "12500.50"), ("100 kr.", "da", "100"), ("kr. 100", "da", "100"), ("DKK 100", "da", "100"),
    ("40.000,00", "da", "40000.00"), ("40.000,01", "da", "40000.01"), ("0,5", "da", "0.5"),
    ("12,500.50", "en", "12500.50"), ("40,000.01", "en", "40000.01"), ("-100", "da", "-100"),
])
def test_what_people_type_is_read_exactly(text, locale, value):
    assert parse_amount(text, locale) == Decimal(value)


@pytest.mark.parametrize("text", ["1e5", "1E5", "1_000", "٣٠٠", "12x", "NaN", "Infinity", "0x10", "1,2,3,4", "--1",
                                  "12.50", ",", "."])
def test_what_is_not_an_amount_is_refused_not_guessed(text):
    with pytest.raises(AmountError):
        parse_amount(text, "da")


@given(st.decimals(min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=2, allow_nan=False,
                   allow_infinity=False), st.sampled_from(["da", "en"]))
def test_an_amount_as_shown_is_read_back_as_itself(value, locale):
    shown = format_decimal(value, format="#,##0.00", locale=locale)
    assert parse_amount(shown, locale) == value


def _forms_with_amounts():
    """Every form class of the application with an amount field, and those fields' names."""
    import importlib
    import pkgutil

    from wtforms import Form

    import reintegration
    from reintegration.forms import AmountField

    for module in pkgutil.walk_packages(reintegration.__path__, "reintegration."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = {}, list(Form.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        names = [name for name in dir(form) if getattr(getattr(form, name), "field_class", None) is AmountField]
        if names and form.__module__.startswith("reintegration."):
            found[form] = names
    return found


def test_every_amount_field_opens_the_number_keypad(app):
    """A phone opens its number keypad, with a decimal separator, on every amount field,
    staff and partner forms alike, without each template remembering to ask; a template
    may still ask for another keypad. Not ``type="number"``: it refuses ``12.500,50``."""
    forms = _forms_with_amounts()
    assert {form.__name__ for form in forms} >= {"DisbursementForm", "PlanForm", "LineForm"}, forms
    with app.test_request_context():
        for form_class, names in forms.items():
            form = form_class(meta={"csrf": False})
            for name in names:
                html = str(form[name]())
                assert 'inputmode="decimal"' in html and 'type="text"' in html, (form_class.__name__, name)
        name = next(iter(forms.values()))[0]
        assert 'inputmode="numeric"' in str(next(iter(forms))(meta={"csrf": False})[name](inputmode="numeric"))

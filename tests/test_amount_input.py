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

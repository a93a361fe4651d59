from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reintegration.domain.money import (at_most_decimals, dkk, fmt_plain, from_ore, has_more_decimals_than,
                                       has_more_than_two_decimals, parse_plain, to_ore)


def test_dkk_rounds_half_up_to_ore():
    assert dkk("2.345") == Decimal("2.35")
    assert dkk(7) == Decimal("7.00")
    assert str(dkk(Decimal("1E+3"))) == "1000.00"


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        dkk(0.1)
    with pytest.raises(TypeError):
        fmt_plain(0.1)
    with pytest.raises(TypeError):
        to_ore(0.1)
    with pytest.raises(TypeError):
        from_ore(1.0)


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_ore_round_trip(ore):
    amount = from_ore(ore)
    assert not has_more_than_two_decimals(amount)
    assert to_ore(amount) == ore


def test_to_ore_refuses_a_fraction_of_an_ore():
    with pytest.raises(ValueError):
        to_ore(Decimal("1.005"))
    assert to_ore(Decimal("1.500")) == 150


def test_fmt_plain_has_exactly_two_decimals():
    assert fmt_plain(Decimal("40000")) == "40000.00"
    assert fmt_plain(Decimal("0.5")) == "0.50"
    assert fmt_plain(Decimal("1E+5")) == "100000.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.500", False), ("1.505", True), ("0.001", True), ("5", False), ("1E+40", False), ("1E-10", True),
     ("1234567890123456789012345678.001", True), ("1234567890123456789012345678.000", False)],
)
def test_more_than_two_decimals_is_about_value_not_notation(text, expected):
    assert has_more_than_two_decimals(Decimal(text)) is expected


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=8),
       st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=6))
def test_decimals_are_read_by_value_and_trailing_zeros_dropped_to_fit(units, scale, zeros, places):
    """An exchange rate (six decimals) or a local amount (two) in a plan file: a number
    whose value fits ``places`` fits, however many trailing zeros are written, and is
    kept with at most ``places`` decimals, the same value."""
    value = Decimal(units).scaleb(-scale)
    written = Decimal(f"{value:f}" + ("0" * zeros if "." in f"{value:f}" else "." + "0" * zeros if zeros else ""))
    assert written == value
    fits = value == value.quantize(Decimal(1).scaleb(-places))
    assert has_more_decimals_than(written, places) is not fits
    if fits:
        kept = at_most_decimals(written, places)
        assert kept == value and kept.as_tuple().exponent >= -places
    else:
        with pytest.raises(ValueError):
            at_most_decimals(written, places)


@pytest.mark.parametrize("text", ["0", "12.50", "-3.25", "+7", "000123.4", "0.001"])
def test_parse_plain_accepts_plain_decimals(text):
    assert parse_plain(text) == Decimal(text)


@pytest.mark.parametrize(
    "text", ["", "-", "12,5x", "1e5", "NaN", "Infinity", " 1.00", "1.00 ", "1.", ".5", "1_000", "١٢", "--1", "0x10"]
)
def test_parse_plain_refuses_anything_else(text):
    with pytest.raises(ValueError, match="not a decimal number"):
        parse_plain(text)


def test_parse_plain_refuses_huge_numbers():
    assert parse_plain("999999999999999.99") == Decimal("999999999999999.99")
    assert parse_plain("0000000000000000001") == 1  # leading zeros do not count
    with pytest.raises(ValueError, match="out of range"):
        parse_plain("9999999999999999")


@pytest.mark.parametrize("amount", ["-0.001", "-0.00", "-0.004", "-0E-7"])
def test_a_zero_amount_is_never_negative_zero(amount):
    """PLAN_FORMAT: amounts are strings with two decimals. A negative amount that rounds to
    nothing is 0.00, not "-0.00", which a reader comparing strings takes for another sum."""
    assert fmt_plain(Decimal(amount)) == "0.00"
    assert str(dkk(Decimal(amount))) == "0.00"
    assert fmt_plain(Decimal("-0.005")) == "-0.01"  # half up, away from zero, as before

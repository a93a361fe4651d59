"""Danish kroner as exact decimals.

Money is a ``Decimal`` in kroner (or an integer number of øre in storage), never a float:
a budget that is exactly at its cap must compare equal to the cap.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# Plain decimal text is checked by hand rather than by Decimal(): Decimal() also accepts
# "1e5", "NaN", "Infinity", surrounding whitespace and non-ASCII digits, none of which a
# plan or rate file may contain.
_DIGITS = frozenset("0123456789")

# No budget comes near a billion kroner; refusing longer numbers keeps every sum well
# inside Decimal's 28 significant digits, so totals never round.
MAX_INTEGER_DIGITS = 15


def dkk(value: Decimal | int | str) -> Decimal:
    """``value`` in kroner, rounded half up to øre."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal, an int or a string")
    return _no_negative_zero(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def to_ore(amount: Decimal) -> int:
    """Whole øre for storage; an amount with a fraction of an øre cannot be stored."""
    _require_decimal(amount)
    if has_more_than_two_decimals(amount):
        raise ValueError(f"more than two decimals: {amount}")
    return int(amount.scaleb(2))


def from_ore(ore: int) -> Decimal:
    """Kroner with two decimals from whole øre."""
    if not isinstance(ore, int) or isinstance(ore, bool):
        raise TypeError(f"øre must be an int, not {type(ore).__name__}")
    return Decimal(ore).scaleb(-2)


def fmt_plain(amount: Decimal) -> str:
    """Machine-readable amount with exactly two decimals, e.g. ``1250.50``."""
    _require_decimal(amount)
    return str(_no_negative_zero(amount.quantize(CENT, rounding=ROUND_HALF_UP)))


def has_more_than_two_decimals(amount: Decimal) -> bool:
    """True when ``amount`` is not a whole number of øre (``1.500`` is; ``1.505`` is not)."""
    return has_more_decimals_than(amount, 2)


def has_more_decimals_than(number: Decimal, places: int) -> bool:
    """True when ``number``'s value needs more than ``places`` decimals: it is read by its
    value, as the budget check reads an amount, so trailing zeros do not count
    (``0.004500000`` has four; ``1.505`` has three)."""
    if not number.is_finite():
        raise ValueError(f"not a finite number: {number}")
    step = CENT if places == 2 else Decimal(1).scaleb(-places)
    try:
        return number.quantize(step) != number  # the fast way: checked once per budget line
    except InvalidOperation:
        # Too many digits to quantize within the context's precision: read the digits.
        _, digits, exponent = number.as_tuple()
        return any(digits[max(0, len(digits) + exponent + places) :])


def at_most_decimals(number: Decimal, places: int) -> Decimal:
    """``number`` written with at most ``places`` decimals, its value unchanged: the
    trailing zeros beyond them dropped (``0.004500000`` -> ``0.004500``). Only for a number
    whose value :func:`has_more_decimals_than` says fits."""
    if number.as_tuple().exponent >= -places:
        return number
    shorter = number.quantize(CENT if places == 2 else Decimal(1).scaleb(-places))
    if shorter != number:
        raise ValueError(f"more than {places} decimals: {number}")
    return shorter


def parse_plain(text: str) -> Decimal:
    """A decimal written plainly: optional sign, ASCII digits, optionally '.' and digits.

    Raises ``ValueError`` saying what is wrong; the caller adds where and what was given.
    """
    unsigned = text[1:] if text[:1] in ("-", "+") else text
    whole, dot, fraction = unsigned.partition(".")
    if not whole or not _DIGITS.issuperset(whole) or (dot and not fraction) or not _DIGITS.issuperset(fraction):
        raise ValueError("not a decimal number")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValueError("out of range")
    return Decimal(text)


def _no_negative_zero(amount: Decimal) -> Decimal:
    """``-0.00`` (what ``-0.001`` rounds to) as ``0.00``: no sum is ever shown as "-0.00"."""
    return abs(amount) if amount.is_zero() else amount


def _require_decimal(amount: object) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")

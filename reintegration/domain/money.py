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
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


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
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def has_more_than_two_decimals(amount: Decimal) -> bool:
    """True when ``amount`` is not a whole number of øre (``1.500`` is; ``1.505`` is not)."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    try:
        return amount.quantize(CENT) != amount  # the fast way: checked once per budget line
    except InvalidOperation:
        # Too many digits to quantize within the context's precision: read the digits.
        _, digits, exponent = amount.as_tuple()
        return any(digits[max(0, len(digits) + exponent + 2) :])


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


def _require_decimal(amount: object) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")

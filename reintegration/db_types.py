"""Column types that keep money exact.

Amounts are stored as integer øre (never a float, in SQLite or PostgreSQL) and come
back as ``Decimal`` kroner; exchange rates and local-currency amounts are stored as
decimal text so that no precision is lost in either database.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, String
from sqlalchemy.types import TypeDecorator

from .domain.money import from_ore, to_ore


class Kroner(TypeDecorator):
    """Decimal kroner in Python, integer øre in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_ore(Decimal(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_ore(int(value))


class ExactDecimal(TypeDecorator):
    """A Decimal stored as its exact text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError("not a finite decimal")
        return format(value, "f")

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)

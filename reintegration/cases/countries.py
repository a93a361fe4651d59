"""Country names in the reader's language, from the CLDR data Babel ships."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from ..i18n import language

# Two-letter CLDR territories that are not countries one returns to.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AQ"})


@lru_cache(maxsize=4)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices() -> tuple[tuple[str, str], ...]:
    """``(ISO code, localized name)`` for every country, sorted by name."""
    return _countries(language())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _names(language()).get(code, code)


@lru_cache(maxsize=4)
def _names(locale: str) -> dict[str, str]:
    return dict(_countries(locale))

"""Rate tables: every figure the budget rules use, read from ``rates/*.toml``.

The figures change with each strategy period, so they live in files an administrator
edits (see ``rates/README.md``), each with the passage of the source it rests on. A file
is checked completely when it is loaded, so the rules never meet a half-valid table.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from .money import has_more_than_two_decimals, parse_plain

FIGURES = ("adult_total", "cash_non_provider", "cash_provider", "child_in_kind", "child_cash")
PROGRAMME_SETTINGS = (
    "period_months",
    "followup_months",
    "overdue_after_days",
    "reflection_days",
    "reflection_max_days",
)
_TOP_LEVEL_KEYS = frozenset(("id", "version", "title", "valid_from", "valid_to", "figures", "programme"))
_FIGURE_KEYS = frozenset(("amount", "source", "interpretation"))
_SETTING_KEYS = frozenset(("value", "source", "interpretation"))
_SETTING_MINIMUM = {"overdue_after_days": 0}  # the others must be at least 1
# The languages a source or an interpretation may be written in, as a table of both
# (``{ da = "...", en = "..." }``); a plain string reads the same in every language.
TEXT_LANGUAGES = ("da", "en")
_EVERY_LANGUAGE = ""


class RateTableError(Exception):
    """A rate file that cannot be used, naming the file and the key at fault."""

    def __init__(self, path: str, key: str, message: str) -> None:
        self.path = path
        self.key = key
        self.message = message
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class RateTable:
    """The rates valid in one period, with their sources; amounts are maximums in DKK."""

    id: str
    version: int
    title: str
    valid_from: date
    valid_to: date
    adult_total: Decimal
    cash_non_provider: Decimal
    cash_provider: Decimal
    child_in_kind: Decimal
    child_cash: Decimal
    # Per key: its text by language (``TEXT_LANGUAGES``; "" for a plain string). Read
    # them with ``source()`` and ``interpretation()``.
    sources: Mapping[str, Mapping[str, str]] = field(hash=False)
    interpretations: Mapping[str, Mapping[str, str]] = field(hash=False)
    period_months: int
    followup_months: tuple[int, ...]
    overdue_after_days: int
    reflection_days: int
    reflection_max_days: int
    path: str
    # The file's text as read: a decision keeps it, so that its approval package shows
    # the figures it was approved on after the file is corrected (a new version).
    document: str = field(default="", compare=False, repr=False)

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def amount(self, figure: str) -> Decimal:
        """The amount of one of ``FIGURES``, by key."""
        if figure not in FIGURES:
            raise KeyError(figure)
        return getattr(self, figure)

    def source(self, key: str, language: str) -> str:
        """The passage a figure or setting rests on, in ``language`` where the file gives it."""
        return _in_language(self.sources[key], language)

    def interpretation(self, key: str, language: str) -> str | None:
        """How an ambiguous source is read, in ``language`` where the file gives it; None if
        the file says nothing."""
        texts = self.interpretations.get(key)
        return _in_language(texts, language) if texts else None

    @staticmethod
    def cash_figure(provider: bool) -> str:
        """The key of the cash rate that applies: providers get the higher one."""
        return "cash_provider" if provider else "cash_non_provider"


def _in_language(texts: Mapping[str, str], language: str) -> str:
    if language in texts:
        return texts[language]
    return texts.get(_EVERY_LANGUAGE) or texts[TEXT_LANGUAGES[0]]


@dataclass(frozen=True, slots=True)
class RateTables:
    """All known rate tables, in order of validity; their periods never overlap."""

    tables: tuple[RateTable, ...]

    def __post_init__(self) -> None:
        by_start = tuple(sorted(self.tables, key=lambda table: table.valid_from))
        for earlier, later in zip(by_start, by_start[1:]):
            if later.valid_from <= earlier.valid_to:
                raise RateTableError(
                    later.path,
                    "valid_from",
                    f"{later.valid_from} overlaps {earlier.path}, valid {earlier.valid_from} to {earlier.valid_to}",
                )
        object.__setattr__(self, "tables", by_start)  # frozen; iteration is in order of validity

    def for_date(self, day: date) -> RateTable | None:
        """The table valid on ``day``, if any."""
        for table in self.tables:
            if table.is_valid_on(day):
                return table
        return None

    def get(self, table_id: str) -> RateTable | None:
        for table in self.tables:
            if table.id == table_id:
                return table
        return None

    def latest(self) -> RateTable | None:
        """The table that starts last: the one new plans are usually drafted against."""
        return max(self.tables, key=lambda table: table.valid_from, default=None)

    def __iter__(self) -> Iterator[RateTable]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)


def default_rates_dir() -> Path:
    """The project's ``rates/`` folder, beside the ``reintegration`` package."""
    return Path(__file__).resolve().parents[2] / "rates"


def load_rate_tables(directory: Path) -> RateTables:
    """Every ``*.toml`` table in ``directory``, checked, in order of validity."""
    if not directory.is_dir():
        raise RateTableError(str(directory), "", "not a directory")
    return RateTables(tuple(load_rate_table(path) for path in sorted(directory.glob("*.toml"))))


def load_rate_table(path: Path) -> RateTable:
    """One rate file, checked key by key; raises ``RateTableError`` on the first fault."""
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise RateTableError(name, "", f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RateTableError(name, "", "not UTF-8 text") from None
    return parse_rate_table(text, path)


def parse_rate_table(text: str, path: Path | str) -> RateTable:
    """A table from a rate file's text (``RateTable.document``), checked as a file is;
    ``path`` names it in errors, and its stem must be the table's id."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RateTableError(str(path), "", f"not TOML: {error}") from None
    return _TableReader(Path(path)).read(data, text)


class _TableReader:
    """Reads one parsed file, so that every error names the file and the full key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, data: dict, text: str = "") -> RateTable:
        self.no_unknown_keys(data, _TOP_LEVEL_KEYS, "")
        table_id = self.text(data, "id")
        if table_id != self.path.stem:
            self.fail("id", f"must be the file name without .toml, {self.path.stem!r}: {table_id!r}")
        version = self.whole_number(data, "version", minimum=1)
        title = self.text(data, "title")
        valid_from = self.date(data, "valid_from")
        valid_to = self.date(data, "valid_to")
        if valid_to < valid_from:
            self.fail("valid_to", f"{valid_to} is before valid_from {valid_from}")

        sources: dict[str, Mapping[str, str]] = {}
        interpretations: dict[str, Mapping[str, str]] = {}
        figures = self.section(data, "figures", FIGURES)
        amounts = {}
        for key in FIGURES:
            where = f"figures.{key}"
            entry = self.section(figures, key, _FIGURE_KEYS, where)
            amounts[key] = self.amount(entry, f"{where}.amount")
            self.read_source(entry, key, where, sources, interpretations)

        programme = self.section(data, "programme", PROGRAMME_SETTINGS)
        settings = {}
        for key in PROGRAMME_SETTINGS:
            where = f"programme.{key}"
            entry = self.section(programme, key, _SETTING_KEYS, where)
            if key == "followup_months":
                settings[key] = self.month_list(entry, f"{where}.value")
            else:
                minimum = _SETTING_MINIMUM.get(key, 1)
                settings[key] = self.whole_number(entry, "value", minimum, f"{where}.value")
            self.read_source(entry, key, where, sources, interpretations)
        self.check_programme(settings)

        return RateTable(
            id=table_id,
            version=version,
            title=title,
            valid_from=valid_from,
            valid_to=valid_to,
            **amounts,
            sources=MappingProxyType(sources),
            interpretations=MappingProxyType(interpretations),
            **settings,
            path=str(self.path),
            document=text,
        )

    def check_programme(self, settings: dict) -> None:
        period = settings["period_months"]
        if settings["followup_months"][-1] > period:
            self.fail("programme.followup_months.value", f"months must lie within period_months ({period})")
        if settings["reflection_max_days"] < settings["reflection_days"]:
            minimum = settings["reflection_days"]
            self.fail("programme.reflection_max_days.value", f"less than reflection_days ({minimum})")

    def read_source(self, entry: dict, key: str, where: str, sources: dict, interpretations: dict) -> None:
        sources[key] = self.local_text(entry, "source", f"{where}.source")
        if "interpretation" in entry:
            interpretations[key] = self.local_text(entry, "interpretation", f"{where}.interpretation")

    def local_text(self, entry: dict, key: str, where: str) -> Mapping[str, str]:
        """A plain string (every language) or a table with the text in each of
        ``TEXT_LANGUAGES``."""
        value = self.take(entry, key, where)
        if isinstance(value, dict):
            self.no_unknown_keys(value, TEXT_LANGUAGES, where)
            return MappingProxyType({language: self.text(value, language, f"{where}.{language}")
                                     for language in TEXT_LANGUAGES})
        if not isinstance(value, str):
            self.fail(where, f"must be a non-empty string or a table of {' and '.join(TEXT_LANGUAGES)}")
        return MappingProxyType({_EVERY_LANGUAGE: self.text(entry, key, where)})

    def fail(self, key: str, message: str) -> NoReturn:
        raise RateTableError(str(self.path), key, message)

    def take(self, data: dict, key: str, where: str) -> object:
        """``data[key]``; ``where`` is the full key path for the error if it is missing."""
        if key not in data:
            self.fail(where, "missing")
        return data[key]

    def no_unknown_keys(self, data: dict, allowed: frozenset[str] | tuple[str, ...], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(f"{prefix}.{key}" if prefix else key, "unknown key")

    def section(self, data: dict, key: str, allowed: frozenset[str] | tuple[str, ...], where: str = "") -> dict:
        where = where or key
        value = self.take(data, key, where)
        if not isinstance(value, dict):
            self.fail(where, "must be a table")
        self.no_unknown_keys(value, allowed, where)
        return value

    def text(self, data: dict, key: str, where: str = "") -> str:
        where = where or key
        value = self.take(data, key, where)
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "must be a non-empty string")
        return value

    def whole_number(self, data: dict, key: str, minimum: int, where: str = "") -> int:
        where = where or key
        value = self.take(data, key, where)
        if type(value) is not int or value < minimum:
            self.fail(where, f"must be a whole number of at least {minimum}: {value!r}")
        return value

    def date(self, data: dict, key: str) -> date:
        value = self.take(data, key, key)
        if type(value) is not date:  # a datetime is a date too, but not a valid day
            self.fail(key, f"must be a date written as YYYY-MM-DD without quotes: {value!r}")
        return value

    def amount(self, entry: dict, where: str) -> Decimal:
        value = self.take(entry, "amount", where)
        if not isinstance(value, str):
            self.fail(where, f'must be a decimal string such as "1250.50": {value!r}')
        try:
            amount = parse_plain(value)
        except ValueError as error:
            self.fail(where, f"{error}: {value!r}")
        if amount < 0:
            self.fail(where, f"negative: {value!r}")
        if has_more_than_two_decimals(amount):
            self.fail(where, f"more than two decimals: {value!r}")
        return amount

    def month_list(self, entry: dict, where: str) -> tuple[int, ...]:
        value = self.take(entry, "value", where)
        months = tuple(value) if isinstance(value, list) else ()
        whole = all(type(month) is int for month in months)
        if not months or not whole or months[0] < 1 or list(months) != sorted(set(months)):
            self.fail(where, f"must be a list of increasing months from 1: {value!r}")
        return months

"""Rate files: the shipped table, and every way an administrator's edit can go wrong."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reintegration.domain.rates import (
    FIGURES,
    PROGRAMME_SETTINGS,
    RateTableError,
    default_rates_dir,
    load_rate_tables,
    parse_rate_table,
)

SHIPPED = default_rates_dir() / "2026-2029.toml"
# The overdue setting's source as the shipped file writes it, in both languages.
OVERDUE_SOURCE = ('source.da = """\nStår ikke i kildeteksten: programmets indstilling.\\\n"""\n'
                  'source.en = """\nNot stated in the seed: programme setting.\\\n"""')


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_with(*replacements: tuple[str, str]) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def load_error(tmp_path: Path, text: str, name: str = "2026-2029.toml") -> str:
    path = write(tmp_path, name, text)
    with pytest.raises(RateTableError) as raised:
        load_rate_tables(tmp_path)
    assert raised.value.path == str(path)
    return str(raised.value)


def test_shipped_table_has_every_figure_with_its_source():
    tables = load_rate_tables(default_rates_dir())
    table = tables.get("2026-2029")
    assert table is not None and tables.latest() is table and list(tables) == [table]
    assert (table.version, table.valid_from, table.valid_to) == (1, date(2026, 1, 1), date(2029, 12, 31))
    assert table.adult_total == Decimal("40000.00")
    assert (table.cash_non_provider, table.cash_provider) == (Decimal("10000.00"), Decimal("20000.00"))
    assert (table.child_in_kind, table.child_cash) == (Decimal("9000.00"), Decimal("0.00"))
    assert (table.period_months, table.followup_months) == (12, (1, 3, 6, 12))
    assert (table.overdue_after_days, table.reflection_days, table.reflection_max_days) == (14, 30, 120)
    assert set(table.sources) == set(FIGURES) | set(PROGRAMME_SETTINGS)
    assert {"cash_non_provider", "cash_provider", "child_cash", "followup_months"} <= set(table.interpretations)
    # Every source and interpretation in Danish and English; the quoted passage is the same.
    for key in table.sources:
        assert set(table.sources[key]) == {"da", "en"}, key
    for key in table.interpretations:
        assert set(table.interpretations[key]) == {"da", "en"}, key
    quote = '"Støtten per voksen udgør samlet op 40.000 kr."'
    assert quote in table.source("adult_total", "da") and "linje 825-830 i kildeteksten" in table.source("adult_total", "da")
    assert quote in table.source("adult_total", "en") and "seed lines 825-830" in table.source("adult_total", "en")
    assert table.interpretation("cash_provider", "da").startswith("Kontantsatsen er en del af de 40.000 kr.")
    assert table.interpretation("cash_provider", "en").startswith("The cash rate is part of the 40,000 kr.")
    assert table.interpretation("reflection_days", "da") is None


def test_a_plain_string_reads_the_same_in_every_language(tmp_path):
    """A table as earlier files (and the documents decisions keep) wrote it: one text."""
    text = shipped_with((OVERDUE_SOURCE, 'source = "Programme setting."'))
    table = parse_rate_table(text, "2026-2029.toml")
    assert table.source("overdue_after_days", "da") == table.source("overdue_after_days", "en") == "Programme setting."


def test_for_date_covers_the_validity_period_inclusively():
    tables = load_rate_tables(default_rates_dir())
    assert tables.for_date(date(2026, 1, 1)).id == "2026-2029"
    assert tables.for_date(date(2029, 12, 31)).id == "2026-2029"
    assert tables.for_date(date(2025, 12, 31)) is None
    assert tables.for_date(date(2030, 1, 1)) is None
    assert tables.get("1999") is None


def test_a_bad_amount_names_file_key_and_value(tmp_path):
    text = shipped_with(('amount = "20000.00"', 'amount = "abc"'))
    path = tmp_path / "2026-2029.toml"
    assert load_error(tmp_path, text) == f"{path}: figures.cash_provider.amount: not a decimal number: 'abc'"


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        (('amount = "9000.00"', ""), "figures.child_in_kind.amount: missing"),
        (('amount = "9000.00"', 'amount = "9000.001"'), "figures.child_in_kind.amount: more than two decimals"),
        (('amount = "9000.00"', 'amount = "-9000.00"'), "figures.child_in_kind.amount: negative"),
        (('amount = "9000.00"', "amount = 9000.0"), "figures.child_in_kind.amount: must be a decimal string"),
        (('amount = "9000.00"', 'amount = "1e4"'), "figures.child_in_kind.amount: not a decimal number: '1e4'"),
        (("version = 1", 'version = "1"'), "version: must be a whole number"),
        (("version = 1", "version = 1\ncolour = 1"), "colour: unknown key"),
        (('amount = "9000.00"', 'amount = "9000.00"\nnote = 1'), "figures.child_in_kind.note: unknown key"),
        (("valid_to = 2029-12-31", "valid_to = 2025-12-31"), "valid_to: 2025-12-31 is before valid_from 2026-01-01"),
        (("valid_from = 2026-01-01", "valid_from = 2026-01-01T00:00:00"), "valid_from: must be a date"),
        (('id = "2026-2029"', 'id = "2026"'), "id: must be the file name without .toml"),
        (("value = [1, 3, 6, 12]", "value = [1, 6, 3, 12]"), "programme.followup_months.value: must be a list"),
        (("value = [1, 3, 6, 12]", "value = [1, 3, 6, 13]"), "programme.followup_months.value: months must lie"),
        (("value = 120", "value = 20"), "programme.reflection_max_days.value: less than reflection_days (30)"),
        (('[figures.child_cash]', '[figures.child_cash_per_month]'), "figures.child_cash_per_month: unknown key"),
        (('"Takster for reintegrationsstøtte til ofre for menneskehandel 2026-2029"', '"  "'),
         "title: must be a non-empty string"),
        (("interpretation.da = \"\"\"\nEt maksimum", "interpretation.de = \"\"\"\nEt maksimum"),
         "figures.adult_total.interpretation.de: unknown key"),
        (('source.en = """\nNot stated in the seed: programme setting.\\\n"""', ""),
         "programme.overdue_after_days.source.en: missing"),
        (('source.da = """\nStår ikke i kildeteksten: programmets indstilling.\\\n"""', 'source.da = "  "'),
         "programme.overdue_after_days.source.da: must be a non-empty string"),
        ((OVERDUE_SOURCE, "source = 14"),
         "programme.overdue_after_days.source: must be a non-empty string or a table of da and en"),
    ],
)
def test_every_mistake_is_named(tmp_path, replacement, expected):
    message = load_error(tmp_path, shipped_with(replacement))
    assert expected in message


def test_a_file_that_is_not_toml(tmp_path):
    assert ": not TOML: " in load_error(tmp_path, shipped_with(('id = "2026-2029"', "id = ")))


def test_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "2026-2029.toml").write_bytes(b"id = \"\xff\"\n")
    with pytest.raises(RateTableError, match="not UTF-8 text"):
        load_rate_tables(tmp_path)


def test_overlapping_tables_name_both_files(tmp_path):
    write(tmp_path, "2026-2029.toml", SHIPPED.read_text(encoding="utf-8"))
    later = write(
        tmp_path,
        "2029-2032.toml",
        shipped_with(('id = "2026-2029"', 'id = "2029-2032"'), ("valid_from = 2026-01-01", "valid_from = 2029-12-31"),
                     ("valid_to = 2029-12-31", "valid_to = 2032-12-31")),
    )
    with pytest.raises(RateTableError) as raised:
        load_rate_tables(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{later}: valid_from: ")
    assert str(tmp_path / "2026-2029.toml") in message


def test_consecutive_tables_each_cover_their_period(tmp_path):
    write(tmp_path, "2026-2029.toml", SHIPPED.read_text(encoding="utf-8"))
    write(
        tmp_path,
        "2030-2033.toml",
        shipped_with(('id = "2026-2029"', 'id = "2030-2033"'), ("valid_from = 2026-01-01", "valid_from = 2030-01-01"),
                     ("valid_to = 2029-12-31", "valid_to = 2033-12-31"),
                     ('amount = "40000.00"', 'amount = "42000.00"')),
    )
    tables = load_rate_tables(tmp_path)
    assert [table.id for table in tables] == ["2026-2029", "2030-2033"]
    assert tables.for_date(date(2031, 5, 1)).adult_total == Decimal("42000.00")
    assert tables.latest().id == "2030-2033"


def test_a_missing_directory(tmp_path):
    with pytest.raises(RateTableError, match="not a directory"):
        load_rate_tables(tmp_path / "nowhere")


def test_an_empty_directory_has_no_tables(tmp_path):
    tables = load_rate_tables(tmp_path)
    assert len(tables) == 0 and tables.latest() is None

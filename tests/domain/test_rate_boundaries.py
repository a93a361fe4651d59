"""The amount rules of DOMAIN.md ("The rates") at every boundary, against an oracle
written from DOMAIN.md itself rather than from ``household_caps``:

- cash      <= (cash_provider if any minor child else cash_non_provider) + child_cash x minors
- cash + in-kind <= adult_total + (child_in_kind + child_cash) x minors
- a child counts while under 18 on the reference date (the planned or actual return,
  else the day of checking); on the 18th birthday it no longer does;
- unaccompanied minors get the adult rates: the person's own age plays no part;
- the table valid on the reference date applies, both of its days included;
- amounts in whole øre: exactly at a cap is allowed, one øre more is not.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from reintegration.domain.budget import (
    Activity,
    BudgetLine,
    Child,
    Person,
    Plan,
    check_plan,
    is_minor_on,
)
from reintegration.domain.money import from_ore
from reintegration.domain.rates import RateTables, default_rates_dir, load_rate_tables

SHIPPED = default_rates_dir() / "2026-2029.toml"
TABLES = load_rate_tables(default_rates_dir())
TABLE = TABLES.get("2026-2029")
ONE_ORE = Decimal("0.01")
ADULT = Person(date_of_birth=date(1991, 3, 14))
ACTIVITY = Activity("business", "Tailoring workshop")

# The table's validity, so that every generated reference date has a table.
reference_dates = st.dates(TABLE.valid_from, TABLE.valid_to)
# A per-child cash rate is 0 in the shipped table; a set one must raise both caps.
child_cash_rates = st.sampled_from([Decimal("0.00"), Decimal("1500.00"), Decimal("0.01")])


def eighteenth_birthday(born: date) -> date:
    """The day a child stops being a minor. 29 February: 1 March when the year is not a
    leap year (the project's reading, budget.is_minor_on)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return date(born.year + 18, 3, 1)


def expected_caps(table, minors: int) -> tuple[Decimal, Decimal]:
    """DOMAIN.md's household caps, written out."""
    cash_rate = table.cash_provider if minors > 0 else table.cash_non_provider
    return (cash_rate + table.child_cash * minors,
            table.adult_total + (table.child_in_kind + table.child_cash) * minors)


def split(total_ore: int, cuts: list[int]) -> list[Decimal]:
    """``total_ore`` as amounts of at least one øre each that add up to exactly it."""
    points = sorted({cut % total_ore for cut in cuts if 0 < cut % total_ore})
    bounds = [0, *points, total_ore]
    return [from_ore(high - low) for low, high in zip(bounds, bounds[1:])]


@st.composite
def households(draw):
    """A reference date, a table (maybe with a per-child cash rate) and children: some
    minors, some 18 or older, perhaps one turning 18 on the reference date itself."""
    reference = draw(reference_dates)
    table = dataclasses.replace(TABLE, child_cash=draw(child_cash_rates))
    minors = draw(st.integers(0, 5))
    children = []
    for _ in range(minors):  # born up to the reference date, 18th birthday after it
        born = reference - timedelta(days=draw(st.integers(0, 18 * 365 - 1)))
        children.append(Child(born, "home_country"))
    for _ in range(draw(st.integers(0, 2))):  # 18 today, or older
        born = draw(st.dates(date(1970, 1, 1), reference))
        if eighteenth_birthday(born) <= reference:
            children.append(Child(born, "denmark"))
    counted = sum(1 for child in children if eighteenth_birthday(child.date_of_birth) > reference
                  and child.date_of_birth <= reference)
    order = draw(st.permutations(range(len(children))))
    return reference, table, tuple(children[i] for i in order), counted


def plan_of(reference, children, lines, person=ADULT):
    return Plan(person, tuple(children), ACTIVITY, tuple(lines), reference)


def errors(check):
    return [finding.rule for finding in check.findings if finding.severity == "error"]


def bumped(lines: list[BudgetLine], index: int) -> list[BudgetLine]:
    """The same lines with one øre more on line ``index``."""
    line = lines[index]
    return [*lines[:index], dataclasses.replace(line, amount_dkk=line.amount_dkk + ONE_ORE), *lines[index + 1:]]


@settings(max_examples=300)
@given(households(), st.lists(st.integers(1, 10**9), max_size=6), st.data())
def test_cash_exactly_at_the_cap_passes_and_one_ore_more_is_refused(household, cuts, data):
    reference, table, children, minors = household
    cash_cap, total_cap = expected_caps(table, minors)
    lines = [BudgetLine("cash", amount, data.draw(st.integers(1, 12))) for amount in split(int(cash_cap * 100), cuts)]

    at_cap = check_plan(plan_of(reference, children, lines), RateTables((table,)), reference)
    assert (at_cap.provider, at_cap.minor_children) == (minors > 0, minors)
    assert (at_cap.caps.cash, at_cap.caps.total) == (cash_cap, total_cap)
    assert at_cap.totals.cash == cash_cap
    assert errors(at_cap) == []

    over = check_plan(plan_of(reference, children, bumped(lines, data.draw(st.integers(0, len(lines) - 1)))),
                      RateTables((table,)), reference)
    assert errors(over) == ["cash.max"]  # the total cap is well above any cash cap
    [finding] = [f for f in over.findings if f.rule == "cash.max"]
    assert (finding.limit, finding.actual, finding.params["provider"]) == (cash_cap, cash_cap + ONE_ORE, minors > 0)


@settings(max_examples=300)
@given(households(), st.lists(st.integers(1, 10**9), max_size=6), st.data())
def test_cash_and_in_kind_exactly_at_the_household_total_passes_and_one_ore_more_is_refused(household, cuts, data):
    reference, table, children, minors = household
    cash_cap, total_cap = expected_caps(table, minors)
    cash_ore = data.draw(st.integers(1, int(cash_cap * 100)))
    lines = [BudgetLine("cash", amount, 1) for amount in split(cash_ore, cuts)]
    lines += [BudgetLine("in_kind", amount, 12) for amount in split(int(total_cap * 100) - cash_ore, cuts[::-1])]

    at_cap = check_plan(plan_of(reference, children, lines), RateTables((table,)), reference)
    assert at_cap.totals.total == total_cap
    assert errors(at_cap) == []
    assert at_cap.allocation.over == 0 and at_cap.allocation.left == 0

    # One øre more on an in-kind line is over the total only; on a cash line, over the
    # cash cap too exactly when the cash was already at it.
    index = data.draw(st.integers(0, len(lines) - 1))
    over = check_plan(plan_of(reference, children, bumped(lines, index)), RateTables((table,)), reference)
    cash_over = lines[index].kind == "cash" and cash_ore == int(cash_cap * 100)
    assert errors(over) == (["cash.max", "total.max"] if cash_over else ["total.max"])
    [finding] = [f for f in over.findings if f.rule == "total.max"]
    assert (finding.limit, finding.actual, finding.params["minor_children"]) == (total_cap, total_cap + ONE_ORE,
                                                                                  minors)


@given(st.dates(date(1990, 1, 1), date(2029, 12, 31)), st.dates(date(2008, 1, 1), date(2029, 12, 31)))
def test_a_child_is_a_minor_from_birth_until_the_day_before_the_18th_birthday(born, reference):
    assert is_minor_on(born, reference) is (born <= reference < eighteenth_birthday(born))


# Children whose 18th birthday, and the days either side of it, fall within the table's
# validity: the birthday, not a missing table, is what these tests vary.
turning_18_within_the_table = st.dates(date(2008, 1, 1), date(2011, 12, 31)).filter(
    lambda born: TABLE.valid_from < eighteenth_birthday(born) < TABLE.valid_to)


@given(turning_18_within_the_table, st.integers(-1, 1))
def test_a_child_on_the_day_of_the_18th_birthday_no_longer_makes_a_provider(born, offset):
    """The provider's cash rate (20,000 kr.) on the day before the 18th birthday, the
    non-provider's (10,000 kr.) on the day itself and after, with a child.not_minor warning."""
    reference = eighteenth_birthday(born) + timedelta(days=offset)
    check = check_plan(plan_of(reference, [Child(born, "denmark")], [BudgetLine("cash", TABLE.cash_provider, 1)]),
                       TABLES, reference)
    minor = offset < 0
    assert (check.provider, check.minor_children) == (minor, int(minor))
    assert check.caps.cash == (TABLE.cash_provider if minor else TABLE.cash_non_provider)
    assert check.caps.total == TABLE.adult_total + (TABLE.child_in_kind if minor else 0)
    assert errors(check) == ([] if minor else ["cash.max"])
    assert [f.rule for f in check.findings if f.severity == "warning"] == ([] if minor else ["child.not_minor"])


def test_born_29_february_a_minor_on_28_february_of_the_18th_year_not_on_1_march():
    born = date(2008, 2, 29)
    lines = [BudgetLine("cash", TABLE.cash_provider, 1)]
    assert check_plan(plan_of(date(2026, 2, 28), [Child(born, "denmark")], lines), TABLES, date(2026, 2, 28)).ok
    assert not check_plan(plan_of(date(2026, 3, 1), [Child(born, "denmark")], lines), TABLES, date(2026, 3, 1)).ok


@given(turning_18_within_the_table, st.integers(-1, 1))
def test_without_a_return_date_the_day_of_checking_decides_who_is_a_minor(born, offset):
    today = eighteenth_birthday(born) + timedelta(days=offset)
    check = check_plan(plan_of(None, [Child(born, "home_country")], [BudgetLine("cash", TABLE.cash_provider, 1)]),
                       TABLES, today)
    assert (check.reference_date, check.provider, check.ok) == (today, offset < 0, offset < 0)


@given(st.dates(date(1940, 1, 1), date(2026, 1, 1)), st.booleans(), households())
def test_the_persons_own_age_and_being_an_unaccompanied_minor_never_change_the_caps(person_born, alone, household):
    """Unaccompanied minors follow the adult rates (seed line 828-829), so a 15-year-old
    alone has the same caps as a 35-year-old with the same children."""
    reference, table, children, minors = household
    person = Person(min(person_born, reference), unaccompanied_minor=alone)
    cash_cap, total_cap = expected_caps(table, minors)
    lines = [BudgetLine("cash", cash_cap, 1), BudgetLine("in_kind", total_cap - cash_cap, 2)]
    as_given = check_plan(plan_of(reference, children, lines, person), RateTables((table,)), reference)
    as_adult = check_plan(plan_of(reference, children, lines), RateTables((table,)), reference)
    assert (as_given.caps, as_given.provider, as_given.ok) == (as_adult.caps, as_adult.provider, True)
    assert as_given.findings == as_adult.findings


def test_an_unaccompanied_minor_at_the_adult_caps_and_one_ore_over():
    fifteen = Person(date(2011, 3, 1), unaccompanied_minor=True)
    at_caps = [BudgetLine("cash", Decimal("10000.00"), 1), BudgetLine("in_kind", Decimal("30000.00"), 1)]
    reference = date(2026, 6, 1)
    assert check_plan(plan_of(reference, (), at_caps, fifteen), TABLES, reference).ok
    over_cash = [BudgetLine("cash", Decimal("10000.01"), 1), BudgetLine("in_kind", Decimal("29999.99"), 1)]
    assert errors(check_plan(plan_of(reference, (), over_cash, fifteen), TABLES, reference)) == ["cash.max"]


@pytest.mark.parametrize("minors, total", [(0, "40000.00"), (1, "49000.00"), (2, "58000.00"), (3, "67000.00"),
                                           (6, "94000.00")])
def test_several_children_each_add_9000_in_kind_while_cash_stays_at_the_providers_20000(minors, total):
    """The shipped figures, as the seed gives them (lines 781-783, 830-834)."""
    reference = date(2026, 6, 1)
    children = [Child(date(2010 + i % 8, 1 + i, 1), "home_country") for i in range(minors)]
    cash = Decimal("20000.00") if minors else Decimal("10000.00")
    at_caps = [BudgetLine("cash", cash, 1), BudgetLine("in_kind", Decimal(total) - cash, 1)]
    check = check_plan(plan_of(reference, children, at_caps), TABLES, reference)
    assert (check.caps.cash, check.caps.total, check.ok) == (cash, Decimal(total), True)
    assert not check_plan(plan_of(reference, children, bumped(at_caps, 1)), TABLES, reference).ok


@pytest.mark.parametrize("written, ok", [("10000.00", True), ("10000.000", True), ("10000", True),
                                         ("10000.01", False), ("9999.999", False), ("10000.001", False)])
def test_the_cash_cap_in_ore_as_written(written, ok):
    """An amount is read by its value: 10000.000 is the cap. A fraction of an øre is a
    line error whatever the cap says."""
    reference = date(2026, 6, 1)
    check = check_plan(plan_of(reference, (), [BudgetLine("cash", Decimal(written), 1)]), TABLES, reference)
    assert check.ok is ok


# --- the changeover of rate tables -----------------------------------------------------

OLD_END, NEW_START = date(2027, 6, 30), date(2027, 7, 1)


def changeover_tables(directory):
    """The shipped table ending on 30 June 2027, and a new one from 1 July 2027 with
    other figures in every place."""
    text = SHIPPED.read_text(encoding="utf-8")
    (directory / "2026-2029.toml").write_text(text.replace("valid_to = 2029-12-31", "valid_to = 2027-06-30"),
                                              encoding="utf-8")
    new = text.replace('id = "2026-2029"', 'id = "2027-2031"').replace("valid_from = 2026-01-01",
                                                                       "valid_from = 2027-07-01")
    new = new.replace("valid_to = 2029-12-31", "valid_to = 2031-12-31")
    for old_amount, new_amount in (("40000.00", "45000.00"), ("10000.00", "12000.00"), ("20000.00", "22500.00"),
                                   ("9000.00", "9500.00")):
        new = new.replace(f'amount = "{old_amount}"', f'amount = "{new_amount}"')
    (directory / "2027-2031.toml").write_text(new, encoding="utf-8")
    return load_rate_tables(directory)


@pytest.mark.parametrize("reference, table_id", [(OLD_END, "2026-2029"), (NEW_START, "2027-2031")])
@pytest.mark.parametrize("minors", [0, 2])
def test_the_table_valid_on_the_reference_date_applies_on_each_side_of_the_changeover(tmp_path, reference, table_id,
                                                                                       minors):
    tables = changeover_tables(tmp_path)
    table = tables.get(table_id)
    assert (tables.get("2027-2031").adult_total, tables.get("2027-2031").cash_provider) == (Decimal("45000.00"),
                                                                                           Decimal("22500.00"))
    children = [Child(date(2015, 1, 1), "home_country")] * minors
    cash_cap, total_cap = expected_caps(table, minors)
    lines = [BudgetLine("cash", cash_cap, 1), BudgetLine("in_kind", total_cap - cash_cap, 1)]
    check = check_plan(plan_of(reference, children, lines), tables, date(2026, 1, 1))
    assert (check.rate_table.id, check.caps.cash, check.caps.total, check.ok) == (table_id, cash_cap, total_cap, True)
    assert errors(check_plan(plan_of(reference, children, bumped(lines, 0)), tables, reference)) == [
        "cash.max", "total.max"]


def test_a_budget_at_the_new_caps_is_over_the_old_ones_the_day_before(tmp_path):
    tables = changeover_tables(tmp_path)
    new = tables.get("2027-2031")
    lines = [BudgetLine("cash", new.cash_non_provider, 1),
             BudgetLine("in_kind", new.adult_total - new.cash_non_provider, 1)]
    assert check_plan(plan_of(NEW_START, (), lines), tables, NEW_START).ok
    assert errors(check_plan(plan_of(OLD_END, (), lines), tables, OLD_END)) == ["cash.max", "total.max"]
    # Without a return date, the day of checking picks the table.
    assert check_plan(plan_of(None, (), lines), tables, NEW_START).rate_table is new
    assert check_plan(plan_of(None, (), lines), tables, OLD_END).rate_table.id == "2026-2029"

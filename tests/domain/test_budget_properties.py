"""Properties of the budget rules and the plan file that must hold for every plan."""

import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reintegration.domain.budget import (
    ACTIVITY_KINDS,
    CHILD_RESIDENCES,
    LINE_KINDS,
    Activity,
    BudgetLine,
    Child,
    LineSummary,
    Verdict,
    Person,
    Plan,
    check_plan,
    verdict,
)
from reintegration.domain.money import from_ore
from reintegration.domain.planfile import PlanFormatError, parse_plan, plan_to_json
from reintegration.domain.rates import RateTables, default_rates_dir, load_rate_tables

TABLES = load_rate_tables(default_rates_dir())
TODAY = date(2026, 6, 1)

amounts = st.integers(min_value=1, max_value=2_500_000).map(from_ore)  # 0.01 to 25,000.00 kr.
lines = st.builds(BudgetLine, kind=st.sampled_from(LINE_KINDS), amount_dkk=amounts, month=st.integers(1, 12))
children = st.builds(Child, date_of_birth=st.dates(date(1995, 1, 1), date(2026, 12, 31)),
                     lives_in=st.sampled_from(CHILD_RESIDENCES))
plans = st.builds(
    Plan,
    person=st.builds(Person, st.dates(date(1950, 1, 1), date(2012, 1, 1)), unaccompanied_minor=st.booleans()),
    children=st.lists(children, max_size=3).map(tuple),
    activity=st.builds(Activity, kind=st.sampled_from(ACTIVITY_KINDS), description=st.just("Tailoring workshop")),
    lines=st.lists(lines, max_size=12).map(tuple),
    reference_date=st.dates(date(2026, 1, 1), date(2029, 12, 31)),
)


stored_lines = st.builds(  # as the database holds them: whole øre, but any sign and month
    BudgetLine, kind=st.sampled_from(LINE_KINDS), month=st.integers(-1, 15),
    amount_dkk=st.one_of(st.integers(-100_000, 2_500_000), st.sampled_from([0, 1, 1_000_000, 2_000_000, 4_000_000]))
    .map(from_ore))
any_plans = st.builds(
    Plan,
    person=st.builds(Person, st.dates(date(1950, 1, 1), date(2012, 1, 1)), unaccompanied_minor=st.booleans()),
    children=st.lists(children, max_size=3).map(tuple),
    activity=st.none() | st.builds(Activity, kind=st.sampled_from(ACTIVITY_KINDS),
                                   description=st.sampled_from(["Tailoring workshop", " "])),
    lines=st.lists(stored_lines, max_size=12).map(tuple),
    reference_date=st.none() | st.dates(date(2025, 6, 1), date(2030, 6, 30)),  # some outside every table
)


@given(any_plans)
def test_the_verdict_from_a_line_summary_is_the_checks_verdict(plan):
    """The re-validation judges a plan from the summary of its lines (its totals, lowest
    amount, first and last month), which the database works out: the verdict and the
    rate table are exactly those of the check of every line."""
    check = check_plan(plan, TABLES, TODAY)
    assert verdict(plan, LineSummary.of(plan.lines), TABLES, TODAY) == Verdict(check.ok, check.rate_table)


def test_the_verdict_from_a_line_summary_at_the_caps():
    """40,000.00 kr. in all, 10,000.00 kr. of it cash: ok; one øre more of either: not."""
    plan = Plan(person=Person(date(1990, 1, 1)), activity=Activity("business", "Tailoring workshop"),
                reference_date=date(2026, 6, 1))
    for amounts, ok in ((("10000.00", "30000.00"), True), (("10000.01", "29999.99"), False),
                        (("10000.00", "30000.01"), False), ((None, "40000.00"), True), ((None, "40000.01"), False)):
        lines = tuple(BudgetLine(kind, Decimal(amount), month)
                      for kind, amount, month in zip(("cash", "in_kind"), amounts, (1, 12)) if amount)
        assert check_plan(dataclasses.replace(plan, lines=lines), TABLES, TODAY).ok is ok
        assert verdict(plan, LineSummary.of(lines), TABLES, TODAY).ok is ok


def test_a_line_summary_holds_whole_ore_only():
    with pytest.raises(ValueError, match="more than two decimals"):
        LineSummary.of((BudgetLine("cash", Decimal("0.001"), 1),))


@given(plans, lines)
def test_adding_a_line_never_lowers_a_total(plan, line):
    before = check_plan(plan, TABLES, TODAY).totals
    after = check_plan(dataclasses.replace(plan, lines=(*plan.lines, line)), TABLES, TODAY).totals
    assert after.cash >= before.cash and after.in_kind >= before.in_kind and after.total >= before.total


@given(plans, st.data())
def test_an_ok_plan_stays_ok_when_a_line_is_reduced(plan, data):
    assume(plan.lines and check_plan(plan, TABLES, TODAY).ok)
    index = data.draw(st.integers(0, len(plan.lines) - 1))
    line = plan.lines[index]
    reduced = data.draw(st.integers(1, int(line.amount_dkk * 100)).map(from_ore))
    lines = (*plan.lines[:index], dataclasses.replace(line, amount_dkk=reduced), *plan.lines[index + 1 :])
    assert check_plan(dataclasses.replace(plan, lines=lines), TABLES, TODAY).ok


@given(plans, st.sampled_from(["0.00", "750.00"]))
def test_allocation_stays_within_every_cap_and_accounts_for_the_whole_budget(plan, child_cash):
    table = dataclasses.replace(TABLES.get("2026-2029"), child_cash=Decimal(child_cash))
    result = check_plan(plan, RateTables((table,)), TODAY)
    allocation = result.allocation
    for entry in allocation.entries:
        assert 0 <= entry.used <= entry.cap
        assert entry.left == entry.cap - entry.used
    assert allocation.used == min(result.totals.total, result.caps.total)
    assert allocation.used + allocation.over == result.totals.total


@given(
    plans,
    st.builds(
        BudgetLine,
        kind=st.sampled_from(LINE_KINDS),
        amount_dkk=st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
        month=st.integers(-5, 20),
        category=st.none() | st.text(max_size=10),
        description=st.none() | st.text(max_size=10),
        currency=st.none() | st.sampled_from(["NGN", "XOF", "VND"]),
        amount_local=st.none() | st.decimals(min_value=0, max_value=10**9, places=2),
        exchange_rate=st.none() | st.decimals(min_value=0, max_value=100, places=6),
    ),
    st.none() | st.dates(),
    st.booleans(),
)
def test_a_plan_survives_the_file_format(plan, odd_line, reference_date, no_activity):
    plan = dataclasses.replace(
        plan,
        lines=(*plan.lines, odd_line),
        reference_date=reference_date,
        activity=None if no_activity else plan.activity,
    )
    assert parse_plan(json.loads(json.dumps(plan_to_json(plan)))) == plan


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
field_paths = st.sampled_from([
    ("format",), ("reference_date",), ("person",), ("person", "date_of_birth"), ("person", "unaccompanied_minor"),
    ("children",), ("children", 0), ("children", 0, "date_of_birth"), ("children", 0, "lives_in"), ("activity",),
    ("activity", "kind"), ("activity", "description"), ("lines",), ("lines", 0), ("lines", 0, "kind"),
    ("lines", 0, "amount_dkk"), ("lines", 0, "month"), ("lines", 0, "category"), ("lines", 0, "amount_local"),
])


@given(plans.filter(lambda plan: plan.children and plan.lines), field_paths, json_values)
def test_any_damaged_plan_is_refused_with_a_field_or_checked(plan, path, value):
    data = plan_to_json(plan)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    try:
        parsed = parse_plan(data)
    except PlanFormatError as error:
        assert error.field and "\n" not in str(error)
    else:
        check_plan(parsed, TABLES, TODAY)


@given(json_values)
def test_any_json_value_is_refused_with_a_field_or_parsed(value):
    try:
        parse_plan(value)
    except PlanFormatError as error:
        assert "\n" not in str(error)

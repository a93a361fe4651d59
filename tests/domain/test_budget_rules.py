"""The budget rules of PLAN_FORMAT.md at their boundaries."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from reintegration.domain.budget import (
    Activity,
    BudgetLine,
    Child,
    Person,
    Plan,
    check_plan,
    household_caps,
    is_minor_on,
)
from reintegration.domain.rates import RateTables, default_rates_dir, load_rate_tables

TABLES = load_rate_tables(default_rates_dir())
TABLE = TABLES.get("2026-2029")
RETURN = date(2026, 6, 1)
ADULT = Person(date_of_birth=date(1991, 3, 14))
MINOR = Child(date(2017, 9, 2), "home_country")


def cash(amount: str, month: int = 1) -> BudgetLine:
    return BudgetLine("cash", Decimal(amount), month)


def in_kind(amount: str, month: int = 1) -> BudgetLine:
    return BudgetLine("in_kind", Decimal(amount), month)


def plan(*lines, children=(), activity=Activity("business", "Hair salon"), person=ADULT, reference_date=RETURN):
    return Plan(person, tuple(children), activity, tuple(lines), reference_date)


def check(a_plan, tables=TABLES, **kwargs):
    return check_plan(a_plan, tables, today=RETURN, **kwargs)


def rules(result):
    return [(finding.rule, finding.severity, finding.line, finding.child) for finding in result.findings]


@pytest.mark.parametrize(
    ("children", "cash_amount", "ok"),
    [((), "10000.00", True), ((), "10000.01", False), ((MINOR,), "20000.00", True), ((MINOR,), "20000.01", False)],
)
def test_cash_cap_is_inclusive(children, cash_amount, ok):
    result = check(plan(cash(cash_amount), children=children))
    assert result.ok is ok
    if not ok:
        (finding,) = result.findings
        assert (finding.rule, finding.severity) == ("cash.max", "error")
        assert (finding.limit, finding.actual) == (result.caps.cash, Decimal(cash_amount))


@pytest.mark.parametrize(("in_kind_amount", "ok"), [("30000.00", True), ("30000.01", False)])
def test_total_cap_of_an_adult_is_inclusive(in_kind_amount, ok):
    result = check(plan(cash("10000.00"), in_kind(in_kind_amount)))
    assert result.caps.total == Decimal("40000.00")
    assert result.ok is ok
    assert rules(result) == ([] if ok else [("total.max", "error", None, None)])


@pytest.mark.parametrize(("in_kind_amount", "ok"), [("38000.00", True), ("38000.01", False)])
def test_two_minor_children_raise_the_total_cap_to_58000(in_kind_amount, ok):
    result = check(plan(cash("20000.00"), in_kind(in_kind_amount), children=(MINOR, MINOR)))
    assert (result.provider, result.minor_children) == (True, 2)
    assert result.caps == household_caps(TABLE, 2)
    assert (result.caps.cash, result.caps.total) == (Decimal("20000.00"), Decimal("58000.00"))
    assert result.ok is ok


def test_child_turning_18_on_the_reference_date_is_not_a_minor():
    turns_18 = Child(date(2008, 6, 1), "denmark")
    result = check(plan(cash("10000.00"), children=(turns_18,)))
    assert (result.provider, result.minor_children, result.caps.cash) == (False, 0, Decimal("10000.00"))
    assert rules(result) == [("child.not_minor", "warning", None, 0)]
    assert result.ok  # a warning does not stop the plan


def test_child_turning_18_the_day_after_is_a_minor():
    result = check(plan(cash("20000.00"), children=(Child(date(2008, 6, 2), "denmark"),)))
    assert (result.provider, result.minor_children, result.ok) == (True, 1, True)


def test_born_on_29_february_turns_18_on_1_march():
    # 18 years after a leap year is never a leap year, so the 18th birthday is always 1 March.
    born = date(2008, 2, 29)
    assert is_minor_on(born, date(2026, 2, 28))
    assert not is_minor_on(born, date(2026, 3, 1))
    result = check(plan(cash("20000.00"), children=(Child(born, "denmark"),), reference_date=date(2026, 3, 1)))
    assert (result.provider, result.ok) == (False, False)


def test_a_birth_date_late_in_year_9999_does_not_overflow():
    assert is_minor_on(date(9999, 12, 31), date(9999, 12, 31))


def test_child_over_18_is_listed_but_not_counted_in_provider_status():
    result = check(plan(children=(Child(date(2000, 1, 1), "home_country"), MINOR, Child(date(1999, 5, 5), "denmark"))))
    assert result.minor_children == 1
    assert [finding.child for finding in result.findings] == [0, 2]


def test_unaccompanied_minor_gets_adult_rates():
    sixteen = Person(date_of_birth=date(2010, 1, 1), unaccompanied_minor=True)
    assert check(plan(cash("10000.00"), in_kind("30000.00"), person=sixteen)).ok
    result = check(plan(cash("10000.00"), in_kind("30000.01"), person=sixteen))
    assert rules(result) == [("total.max", "error", None, None)]


def test_no_rate_table_on_the_reference_date():
    """Only the caps need the table; the months are held to PLAN_FORMAT's own 1 to 12."""
    result = check(plan(cash("50000.00", month=13), reference_date=date(2031, 5, 1)))
    assert rules(result) == [("rates.none", "error", None, None), ("line.month", "error", 0, None)]
    assert result.findings[1].params == {"month": 13, "period_months": 12}
    assert rules(check(plan(cash("50000.00", month=12), reference_date=date(2031, 5, 1)))) == [
        ("rates.none", "error", None, None)]
    assert (result.rate_table, result.caps, result.allocation) == (None, None, None)
    assert result.totals.cash == Decimal("50000.00")
    assert not result.ok


def test_reference_date_defaults_to_today():
    result = check_plan(plan(cash("100.00"), reference_date=None), TABLES, today=date(2027, 2, 3))
    assert result.reference_date == date(2027, 2, 3)
    assert result.rate_table is TABLE


@pytest.mark.parametrize(("month", "ok"), [(0, False), (1, True), (12, True), (13, False), (-1, False)])
def test_months_of_the_reintegration_period(month, ok):
    result = check(plan(in_kind("100.00", month=month)))
    assert rules(result) == ([] if ok else [("line.month", "error", 0, None)])


@pytest.mark.parametrize(("amount", "ok"), [("0.01", True), ("0.00", False), ("-5.00", False), ("12.345", False),
                                             ("12.340", True)])
def test_line_amounts(amount, ok):
    result = check(plan(in_kind("100.00"), cash(amount)))
    assert rules(result) == ([] if ok else [("line.amount", "error", 1, None)])


def test_totals_count_invalid_amounts_rounded_to_ore():
    result = check(plan(cash("12.345"), in_kind("-5.00"), in_kind("5.00")))
    assert (result.totals.cash, result.totals.in_kind, result.totals.total) == (
        Decimal("12.35"), Decimal("0.00"), Decimal("12.35"))


@pytest.mark.parametrize("activity", [None, Activity("business", ""), Activity("other", " \t\n")])
def test_activity_missing(activity):
    result = check(plan(in_kind("100.00"), activity=activity))
    assert rules(result) == [("activity.missing", "error", None, None)]


def test_amendment_may_not_go_below_what_was_paid_out():
    paid = {0: Decimal("500.00"), 1: Decimal("500.00")}
    result = check(plan(cash("400.00"), cash("500.00")), disbursed=paid)
    (finding,) = result.findings
    assert (finding.rule, finding.line, finding.limit, finding.actual) == (
        "line.below_disbursed", 0, Decimal("500.00"), Decimal("400.00"))


def test_amendment_may_not_remove_a_line_paid_on():
    """What was paid stays paid: a paid line may be lowered to what was paid, not removed
    (a removed line with nothing paid on it is no finding)."""
    from reintegration.domain.budget import RemovedLine

    removed = (RemovedLine(Decimal("8000.00"), key="kit", description="Sewing machines"),
               RemovedLine(Decimal("0.00"), key="unpaid"))
    result = check(plan(cash("4515.00"), in_kind("30000.00")), disbursed={}, removed=removed)
    assert not result.ok
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.line, finding.limit) == (
        "line.removed_disbursed", "error", None, Decimal("8000.00"))
    assert finding.params == {"key": "kit", "description": "Sewing machines"}
    assert check(plan(cash("4515.00"), in_kind("30000.00")), removed=removed[1:]).ok


def test_findings_come_in_rule_order_then_index_order():
    result = check(
        plan(cash("9000.00", month=13), cash("0"), in_kind("40000.00", month=0), cash("2000.001"),
             activity=None, children=(Child(date(1990, 1, 1), "denmark"),)),
        disbursed={1: Decimal("1.00")},
    )
    assert rules(result) == [
        ("activity.missing", "error", None, None),
        ("line.amount", "error", 1, None),
        ("line.amount", "error", 3, None),
        ("line.month", "error", 0, None),
        ("line.month", "error", 2, None),
        ("line.below_disbursed", "error", 1, None),
        ("cash.max", "error", None, None),
        ("total.max", "error", None, None),
        ("child.not_minor", "warning", None, 0),
    ]


def test_allocation_shows_what_each_entitlement_uses_and_has_left():
    result = check(plan(cash("24000.00"), in_kind("14500.00"), children=(Child(date(1990, 1, 1), "denmark"), MINOR)))
    rows = [(e.key, e.child, e.figure, e.cap, e.used, e.left) for e in result.allocation.entries]
    assert rows == [
        ("adult.cash", None, "cash_provider", Decimal("20000.00"), Decimal("20000.00"), Decimal("0.00")),
        ("adult.total", None, "adult_total", Decimal("40000.00"), Decimal("38500.00"), Decimal("1500.00")),
        ("child.in_kind", 1, "child_in_kind", Decimal("9000.00"), Decimal("0.00"), Decimal("9000.00")),
    ]
    assert result.allocation.over == 0


def test_allocation_fills_children_in_order_and_reports_the_overflow():
    result = check(plan(in_kind("60000.00"), children=(MINOR, MINOR)))
    assert [entry.used for entry in result.allocation.entries] == [0, 40000, 9000, 9000]
    assert result.allocation.over == Decimal("2000.00")
    assert rules(result) == [("total.max", "error", None, None)]


def test_a_per_child_cash_rate_raises_both_caps_and_is_allocated():
    table = dataclasses.replace(TABLE, child_cash=Decimal("1000.00"))
    tables = RateTables((table,))
    result = check(plan(cash("21500.00"), in_kind("29500.00"), children=(MINOR, MINOR)), tables=tables)
    assert (result.caps.cash, result.caps.total) == (Decimal("22000.00"), Decimal("60000.00"))
    assert result.ok
    rows = [(e.key, e.child, e.used) for e in result.allocation.entries]
    assert rows == [
        ("adult.cash", None, Decimal("20000.00")),
        ("adult.total", None, Decimal("40000.00")),
        ("child.in_kind", 0, Decimal("9000.00")),
        ("child.cash", 0, Decimal("1000.00")),
        ("child.in_kind", 1, Decimal("500.00")),
        ("child.cash", 1, Decimal("500.00")),
    ]
    assert result.allocation.used == result.totals.total


def test_budget_line_amounts_are_decimals():
    with pytest.raises(TypeError):
        BudgetLine("cash", 100.0, 1)
    with pytest.raises(ValueError):
        BudgetLine("cash", Decimal("NaN"), 1)


def test_a_third_decimal_is_a_line_error_not_a_cap_finding_that_reads_equal():
    """10,000.001 kr. cash for a non-provider: the line is wrong; the cash cap is judged
    on the total as shown, 10,000.00 kr., which is allowed."""
    from datetime import date
    from decimal import Decimal

    from reintegration.domain.budget import Activity, BudgetLine, Person, Plan, check_plan
    from reintegration.domain.rates import default_rates_dir, load_rate_tables

    plan = Plan(person=Person(date(1990, 1, 1)), activity=Activity("business", "Shop"),
                lines=(BudgetLine("cash", Decimal("10000.001"), 1),), reference_date=date(2026, 6, 1))
    check = check_plan(plan, load_rate_tables(default_rates_dir()), date(2026, 6, 1))
    assert [f.rule for f in check.findings] == ["line.amount"]
    assert check.totals.cash == Decimal("10000.00")


@pytest.mark.parametrize("born, minor", [(RETURN, True), (date(2026, 6, 2), False), (date(2090, 1, 1), False)])
def test_a_child_born_after_the_reference_date_is_not_a_minor_on_it(born, minor):
    """PLAN_FORMAT: a provider has a child under 18 on the reference date; a child born
    later is no one's child yet on that date (an amendment checked on a past return date
    may list a child born since). Counting it gave the provider's cash rate and 9,000 kr."""
    assert is_minor_on(born, RETURN) is minor
    result = check(plan(cash("20000.00"), in_kind("29000.00"), children=(Child(born, "home_country"),)))
    assert (result.provider, result.minor_children, result.ok) == (minor, int(minor), minor)
    if not minor:
        assert ("child.not_minor", "warning", None, 0) in rules(result)
        [warning] = [f for f in result.findings if f.rule == "child.not_minor"]
        assert warning.params["born_after"] is True
        assert [f.rule for f in result.findings if f.severity == "error"] == ["cash.max", "total.max"]


def test_the_validate_message_says_born_after_not_18_or_older():
    from reintegration.validate import message

    born_later = check(plan(cash("100.00"), children=(Child(date(2026, 9, 1), "home_country"),)))
    grown = check(plan(cash("100.00"), children=(Child(date(2000, 1, 1), "home_country"),)))
    assert message(born_later.findings[0]) == "children[0] is born after 2026-06-01 and is not counted."
    assert message(grown.findings[0]) == "children[0] is 18 or older on 2026-06-01 and is not counted."

"""The allocation says what is over an entitlement's cap, so that each row agrees with
the totals: cash of 12,000 kr. against a 10,000 kr. cash rate is 10,000 used and 2,000
over, not "used 10,000, left 0"."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from reintegration.domain.budget import ADULT_CASH, ADULT_TOTAL, CHILD_IN_KIND, Totals, allocate
from reintegration.domain.rates import default_rates_dir, load_rate_tables

TABLE = load_rate_tables(default_rates_dir()).get("2026-2029")


def _totals(cash: str, in_kind: str = "0.00") -> Totals:
    return Totals(cash=Decimal(cash), in_kind=Decimal(in_kind), total=Decimal(cash) + Decimal(in_kind))


def _entry(allocation, key):
    return next(entry for entry in allocation.entries if entry.key == key)


def test_cash_over_the_rate_is_the_cash_entrys_over():
    allocation = allocate(TABLE, [], _totals("12000.00"))
    cash = _entry(allocation, ADULT_CASH)
    assert (cash.cap, cash.used, cash.left, cash.over) == (Decimal("10000.00"), Decimal("10000.00"), Decimal("0.00"),
                                                           Decimal("2000.00"))
    assert cash.budgeted == Decimal("12000.00")  # what the cash total says
    assert allocation.over == Decimal("0.00")  # the household total (40,000) still holds it
    assert _entry(allocation, ADULT_TOTAL).used == Decimal("12000.00")


def test_cash_within_the_rate_is_over_by_nothing():
    allocation = allocate(TABLE, [], _totals("9000.00", "1000.00"))
    assert _entry(allocation, ADULT_CASH).over == Decimal("0.00")
    assert all(entry.over == Decimal("0.00") for entry in allocation.entries)


def test_a_provider_is_over_only_above_the_provider_rate():
    allocation = allocate(TABLE, [0], _totals("21000.00"))
    cash = _entry(allocation, ADULT_CASH)
    assert (cash.cap, cash.over, cash.budgeted) == (Decimal("20000.00"), Decimal("1000.00"), Decimal("21000.00"))
    assert _entry(allocation, CHILD_IN_KIND).over == Decimal("0.00")


@given(cash=st.integers(0, 60000), in_kind=st.integers(0, 60000), children=st.integers(0, 3))
def test_every_row_agrees_with_the_totals(cash, in_kind, children):
    totals = _totals(f"{cash}.00", f"{in_kind}.00")
    allocation = allocate(TABLE, list(range(children)), totals)
    cash_entry = _entry(allocation, ADULT_CASH)
    assert cash_entry.budgeted == totals.cash  # no per-child cash in the 2026-2029 table
    assert cash_entry.over == max(totals.cash - cash_entry.cap, Decimal("0.00"))
    pooled = [entry for entry in allocation.entries if entry.key != ADULT_CASH]
    assert sum((entry.budgeted for entry in pooled), Decimal("0.00")) + allocation.over == totals.total


@given(cash=st.integers(0, 6000000), in_kind=st.integers(0, 6000000), children=st.integers(0, 3))
def test_the_household_row_is_the_household_cap_and_the_budget_total(cash, in_kind, children):
    """The table's "household in total" row: the cap is the household cap the total.max
    finding names, what it uses is the budget's total, and it is over by exactly what the
    finding says the total exceeds the cap by (amounts in øre)."""
    from reintegration.domain.budget import household_caps

    totals = _totals(str(Decimal(cash) / 100), str(Decimal(in_kind) / 100))
    allocation = allocate(TABLE, list(range(children)), totals)
    caps = household_caps(TABLE, children)
    assert allocation.cap == caps.total
    assert allocation.budgeted == totals.total
    assert allocation.over == max(totals.total - caps.total, Decimal("0"))
    assert allocation.left == max(caps.total - totals.total, Decimal("0"))


def test_one_ore_over_the_household_cap_is_over_by_one_ore():
    at_cap = allocate(TABLE, [], _totals("10000.00", "30000.00"))
    assert (at_cap.cap, at_cap.budgeted, at_cap.left, at_cap.over) == (
        Decimal("40000.00"), Decimal("40000.00"), Decimal("0.00"), Decimal("0.00"))
    over = allocate(TABLE, [], _totals("10000.00", "30000.01"))
    assert (over.budgeted, over.left, over.over) == (Decimal("40000.01"), Decimal("0.00"), Decimal("0.01"))

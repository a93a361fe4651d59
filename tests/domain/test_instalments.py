"""A budget line paid in local currency, in instalments: however the approved local
amount is split, the instalments in DKK come to the line's DKK amount exactly (the local
amount times the rate, rounded once), and none is more than an øre off its own rounding."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from reintegration.domain.followup import instalment_dkk, local_to_dkk

CENT = Decimal("0.01")
local_amounts = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))
rates = st.integers(min_value=1, max_value=10**6).map(lambda n: Decimal(n).scaleb(-6))


def _pay(parts, rate):
    paid_local, paid_dkk, recorded = Decimal(0), Decimal(0), []
    for part in parts:
        amount = instalment_dkk(part, rate, paid_local, paid_dkk)
        recorded.append(amount)
        paid_local += part
        paid_dkk += amount
    return recorded


def test_the_audits_example_comes_to_the_line():
    # 100,000 NGN at 0.004505: a line of 450.50 DKK; 150.17 three times would be 450.51.
    rate = Decimal("0.004505")
    assert local_to_dkk(Decimal("100000"), rate) == Decimal("450.50")
    assert _pay([Decimal("33333"), Decimal("33333"), Decimal("33334")], rate) == [
        Decimal("150.17"), Decimal("150.16"), Decimal("150.17")]


@given(st.lists(local_amounts, min_size=1, max_size=30), rates)
def test_instalments_come_to_the_whole_amount_rounded_once(parts, rate):
    recorded = _pay(parts, rate)
    assert sum(recorded, Decimal(0)) == local_to_dkk(sum(parts, Decimal(0)), rate)
    for part, amount in zip(parts, recorded):
        assert amount == amount.quantize(CENT)
        assert abs(amount - local_to_dkk(part, rate)) <= CENT

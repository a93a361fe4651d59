"""A budget line paid in local currency, in instalments: however the approved local
amount is split, the instalments in DKK come to the line's DKK amount exactly (the local
amount times the rate, rounded once), and none is more than an øre off its own rounding."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from reintegration.domain.followup import instalment_dkk, local_left, local_to_dkk, over_line

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


# --- what is left to pay in local currency -----------------------------------------

STEP = Decimal("0.01")


def _accepted(amount, approved, paid, rate, paid_local, paid_dkk_at_rate):
    """Whether a payment of ``amount`` in local currency is recorded, as
    ``followup.operations.record_disbursement`` takes it: more than nothing in DKK, and
    not over the line."""
    instalment = instalment_dkk(amount, rate, paid_local, paid_dkk_at_rate)
    return amount > 0 and instalment > 0 and not over_line(approved, paid, instalment)


@st.composite
def lines_with_payments(draw):
    """A line paid in local currency at ``rate``, approved at the local amount times the
    rate (or, a line the checks never let through, at more), with some of it paid at the
    rate and perhaps some in DKK or at another rate (under an earlier version of the
    plan): ``other`` DKK."""
    some_dkk = st.one_of(st.just(Decimal(0)), st.integers(min_value=1, max_value=10**8).map(
        lambda n: Decimal(n).scaleb(-2)))
    rate = draw(rates)
    approved_local = draw(local_amounts)
    approved = local_to_dkk(approved_local, rate) + draw(some_dkk)
    parts = draw(st.lists(local_amounts, max_size=5))
    other = draw(some_dkk)
    recorded = _pay(parts, rate)
    return approved, approved_local, rate, sum(parts, Decimal(0)), sum(recorded, Decimal(0)), other


@given(lines_with_payments(), st.booleans())
def test_the_local_amount_named_as_left_is_accepted_and_a_step_more_is_not(line, with_local):
    approved, approved_local, rate, paid_local, paid_at_rate, other = line
    paid = paid_at_rate + other
    state = (approved, paid, rate, paid_local, paid_at_rate)
    left = local_left(*state, approved_local=approved_local if with_local else None)
    assert left >= 0 and left == left.quantize(STEP)
    if left > 0:
        assert _accepted(left, *state)
    planned = with_local and other == 0 and left == approved_local - paid_local
    if not planned:
        # The largest amount that fits: one step more would take the line over.
        assert not _accepted(left + STEP, *state)


@given(lines_with_payments())
def test_on_a_line_paid_only_at_its_rate_the_plans_local_amount_less_what_was_paid_is_left(line):
    approved, approved_local, rate, paid_local, paid_at_rate, _other = line
    state = (approved, paid_at_rate, rate, paid_local, paid_at_rate)
    rest = approved_local - paid_local
    left = local_left(*state, approved_local=approved_local)
    if rest > 0 and _accepted(rest, *state):
        assert left == rest
    # Never more than what fits.
    assert left <= local_left(*state)


@given(st.integers(min_value=50_000, max_value=10**7).map(lambda n: Decimal(n).scaleb(-6)),
       st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n).scaleb(-2)),
       st.integers(min_value=0, max_value=2_000).map(lambda n: Decimal(n).scaleb(-2)),
       st.integers(min_value=-50, max_value=100).map(lambda n: Decimal(n).scaleb(-2)))
def test_nothing_is_left_only_when_no_amount_is_accepted(rate, other, paid_local, room):
    """Small figures, every amount tried: what fits is exactly what is named, and none
    when nothing is named."""
    paid_dkk_at_rate = local_to_dkk(paid_local, rate)
    paid = paid_dkk_at_rate + other
    approved = paid + room
    state = (approved, paid, rate, paid_local, paid_dkk_at_rate)
    fits = [n * STEP for n in range(1, 2_200) if _accepted(n * STEP, *state)]
    assert local_left(*state) == (max(fits) if fits else Decimal(0))


def test_the_plans_figure_is_named_only_where_it_is_what_is_left():
    rate = Decimal("0.004505")  # 100,000 NGN: 450.50 DKK, and so is 100,001.10 NGN
    assert local_left(Decimal("450.50"), Decimal(0), rate, Decimal(0), Decimal(0)) == Decimal("100001.10")
    assert local_left(Decimal("450.50"), Decimal(0), rate, Decimal(0), Decimal(0),
                      approved_local=Decimal("100000")) == Decimal("100000")
    # Paid in full: the 1.10 NGN that still round to the line come to nothing in DKK.
    assert local_left(Decimal("450.50"), Decimal("450.50"), rate, Decimal("100000"), Decimal("450.50"),
                      approved_local=Decimal("100000")) == 0
    # A line whose DKK amount is more than its local amount at the rate: the 0.01 NGN the
    # plan leaves comes to nothing in DKK, so it is not named; what fits is.
    state = (Decimal("451.00"), Decimal("450.50"), rate, Decimal("99999.99"), Decimal("450.50"))
    assert local_left(*state, approved_local=Decimal("100000")) == local_left(*state) == Decimal("112.10")
    assert _accepted(Decimal("112.10"), *state) and not _accepted(Decimal("112.11"), *state)
    # Paid partly otherwise (5.00 DKK, no rate): the plan's figure is no longer what is
    # left at the rate, so what fits is named, to the step.
    state = (Decimal("460.50"), Decimal("5.00"), rate, Decimal(0), Decimal(0))
    left = local_left(*state, approved_local=Decimal("100000"))
    assert left == local_left(*state) > Decimal("100000")
    assert _accepted(left, *state) and not _accepted(left + STEP, *state)

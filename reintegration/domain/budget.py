"""Budget rules: does a plan's budget stay within the rates on its reference date?

The rules, their ids and severities are the contract in PLAN_FORMAT.md; every figure
comes from the rate table (DOMAIN.md, "The rates"):

- The reference date is the planned or actual return date, else the day of checking. It
  picks the rate table and decides which children are minors (under 18 on that date).
- A person with at least one minor child is a provider. Unaccompanied minors get the
  adult rates, so the person's own age plays no part.
- Household caps: cash <= the cash rate for a provider or non-provider, plus any per-child
  cash rate per minor child; cash plus in-kind <= the adult total plus, per minor child,
  the child in-kind rate and any per-child cash rate. Comparisons are inclusive.
- Every budget line is paid or bought in a month of the reintegration period.
- Amendments (our addition to the contract): money already paid out stays paid, so when
  ``disbursed`` is given, a line may not be lowered below what was paid on it
  (``line.below_disbursed``), and a line with money paid on it may not be removed
  (``line.removed_disbursed``: ``removed`` names the paid lines the plan no longer has),
  nor change its kind (``line.kind_disbursed``: cash paid out is cash, whatever the line
  is later called, so it counts against the cash cap). The ``validate`` command gives none
  of these, so none is among PLAN_FORMAT's rules.
- A child born after the reference date is not a minor on it (not yet anyone's child to
  provide for): ``child.not_minor``, with ``born_after`` in its parameters.

Totals add up the amounts as given, including amounts that are themselves findings
(zero, negative, fractions of an øre), rounded half up to whole øre: the findings say
what is wrong, and the caps are judged on the totals as shown. Without a rate table only the rules
that need no figure from one are checked (activity, amounts, children), and the months against
the period PLAN_FORMAT's ``line.month`` states itself: 1 to 12.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .money import dkk, from_ore, has_more_than_two_decimals, to_ore
from .rates import RateTable, RateTables

ERROR = "error"
WARNING = "warning"

RATES_NONE = "rates.none"
ACTIVITY_MISSING = "activity.missing"
LINE_AMOUNT = "line.amount"
LINE_MONTH = "line.month"
LINE_BELOW_DISBURSED = "line.below_disbursed"
LINE_REMOVED_DISBURSED = "line.removed_disbursed"
LINE_KIND_DISBURSED = "line.kind_disbursed"
CASH_MAX = "cash.max"
TOTAL_MAX = "total.max"
CHILD_NOT_MINOR = "child.not_minor"
# Findings are reported in this order (the order of the PLAN_FORMAT rules table), then by
# line or child index.
RULES = (
    RATES_NONE,
    ACTIVITY_MISSING,
    LINE_AMOUNT,
    LINE_MONTH,
    LINE_BELOW_DISBURSED,
    LINE_REMOVED_DISBURSED,
    LINE_KIND_DISBURSED,
    CASH_MAX,
    TOTAL_MAX,
    CHILD_NOT_MINOR,
)
_REPORT_ORDER = {rule: position for position, rule in enumerate(RULES)}

ACTIVITY_KINDS = ("business", "education", "employment", "agriculture", "other")
CASH = "cash"
IN_KIND = "in_kind"
LINE_KINDS = (CASH, IN_KIND)
CHILD_RESIDENCES = ("denmark", "home_country")
AGE_OF_MAJORITY = 18
# PLAN_FORMAT.md, line.month: "a month outside 1 to 12". The rate table's period_months
# is the figure; this is the contract's own, for a reference date without a table.
CONTRACT_PERIOD_MONTHS = 12

# Allocation entry keys: the entitlements a household budget draws on.
ADULT_CASH = "adult.cash"
ADULT_TOTAL = "adult.total"
CHILD_IN_KIND = "child.in_kind"
CHILD_CASH = "child.cash"

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Person:
    date_of_birth: date
    unaccompanied_minor: bool = False


@dataclass(frozen=True, slots=True)
class Child:
    date_of_birth: date
    lives_in: str  # one of CHILD_RESIDENCES; the rates do not depend on it


@dataclass(frozen=True, slots=True)
class Activity:
    """The income-generating activity the plan is built around."""

    kind: str  # one of ACTIVITY_KINDS
    description: str


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One cash instalment or in-kind purchase; the caps apply to ``amount_dkk``."""

    kind: str  # one of LINE_KINDS
    amount_dkk: Decimal
    month: int  # month after the return in which it is paid or bought
    category: str | None = None
    description: str | None = None
    currency: str | None = None
    amount_local: Decimal | None = None
    exchange_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount_dkk, Decimal):
            raise TypeError(f"amount_dkk must be a Decimal, not {type(self.amount_dkk).__name__}")
        if not self.amount_dkk.is_finite():
            raise ValueError(f"amount_dkk must be a finite number: {self.amount_dkk}")


@dataclass(frozen=True, slots=True)
class Plan:
    person: Person
    children: tuple[Child, ...] = ()
    activity: Activity | None = None
    lines: tuple[BudgetLine, ...] = ()
    reference_date: date | None = None  # planned or actual return date; None: the day of checking


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line with money paid on it that the plan (an amendment) no longer has.

    ``key`` and ``description`` only name it in the finding; ``paid`` is what was paid.
    """

    paid: Decimal
    key: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule outcome as a code and parameters; the reader's language is added later."""

    rule: str
    severity: str
    limit: Decimal | None = None
    actual: Decimal | None = None
    line: int | None = None  # index into Plan.lines
    child: int | None = None  # index into Plan.children
    params: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Caps:
    cash: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    cash: Decimal
    in_kind: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class AllocationEntry:
    """How much of one entitlement the budget uses.

    ``figure`` is the rate-table key the cap comes from (its source: ``RateTable.source``).
    ``child`` is the index into ``Plan.children`` for a child's entitlement.
    ``used`` is what fits within the cap; ``over`` what the budget puts on the
    entitlement beyond it. Only the adult's cash carries an ``over``: the cash that no
    cash entitlement holds (what cash.max reports). What fits no pooled entitlement is
    the household's, ``Allocation.over``, not any one entry's.
    """

    key: str
    child: int | None
    cap: Decimal
    used: Decimal
    left: Decimal
    figure: str
    over: Decimal = _ZERO

    @property
    def budgeted(self) -> Decimal:
        """What the budget puts on this entitlement, within the cap or beyond it."""
        return self.used + self.over


@dataclass(frozen=True, slots=True)
class Allocation:
    """What each entitlement of the household pays for, and what fits nowhere (``over``).

    ``adult.cash`` is a sub-limit inside ``adult.total``; every other entry counts toward
    the household total, so ``used + over`` is the budget total.
    """

    entries: tuple[AllocationEntry, ...]
    over: Decimal

    @property
    def used(self) -> Decimal:
        return sum((entry.used for entry in self.entries if entry.key != ADULT_CASH), _ZERO)

    @property
    def cap(self) -> Decimal:
        """The household's cap (``Caps.total``): its pooled entitlements, the adult's cash
        lying inside the adult total."""
        return sum((entry.cap for entry in self.entries if entry.key != ADULT_CASH), _ZERO)

    @property
    def budgeted(self) -> Decimal:
        """What the budget puts on the household: within its caps or beyond them."""
        return self.used + self.over

    @property
    def left(self) -> Decimal:
        return self.cap - self.used


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    ok: bool  # no finding of severity error
    rate_table: RateTable | None
    reference_date: date
    provider: bool
    minor_children: int
    caps: Caps | None  # None when no rate table is valid on the reference date
    totals: Totals
    findings: tuple[Finding, ...]
    allocation: Allocation | None


def is_minor_on(date_of_birth: date, day: date) -> bool:
    """Under 18 on ``day``: born on or before it, and the 18th birthday falls after it.

    A child turning 18 on ``day`` is no longer a minor. Someone born on 29 February turns
    18 on 1 March when that year is not a leap year. Compared as tuples so that no date
    beyond year 9999 is ever built.
    """
    year = date_of_birth.year + AGE_OF_MAJORITY
    month, day_of_month = date_of_birth.month, date_of_birth.day
    if (month, day_of_month) == (2, 29) and not calendar.isleap(year):
        month, day_of_month = 3, 1
    return date_of_birth <= day and (year, month, day_of_month) > (day.year, day.month, day.day)


def household_caps(table: RateTable, minor_children: int) -> Caps:
    """The most a household may receive: having a minor child makes the person a provider."""
    child_cash = table.child_cash * minor_children
    cash_rate = table.amount(RateTable.cash_figure(provider=minor_children > 0))
    return Caps(
        cash=cash_rate + child_cash,
        total=table.adult_total + table.child_in_kind * minor_children + child_cash,
    )


def check_plan(
    plan: Plan,
    tables: RateTables,
    today: date,
    disbursed: Mapping[int, Decimal] | None = None,
    removed: Sequence[RemovedLine] = (),
    paid_kinds: Mapping[int, str] | None = None,
) -> BudgetCheck:
    """Check ``plan`` against the rate table valid on its reference date.

    ``disbursed`` maps a line index to what has already been paid out on that line;
    ``removed`` are the lines paid on that the plan no longer has; ``paid_kinds`` maps a
    line index to the kind its money was paid out as.
    """
    reference_date, table, minors, findings = _check_household(plan, tables, today)
    provider = bool(minors)
    totals = _check_lines(plan.lines, _period_months(table), disbursed or {}, findings, paid_kinds or {})
    findings.extend(_removed_findings(removed))

    caps = allocation = None
    if table is not None:
        caps = household_caps(table, len(minors))
        findings.extend(_cap_findings(totals, caps, len(minors)))
        allocation = allocate(table, minors, totals)

    # Each rule's findings were added in index order and the sort is stable.
    findings.sort(key=lambda finding: _REPORT_ORDER[finding.rule])
    return BudgetCheck(
        ok=_no_error(findings),
        rate_table=table,
        reference_date=reference_date,
        provider=provider,
        minor_children=len(minors),
        caps=caps,
        totals=totals,
        findings=tuple(findings),
        allocation=allocation,
    )


@dataclass(frozen=True, slots=True)
class LineSummary:
    """All that the verdict of a plan needs from its lines, when every amount is a whole
    number of øre (as every stored line is): the totals per kind, the lowest amount and
    the first and last month. Each line rule is a range test (amount above zero, month
    within the period), so it holds for every line exactly when it holds for the
    extremes. A database works this out with one aggregate per plan (``revalidation``),
    without sending every line to Python. Amounts are in øre.
    """

    lines: int
    cash_ore: int = 0
    in_kind_ore: int = 0
    lowest_ore: int | None = None  # None when there are no lines
    first_month: int | None = None
    last_month: int | None = None

    @classmethod
    def of(cls, lines: Sequence[BudgetLine]) -> LineSummary:
        """What the aggregate query computes, worked out from the lines themselves
        (``ValueError`` for an amount with a fraction of an øre)."""
        if not lines:
            return cls(lines=0)
        ore = [to_ore(line.amount_dkk) for line in lines]
        months = [line.month for line in lines]
        return cls(
            lines=len(lines),
            cash_ore=sum(amount for amount, line in zip(ore, lines) if line.kind == CASH),
            in_kind_ore=sum(amount for amount, line in zip(ore, lines) if line.kind != CASH),
            lowest_ore=min(ore),
            first_month=min(months),
            last_month=max(months),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool  # as BudgetCheck.ok
    rate_table: RateTable | None


def verdict(plan: Plan, summary: LineSummary, tables: RateTables, today: date) -> Verdict:
    """``check_plan``'s ``ok`` and rate table for ``plan`` whose lines ``summary`` sums
    up (``plan.lines`` is not read), by the same rules: the re-validation of every open
    plan after a rate-table change, which records only these two.

    Only for a plan with nothing paid out on it: the amendment rules need each line
    (``disbursed``, ``removed``), so such a plan is judged by ``check_plan``."""
    _reference_date, table, minors, findings = _check_household(plan, tables, today)
    if summary.lines:
        if not _amount_ok(from_ore(summary.lowest_ore)):
            return Verdict(False, table)
        period_months = _period_months(table)
        if not (_month_ok(summary.first_month, period_months) and _month_ok(summary.last_month, period_months)):
            return Verdict(False, table)
    if table is not None:
        cash, in_kind = from_ore(summary.cash_ore), from_ore(summary.in_kind_ore)
        totals = Totals(cash=cash, in_kind=in_kind, total=cash + in_kind)
        findings.extend(_cap_findings(totals, household_caps(table, len(minors)), len(minors)))
    return Verdict(_no_error(findings), table)


def _check_household(
    plan: Plan, tables: RateTables, today: date
) -> tuple[date, RateTable | None, list[int], list[Finding]]:
    """The reference date, its rate table, the indexes of the minor children, and the
    findings about the table, the activity and the children."""
    reference_date = plan.reference_date or today
    table = tables.for_date(reference_date)
    findings: list[Finding] = []
    if table is None:
        findings.append(Finding(RATES_NONE, ERROR, params={"reference_date": reference_date}))
    if plan.activity is None or not plan.activity.description.strip():
        # ``kind_missing``: no activity at all (its kind not chosen), rather than a blank
        # description, so that a reader can be told which of the two to fill in.
        findings.append(Finding(ACTIVITY_MISSING, ERROR, params={"kind_missing": plan.activity is None}))
    minors: list[int] = []
    for index, child in enumerate(plan.children):
        if is_minor_on(child.date_of_birth, reference_date):
            minors.append(index)
        else:
            findings.append(Finding(CHILD_NOT_MINOR, WARNING, child=index,
                                    params={"reference_date": reference_date,
                                            "born_after": child.date_of_birth > reference_date}))
    return reference_date, table, minors, findings


def _amount_ok(amount: Decimal) -> bool:
    return amount > 0 and not has_more_than_two_decimals(amount)


def _month_ok(month: int, period_months: int) -> bool:
    return 1 <= month <= period_months


def _period_months(table: RateTable | None) -> int:
    return table.period_months if table is not None else CONTRACT_PERIOD_MONTHS


def _cap_findings(totals: Totals, caps: Caps, minor_children: int) -> list[Finding]:
    findings = []
    if totals.cash > caps.cash:
        findings.append(
            Finding(CASH_MAX, ERROR, limit=caps.cash, actual=totals.cash, params={"provider": minor_children > 0})
        )
    if totals.total > caps.total:
        findings.append(
            Finding(TOTAL_MAX, ERROR, limit=caps.total, actual=totals.total, params={"minor_children": minor_children})
        )
    return findings


def _removed_findings(removed: Sequence[RemovedLine]) -> list[Finding]:
    """What was paid stays paid: a paid line may be lowered to what was paid, not removed."""
    return [
        Finding(LINE_REMOVED_DISBURSED, ERROR, limit=line.paid,
                params={"key": line.key, "description": line.description})
        for line in removed
        if line.paid > 0
    ]


def _no_error(findings: Sequence[Finding]) -> bool:
    return all(finding.severity != ERROR for finding in findings)


def _check_lines(
    lines: Sequence[BudgetLine],
    period_months: int,
    disbursed: Mapping[int, Decimal],
    findings: list[Finding],
    paid_kinds: Mapping[int, str],
) -> Totals:
    """Add up the lines, appending a finding for each line that breaks a line rule."""
    cash = in_kind = _ZERO
    for index, line in enumerate(lines):
        amount = line.amount_dkk
        if line.kind == CASH:
            cash += amount
        else:
            in_kind += amount
        if not _amount_ok(amount):
            findings.append(Finding(LINE_AMOUNT, ERROR, line=index, params={"amount": amount}))
        if not _month_ok(line.month, period_months):
            findings.append(
                Finding(LINE_MONTH, ERROR, line=index, params={"month": line.month, "period_months": period_months})
            )
        paid = disbursed.get(index)
        if paid is not None and amount < paid:
            findings.append(Finding(LINE_BELOW_DISBURSED, ERROR, limit=paid, actual=amount, line=index))
        paid_as = paid_kinds.get(index)
        if paid_as is not None and line.kind != paid_as:
            findings.append(Finding(LINE_KIND_DISBURSED, ERROR, line=index, params={"paid_as": paid_as}))
    # Totals are judged as shown, in whole øre: a line with a third decimal is already an
    # error of its own and must not make a cap finding read "10,000.00 exceeds 10,000.00".
    cash, in_kind = dkk(cash), dkk(in_kind)
    return Totals(cash=cash, in_kind=in_kind, total=cash + in_kind)


def allocate(table: RateTable, minors: Sequence[int], totals: Totals) -> Allocation:
    """Spread the budget over the household's entitlements, to show what is used and left.

    ``minors`` are the indexes of the minor children. Fill rule:

    1. Cash fills the adult's cash rate (a sub-limit inside the adult total); cash above it
       fills the children's cash entitlements, if the table has a per-child cash rate.
    2. Everything else (in-kind and the cash not placed in step 1's child entitlements)
       fills the adult total first, then each minor child's in-kind entitlement in the
       order of the children, then any child cash entitlement still open.
    3. What fits nowhere is ``over``; the cash.max and total.max findings report it.
       Cash beyond every cash entitlement is also the ``over`` of the adult's cash entry,
       so that its row agrees with the cash total (it still counts in step 2's pool).

    A negative cash or in-kind total (already a line.amount error) counts as nothing.
    """
    cash_figure = RateTable.cash_figure(provider=bool(minors))
    cash = max(totals.cash, _ZERO)
    in_kind = max(totals.in_kind, _ZERO)
    adult_cash = min(cash, table.amount(cash_figure))
    child_cash_caps = [table.child_cash] * len(minors) if table.child_cash else []
    child_cash_from_cash, cash_over = _fill(cash - adult_cash, child_cash_caps)

    pooled = cash + in_kind - sum(child_cash_from_cash, _ZERO)
    child_cash_open = [cap - used for cap, used in zip(child_cash_caps, child_cash_from_cash)]
    pool_used, over = _fill(pooled, [table.adult_total, *[table.child_in_kind] * len(minors), *child_cash_open])

    entries = [
        _entry(table, ADULT_CASH, None, cash_figure, adult_cash, over=cash_over),
        _entry(table, ADULT_TOTAL, None, "adult_total", pool_used[0]),
    ]
    for position, child in enumerate(minors):
        entries.append(_entry(table, CHILD_IN_KIND, child, "child_in_kind", pool_used[1 + position]))
        if child_cash_caps:
            used = child_cash_from_cash[position] + pool_used[1 + len(minors) + position]
            entries.append(_entry(table, CHILD_CASH, child, "child_cash", used))
    return Allocation(entries=tuple(entries), over=over)


def _fill(amount: Decimal, caps: Sequence[Decimal]) -> tuple[list[Decimal], Decimal]:
    """Pour ``amount`` into ``caps`` in order; returns the part each takes and the rest."""
    used = []
    for cap in caps:
        part = min(amount, cap)
        used.append(part)
        amount -= part
    return used, amount


def _entry(table: RateTable, key: str, child: int | None, figure: str, used: Decimal,
           over: Decimal = _ZERO) -> AllocationEntry:
    cap = table.amount(figure)
    return AllocationEntry(key=key, child=child, cap=cap, used=used, left=cap - used, figure=figure, over=over)

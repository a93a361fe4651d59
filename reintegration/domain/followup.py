"""Follow-up after the return: report schedule, overdue reports, risk indicators.

The reintegration period runs up to one year after the return (seed lines 802-803); the
schedule and the grace before a report is overdue are programme settings in the rate
table, so that an administrator can change them without code.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from .money import CENT, dkk
from .rates import RateTable
from .violation import Violation

RISK_INDICATORS = ("trafficker_ties", "debt_to_trafficker", "threats", "ongoing_consequences")
"""Signs of re-trafficking risk the seed names (lines 516-523): the trafficker still has
ties to the person; the person is still asked to pay debt to the trafficker; there are
ongoing threats; the person still suffers consequences of the trafficking and so risks
being trafficked again. Any of them in a follow-up must alert CMM and DRC."""

REFUSED_SUBMITTED = "submitted"
REFUSED_CASE_CLOSED = "case_closed"
REFUSED_NOT_OPEN_YET = "not_open_yet"
"""Why a report send whose risk signs still raised an alert was refused (kept on the alert
as ``RiskAlert.refused``, at most 16 characters): a colleague had submitted the report
first, the case had been closed, or the final report was sent before it could be
(:func:`final_opens_on`). The alert's signs are then in no saved report."""


@dataclass(frozen=True, slots=True)
class DueReport:
    month: int  # month after the return the report covers
    due: date
    final: bool


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it is shorter
    (31 January + 1 month = 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(return_date: date, table: RateTable) -> list[DueReport]:
    """The reports due after a return: the report for month N is due N months after it."""
    last = table.followup_months[-1]
    return [DueReport(month, add_months(return_date, month), month == last) for month in table.followup_months]


def last_day_in_time(due: date, table: RateTable) -> date:
    """The last day a report due on ``due`` is still in time: the end of the grace period
    after its due date. From the day after, it is overdue (:func:`is_overdue`)."""
    return due + timedelta(days=table.overdue_after_days)


def is_overdue(due: date, today: date, table: RateTable) -> bool:
    """Overdue once the grace period after the due date has passed."""
    return today > last_day_in_time(due, table)


SUBMITTED = "submitted"
DUE = "due"
OVERDUE = "overdue"
NOT_REQUIRED = "not_required"


def report_state(stored: str, due: date, today: date, table: RateTable | None, *, case_closed: bool) -> str:
    """What a follow-up report is to its readers, from its stored status (``"due"`` or
    ``"submitted"``), its due date and its case: the one rule every page, workbook and
    export follows.

    A report sent stays ``SUBMITTED`` whatever becomes of its case. One never sent on a
    closed case (closed by the caseworker, or by the final report) is ``NOT_REQUIRED``:
    nothing can be sent on a closed case, so it is neither due nor overdue, and counts in
    no list of reports to send. Its stored status stays ``"due"``: nothing is written at
    closure, so the state follows the case, and a case open again has its reports due
    again. Otherwise ``OVERDUE`` once the grace period has passed (:func:`is_overdue`;
    never without a rate table), else ``DUE``."""
    if stored == SUBMITTED:
        return SUBMITTED
    if case_closed:
        return NOT_REQUIRED
    return OVERDUE if table is not None and is_overdue(due, today, table) else DUE


def period_end(return_date: date, table: RateTable) -> date:
    """The last day of the reintegration period."""
    return add_months(return_date, table.period_months)


BEFORE_RETURN = "before_return"
AFTER_END = "after_end"


def outside_period(day: date, return_date: date, end: date | None) -> str | None:
    """Where ``day`` lies outside the reintegration period: ``BEFORE_RETURN``,
    ``AFTER_END``, or ``None`` within it. The period runs from the return day itself
    to ``end`` (:func:`period_end`), both included; an unknown end (``None``) leaves
    only the start to check."""
    if day < return_date:
        return BEFORE_RETURN
    if end is not None and day > end:
        return AFTER_END
    return None


PAYMENT = "payment"
CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class DatedRecord:
    """Something already recorded that a return date must leave in place: a payment
    (``PAYMENT``, on the day it was paid) or a submitted report (``CONTACT``, on the day
    of its contact). ``ref`` is the caller's handle for naming it (an id, a month)."""

    kind: str
    day: date
    ref: object = None


def return_date_violations(return_date: date, table: RateTable, recorded: Iterable[DatedRecord]) -> list[Violation]:
    """What a (new) return date would put outside the period, earliest record first.

    Every payment falls within the period the date starts (as a payment's own date is
    held to it): ``return.payment_before`` and ``return.payment_after_end`` (with the
    ``end`` the date would give). A submitted report cannot speak of a contact before
    the return: ``return.contact_before``. A contact after the end is no fault: the
    final report is written once the period is over. ``day`` and ``ref`` name the record."""
    end = period_end(return_date, table)
    found = []
    for record in sorted(recorded, key=lambda r: r.day):
        where = outside_period(record.day, return_date, end if record.kind == PAYMENT else None)
        if where == BEFORE_RETURN:
            found.append(Violation(f"return.{record.kind}_before", {"day": record.day, "ref": record.ref}))
        elif where == AFTER_END:
            found.append(Violation("return.payment_after_end", {"day": record.day, "ref": record.ref, "end": end}))
    return found


def return_date_warnings(return_date: date, first_approved_on: date | None) -> list[Violation]:
    """What to point out about a return date that is allowed: a return before the plan
    was first approved (``return.before_approval``). The process has the approval first,
    but nothing in it rules out a person leaving earlier (one who *must* leave Denmark),
    so the date is kept; the user is asked to check it, since the report schedule
    counts from it and a wrong early date makes reports overdue at once."""
    if first_approved_on is not None and return_date < first_approved_on:
        return [Violation("return.before_approval", {"approved": first_approved_on})]
    return []


def month_of(return_date: date, day: date) -> int:
    """The month after the return that ``day`` falls in, from 1.

    Month N ends N months after the return date, inclusive, so a report due then still
    counts for month N. The return date itself is in month 1.
    """
    if day < return_date:
        raise ValueError(f"{day} is before the return date {return_date}")
    month = max(1, (day.year - return_date.year) * 12 + day.month - return_date.month)
    while add_months(return_date, month) < day:
        month += 1
    while month > 1 and add_months(return_date, month - 1) >= day:
        month -= 1
    return month


def opens_on(return_date: date, month: int) -> date:
    """The first day the report for month ``month`` can be sent: the first day of that
    month after the return, as :func:`month_of` counts them (the return date itself for
    month 1). A report sent before then would speak of a month not yet lived."""
    if month <= 1:
        return return_date
    return add_months(return_date, month - 1) + timedelta(days=1)


def final_opens_on(return_date: date, month: int, table: RateTable | None) -> date:
    """The first day the final report (for month ``month``) can be sent: the last day of
    the reintegration period (:func:`period_end`), or the first day of its month if that
    is later. Sending the final report closes the case with the reason "period ended", so
    it cannot come before the period's last day: closing a month early would refuse the
    payments still due within the period, and the reason recorded would not be true.
    Without a rate table (no period known) only the month is held to (:func:`opens_on`)."""
    opens = opens_on(return_date, month)
    if table is None:
        return opens
    return max(opens, period_end(return_date, table))


def reflection_period_violations(
    start: date, end: date | None, table: RateTable, *, extended: bool = False
) -> list[Violation]:
    """What is wrong with a reflection and recovery period (seed lines 570-595).

    The period is ``reflection_days`` long; only an extension (``extended``) may take it up
    to ``reflection_max_days``. A period without an end yet is not checked for length.
    """
    if end is None:
        return []
    if end < start:
        return [Violation("reflection.end_before_start", {"start": start, "end": end})]
    days = (end - start).days
    limit = table.reflection_max_days if extended else table.reflection_days
    if days > limit:
        return [Violation("reflection.too_long", {"days": days, "limit": limit, "extended": extended})]
    return []


def local_to_dkk(amount_local: Decimal, exchange_rate: Decimal) -> Decimal:
    """DKK for a local-currency amount at the rate frozen on the approved budget line
    (DKK per local unit), rounded half up to øre."""
    return dkk(amount_local * exchange_rate)


def instalment_dkk(amount_local: Decimal, exchange_rate: Decimal, paid_local: Decimal, paid_dkk: Decimal) -> Decimal:
    """DKK for an instalment of ``amount_local`` on a line paid in local currency at
    ``exchange_rate``, whose earlier instalments at that rate came to ``paid_local`` and
    were recorded as ``paid_dkk``: the running total in DKK, less what was recorded before.

    Each instalment rounded on its own could add up to more than the line: 100,000 NGN at
    0.004505 is a line of 450.50 DKK, but paid as 33,333 + 33,333 + 33,334 NGN it would be
    150.17 three times, 450.51 DKK, and the last instalment, the approved local amount
    exactly, refused as over the line. The running total makes the line's payments come to
    the local amount paid so far times the rate, rounded once; an instalment's DKK differs
    from its own rounding by an øre at most."""
    return local_to_dkk(paid_local + amount_local, exchange_rate) - paid_dkk


def over_line(approved_dkk: Decimal, paid_dkk: Decimal, amount_dkk: Decimal) -> bool:
    """Whether a payment of ``amount_dkk`` takes a line approved at ``approved_dkk``, on
    which ``paid_dkk`` is paid already, over its approved amount."""
    return paid_dkk + amount_dkk > approved_dkk


LOCAL_STEP = CENT
"""The smallest local amount a payment is typed in: the payment form takes two decimals."""

_HALF_CENT = CENT / 2


def local_left(approved_dkk: Decimal, paid_dkk: Decimal, exchange_rate: Decimal, paid_local: Decimal,
               paid_dkk_at_rate: Decimal, approved_local: Decimal | None = None) -> Decimal:
    """The most that can still be paid in local currency on a line paid at
    ``exchange_rate``, as :func:`instalment_dkk` and :func:`over_line` take a payment:
    ``Decimal(0)`` when no local amount can be paid on it any more.

    The line is approved at ``approved_dkk`` and has ``paid_dkk`` paid on it in all; its
    payments in local currency at this rate came to ``paid_local`` and were recorded as
    ``paid_dkk_at_rate`` (``status.paid_at_rate``). The amount named is accepted: its
    instalment is more than nothing and does not take the line over.

    It is the largest amount, in steps of :data:`LOCAL_STEP`, that fits, one step more being
    over the line. When every payment on the line was at this rate (``paid_dkk`` is all at it),
    the line's ``approved_local`` amount less what was paid is named instead if it is
    smaller and accepted: it is the plan's figure. The DKK limit lets a little more
    through, as much as still rounds to the line's last øre (100,000 NGN at 0.004505 is
    450.50 DKK, and so is 100,001.10 NGN), and naming that would tell the partner to pay
    more than the plan says. Paid partly otherwise (in DKK, or at another rate under an
    earlier version), the plan's local amount less what was paid at this rate is no
    measure of what is left, and what fits is named."""

    def within(amount: Decimal) -> bool:
        return not over_line(approved_dkk, paid_dkk, instalment_dkk(amount, exchange_rate, paid_local,
                                                                     paid_dkk_at_rate))

    def accepted(amount: Decimal) -> bool:
        return amount > 0 and within(amount) and instalment_dkk(amount, exchange_rate, paid_local,
                                                                 paid_dkk_at_rate) > 0

    # The running total may come to ``room``: a local total at most just under the half
    # øre above it, as it rounds half up. The quotient is not exact: the steps below settle it.
    room = approved_dkk - paid_dkk + paid_dkk_at_rate
    most = max(((room + _HALF_CENT) / exchange_rate - paid_local).quantize(LOCAL_STEP, rounding=ROUND_FLOOR),
               Decimal(0))
    while most > 0 and not within(most):
        most -= LOCAL_STEP
    while within(most + LOCAL_STEP):
        most += LOCAL_STEP
    if not accepted(most):
        return Decimal(0)
    if approved_local is not None and paid_dkk == paid_dkk_at_rate:
        rest = approved_local - paid_local
        if rest < most and rest == rest.quantize(LOCAL_STEP) and accepted(rest):
            return rest
    return most


OVER_PLAN = "over"
UNDER_PLAN = "under"
ON_PLAN = "on_plan"


@dataclass(frozen=True, slots=True)
class PlannedSoFar:
    """What the budget lines planned by a month of the period: ``past`` for the months
    already past (before it), the figure "under plan" compares the payments with;
    ``to_date`` up to and including it, the figure "over plan" compares them with
    (:func:`spending_position`). Shown beside what was paid, each lets the reader see
    the difference its position stands for."""

    past: Decimal
    to_date: Decimal


def planned_so_far(planned_by_month: Mapping[int, Decimal], month: int) -> PlannedSoFar:
    """The lines planned before and up to month ``month`` (:class:`PlannedSoFar`)."""
    return PlannedSoFar(sum((amount for m, amount in planned_by_month.items() if m < month), Decimal(0)),
                        sum((amount for m, amount in planned_by_month.items() if m <= month), Decimal(0)))


def spending_position(planned_by_month: Mapping[int, Decimal], disbursed: Decimal, month: int) -> str:
    """Whether what was paid out is over, under or on plan in month ``month`` of the period.

    Over plan: more was paid than the lines planned up to and including this month.
    Under plan: less was paid than the lines planned for the months already past (the
    current month's payments may still come).
    """
    planned = planned_so_far(planned_by_month, month)
    if disbursed > planned.to_date:
        return OVER_PLAN
    if disbursed < planned.past:
        return UNDER_PLAN
    return ON_PLAN

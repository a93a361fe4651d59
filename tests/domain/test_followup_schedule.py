from datetime import date, timedelta

import pytest

from reintegration.domain.followup import (
    RISK_INDICATORS,
    DueReport,
    add_months,
    is_overdue,
    month_of,
    final_opens_on,
    opens_on,
    period_end,
    reflection_period_violations,
    schedule,
)
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.domain.violation import Violation

TABLE = load_rate_tables(default_rates_dir()).get("2026-2029")


def test_reports_are_due_months_after_the_return_clamped_to_month_end():
    assert schedule(date(2026, 1, 31), TABLE) == [
        DueReport(1, date(2026, 2, 28), False),
        DueReport(3, date(2026, 4, 30), False),
        DueReport(6, date(2026, 7, 31), False),
        DueReport(12, date(2027, 1, 31), True),
    ]


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2027, 12, 15), 1, date(2028, 1, 15)),
    (date(2027, 1, 29), 1, date(2027, 2, 28)),
    (date(2028, 1, 29), 1, date(2028, 2, 29)),
    (date(2026, 3, 31), 12, date(2027, 3, 31)),
    (date(2026, 5, 31), 0, date(2026, 5, 31)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_overdue_after_the_grace_period():
    due = date(2026, 3, 1)
    assert not is_overdue(due, date(2026, 3, 15), TABLE)  # 14 days after
    assert is_overdue(due, date(2026, 3, 16), TABLE)


def test_period_end_is_one_year_after_the_return():
    assert period_end(date(2026, 6, 1), TABLE) == date(2027, 6, 1)


@pytest.mark.parametrize(("day", "month"), [
    (date(2026, 1, 31), 1), (date(2026, 2, 28), 1), (date(2026, 3, 1), 2), (date(2026, 3, 31), 2),
    (date(2026, 4, 1), 3), (date(2027, 1, 31), 12), (date(2027, 2, 1), 13),
])
def test_month_of(day, month):
    assert month_of(date(2026, 1, 31), day) == month


@pytest.mark.parametrize("returned", [date(2026, 1, 31), date(2026, 3, 1), date(2027, 12, 31), date(2028, 2, 29)])
@pytest.mark.parametrize("month", [1, 2, 3, 6, 12])
def test_a_report_opens_on_the_first_day_of_its_month(returned, month):
    """The same months as ``month_of``: the report for month N opens the day month N
    begins, and the day before lies in month N - 1."""
    opens = opens_on(returned, month)
    assert month_of(returned, opens) == month
    if month > 1:
        assert month_of(returned, opens - timedelta(days=1)) == month - 1
    else:
        assert opens == returned


def test_the_final_report_opens_a_month_before_it_is_due():
    assert opens_on(date(2026, 1, 31), 12) == date(2027, 1, 1)  # month 11 ends on 31 December
    assert schedule(date(2026, 1, 31), TABLE)[-1].due == date(2027, 1, 31)


def test_month_of_a_day_before_the_return():
    with pytest.raises(ValueError):
        month_of(date(2026, 1, 31), date(2026, 1, 30))


def test_reflection_period():
    start = date(2026, 1, 1)
    assert reflection_period_violations(start, None, TABLE) == []
    assert reflection_period_violations(start, date(2026, 1, 31), TABLE) == []
    assert reflection_period_violations(start, date(2026, 2, 1), TABLE) == [
        Violation("reflection.too_long", {"days": 31, "limit": 30, "extended": False})]
    assert reflection_period_violations(start, date(2026, 5, 1), TABLE, extended=True) == []
    assert reflection_period_violations(start, date(2026, 5, 2), TABLE, extended=True)[0].code == "reflection.too_long"
    assert reflection_period_violations(start, date(2025, 12, 31), TABLE)[0].code == "reflection.end_before_start"


def test_risk_indicators():
    assert RISK_INDICATORS == ("trafficker_ties", "debt_to_trafficker", "threats", "ongoing_consequences")


def test_the_final_report_opens_on_the_last_day_of_the_period():
    """Sending it closes the case ("period ended"): not in the first days of month 12,
    when payments of the period are still to come, but on the period's last day."""
    returned = date(2026, 2, 8)
    assert opens_on(returned, 12) == date(2027, 1, 9)
    assert final_opens_on(returned, 12, TABLE) == period_end(returned, TABLE) == date(2027, 2, 8)
    assert final_opens_on(returned, 9, TABLE) == date(2027, 2, 8)  # a final report before the period's end
    assert final_opens_on(returned, 12, None) == date(2027, 1, 9)  # no table known: its month only

"""The demo data's dates keep the order of the process (DOMAIN.md): the reflection
period, then the planned return, then (for a case in follow-up) the return, in the past.
Checked on the loaded demo, and on the demo's date rules for other days of loading."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from reintegration.demo import cases as demo_cases
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.models import Case


def _orderings(case, today: date) -> list[str]:
    """What is out of order in a case's dates (empty: nothing)."""
    wrong = []
    start, end, planned, actual = case.reflection_start, case.reflection_end, case.planned_return, case.actual_return
    if start and end and not start <= end:
        wrong.append(f"reflection ends {end} before it starts {start}")
    if planned and end and not end <= planned:
        wrong.append(f"planned return {planned} before the reflection period ends {end}")
    if planned and start and not start <= planned:
        wrong.append(f"planned return {planned} before the reflection period starts {start}")
    if case.status in ("in_followup", "closed") and actual is None:
        wrong.append("in follow-up without a return date")
    if actual is not None:
        if actual > today:
            wrong.append(f"returned {actual}, after today {today}")
        for name, day in (("reflection start", start), ("reflection end", end), ("planned return", planned)):
            if day is not None and day > actual:
                wrong.append(f"{name} {day} after the return {actual}")
    return wrong


def test_every_demo_case_has_its_dates_in_order(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = date.today()
    cases = db.exec(select(Case).order_by(Case.reference)).all()
    assert len(cases) == len(demo_cases.CASES)
    problems = {case.reference: _orderings(case, today) for case in cases}
    assert not any(problems.values()), {ref: p for ref, p in problems.items() if p}
    returned = [case for case in cases if case.status == "in_followup"]
    assert {case.person_name for case in returned} == set(demo_cases.RETURNED_DAYS_AGO)
    for case in returned:
        assert case.reflection_start and case.reflection_end and case.planned_return and case.actual_return
        assert case.actual_return < today
    preparing = [case for case in cases if case.actual_return is None]
    assert preparing and all(case.planned_return is None or case.planned_return > today for case in preparing)


class _Dates:
    """A case's dates as the demo would load them on a given day (no database)."""

    def __init__(self, name, days, today, tables):
        self.person_name = name
        self.reflection_start, self.reflection_end, self.planned_return = demo_cases._dates(name, days, today, tables)
        self.actual_return = demo_cases.returned_on(name, today, tables)
        self.status = "in_followup" if self.actual_return else "preparing"


@pytest.mark.parametrize("today", [date(2026, 1, 2), date(2026, 3, 1), date(2026, 9, 30), date(2026, 12, 4),
                                   date(2027, 6, 15), date(2029, 12, 31)])
def test_the_demo_dates_are_in_order_on_any_day_of_loading(today):
    tables = load_rate_tables(default_rates_dir())
    for name, *_rest, days, _children in demo_cases.CASES:
        dates = _Dates(name, days, today, tables)
        assert _orderings(dates, today) == [], (name, today)
        if dates.actual_return is not None and tables.for_date(today - timedelta(days=400)) is not None:
            # Long enough after the first table: the return is as many days ago as stated.
            assert dates.actual_return == today - timedelta(days=demo_cases.RETURNED_DAYS_AGO[name])
        if dates.actual_return is not None and today >= date(2026, 12, 1):
            assert tables.for_date(dates.planned_return) is not None  # the plan was checked against a table

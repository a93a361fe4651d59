"""What a follow-up report is to its readers: worked out from what is stored and its
case, in one place (``domain.followup.report_state``), so that every page, workbook and
export says the same of a report never sent on a closed case."""

from __future__ import annotations

from datetime import date

import pytest

from reintegration.domain.followup import DUE, NOT_REQUIRED, OVERDUE, SUBMITTED, report_state
from reintegration.domain.rates import default_rates_dir, load_rate_tables

TABLE = load_rate_tables(default_rates_dir()).get("2026-2029")
DUE_ON = date(2026, 3, 1)
LATE = date(2026, 3, 16)  # past the 14 days' grace
ON_TIME = date(2026, 3, 15)


@pytest.mark.parametrize(("stored", "today", "closed", "state"), [
    ("due", ON_TIME, False, DUE),
    ("due", LATE, False, OVERDUE),
    ("due", ON_TIME, True, NOT_REQUIRED),
    ("due", LATE, True, NOT_REQUIRED),  # overdue when the case closed: no longer asked for
    ("submitted", LATE, False, SUBMITTED),
    ("submitted", LATE, True, SUBMITTED),  # a report sent stays as it was
])
def test_the_state_follows_the_report_and_its_case(stored, today, closed, state):
    assert report_state(stored, DUE_ON, today, TABLE, case_closed=closed) == state


def test_without_a_rate_table_nothing_is_overdue():
    assert report_state("due", LATE, date(2030, 1, 1), None, case_closed=False) == DUE


def test_a_case_open_again_has_its_reports_due_again():
    """Nothing is stored at closure: were a closed case opened again, the same stored
    report is due (or overdue) again."""
    assert report_state("due", DUE_ON, LATE, TABLE, case_closed=True) == NOT_REQUIRED
    assert report_state("due", DUE_ON, LATE, TABLE, case_closed=False) == OVERDUE


def test_the_last_day_in_time_is_the_day_before_overdue():
    from reintegration.domain.followup import is_overdue, last_day_in_time

    assert last_day_in_time(DUE_ON, TABLE) == ON_TIME
    assert not is_overdue(DUE_ON, ON_TIME, TABLE) and is_overdue(DUE_ON, LATE, TABLE)

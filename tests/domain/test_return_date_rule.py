"""Moving the return date: what it may leave outside the reintegration period."""

from datetime import date, timedelta

import pytest

from reintegration.domain.followup import (
    AFTER_END,
    BEFORE_RETURN,
    CONTACT,
    PAYMENT,
    DatedRecord,
    outside_period,
    return_date_violations,
    return_date_warnings,
)
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.domain.violation import Violation

TABLE = load_rate_tables(default_rates_dir()).get("2026-2029")
PAID = DatedRecord(PAYMENT, date(2026, 3, 10), ref=7)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 3, 9), BEFORE_RETURN),
    (date(2026, 3, 10), None),  # the return day itself is in month 1
    (date(2027, 3, 10), None),  # the period's last day
    (date(2027, 3, 11), AFTER_END),
])
def test_a_day_inside_or_outside_the_period(day, expected):
    assert outside_period(day, date(2026, 3, 10), date(2027, 3, 10)) == expected


def test_with_no_known_end_only_the_start_counts():
    assert outside_period(date(2040, 1, 1), date(2026, 3, 10), None) is None
    assert outside_period(date(2026, 3, 9), date(2026, 3, 10), None) == BEFORE_RETURN


def test_a_payment_on_the_return_day_itself_is_allowed():
    assert return_date_violations(date(2026, 3, 10), TABLE, [PAID]) == []


def test_a_return_one_day_after_a_payment_is_refused_naming_the_payment():
    assert return_date_violations(date(2026, 3, 11), TABLE, [PAID]) == [
        Violation("return.payment_before", {"day": date(2026, 3, 10), "ref": 7})]


def test_a_payment_on_the_last_day_of_the_period_is_allowed_one_day_later_is_not():
    late = DatedRecord(PAYMENT, date(2027, 3, 10), ref=8)
    assert return_date_violations(date(2026, 3, 10), TABLE, [late]) == []
    assert return_date_violations(date(2026, 3, 9), TABLE, [late]) == [
        Violation("return.payment_after_end", {"day": date(2027, 3, 10), "ref": 8, "end": date(2027, 3, 9)})]


def test_a_submitted_report_is_held_to_its_contact_day():
    contact = DatedRecord(CONTACT, date(2026, 4, 2), ref=1)
    assert return_date_violations(date(2026, 4, 2), TABLE, [contact]) == []
    assert return_date_violations(date(2026, 4, 3), TABLE, [contact]) == [
        Violation("return.contact_before", {"day": date(2026, 4, 2), "ref": 1})]
    # A contact after the period's end is no fault: the final report is written after it.
    assert return_date_violations(date(2025, 1, 1), TABLE, [contact]) == []


def test_the_first_record_in_date_order_comes_first():
    records = [DatedRecord(PAYMENT, date(2026, 5, 1), ref=2), DatedRecord(CONTACT, date(2026, 4, 20), ref=1),
               DatedRecord(PAYMENT, date(2026, 4, 25), ref=3)]
    found = return_date_violations(date(2026, 10, 15), TABLE, records)
    assert [(v.code, v.params["ref"]) for v in found] == [
        ("return.contact_before", 1), ("return.payment_before", 3), ("return.payment_before", 2)]


def test_a_return_before_the_first_approval_is_only_a_warning():
    approved = date(2026, 12, 5)
    assert return_date_warnings(approved, approved) == []
    assert return_date_warnings(approved - timedelta(days=1), None) == []
    assert return_date_warnings(date(2026, 1, 31), approved) == [
        Violation("return.before_approval", {"approved": approved})]

"""parse_plan: what is a plan, and how a field that is not is named."""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from reintegration.domain.budget import Activity, BudgetLine, Child, Person, Plan
from reintegration.domain.planfile import PlanFormatError, json_object, parse_iso_date, parse_plan, plan_to_json

EXAMPLE = {
    "format": "reintegration-plan/1",
    "reference_date": "2026-06-01",
    "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False},
    "children": [{"date_of_birth": "2017-09-02", "lives_in": "home_country"}],
    "activity": {"kind": "business", "description": "Hair salon in Benin City"},
    "lines": [
        {"kind": "cash", "amount_dkk": "4000.00", "month": 1, "description": "Monthly allowance"},
        {"kind": "in_kind", "amount_dkk": "14500.00", "month": 1, "category": "equipment",
         "description": "Two salon chairs, dryer, mirror", "currency": "NGN", "amount_local": "3500000",
         "exchange_rate": "0.004142857", "colour": "ignored"},
    ],
}


def damaged(path: tuple, value=...) -> dict:
    """EXAMPLE with the field at ``path`` set to ``value``, or removed."""
    data = copy.deepcopy(EXAMPLE)
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def test_the_contract_example_parses():
    assert parse_plan(EXAMPLE) == Plan(
        person=Person(date(1991, 3, 14)),
        children=(Child(date(2017, 9, 2), "home_country"),),
        activity=Activity("business", "Hair salon in Benin City"),
        lines=(
            BudgetLine("cash", Decimal("4000.00"), 1, description="Monthly allowance"),
            BudgetLine("in_kind", Decimal("14500.00"), 1, category="equipment",
                       description="Two salon chairs, dryer, mirror", currency="NGN",
                       amount_local=Decimal("3500000"), exchange_rate=Decimal("0.004142857")),
        ),
        reference_date=date(2026, 6, 1),
    )


def test_optional_parts_may_be_absent_or_null():
    plan = parse_plan({"format": "reintegration-plan/1", "person": {"date_of_birth": "1991-03-14"},
                       "reference_date": None, "activity": None})
    assert plan == Plan(person=Person(date(1991, 3, 14)))


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("format",), ..., "format: missing"),
        (("format",), "reintegration-plan/2", "format: must be reintegration-plan/1: 'reintegration-plan/2'"),
        (("person",), ..., "person: missing"),
        (("person",), [], "person: must be an object, not a list"),
        (("person", "date_of_birth"), "14-03-1991", "person.date_of_birth: not an ISO date: '14-03-1991'"),
        (("person", "unaccompanied_minor"), "no", "person.unaccompanied_minor: must be true or false, not 'no'"),
        (("reference_date",), "2026-13-01", "reference_date: not an ISO date: '2026-13-01'"),
        (("reference_date",), "20260601", "reference_date: not an ISO date: '20260601'"),
        (("children",), {}, "children: must be a list, not an object"),
        (("children", 0, "date_of_birth"), 20170902,
         "children[0].date_of_birth: must be an ISO date string, not 20170902"),
        (("children", 0, "lives_in"), "abroad", "children[0].lives_in: must be one of denmark, home_country: 'abroad'"),
        (("activity", "kind"), "trade",
         "activity.kind: must be one of business, education, employment, agriculture, other: 'trade'"),
        (("activity", "description"), ..., "activity.description: missing"),
        (("activity", "description"), None, "activity.description: must be a string, not null"),
        (("lines", 1), "x", "lines[1]: must be an object, not 'x'"),
        (("lines", 1, "kind"), "gift", "lines[1].kind: must be one of cash, in_kind: 'gift'"),
        (("lines", 1, "amount_dkk"), "12,5x", "lines[1].amount_dkk: not a decimal number: '12,5x'"),
        (("lines", 1, "amount_dkk"), Decimal("12.5"), "lines[1].amount_dkk: must be a decimal string, not 12.5"),
        (("lines", 1, "amount_dkk"), 12, "lines[1].amount_dkk: must be a decimal string, not 12"),
        (("lines", 1, "amount_dkk"), "1e999", "lines[1].amount_dkk: not a decimal number: '1e999'"),
        (("lines", 1, "amount_dkk"), "NaN", "lines[1].amount_dkk: not a decimal number: 'NaN'"),
        (("lines", 1, "amount_dkk"), "99999999999999999999999",
         "lines[1].amount_dkk: out of range: '99999999999999999999999'"),
        (("lines", 1, "month"), "3", "lines[1].month: must be an integer, not '3'"),
        (("lines", 1, "month"), True, "lines[1].month: must be an integer, not true"),
        (("lines", 1, "month"), Decimal("3.0"), "lines[1].month: must be an integer, not 3.0"),
        (("lines", 1, "category"), 7, "lines[1].category: must be a string, not 7"),
        (("lines", 1, "exchange_rate"), "0,0041", "lines[1].exchange_rate: not a decimal number: '0,0041'"),
    ],
)
def test_a_field_that_is_not_right_is_named(path, value, error):
    with pytest.raises(PlanFormatError) as raised:
        parse_plan(damaged(path, value))
    assert str(raised.value) == error
    assert raised.value.field == error.split(": ")[0]


def test_a_document_that_is_not_an_object():
    with pytest.raises(PlanFormatError, match=r"^plan: must be an object, not a list$"):
        parse_plan([EXAMPLE])


def test_long_values_are_shortened_in_messages():
    with pytest.raises(PlanFormatError) as raised:
        parse_plan(damaged(("lines", 0, "kind"), "x" * 10_000))
    assert len(str(raised.value)) < 100


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("activity",), ...),
        (("activity", "description"), ""),
        (("activity", "description"), "   "),
        (("lines", 0, "amount_dkk"), "0.001"),
        (("lines", 0, "amount_dkk"), "-5.00"),
        (("lines", 0, "amount_dkk"), "0"),
        (("lines", 0, "month"), 13),
    ],
)
def test_what_the_rules_judge_is_not_a_format_error(path, value):
    """Findings of check_plan (activity.missing, line.amount, line.month), not exit 2."""
    parse_plan(damaged(path, value))


def test_export_writes_two_decimals_and_omits_what_is_not_set():
    plan = Plan(person=Person(date(1991, 3, 14)), lines=(BudgetLine("cash", Decimal("4000"), 2),))
    assert plan_to_json(plan) == {
        "format": "reintegration-plan/1",
        "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False},
        "children": [],
        "lines": [{"kind": "cash", "amount_dkk": "4000.00", "month": 2}],
    }


def test_export_keeps_an_amount_in_error_as_it_is():
    plan = Plan(person=Person(date(1991, 3, 14)), lines=(BudgetLine("cash", Decimal("12.345"), 2),))
    assert plan_to_json(plan)["lines"][0]["amount_dkk"] == "12.345"


@pytest.mark.parametrize("text", ["2026-6-1", "2026-06-01T00:00", "2026-W01-1", "２０２６-06-01", "2026-02-30"])
def test_iso_dates_are_exactly_yyyy_mm_dd(text):
    with pytest.raises(ValueError):
        parse_iso_date(text)


def test_a_name_given_twice_in_an_object_of_the_plan_is_refused_at_it():
    text = json.dumps(EXAMPLE).replace('"month": 1, "category"', '"month": 1, "month": 13, "category"')
    with pytest.raises(PlanFormatError) as raised:
        parse_plan(json.loads(text, object_pairs_hook=json_object))
    assert (str(raised.value), raised.value.code) == ("lines[1].month: given twice in the file", "duplicate")
    assert parse_plan(json.loads(json.dumps(EXAMPLE), object_pairs_hook=json_object)) == parse_plan(EXAMPLE)

"""Money paid out as cash stays cash: an amendment may not turn a paid cash line into an
in-kind one (and free the cash cap for new cash), nor the other way round. One rule of
the domain check, so drafting, the live check, submission, the approver and the
re-validation all find it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reintegration.domain.budget import (CASH, IN_KIND, LINE_KIND_DISBURSED, Activity, BudgetLine, Person, Plan,
                                         check_plan)
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.plans import operations as ops
from reintegration.plans.mapping import load_plan
from reintegration.revalidation import revalidate_open_plans
from support import approved_plan_and_amendment

TODAY = date(2026, 5, 1)
TABLES = load_rate_tables(default_rates_dir())
# A person without children: cash cap 10,000 kr. The approved plan pays 10,000 kr. cash;
# the amendment calls that line in-kind and adds 10,000 kr. of new cash: within every
# cap on paper, 20,000 kr. of cash in the person's hands.
APPROVED = [("cash-1", "cash", "10000.00", "Living allowance")]
RELABELLED = [("cash-1", "in_kind", "10000.00", "Living allowance"), ("cash-2", "cash", "10000.00", "More cash")]


@pytest.fixture
def relabelled(auth, db, make_case):
    user = auth.login("caseworker", locale="en")
    case = make_case(planned_return=date(2026, 6, 1), children=[])
    first, amendment = approved_plan_and_amendment(db, case, approved=APPROVED, paid={"cash-1": "10000.00"},
                                                   amendment=RELABELLED, recorded_by=user.id)
    return case, user, first, amendment


def _plan(*lines: BudgetLine) -> Plan:
    return Plan(Person(date(1990, 1, 1)), (), Activity("business", "Shop"), lines, date(2026, 6, 1))


@pytest.mark.parametrize("paid_as, now, error", [(CASH, IN_KIND, True), (IN_KIND, CASH, True),
                                                  (CASH, CASH, False), (IN_KIND, IN_KIND, False)])
def test_the_domain_rule(paid_as, now, error):
    plan = _plan(BudgetLine(kind=now, amount_dkk=Decimal("5000.00"), month=1))
    check = check_plan(plan, TABLES, TODAY, {0: Decimal("5000.00")}, (), {0: paid_as})
    found = [f for f in check.findings if f.rule == LINE_KIND_DISBURSED]
    assert bool(found) == error and check.ok == (not error)
    if error:
        assert (found[0].line, found[0].params["paid_as"], found[0].severity) == (0, paid_as, "error")


def test_a_line_with_nothing_paid_may_change_kind():
    plan = _plan(BudgetLine(kind=IN_KIND, amount_dkk=Decimal("5000.00"), month=1))
    assert check_plan(plan, TABLES, TODAY, {}, (), {}).ok


def test_the_drafting_and_live_checks_find_the_relabelled_cash(app, db, relabelled):
    case, _user, _first, amendment = relabelled
    tables = app.extensions["rate_tables"]
    check = ops.check_version(db, load_plan(db, amendment), tables, TODAY)
    assert [(f.rule, f.line) for f in check.findings if f.severity == "error"] == [(LINE_KIND_DISBURSED, 0)]

    narrative = {"activity_kind": "business", "activity_description": "Tailoring workshop"}
    lines = [ops.LineValues(kind=kind, month=1, amount_dkk=Decimal(amount), description=description, line_key=key)
             for key, kind, amount, description in RELABELLED]
    live = ops.check_unsaved(db, case, narrative, lines, tables, TODAY)
    assert [f.rule for f in live.findings if f.severity == "error"] == [LINE_KIND_DISBURSED]
    # Kept as cash, the new cash goes over the cap: the finding the relabelling hid.
    lines[0] = ops.LineValues(kind="cash", month=1, amount_dkk=Decimal("10000.00"), line_key="cash-1")
    assert [f.rule for f in ops.check_unsaved(db, case, narrative, lines, tables, TODAY).findings] == ["cash.max"]


def test_submission_and_the_approver_refuse_it(app, db, relabelled):
    from reintegration.approvals import operations as approvals

    _case, user, first, amendment = relabelled
    tables = app.extensions["rate_tables"]
    with pytest.raises(ops.SubmitRefused):
        ops.submit_version(db, amendment, seen_revision=amendment.revision, user=user, tables=tables, today=TODAY)
    check = approvals.check_version(db, load_plan(db, amendment), tables, TODAY, approvals.version_lines(db, first.id))
    assert check.error_rules == [LINE_KIND_DISBURSED]


def test_the_revalidation_judges_it_as_the_drafting_check_does(app, db, relabelled):
    case, _user, _first, amendment = relabelled
    result = revalidate_open_plans(db, app.extensions["rate_tables"], TODAY)
    [change] = [c for c in result.changes if c.case_reference == case.reference]
    assert (change.version, change.new_ok) == (amendment.number, False)


@pytest.mark.parametrize("locale, text", [
    ("en", "Line 1: money has been paid out on it as cash, so it must stay a cash line."),
    ("da", "Linje 1: der er udbetalt penge på den som kontanter, så den skal forblive en kontantlinje."),
])
def test_the_drafting_page_names_the_line_and_its_kind_field(client, db, relabelled, locale, text):
    case, user, _first, amendment = relabelled
    user.locale = locale
    db.add(user)
    db.commit()
    page = client.get(f"/cases/{case.id}/plans/{amendment.id}/edit").get_data(as_text=True)
    assert text in page.replace("\xa0", " ")
    assert 'href="#lines-0-kind"' in page

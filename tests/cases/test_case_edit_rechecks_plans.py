"""Editing a case re-checks its open plan versions: the children and the return date
decide the caps, so the stored check result (shown on the case page and in the case
list) follows the edit at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reintegration.models import BudgetLine, Case, PlanVersion

NO_CHILD = {"children-0-first_name": None, "children-0-date_of_birth": None, "children-0-lives_in": None}


@pytest.fixture
def cash_plan(app, db, make_case, partners):
    """A case with one minor child (a provider: cash up to 20,000 kr.) and an open
    version of ``status`` with 15,000 kr. cash, its check stored as drafting stores it."""
    from reintegration.plans.operations import recheck_open_versions

    def make(status="draft", child_born=date(2015, 6, 1)):
        case = make_case(partner=partners["NG"], planned_return=date(2026, 3, 1), children=[child_born],
                         reflection_start=date(2026, 1, 5), reflection_end=date(2026, 2, 4))
        version = PlanVersion(case_id=case.id, number=1, status="draft", activity_kind="business",
                              activity_description="Tailoring workshop")
        db.add(version)
        db.commit()
        db.add(BudgetLine(plan_version_id=version.id, line_key=f"cash-{version.id}", position=0, kind="cash",
                          month=1, amount_dkk=Decimal("15000.00")))
        version.status = status
        db.add(version)
        db.commit()
        recheck_open_versions(db, case.id, app.extensions["rate_tables"], date(2026, 1, 10))
        db.commit()
        assert version.check_ok is True
        return case, version

    return make


def _stored(db, version, case):
    db.expire_all()
    return db.get(PlanVersion, version.id), db.get(Case, case.id)


def test_removing_the_child_makes_the_draft_fail_and_adding_it_back_passes(auth, db, case_data, cash_plan):
    user = auth.login("caseworker")
    case, draft = cash_plan()
    response = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", **NO_CHILD))
    assert response.status_code == 302
    draft, case = _stored(db, draft, case)
    assert (draft.check_ok, draft.rate_table_id, draft.revision) == (False, "2026-2029", 1)  # content untouched
    assert case.plan_attention == "draft_errors"  # the case list puts it first
    page = auth._client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Has errors" in page and "No errors" not in page  # the case page agrees with the plan page

    response = auth.post(f"/cases/{case.id}/edit", case_data(user, revision=str(case.revision)))
    assert response.status_code == 302
    draft, case = _stored(db, draft, case)
    assert (draft.check_ok, case.plan_attention) == (True, None)


def test_a_later_return_date_rechecks_the_submitted_version(auth, db, case_data, cash_plan):
    """The child turns 18 before the new return date: no longer a provider."""
    user = auth.login("caseworker")
    case, submitted = cash_plan(status="submitted", child_born=date(2008, 6, 1))
    response = auth.post(f"/cases/{case.id}/edit", case_data(
        user, revision="1", planned_return="2026-07-01", **{"children-0-date_of_birth": "2008-06-01"}))
    assert response.status_code == 302
    submitted, case = _stored(db, submitted, case)
    assert (submitted.status, submitted.check_ok) == ("submitted", False)


def test_a_return_date_without_a_rate_table_fails_the_check(app, db, make_user, cash_plan):
    """The operation itself, as any caller uses it: no table is valid on the new date."""
    from reintegration.cases.operations import CaseInput, ChildInput, update_case

    case, draft = cash_plan()
    data = CaseInput(person_name=case.person_name, person_date_of_birth=case.person_date_of_birth, person_sex=None,
                     nationality=None, unaccompanied_minor=False, return_country=case.return_country,
                     partner_id=case.partner_id, cmm_contact_id=None, caseworker_id=None,
                     reflection_start=case.reflection_start, reflection_end=case.reflection_end,
                     planned_return=date(2031, 1, 1),
                     children=(ChildInput(first_name=None, date_of_birth=date(2015, 6, 1), lives_in="home_country"),))
    update_case(db, case, case.revision, data, user=make_user("caseworker"), tables=app.extensions["rate_tables"],
                today=date(2026, 1, 10))
    draft, case = _stored(db, draft, case)
    assert (case.planned_return, draft.check_ok, draft.rate_table_id) == (date(2031, 1, 1), False, None)


@pytest.mark.parametrize("status, warned", [("submitted", True), ("draft", False)])
def test_the_edit_form_warns_when_a_version_awaits_a_decision(auth, db, cash_plan, status, warned):
    """Changing the dates or children changes what was submitted: the caseworker is told
    before they edit, in their language."""
    auth.login("caseworker", locale="da")
    case, _version = cash_plan(status=status)
    page = auth._client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert ("Version 1 af planen afventer Hjemrejsestyrelsens beslutning" in page) is warned

"""An amendment never moves the case: follow-up goes on, a closed case stays closed."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from approval_factories import Line, case_of
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from reintegration.approvals.operations import DecisionRefused
from reintegration.models import Child, PlanVersion
from reintegration.plans.operations import PlanFrozen, submit_version


def _submit(app, db, version, user):
    with app.app_context():
        return submit_version(db, version, seen_revision=version.revision, user=user,
                              tables=app.extensions["rate_tables"], today=date.today())


def _approved_case(db, make_plan, approve, status):
    first = make_plan()
    approve(first)
    case = case_of(db, first)
    case.status = status
    if status == "in_followup":
        case.actual_return = date(2027, 3, 1)
    db.add(case)
    db.commit()
    return case, first


@pytest.mark.parametrize("status", ["in_followup", "approved"])
@pytest.mark.parametrize("decision", ["approve", "send_back", "reject"])
def test_an_amendment_leaves_the_case_as_it_was(app, db, make_plan, approve, drafter, status, decision):
    case, first = _approved_case(db, make_plan, approve, status)
    amendment = make_plan(case=case, status="draft", amends=first, lines=[Line(amount="6000.00")])
    _submit(app, db, amendment, drafter)
    assert case_of(db, amendment).status == status  # not "awaiting approval": the person's year goes on
    approve(amendment, action=decision, reason=None if decision == "approve" else "Points to fix")
    assert case_of(db, amendment).status == status


def test_a_first_plan_moves_the_case(app, db, make_plan, make_case, approve, drafter):
    case = make_case(planned_return=date(2027, 3, 1), caseworker_id=drafter.id, status="preparing")
    version = make_plan(case=case, status="draft")
    _submit(app, db, version, drafter)
    assert case_of(db, version).status == "awaiting_approval"
    approve(version, action="send_back", reason="Points to fix")
    assert case_of(db, version).status == "preparing"


def test_nothing_is_submitted_or_approved_on_a_closed_case(app, db, make_plan, approve, drafter):
    case, first = _approved_case(db, make_plan, approve, "in_followup")
    draft = make_plan(case=case, status="draft", amends=first)
    waiting = make_plan(case=case, status="submitted", amends=first)
    case = case_of(db, first)
    case.status, case.closure_reason = "closed", "contact_lost"
    db.add(case)
    db.commit()
    # Its draft is frozen with it: the drafting page then names who closed the case.
    with pytest.raises(PlanFrozen):
        _submit(app, db, draft, drafter)
    db.expire_all()
    assert db.get(PlanVersion, draft.id).status == "draft"
    with pytest.raises(DecisionRefused) as not_approved:
        approve(waiting)
    assert "decision.case_closed" in [v.code for v in not_approved.value.violations]
    approve(waiting, action="send_back", reason="The case is closed")
    assert case_of(db, first).status == "closed"


def test_the_package_shows_the_plan_as_approved_whatever_changes_on_the_case(app, db, make_plan, make_case,
                                                                             approve):
    from reintegration.exports import package as packages

    case = make_case(planned_return=date(2027, 3, 1))
    version = make_plan(case=case, lines=[Line(kind="cash", amount="10000.00"), Line(amount="30000.00")])
    approve(version)
    db.refresh(version)

    def build():
        with app.test_request_context():
            return packages.build(db, version, app.extensions["rate_tables"], "en")

    before = build()
    born = case.person_date_of_birth
    db.add(Child(case_id=case.id, position=0, date_of_birth=date(2020, 1, 1), lives_in="home_country"))
    case.person_date_of_birth = date(1980, 5, 17)
    db.add(case)
    db.commit()
    after = build()
    assert after.data == before.data
    with zipfile.ZipFile(io.BytesIO(after.data)) as archive:
        document = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json")
                                                and n != "manifest.json")))
    assert document["children"] == [] and document["reference_date"] == "2027-03-01"
    assert document["person"]["date_of_birth"] == born.isoformat()
    with zipfile.ZipFile(io.BytesIO(after.data)) as archive:
        page = archive.read(next(n for n in archive.namelist() if n.endswith(".html"))).decode()
    assert "1980" not in page

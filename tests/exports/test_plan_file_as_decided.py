"""The plan file (JSON) of an approved version, downloaded from the plan's page, is the
plan file inside the approval package: the same reference date, so ``validate`` gives the
verdict the decision gave, also for a decision from before the decisions kept their plan
file (migration 0009), once the case's return date has moved on."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line, case_of  # noqa: E402
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402
from reintegration.models import Decision  # noqa: E402

DECIDED = datetime(2027, 1, 15, 10, 30, tzinfo=timezone.utc)


def package_plan_file(app, db, version) -> dict:
    with app.test_request_context():
        data = packages.build(db, version, app.extensions["rate_tables"], "en").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read(next(n for n in archive.namelist() if n.endswith("-v1.json"))))


def test_the_plan_file_of_an_old_decision_is_the_one_in_its_package(app, db, auth, make_plan, approve, make_case,
                                                                      drafter):
    # The child is 17 on the planned return date the decision used, 18 on the actual one.
    case = make_case(children=[date(2009, 3, 2)], planned_return=date(2027, 3, 1), caseworker_id=drafter.id)
    version = make_plan(case=case, lines=[Line(kind="cash", amount="20000.00"), Line(amount="29000.00")])
    approve(version, now=DECIDED)
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    decision.plan_document = None  # as a decision recorded before migration 0009
    db.add(decision)
    db.commit()
    case = case_of(db, version)
    case.actual_return = date(2027, 3, 5)
    db.add(case)
    db.commit()

    in_package = package_plan_file(app, db, version)
    assert in_package["reference_date"] == "2027-03-01"
    auth.login(drafter)
    response = auth._client.get(f"/cases/{case.id}/plans/{version.id}/plan.json")
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True)) == in_package


def test_the_plan_file_of_a_decision_is_the_one_in_its_package(app, db, auth, make_plan, approve, make_case, drafter):
    case = make_case(children=[date(2009, 3, 2)], planned_return=date(2027, 3, 1), caseworker_id=drafter.id)
    version = make_plan(case=case, lines=[
        Line(kind="cash", amount="0.01", description="Nguyễn ภาษาไทย æøå"),
        Line(amount="14500.00", category="equipment", currency="NGN", amount_local="3625000",
             exchange_rate="0.004")])
    approve(version, now=DECIDED)
    auth.login(drafter)
    response = auth._client.get(f"/cases/{case.id}/plans/{version.id}/plan.json")
    assert json.loads(response.get_data(as_text=True)) == package_plan_file(app, db, version)

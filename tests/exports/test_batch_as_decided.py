"""The batch workbook names each version's partner and country of return as decided, like
its approval package: a case moved to another partner or country afterwards changes
neither, and finance books the approved money against the partner it was approved for."""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import PLANNED_RETURN, Line, case_of  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.models import Decision  # noqa: E402

RANGE = "date_from=2027-02-01&date_to=2027-02-28&lang=en"


@pytest.fixture
def moved(db, make_org, make_case, make_plan, approve, drafter):
    """Version 1 approved in January, 2 and 3 (amending 2) in February, all for Nigeria and
    the Edo Reintegration Network; then the case is moved to Thailand and another partner
    by its caseworker's form (``edit``, to call once the caseworker is signed in)."""
    edo = make_org("partner", country="NG", name="Edo Reintegration Network", status="active")
    chiang_mai = make_org("partner", country="TH", name="Chiang Mai Support", status="active", currency="THB")
    case = make_case(partner=edo, planned_return=PLANNED_RETURN, caseworker_id=drafter.id,
                     status="awaiting_approval", reflection_start=date(2026, 1, 5),
                     reflection_end=date(2026, 2, 4))
    v1 = make_plan(case=case)
    approve(v1, now=datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc))
    v2 = make_plan(case=case, amends=v1, lines=[Line(kind="cash", amount="4000.00"), Line(amount="100.00")])
    approve(v2, now=datetime(2027, 2, 10, 9, 0, tzinfo=timezone.utc))
    v3 = make_plan(case=case, amends=v2, lines=[Line(kind="cash", amount="5000.00")])
    approve(v3, now=datetime(2027, 2, 20, 9, 0, tzinfo=timezone.utc))
    return case_of(db, v3), (v2, v3), chiang_mai


def edit_case(auth, make_user, case, partner, country: str):
    """Save the case form with another partner and country of return, as its caseworker."""
    cmm = make_user("cmm")
    response = auth.post(f"/cases/{case.id}/edit", {
        "person_name": case.person_name, "person_date_of_birth": case.person_date_of_birth.isoformat(),
        "person_sex": "female", "nationality": "NG", "return_country": country, "partner_id": str(partner.id),
        "cmm_contact_id": str(cmm.id), "caseworker_id": str(case.caseworker_id),
        "reflection_start": "2026-01-05", "reflection_end": "2026-02-04",
        "planned_return": PLANNED_RETURN.isoformat(), "revision": str(case.revision), "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def batch_rows(auth, approver, query=RANGE) -> list[list]:
    auth.login(approver)
    response = auth._client.get(f"/exports/batch?{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def package_summary(auth, version) -> dict:
    response = auth._client.get(f"/exports/package/{version.id}?lang=en")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(archive.namelist()[0])))
    return {row[0].value: row[1].value for row in workbook["Summary"].iter_rows(min_row=2)}


def test_every_row_keeps_the_decided_partner_and_country_after_the_case_moves(auth, db, make_user, moved,
                                                                              drafter, approver):
    case, versions, chiang_mai = moved
    auth.login(drafter)
    edit_case(auth, make_user, case, chiang_mai, "TH")
    moved_case = case_of(db, versions[0])
    assert (moved_case.partner_id, moved_case.return_country) == (chiang_mai.id, "TH")

    rows = batch_rows(auth, approver)
    # v2 (superseded by v3, two lines) and v3: each as decided, none as the case is now.
    assert [(r[1], r[3], r[4]) for r in rows] == [(2, "Edo Reintegration Network", "Nigeria")] * 2 + [
        (3, "Edo Reintegration Network", "Nigeria")]
    assert [r[14] for r in rows] == ["Superseded by version 3"] * 2 + ["In force"]
    for version in versions:  # the batch and the approval package say the same
        summary = package_summary(auth, version)
        assert (summary["Partner"], summary["Country of return"]) == ("Edo Reintegration Network", "Nigeria")


def test_a_decision_from_before_migration_0012_reads_the_case_as_its_package_does(auth, db, make_user, moved,
                                                                                 drafter, approver):
    """Decisions made before they kept the partner and country have neither (both NULL)
    and read the case, as now; a decision that kept its country but no partner name was
    made when the case had no partner, and its row names none."""
    case, (v2, v3), chiang_mai = moved
    auth.login(drafter)
    edit_case(auth, make_user, case, chiang_mai, "TH")
    older = db.exec(select(Decision).where(Decision.plan_version_id == v2.id)).one()
    older.return_country = older.partner_name = None
    without_partner = db.exec(select(Decision).where(Decision.plan_version_id == v3.id)).one()
    without_partner.partner_name = None
    db.add_all([older, without_partner])
    db.commit()

    rows = batch_rows(auth, approver)
    assert [(r[1], r[3], r[4]) for r in rows] == [(2, "Chiang Mai Support", "Thailand")] * 2 + [(3, None, "Nigeria")]
    summary = package_summary(auth, v2)
    assert (summary["Partner"], summary["Country of return"]) == ("Chiang Mai Support", "Thailand")
    summary = package_summary(auth, v3)
    assert (summary["Partner"], summary["Country of return"]) == (None, "Nigeria")

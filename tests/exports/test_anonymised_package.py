"""An anonymised case keeps no date of birth and no free text anywhere, the plan as
approved on its decision included; its approval package can no longer be made."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line, case_of  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration import retention  # noqa: E402
from reintegration.models import Decision  # noqa: E402
from sqlmodel import select  # noqa: E402

MESSAGES = {"en": "The case was anonymised when its retention period ended",
            "da": "Sagen blev anonymiseret, da dens opbevaringsperiode udløb"}


@pytest.fixture
def anonymised(app, db, make_plan, approve, make_case):
    case = make_case(children=[date(2018, 5, 1)], planned_return=date(2027, 3, 1))
    version = make_plan(case=case, lines=[Line(kind="cash", amount="4000.00", description="Salon chairs")])
    approve(version, now=datetime(2027, 1, 15, tzinfo=timezone.utc))
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    born = case_of(db, version).person_date_of_birth.isoformat()
    assert born in decision.plan_document and "Salon chairs" in decision.plan_document
    retention.anonymise_case(db, case_of(db, version), Path(app.config["UPLOAD_DIR"]))
    db.commit()
    return version, born


def test_the_decision_keeps_no_plan_with_dates_of_birth(db, anonymised):
    version, _born = anonymised
    db.expire_all()
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    assert decision.plan_document is None
    assert (decision.outcome, decision.content_sha256) != (None, None)  # the figures statistics need stay


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_package_is_gone_with_a_reason(auth, db, anonymised, make_user, lang):
    version, born = anonymised
    auth.login(make_user("caseworker", locale=lang))
    response = auth._client.get(f"/exports/package/{version.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert MESSAGES[lang] in page and born not in page


def test_the_command_says_so(runner, db, anonymised, tmp_path):
    version, _born = anonymised
    result = runner.invoke(args=["export-package", case_of(db, version).reference, "-o", str(tmp_path / "p.zip")])
    assert result.exit_code != 0 and "anonymised" in result.output
    assert not (tmp_path / "p.zip").exists()


def test_no_page_offers_the_package_any_more(auth, db, anonymised, make_user, approver):
    version, _born = anonymised
    auth.login(make_user("caseworker"))
    plan_page = auth._client.get(f"/cases/{version.case_id}/plans/{version.id}").get_data(as_text=True)
    assert f"/exports/package/{version.id}" not in plan_page
    auth.logout()
    auth.login(approver)
    review = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert "Approved" in review or "Godkendt" in review
    assert f"/exports/package/{version.id}" not in review

"""An approved version is shown as it was approved, whatever happens to the case after.

The version with a minor child is approved with the provider's caps (cash 20,000 kr.,
household 49,000 kr.); then the child is removed from the case. The review page, the
plan's page, the case page and the approval package keep agreeing on the check as
approved, and the pages say what changed on the case since; a new draft (an amendment)
is checked against the case as it is now."""

from __future__ import annotations

import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402
from reintegration.models import Case  # noqa: E402

NO_CHILD = {"children-0-first_name": None, "children-0-date_of_birth": None, "children-0-lives_in": None}
# Cash 12,300 and in-kind 30,000: within the provider's caps, 2,300 over each without the child.
LINES = [Line(kind="cash", amount="12300.00", description="Cash for rent"),
         Line(amount="30000.00", description="Salon equipment")]
CHANGED = {"en": ("The case has changed since this version was approved",
                  "an amendment is checked against the case as it is now"),
           "da": ("Sagen er ændret, siden denne version blev godkendt",
                  "en ændring af planen kontrolleres mod sagen, som den er nu")}


@pytest.fixture
def approved(db, make_case, make_plan, approve, partners, case_data, drafter):
    """Version 1, approved on a case that the form of ``case_data`` describes (one child
    born 2015, a planned return on 1 March 2026)."""
    case = make_case(partner=partners["NG"], person_name="Blessing Okoro", person_date_of_birth=date(1994, 5, 2),
                     planned_return=date(2026, 3, 1), reflection_start=date(2026, 1, 5),
                     reflection_end=date(2026, 2, 4), children=[date(2015, 6, 1)], cmm_contact_id=case_data.cmm.id,
                     caseworker_id=drafter.id, status="awaiting_approval")
    version = make_plan(case=case, by=drafter, lines=LINES)
    approve(version)
    return case, version


def edit_case(auth, db, case_data, caseworker, case, **changes):
    """Save the case form as the caseworker would, with ``changes``."""
    auth.login(caseworker)
    db.expire_all()
    revision = str(db.get(Case, case.id).revision)
    response = auth.post(f"/cases/{case.id}/edit", case_data(caseworker, revision=revision, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    auth.logout()


def read(auth, user, url) -> str:
    auth.login(user)
    response = auth._client.get(url)
    auth.logout()
    assert response.status_code == 200, url
    return response.get_data(as_text=True).replace("\xa0", " ")


def summary_value(page: str, label: str) -> str | None:
    found = re.search(r"<dt>%s</dt><dd>(.*?)</dd>" % re.escape(label), page)
    return found.group(1) if found else None


@pytest.mark.parametrize("locale", ["en", "da"])
def test_the_plan_page_keeps_the_check_as_approved_and_says_what_changed(auth, db, approved, case_data, drafter,
                                                                         locale):
    case, version = approved
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    drafter.locale = locale
    db.add(drafter)
    db.commit()
    page = read(auth, drafter, f"/cases/{case.id}/plans/{version.id}")
    for words in CHANGED[locale]:
        assert words in page
    if locale == "en":
        assert "Budget check as approved" in page and "No errors: the budget is within the rates." in page
        assert "cannot be submitted yet" not in page and "Over by" not in page
        assert "DKK 20,000.00" in page and "DKK 49,000.00" in page  # the caps as approved
        assert "Children: Jun 1, 2015 (In the home country) when approved, no children now" in page
    else:
        assert "kan ikke indsendes endnu" not in page and "20.000,00 kr." in page and "49.000,00 kr." in page


def test_the_review_page_keeps_the_check_as_approved(auth, db, approved, case_data, drafter, approver):
    case, version = approved
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    page = read(auth, approver, f"/approvals/{version.id}")
    assert summary_value(page, "Decision") == "Approved"
    assert "Rate check as approved" in page and "The budget is within the rates." in page
    assert "Over every cap" not in page and "Over by" not in page and "Error" not in page
    assert "Child 1, in-kind" in page and "DKK 20,000.00" in page  # the child's entitlement, the provider's cash
    for words in CHANGED["en"]:
        assert words in page


def test_case_page_plan_page_review_and_package_agree(app, auth, db, approved, case_data, drafter, approver):
    case, version = approved
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    with app.test_request_context():
        package_check = packages.gather(db, version, app.extensions["rate_tables"]).check
    assert (package_check.caps.cash, package_check.caps.total) == (Decimal("20000.00"), Decimal("49000.00"))
    assert package_check.ok
    case_page = read(auth, drafter, f"/cases/{case.id}")
    assert "No errors" in case_page and "Has errors" not in case_page


def test_the_review_names_country_and_partner_as_decided(auth, db, approved, case_data, drafter, approver, partners):
    case, version = approved
    edit_case(auth, db, case_data, drafter, case, return_country="TH", partner_id=str(partners["TH"].id))
    page = read(auth, approver, f"/approvals/{version.id}")
    assert summary_value(page, "Country of return") == "Nigeria"
    assert summary_value(page, "Partner") == "Edo Network"
    assert "Country of return: Nigeria when approved, Thailand now" in page
    assert "Partner: Edo Network when approved, Chiang Mai Support now" in page
    plan_page = read(auth, drafter, f"/cases/{case.id}/plans/{version.id}")
    assert "Country of return: Nigeria when approved, Thailand now" in plan_page


def test_an_unchanged_case_gives_no_notice(auth, db, approved, drafter, approver):
    case, version = approved
    assert CHANGED["en"][0] not in read(auth, drafter, f"/cases/{case.id}/plans/{version.id}")
    assert CHANGED["en"][0] not in read(auth, approver, f"/approvals/{version.id}")


def test_an_amendment_is_checked_against_the_case_as_it_is_now(auth, db, approved, case_data, drafter):
    case, version = approved
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    auth.login(drafter)
    started = auth.post(f"/cases/{case.id}/plans")
    assert started.status_code == 302 and started.location.endswith("/edit")
    editing = auth._client.get(started.location).get_data(as_text=True).replace("\xa0", " ")
    assert "2 errors: the plan cannot be submitted yet." in editing
    assert "DKK 10,000.00" in editing and "DKK 40,000.00" in editing  # the caps without the child
    draft_page = auth._client.get(started.location.removesuffix("/edit")).get_data(as_text=True)
    assert "2 errors: the plan cannot be submitted yet." in draft_page and "as approved" not in draft_page
    auth.logout()


def test_a_superseded_version_keeps_its_check_as_approved(auth, db, approved, case_data, drafter, make_plan, approve):
    case, first = approved
    second = make_plan(case=case, by=drafter, lines=LINES, amends=first)
    approve(second)
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    page = read(auth, drafter, f"/cases/{case.id}/plans/{first.id}")
    assert "Superseded by an amendment" in page and "Budget check as approved" in page
    assert "cannot be submitted yet" not in page and "DKK 49,000.00" in page and CHANGED["en"][0] in page


def test_the_plan_file_of_an_approved_version_is_the_plan_as_approved(auth, db, approved, case_data, drafter):
    """After the child is removed from the case, the approved version's plan file still
    holds the child (and so validates as the page says it did); a new draft's file is the
    case as it is now."""
    import json

    from reintegration.domain.budget import check_plan
    from reintegration.domain.planfile import parse_plan
    from reintegration.domain.rates import default_rates_dir, load_rate_tables
    from reintegration.models import PlanVersion
    from sqlmodel import select

    case, version = approved
    edit_case(auth, db, case_data, drafter, case, **NO_CHILD)
    auth.login(drafter)
    response = auth._client.get(f"/cases/{case.id}/plans/{version.id}/plan.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert [child["date_of_birth"] for child in document["children"]] == ["2015-06-01"]
    assert check_plan(parse_plan(document), load_rate_tables(default_rates_dir()), date.today()).ok

    assert auth.post(f"/cases/{case.id}/plans", {}).status_code == 302
    draft = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)
                    .order_by(PlanVersion.number.desc())).first()
    assert draft.status == "draft"
    document = json.loads(auth._client.get(f"/cases/{case.id}/plans/{draft.id}/plan.json").get_data(as_text=True))
    assert document["children"] == []

"""DRC's and CMM's follow-up page of a case says when an amendment awaits
Hjemrejsestyrelsen's decision (as the partner's case page shows the newest version), and
links to the case's page and to the plan version in force for the roles whose pages
those are (``@allow``). The pages are read in English, the test users' language: the
new words have no Danish until the catalogs are extracted."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import BudgetLine, PlanVersion


def text(html: str) -> str:
    """The words of some HTML, spaces made one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").strip()


def amendment(db, case, status: str, submitted_at: datetime | None = None) -> PlanVersion:
    """A second version of ``case``, amending the approved one, left in ``status``."""
    first = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    version = PlanVersion(case_id=case.id, number=2, status="draft", amends_id=first.id, activity_kind="business")
    db.add(version)
    db.commit()
    db.add(BudgetLine(plan_version_id=version.id, line_key=f"L{case.id}-0", position=0, kind="cash", month=1,
                      amount_dkk=Decimal("4515.00"), description="Line 1"))
    version.status, version.submitted_at = status, submitted_at
    db.add(version)
    db.commit()
    return version


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver"])
def test_the_case_page_says_an_amendment_awaits_the_decision(client, auth, db, make_user, returned_case, role):
    reader = make_user(role)
    case = returned_case(cmm_contact_id=reader.id if role == "cmm" else None)
    # 23:30 UTC on 2 December is 3 December in Denmark.
    version = amendment(db, case, "submitted", datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc))
    auth.login(reader)
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    notice = page.split("An amendment awaits Hjemrejsestyrelsen's decision")[1].split("</div>")[0]
    assert f'<a href="/cases/{case.id}/plans/{version.id}">Plan version 2</a> was submitted on' in notice
    assert "was submitted on Dec 3, 2026." in text(notice), text(notice)
    assert client.get(f"/cases/{case.id}/plans/{version.id}").status_code == 200  # the link opens


@pytest.mark.parametrize("status", ["draft", "returned", "rejected"])
def test_no_notice_while_no_amendment_is_submitted(client, auth, db, returned_case, status):
    case = returned_case()
    auth.login("caseworker")
    assert "An amendment awaits" not in client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    amendment(db, case, status)
    assert "An amendment awaits" not in client.get(f"/followup/cases/{case.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver"])
def test_the_case_page_links_to_the_case_and_the_plan_in_force(client, auth, db, make_user, returned_case, role):
    reader = make_user(role)
    case = returned_case(cmm_contact_id=reader.id if role == "cmm" else None)
    in_force = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    amendment(db, case, "submitted", datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc))
    auth.login(reader)
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    summary = page.split('<dl class="app-summary">')[1].split("</dl>")[0]
    assert f'<a href="/cases/{case.id}">{case.reference}</a>' in summary
    assert f'<a href="/cases/{case.id}/plans/{in_force.id}">Plan version 1</a>' in summary
    assert "Plan in force" in summary
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/plans/{in_force.id}"):
        assert client.get(url).status_code == 200, url  # each link opens for this reader


def test_no_link_to_a_page_the_role_may_not_open(app, client, auth, db, make_user, returned_case, monkeypatch):
    """The links follow the pages' own policies (``@allow``): were CMM refused the case
    and plan pages, its follow-up page would name them without a link."""
    reader = make_user("cmm")
    case = returned_case(cmm_contact_id=reader.id)
    amendment(db, case, "submitted", datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc))
    for endpoint in ("cases.show", "plans.show"):
        monkeypatch.setattr(app.view_functions[endpoint], "access_roles", frozenset({"caseworker", "approver"}))
    auth.login(reader)
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' not in page and f'href="/cases/{case.id}/plans/' not in page
    summary = text(page.split('<dl class="app-summary">')[1].split("</dl>")[0])
    assert f"Case {case.reference}" in summary and "Plan in force Plan version 1" in summary
    assert "Plan version 2 was submitted on" in text(page)

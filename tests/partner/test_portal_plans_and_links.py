"""The partner portal and the plans partners co-draft: the case page's follow-up link
leads a partner to their portal, the portal lists the cases in preparation (their own
only, paged) with a link to each plan, and a case's portal page links to its plan."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlmodel import select

from reintegration.models import PlanVersion


def _plan(db, case, number=1, status="draft"):
    version = PlanVersion(case_id=case.id, number=number, status=status, activity_kind="business",
                          activity_description="Tailoring shop")
    db.add(version)
    db.commit()
    return version


def _section(page: str, heading: str) -> str:
    """The part of a portal page from ``heading`` to the next level-2 heading."""
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start:end if end > 0 else None]


def test_case_page_sends_a_partner_to_the_portal_not_to_the_followup_pages(client, auth, make_org, make_user,
                                                                          returned_case):
    mine = make_org("partner")
    case = returned_case(partner=mine)
    auth.login(make_user("partner", organisation=mine))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/partner/cases/{case.id}"' in page
    assert f"/followup/cases/{case.id}" not in page
    assert client.get(f"/partner/cases/{case.id}").status_code == 200
    auth.logout()

    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/followup/cases/{case.id}"' in page and f"/partner/cases/{case.id}" not in page


def test_case_page_has_no_followup_link_before_the_return(client, auth, make_org, make_user, make_case):
    mine = make_org("partner")
    case = make_case(partner=mine, status="preparing")
    auth.login(make_user("partner", organisation=mine))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Follow-up reports and payments" not in page


def test_portal_lists_own_cases_in_preparation_with_their_plans(client, auth, db, make_org, make_user, make_case,
                                                                returned_case):
    mine, theirs = make_org("partner"), make_org("partner")
    drafting = make_case(partner=mine, reference="RT-PR-0001", status="preparing")
    _plan(db, drafting, 1, "returned")
    newest = _plan(db, drafting, 2, "draft")
    waiting = make_case(partner=mine, reference="RT-AA-0001", status="awaiting_approval")
    submitted = _plan(db, waiting, 1, "submitted")
    bare = make_case(partner=mine, reference="RT-PR-0002", status="preparing")
    returned_case(partner=mine, reference="RT-IF-0001")
    other = make_case(partner=theirs, reference="RT-TH-0001", status="preparing")
    other_plan = _plan(db, other)

    auth.login(make_user("partner", organisation=mine))
    page = client.get("/partner/").get_data(as_text=True)
    section = _section(page, "Cases in preparation")
    refs = re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>', section)
    # Drafting before awaiting approval, newest first; no case in follow-up, no other partner's.
    assert refs == ["RT-PR-0002", "RT-PR-0001", "RT-AA-0001"]
    assert f'href="/cases/{drafting.id}/plans/{newest.id}">Plan version 2</a> (Draft)' in section
    assert f'href="/cases/{waiting.id}/plans/{submitted.id}">Plan version 1</a> (Submitted for approval)' in section
    assert "No plan has been started." in section and f"/partner/cases/{bare.id}" in section
    assert "RT-TH-0001" not in page and f"/plans/{other_plan.id}" not in page
    assert "RT-IF-0001" in _section(page, "Open cases") and "RT-IF-0001" not in section
    # The links lead somewhere the partner may go; the other partner's plan does not.
    assert client.get(f"/cases/{drafting.id}/plans/{newest.id}").status_code == 200
    assert client.get(f"/partner/cases/{bare.id}").status_code == 200
    assert client.get(f"/cases/{other.id}/plans/{other_plan.id}").status_code == 404
    assert client.get(f"/partner/cases/{other.id}").status_code == 404


def test_cases_in_preparation_are_paged_without_more_queries(app, client, auth, db, make_org, make_user, make_case):
    from reintegration.partner.views import PAGE_SIZE

    mine, theirs = make_org("partner"), make_org("partner")
    for n in range(2):
        _plan(db, make_case(partner=mine, reference=f"RT-PR-{n:04d}", status="preparing"))
    auth.login(make_user("partner", organisation=mine))

    statements = []

    def count(url):
        statements.clear()
        engine = app.extensions["db_engine"]
        listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            page = client.get(url).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return len(statements), page

    few, page = count("/partner/")
    assert "Pages of cases in preparation" not in page
    for n in range(2, PAGE_SIZE + 5):
        _plan(db, make_case(partner=mine, reference=f"RT-PR-{n:04d}", status="preparing"))
    for n in range(3):
        _plan(db, make_case(partner=theirs, reference=f"RT-TH-{n:04d}", status="preparing"))
    many, page = count("/partner/")
    assert many == few
    section = _section(page, "Cases in preparation")
    first = re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>', section)
    assert len(first) == PAGE_SIZE and first[0] == f"RT-PR-{PAGE_SIZE + 4:04d}"
    assert "Next page" in section and "?preparing=2" in section

    _n, page = count("/partner/?preparing=2")
    second = re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>',
                        _section(page, "Cases in preparation"))
    assert second == [f"RT-PR-{n:04d}" for n in range(4, -1, -1)]
    assert not set(first) & set(second) and not any(ref.startswith("RT-TH") for ref in first + second)


def test_portal_case_page_links_to_the_plan(client, auth, db, make_org, make_user, make_case, returned_case):
    mine = make_org("partner")
    drafting = make_case(partner=mine, status="preparing")
    version = _plan(db, drafting)
    followed = returned_case(partner=mine)
    in_force = db.exec(select(PlanVersion).where(PlanVersion.case_id == followed.id)).one()
    auth.login(make_user("partner", organisation=mine))

    page = client.get(f"/partner/cases/{drafting.id}").get_data(as_text=True)
    assert f'href="/cases/{drafting.id}/plans/{version.id}">Plan version 1</a> (Draft)' in page
    assert "The plan is being prepared." in page

    page = client.get(f"/partner/cases/{followed.id}").get_data(as_text=True)
    assert f'href="/cases/{followed.id}/plans/{in_force.id}">Plan version 1</a> (Approved)' in page
    # An amendment being drafted is the current version; the one in force stays linked.
    amendment = _plan(db, followed, 2, "draft")
    page = client.get(f"/partner/cases/{followed.id}").get_data(as_text=True)
    assert f'href="/cases/{followed.id}/plans/{amendment.id}">Plan version 2</a> (Draft)' in page
    assert f'href="/cases/{followed.id}/plans/{in_force.id}">Plan version 1</a> (approved, in force)' in page


def test_portal_in_danish_names_the_plans(client, auth, db, make_org, make_user, make_case):
    mine = make_org("partner")
    case = make_case(partner=mine, status="preparing")
    version = _plan(db, case)
    auth.login(make_user("partner", organisation=mine, locale="da"))
    page = client.get("/partner/").get_data(as_text=True)
    section = _section(page, "Sager under forberedelse")
    assert f'href="/cases/{case.id}/plans/{version.id}">Planversion 1</a> (Kladde)' in section


def test_a_plan_page_leads_a_partner_back_to_the_portal(client, auth, db, make_org, make_user, make_case):
    """A partner officer follows the portal's link to a plan: the plan page's trail and
    its "Back to case" link lead to the portal's pages, not the staff case list."""
    mine = make_org("partner")
    case = make_case(partner=mine, status="preparing")
    version = _plan(db, case)
    auth.login(make_user("partner", organisation=mine))
    page = client.get(f"/cases/{case.id}/plans/{version.id}").get_data(as_text=True)
    trail = page[page.index('<nav class="breadcrumbs"'):page.index("</nav>", page.index('<nav class="breadcrumbs"'))]
    assert 'href="/partner/"' in trail and f'href="/partner/cases/{case.id}"' in trail and "My cases" in trail
    assert 'href="/cases"' not in trail and f'href="/cases/{case.id}"' not in page
    assert f'<a href="/partner/cases/{case.id}">Back to case {case.reference}</a>' in page
    auth.logout()

    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}/plans/{version.id}").get_data(as_text=True)
    trail = page[page.index('<nav class="breadcrumbs"'):page.index("</nav>", page.index('<nav class="breadcrumbs"'))]
    assert 'href="/cases"' in trail and f'href="/cases/{case.id}"' in trail and "/partner/" not in trail
    assert f'<a href="/cases/{case.id}">Back to case {case.reference}</a>' in page

"""A page links to another page, or offers an action, only where the reader's role may
open it: ``access.may_open`` reads the target's ``@allow`` roles, so no link or menu entry
leads to "403 Forbidden", and a policy changed in one place changes the links with it."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from reintegration.access import may_open
from reintegration.core.navigation import MENU
from reintegration.models import PlanVersion

STAFF = ("caseworker", "approver", "cmm")
HREF = re.compile(r'href="(/[^"#]*)')


def test_may_open_reads_the_roles_the_page_allows(app):
    with app.test_request_context():
        assert may_open("caseworker", "plans.create")
        assert not may_open("approver", "plans.create")
        assert may_open("approver", "approvals.review")
        assert not may_open("caseworker", "approvals.review")
        assert may_open("partner", "partner.case") and not may_open("cmm", "partner.case")
        assert not may_open(None, "cases.show")
        assert not may_open("caseworker", "no.such_page")


def test_every_menu_entry_opens_for_its_role(app):
    with app.test_request_context():
        for role, entries in MENU.items():
            for endpoint, _label in entries:
                assert may_open(role, endpoint), (role, endpoint)


def _links(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return {link.replace("&amp;", "&") for link in HREF.findall(response.get_data(as_text=True))
            if not link.startswith("/static/")}


@pytest.mark.parametrize("role", STAFF + ("partner",))
def test_no_link_on_a_case_s_pages_is_forbidden_to_the_reader(client, auth, db, make_org, make_user,
                                                              returned_case, role):
    partner = make_org("partner")
    user = make_user(role, organisation=partner if role == "partner" else None)
    case = returned_case(partner=partner, cmm_contact_id=user.id if role == "cmm" else None)
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    auth.login(user)
    pages = ([f"/partner/cases/{case.id}"] if role == "partner"
             else [f"/cases/{case.id}", f"/followup/cases/{case.id}"]) + [f"/cases/{case.id}/plans/{version.id}"]
    links = set().union(*(_links(client, page) for page in pages))
    # The pages link the reader on: the case's other pages, and the plan's (its package
    # for the staff who may download it).
    assert f"/cases/{case.id}/plans/{version.id}" in links
    if role != "partner":
        assert f"/exports/package/{version.id}" in links
    forbidden = [link for link in sorted(links) if client.get(link).status_code == 403]
    assert forbidden == []


def test_the_case_trail_leads_where_the_reader_may_go(app, db, make_org, make_user, make_case, monkeypatch):
    """The breadcrumbs through a case (``navigation.case_trail``) lead a partner officer to
    the portal and staff to the staff pages; a role that may not open its own case pages
    is led to the staff pages instead, as ``may_open`` says, never to a page it cannot open."""
    from flask_login import login_user

    from reintegration.core import navigation

    partner = make_org("partner")
    case = make_case(partner=partner)
    officer, caseworker = make_user("partner", organisation=partner), make_user("caseworker")
    for user, expected in ((officer, ["/partner/", f"/partner/cases/{case.id}"]),
                           (caseworker, ["/cases", f"/cases/{case.id}"])):
        with app.test_request_context():
            login_user(user)
            assert [url for _text, url in navigation.case_trail(case)] == expected, user.role
    monkeypatch.setattr(navigation, "may_open", lambda role, endpoint: endpoint != "partner.case")
    with app.test_request_context():
        login_user(officer)
        assert [url for _text, url in navigation.case_trail(case)] == ["/cases", f"/cases/{case.id}"]

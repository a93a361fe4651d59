"""The main menu marks the page's own entry as the current page (aria-current), and only
that one: a screen reader announces "current page" on the entry, so three of them (the
administrator's users, organisations and rate tables share one area) told nothing."""

from __future__ import annotations

import re

import pytest

CURRENT = re.compile(r'<a href="([^"]+)" class="mainmenu-item-link" aria-current="page">')


def current_entries(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return CURRENT.findall(response.get_data(as_text=True))


def test_each_administration_page_marks_its_own_entry(client, auth, db):
    admin = auth.login("admin", locale="en")
    assert current_entries(client, "/admin/users") == ["/admin/users"]
    assert current_entries(client, "/admin/users/new") == ["/admin/users"]
    assert current_entries(client, f"/admin/users/{admin.id}") == ["/admin/users"]
    assert current_entries(client, "/admin/organisations") == ["/admin/organisations"]
    assert current_entries(client, f"/admin/organisations/{admin.organisation_id}") == ["/admin/organisations"]
    assert current_entries(client, "/admin/rates") == ["/admin/rates"]


@pytest.mark.parametrize("role, path, entry", [("caseworker", "/cases", "/cases"),
                                               ("caseworker", "/cases/new", "/cases"),
                                               ("caseworker", "/followup/", "/followup/"),
                                               ("approver", "/approvals/", "/approvals/")])
def test_other_roles_mark_the_entry_of_the_page_area(client, auth, role, path, entry):
    auth.login(role, locale="en")
    assert current_entries(client, path) == [entry]


def test_a_page_outside_the_menu_marks_no_entry(client, auth):
    auth.login("caseworker", locale="en")
    assert current_entries(client, "/account/two-factor") == []

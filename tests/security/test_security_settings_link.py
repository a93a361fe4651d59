"""Every signed-in user finds the two-factor settings from the page header, in the
full layout and in the partner portal's light one; signed-out pages have no link."""

from __future__ import annotations

import re

import pytest

LINK = re.compile(r'<header class="header">.*<a href="/account/two-factor"[^>]*>Security settings</a>.*</header>',
                  re.S)


@pytest.mark.parametrize("role, path", [("caseworker", "/cases"), ("approver", "/approvals/"),
                                        ("admin", "/admin/users"), ("partner", "/partner/")])
def test_the_header_links_to_the_security_settings(client, auth, role, path):
    auth.login(role, locale="en")
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert LINK.search(page), path
    settings = client.get("/account/two-factor").get_data(as_text=True)
    assert 'href="/account/two-factor" aria-current="page"' in settings


def test_the_link_is_in_danish_for_danish_users(client, auth):
    auth.login("caseworker", locale="da")
    assert ">Sikkerhedsindstillinger</a>" in client.get("/cases").get_data(as_text=True)


def test_no_link_when_signed_out(client):
    assert "/account/two-factor" not in client.get("/login").get_data(as_text=True)

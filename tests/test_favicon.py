"""The site's icon: every page links it, and /favicon.ico (asked for by browsers and
other clients that do not read the link) answers it instead of a 404 on every page
load. DKFDS ships no icon: it is an SVG of ours."""

from __future__ import annotations

import re

import pytest



def _icon_links(page: str) -> list[str]:
    return [re.search(r'href="([^"]+)"', tag).group(1)
            for tag in re.findall(r'<link[^>]*\brel="icon"[^>]*>', page)]


def _is_svg_icon(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "image/svg+xml"
            and b"<svg" in response.get_data())


def test_favicon_ico_answers_the_icon_signed_out(client):
    response = client.get("/favicon.ico")
    assert response.status_code != 404
    assert _is_svg_icon(client.get("/favicon.ico", follow_redirects=True))


@pytest.mark.parametrize("role", [None, "caseworker", "partner"])
def test_every_page_shell_links_the_icon(client, auth, make_org, role):
    """The sign-in page (signed out), a staff page and the partner portal's own shell."""
    if role == "partner":
        auth.login("partner", organisation=make_org("partner"))
    elif role:
        auth.login(role)
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    [href] = _icon_links(page)
    assert _is_svg_icon(client.get(href))


def test_an_error_page_links_the_icon(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    [href] = _icon_links(response.get_data(as_text=True))
    assert _is_svg_icon(client.get(href))

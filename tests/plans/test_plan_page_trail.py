"""The plan page's breadcrumbs end with the version itself: "Cases > RT-... > Plan,
version 1", the last not a link. The trail's `here` (the page about the version, set by
the review and changes pages) was filled by a template global of the same name on the
plan's own pages, which then showed "<function here at 0x...>" as the current page."""

from __future__ import annotations

import re

from plan_helpers import edit_url, plan_case, start_draft  # noqa: F401

TRAIL_RE = re.compile(r'<nav class="breadcrumbs".*?</nav>', re.S)
ITEM_RE = re.compile(r'<li class="breadcrumbs__list-item"([^>]*)>(.*?)</li>', re.S)


def _trail(page: str) -> list[tuple[bool, str]]:
    [nav] = TRAIL_RE.findall(page)
    return [("aria-current" in attrs, re.sub(r"<[^>]+>", "", body).strip()) for attrs, body in ITEM_RE.findall(nav)]


def test_the_plan_pages_end_their_trail_with_the_version(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    for url in (edit_url(version), f"/cases/{version.case_id}/plans/{version.id}"):
        response = auth._client.get(url, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<function" not in page, url
        items = _trail(page)
        assert items[-1] == (True, f"Plan, version {version.number}"), (url, items)
        assert [current for current, _text in items].count(True) == 1


def test_the_language_form_still_names_this_page(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth._client.get(f"{edit_url(version)}?x=1").get_data(as_text=True)
    assert f'name="next" value="{edit_url(version)}?x=1"' in page

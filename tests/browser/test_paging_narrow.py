"""Paging at 320 CSS px (WCAG 1.4.10): DKFDS hides ``.pagination__items`` below 768 px and
expects its own mobile markup in their place; the app's pagination has no such markup, so
its list of links must stay shown, or a caseworker on a phone or at 400 % zoom cannot get
past the first page of cases."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps

pytestmark = pytest.mark.browser


def test_case_list_can_be_paged_at_320_css_px(small_pages_page_as):
    page_as = small_pages_page_as
    cw = page_as("caseworker", reflow=True)
    for _ in range(2):
        cw.goto("/cases", label="cases")
        steps.create_case(cw, name=steps.unique_name("Paging"), children=())
    cw.goto("/cases", label="cases, page 1 (320 px)")
    nav = cw.page.locator("main nav.pagination")
    expect(nav.get_by_text("Side 1 af")).to_be_visible()
    cw.submit(nav.get_by_role("link", name="Næste side"), label="cases, page 2 (320 px)")
    expect(cw.page.locator("main nav.pagination").get_by_role("link", name="Forrige side")).to_be_visible()
    page_as.finish()

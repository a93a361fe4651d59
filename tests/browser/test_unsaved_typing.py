"""Typing is not lost by leaving the page another way than by sending it: after typing
into a form, the language switch (a form of its own), a link or signing out makes the
browser ask first (session.js, every signed-in page); staying keeps the typing. Sending
the form that holds it asks nothing, and a page typed into nothing asks nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_leaving_typed_text_asks_first_and_sending_it_does_not(page_as):
    cw = page_as("caseworker")
    page = cw.page
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # "stay on the page"

    page.on("dialog", answer)
    cw.goto("/cases/new", label="case form")
    page.locator("#person_name").fill("Blessing Okoro")
    # The language switch in the header: the browser asks, the user stays, the typing stays.
    page.locator("header form button[name=lang]").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.locator("#person_name")).to_have_value("Blessing Okoro")
    assert page.url.endswith("/cases/new")

    # Sending the form itself leaves without a question (here it comes back with errors).
    page.locator("main form button.button-primary[value=save]").click()
    page.wait_for_load_state()
    assert asked == ["beforeunload"]
    expect(page.locator("#person_name")).to_have_value("Blessing Okoro")

    # A page nothing was typed into is left without a question, both ways. The way back
    # also gives the caseworker their Danish again: the choice is kept on the account,
    # which the next test signs in to expecting Danish.
    for lang in ("en", "da"):
        page.locator("header form button[name=lang]").click()
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert asked == ["beforeunload"]

"""A page opened before the user signed in again keeps what was typed sendable: the new
session's form token reaches it (static/js/session.js, ``auth.form_token``), so a caseworker
who was signed out in the middle of a long form, and signed in again in another tab, sends
the form from the page they typed it in. Never when another person signed in in that
browser (a shared computer): then the page says its user was signed out, and sends nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from browser_helpers import Actor
from reintegration.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

TOKEN = "main form input[name=csrf_token]"


def _typed_then_signed_in_again(page_as, email: str, prefix: str) -> tuple[Actor, str, str]:
    """The caseworker types a case into the form; in a second tab of the same browser the
    caseworker signs out and ``email`` signs in (a caseworker: no second step). Returns
    the first tab's actor, the typed name and the form's token from before."""
    cw = page_as("caseworker")
    name = steps.unique_name(prefix)
    steps.type_new_case(cw, name)
    old = cw.page.locator(TOKEN).first.input_value()
    other = Actor(cw.page.context.new_page(), cw.base_url, f"second tab, {email}", cw.lang, cw.findings)
    other.goto("/account/two-factor", label="a page with the header")
    other.submit(other.page.locator("header form[action$='/logout'] button"), label="signed out")
    other.page.locator("#email").fill(email)
    other.page.locator("#password").fill(DEMO_PASSWORD)
    other.submit(other.page.locator("main form button[type=submit]"), label="signed in again")
    return cw, name, old


def test_signing_in_again_in_another_tab_keeps_the_typed_form_sendable(page_as):
    cw, name, old = _typed_then_signed_in_again(page_as, "caseworker@drc.demo", "Signed in again")
    page = cw.page
    # The first tab took the new session's token, with what was typed untouched.
    expect(page.locator(TOKEN).first).not_to_have_value(old)
    expect(page.locator("#person_name")).to_have_value(name)
    cw.submit(steps.action_button(cw, "save"), label="case created from the page opened before")
    expect(page.locator("main h1")).to_contain_text("RT-")
    expect(page.locator("main")).to_contain_text(name)


def test_another_persons_sign_in_sends_nothing_from_the_page(page_as):
    cw, name, old = _typed_then_signed_in_again(page_as, "caseworker2@drc.demo", "Not mine")
    page = cw.page
    # The first page is told its user was signed out; its token is not replaced, and
    # signing in again opens a new tab, so the typing stays here.
    ended = page.get_by_role("alertdialog", name="Du er blevet logget ud")
    expect(ended).to_be_visible()
    expect(page.locator("#session-expired-text")).to_contain_text("ikke gemt")
    link = ended.locator("[data-session-sign-in]")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_contain_text("åbner i en ny fane")
    assert page.locator(TOKEN).first.input_value() == old
    expect(page.locator("#person_name")).to_have_value(name)
    cw.settle("signed out by another person's sign-in")

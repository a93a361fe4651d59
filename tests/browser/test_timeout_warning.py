"""The timeout warning in a real browser (WCAG 2.1 SC 2.2.1, Timing Adjustable), on a
server whose sessions end after SHORT_SESSION_SECONDS without a request: the warning is
an alert dialog that takes the focus, says what is unsaved and passes axe; "Stay signed
in" keeps a form's typing sendable after the session would have ended; unanswered, the
dialog says the session has ended and the form is kept on the page rather than sent to
be refused; and a partner whose session ended is answered in the language they read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from browser_helpers import SHORT_SESSION_SECONDS, SHORT_WARNING_SECONDS, Actor

pytestmark = pytest.mark.browser

WAIT_MS = (SHORT_SESSION_SECONDS + 10) * 1000
# Everything on the page but the dialog is inert (out of reach of keyboard and pointer).
OUT_OF_REACH = """() => Array.from(document.body.children)
    .filter(el => el.id !== 'session-timeout' && el.tagName !== 'SCRIPT').every(el => el.inert)"""


def open_case_form(actor: Actor, name: str) -> float:
    """Open the new-case form and type into it (nothing is sent). Returns when, by the
    browser's clock (ms), the session ends unless something renews it."""
    steps.type_new_case(actor, name)
    return actor.page.evaluate("() => performance.timing.requestStart") + SHORT_SESSION_SECONDS * 1000


def test_the_warning_is_announced_and_staying_signed_in_keeps_the_form_sendable(short_session_page_as):
    leaves = short_session_page_as("caseworker2")  # does not answer the warning
    stays = short_session_page_as("caseworker")
    name = steps.unique_name("Timeout")
    left_end = open_case_form(leaves, steps.unique_name("Timeout left"))
    first_end = open_case_form(stays, name)
    page = stays.page

    # The warning: an alert dialog, named and described, that has the focus, says the
    # typing is unsaved, and leaves the rest of the page out of reach until answered.
    dialog = page.get_by_role("alertdialog", name="Du bliver snart logget ud")
    expect(dialog).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("() => Date.now()") < first_end  # before the end, not after it
    expect(dialog).to_have_attribute("aria-modal", "true")
    description = page.locator("#" + dialog.get_attribute("aria-describedby"))
    expect(description).to_contain_text("Du bliver logget ud om")
    expect(description).to_contain_text("sekunder")  # the countdown, in Danish
    expect(description).to_contain_text("ikke gemt endnu")
    assert page.evaluate("() => document.activeElement.id") == "session-warning-heading"
    expect(dialog.locator("[aria-live=polite]")).to_have_count(1)
    assert page.evaluate(OUT_OF_REACH)
    stays.settle("timeout warning")  # axe, with the dialog open
    stays.shot("session-timeout-warning")

    # Keyboard only: Tab reaches "Stay signed in", Enter answers, the focus goes back.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Forbliv logget ind"
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert page.evaluate("() => document.activeElement.id") == "person_name"
    assert not page.evaluate(OUT_OF_REACH)

    # The other user did not answer: when the time runs out the dialog says so, and a form
    # sent afterwards stays on the page with its typing instead of being refused.
    other = leaves.page
    ended = other.get_by_role("alertdialog", name="Du er blevet logget ud")
    expect(ended).to_be_visible(timeout=WAIT_MS)
    expect(other.locator("#session-expired-text")).to_contain_text("ikke gemt")
    assert other.evaluate("() => document.activeElement.id") == "session-expired-heading"
    leaves.settle("session ended")
    leaves.shot("session-timeout-ended")
    ended.get_by_role("button", name="Luk").click()
    expect(ended).to_be_hidden()
    url = other.url
    other.wait_for_function("end => Date.now() > end + 2000", arg=left_end, timeout=WAIT_MS)  # surely over
    steps.action_button(leaves, "save").click()
    expect(ended).to_be_visible()  # asked the server, which no longer knows the session
    assert other.url == url
    expect(other.locator("#person_name")).not_to_have_value("")

    # Past the end the first session would have had, the form is sent and saved.
    page.wait_for_function("end => Date.now() > end + 1000", arg=first_end, timeout=WAIT_MS)
    expect(dialog).to_be_hidden()
    stays.submit(steps.action_button(stays, "save"), label="case created after staying signed in")
    expect(page.locator("main")).to_contain_text(name)
    assert "/cases/new" not in page.url, page.url
    short_session_page_as.finish()


def test_the_partner_portal_warns_too_in_the_partners_language(short_session_page_as):
    """The partner portal's light shell carries the warning as well (a partner writing a
    long report on a phone is who the time limit hurts most), in the language the partner
    reads, not the phone's; staying signed in keeps the portal's forms sendable after the
    session would have ended. (The expired-form page's language without a script: the
    server tests in tests/security/test_session_timeout.py.)"""
    partner = short_session_page_as("partner_th", locale="th-TH", viewport=(360, 740))
    assert partner.lang == "en"
    page = partner.page
    partner.goto("/partner/", label="partner portal")
    ends = page.evaluate("() => performance.timing.requestStart") + SHORT_SESSION_SECONDS * 1000
    dialog = page.get_by_role("alertdialog", name="You will soon be signed out")
    expect(dialog).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("() => Date.now()") < ends
    assert page.evaluate(OUT_OF_REACH)
    partner.settle("partner timeout warning")  # axe, with the dialog open, on partner.css
    box = dialog.locator(".modal-content").bounding_box()
    assert box and box["y"] < 740, box  # over the page, not below it
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    page.wait_for_function("end => Date.now() > end + 1000", arg=ends, timeout=WAIT_MS)
    partner.submit(page.locator("header").get_by_role("button", name="Dansk"), label="language after staying",
                   lang="da")
    assert "/partner" in page.url, page.url
    partner.submit(page.locator("header").get_by_role("button", name="English"), label="language back")
    assert SHORT_WARNING_SECONDS < SHORT_SESSION_SECONDS
    short_session_page_as.finish()

"""Changes typed into the drafting form and not saved are not lost without warning: the
submit and comment forms are separate forms, and leaving the page by either (or a link)
would drop them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps

pytestmark = pytest.mark.browser


def test_leaving_the_drafting_page_with_unsaved_changes_asks_first(page_as):
    cw = page_as("caseworker")
    plan = steps.valid_plan(cw, submit=False)
    page = cw.page
    edit_url = page.url
    notice = page.locator("#plan-unsaved")
    submit_button = page.locator(f"main form[action$='/plans/{plan.version_id}/submit'] button[type=submit]")
    expect(notice).to_be_hidden()

    dialogs: list[str] = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    amount = page.locator("#lines-0-amount_dkk")
    amount.click()
    amount.press("Control+a")
    amount.press_sequentially("9.000,00")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("ikke er gemt")

    # Submitting for approval would send the saved version and lose the typing: the
    # browser asks, and staying keeps the page as it was.
    submit_button.click()
    for _ in range(50):  # the dialog event arrives while Playwright waits
        if dialogs:
            break
        page.wait_for_timeout(100)
    assert dialogs == ["beforeunload"], dialogs
    assert page.url == edit_url, page.url
    expect(amount).to_have_value("9.000,00")
    page.remove_listener("dialog", stay)

    # Saving is not leaving: no question, and afterwards the page leaves freely.
    steps.save_plan(cw, label="plan saved after the warning")
    expect(page.locator("#lines-0-amount_dkk")).to_have_value("9.000,00")
    expect(page.locator("#plan-unsaved")).to_be_hidden()
    page.on("dialog", stay)
    steps.submit_plan(cw, plan, label="plan submitted after saving")
    assert dialogs == ["beforeunload"], dialogs  # no second question
    assert page.url.endswith(plan.show_url), page.url
    page_as.finish()

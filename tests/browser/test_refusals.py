"""Refusals a user meets in the browser: another partner's case is "not found", and the
person who drafted a plan cannot approve it (not even with a hand-made form)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps

pytestmark = pytest.mark.browser

_POST_FORM = """([url, fields]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = url;
  for (const [name, value] of fields) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def test_a_partner_opening_another_partners_case_gets_not_found(page_as):
    cw = page_as("caseworker")
    case = steps.create_case(cw, partner="Edo", country="NG")

    own = page_as("partner")  # Edo Reintegration Network, Nigeria: its own case opens
    own.goto(f"/partner/cases/{case.id}", label="partner: own case")
    expect(own.page.locator("main h1")).to_contain_text(case.reference)

    other = page_as("partner_th")  # Chiang Mai Return Support Foundation, Thailand
    for url in (f"/partner/cases/{case.id}", f"/cases/{case.id}"):
        other.goto(url, status=404, label=f"other partner: {url}")
        expect(other.page.locator("main h1")).to_have_text("Page not found")
        expect(other.page.locator("main")).not_to_contain_text(case.reference)
        expect(other.page.locator("main")).not_to_contain_text(case.person_name)
    other.goto("/partner/", label="other partner: my cases")
    expect(other.page.locator("main")).not_to_contain_text(case.reference)
    page_as.finish()


def test_the_drafter_cannot_approve_their_own_plan(page_as):
    cw = page_as("caseworker")
    plan = steps.valid_plan(cw)
    page = cw.page

    # The review page is not theirs to open...
    cw.goto(f"/approvals/{plan.version_id}", status=403, label="drafter: approval review")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main form[action$='/decide']")).to_have_count(0)

    # ...and a decision posted from their own signed-in browser, with a valid CSRF token, is refused.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    with page.expect_navigation() as navigation:
        page.evaluate(_POST_FORM, [f"/approvals/{plan.version_id}/decide",
                                   [["csrf_token", token], ["action", "approve"]]])
    assert navigation.value.status == 403, navigation.value.status
    cw.settle("drafter: decision refused")

    # The plan is still waiting for a decision by an approver.
    approver = page_as("approver")
    approver.goto(f"/approvals/{plan.version_id}", label="approver: review after the refused attempt")
    expect(approver.page.locator("main form[action$='/decide']")).to_have_count(1)
    expect(approver.page.locator("main")).to_contain_text(plan.case.reference)
    page_as.finish()

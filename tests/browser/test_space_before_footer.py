"""The page's last form keeps clear of the footer: the approver's "Record the decision"
button (the review page's last element) and a short staff page's last button are 40 CSS
px or more above the footer, not against it."""

from __future__ import annotations

import pytest

import journey_steps as steps

pytestmark = pytest.mark.browser

# From the bottom of main's last submit button to the top of the footer, in CSS px.
GAP = """() => { const button = [...document.querySelectorAll('main form button[type=submit]')].pop();
  return document.querySelector('footer').getBoundingClientRect().top - button.getBoundingClientRect().bottom; }"""


def test_the_last_form_is_clear_of_the_footer(page_as):
    cw = page_as("caseworker")
    plan = steps.valid_plan(cw, children=())
    approver = page_as("approver")
    approver.goto(f"/approvals/{plan.version_id}", label="review")
    assert approver.page.evaluate(GAP) >= 40
    approver.goto("/exports/", label="exports")
    assert approver.page.evaluate(GAP) >= 40

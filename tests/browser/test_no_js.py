"""Without JavaScript: the drafting form (add a line, save, see the findings), the
approval decision and the follow-up report all work as plain HTML forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from browser_helpers import error_summary_problems
from journey_steps import TODAY

pytestmark = pytest.mark.browser


def test_draft_decide_and_report_without_javascript(page_as):
    cw = page_as("caseworker", js=False)
    page = cw.page
    # The page's own scripts really do not run (DKFDS would define window.DKFDS).
    assert page.evaluate("() => typeof window.DKFDS") == "undefined"

    # Drafting: every "Add a line" is a round trip; saving shows the findings.
    case = steps.create_case(cw, name=steps.unique_name("NoJS"))
    plan = steps.start_plan(cw, case)
    steps.draft_plan_over_cap(cw, plan)
    check = page.locator("#plan-check")
    expect(check.locator(".app-finding--error").filter(has_text="20.000,00 kr.")).to_contain_text("21.500,50 kr.")
    expect(cw.error_summary()).to_be_visible()
    # Remove a line, then fix the other, save, submit.
    steps.add_line(cw, label="no-JS: another line")
    expect(page.locator("#lines-3-amount_dkk")).to_be_visible()
    cw.submit(steps.action_button(cw, "remove_line:3"), label="no-JS: line removed")
    expect(page.locator("#lines-3-amount_dkk")).to_have_count(0)
    page.locator("#lines-1-amount_dkk").fill(steps.FIXED_SECOND_CASH)
    steps.save_plan(cw, label="no-JS: plan fixed")
    expect(check.locator(".app-check-status--ok")).to_be_visible()
    steps.submit_plan(cw, plan)
    assert page.url.endswith(plan.show_url), page.url

    # The decision: first without a choice (the error is shown), then approve.
    approver = page_as("approver", js=False)
    ap = approver.page
    approver.goto(f"/approvals/{plan.version_id}", label="no-JS: review")
    decide = ap.locator("main form[action$='/decide'] button[type=submit]")
    approver.submit(decide, label="no-JS: decision without a choice")
    links, problems = error_summary_problems(approver)  # focused and linked without any script
    assert links == ["#action"] and not problems, (links, problems)
    ap.locator("#action-0").check()
    approver.submit(decide, label="no-JS: approved")
    expect(ap.locator("main .alert-success")).to_be_visible()

    steps.record_departure(approver, case)

    # The follow-up report, with a receipt and a risk sign.
    partner = page_as("partner", js=False, viewport=(360, 740))
    pp = partner.page
    partner.goto(f"/partner/cases/{case.id}", label="no-JS: partner case")
    partner.submit(pp.locator("main a[href*='/reports/']").first, label="no-JS: report form")
    steps.send_report(partner, label="no-JS: empty report refused")
    links, problems = error_summary_problems(partner)
    assert "#contact_date" in links and not problems, (links, problems)
    steps.fill_report(partner, TODAY, risk="threats")
    steps.send_report(partner, label="no-JS: report sent")
    expect(pp.locator("main .alert-success")).to_be_visible()
    expect(pp.locator("main .alert-warning")).to_be_visible()
    expect(pp.locator("main")).to_contain_text("receipt-fabric.pdf")
    page_as.finish()

"""Accessibility beyond the journey: the sign-in pages in both languages, the keyboard,
and the error summary (announced, focused, linked to each field)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from browser_helpers import choose_with_keys, error_summary_problems, tab_to

pytestmark = pytest.mark.browser


def test_sign_in_page_in_both_languages_and_every_role_signs_in(page_as):
    visitor = page_as.new_actor("visitor", lang="da")
    visitor.goto("/login", label="sign-in (da)")
    visitor.switch_language("en")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Sign in")
    visitor.switch_language("da")
    for role in ("caseworker", "cmm", "approver", "partner", "admin"):
        actor = page_as(role)
        expect(actor.page.locator("header")).to_contain_text(actor.page.locator("header .user .weight-semibold").inner_text())
    page_as.finish()


def test_the_drafting_form_can_be_completed_with_the_keyboard_alone(page_as):
    cw = page_as("caseworker")
    case = steps.create_case(cw, name=steps.unique_name("Keyboard"))
    plan = steps.start_plan(cw, case)
    page = cw.page
    keys = page.keyboard
    assert page.evaluate("() => typeof window.DKFDS") == "object"  # with the page's scripts running

    tab_to(cw, "#activity_kind")
    choose_with_keys(cw, "business")
    tab_to(cw, "#activity_description")
    keys.type("A bakery with an oven bought in month 1.")
    tab_to(cw, "#expected_monthly_income")
    keys.type("1.200,00")
    tab_to(cw, "main button[name=action][value=add_line]:not(.sr-only)")
    cw.press("Enter", label="keyboard: line added")

    tab_to(cw, "#lines-0-kind")
    choose_with_keys(cw, "cash")
    tab_to(cw, "#lines-0-category")
    choose_with_keys(cw, "allowance")
    tab_to(cw, "#lines-0-description")
    keys.type("Living allowance")
    tab_to(cw, "#lines-0-month")
    keys.type("1")
    tab_to(cw, "#lines-0-amount_dkk")
    keys.type("10.000,00")
    cw.press("Enter", label="keyboard: saved with Enter")  # Enter in a field saves

    expect(page.locator("#lines-0-amount_dkk")).to_have_value("10.000,00")
    expect(page.locator("#activity_kind")).to_have_value("business")
    expect(page.locator("#plan-check .app-check-status--ok")).to_be_visible()
    tab_to(cw, f"main form[action$='/plans/{plan.version_id}/submit'] button[type=submit]")
    cw.press("Enter", label="keyboard: submitted")
    assert page.url.endswith(plan.show_url), page.url
    page_as.finish()


def test_every_form_error_is_announced_and_linked_from_the_error_summary(page_as):
    """Forms in both languages, with and without the design system's script: the error
    summary is role=alert, has focus, and each link moves focus to its field."""
    problems = []

    cw = page_as("caseworker")
    cw.goto("/cases/new", label="case form")
    cw.submit(steps.action_button(cw, "save"), label="case form with errors")
    links, found = error_summary_problems(cw)
    assert "#person_name" in links and "#person_date_of_birth" in links, links
    problems += found

    plan = steps.valid_plan(cw, submit=False)
    cw.page.locator("#lines-0-amount_dkk").fill("12,500.50")  # English format on a Danish page
    cw.page.locator("#lines-0-month").fill("13")
    steps.save_plan(cw, label="plan form with errors")
    links, found = error_summary_problems(cw)
    assert "#lines-0-amount_dkk" in links and "#lines-0-month" in links, links
    expect(cw.page.locator("#lines-0-amount_dkk")).to_have_value("12,500.50")  # the input is kept
    problems += found
    cw.switch_language("en")
    cw.page.locator("#lines-0-amount_dkk").fill("12.500,50")  # Danish format on an English page
    cw.submit(steps.action_button(cw, "save"), label="plan form with errors (en)")
    expect(cw.error_summary()).to_contain_text("12,500.50")  # the example is in English
    problems += error_summary_problems(cw)[1]
    cw.switch_language("da")

    cw.page.locator("#lines-0-amount_dkk").fill("10.000,00")
    cw.page.locator("#lines-0-month").fill("1")
    steps.save_plan(cw, label="plan form fixed")
    steps.submit_plan(cw, plan)

    approver = page_as("approver")
    approver.goto(f"/approvals/{plan.version_id}", label="review")
    approver.submit(approver.page.locator("main form[action$='/decide'] button[type=submit]"),
                    label="decision without a choice")
    links, found = error_summary_problems(approver)
    assert links, "the decision error is not in the error summary"
    problems += found
    approver.page.locator("#action-2").check()  # reject, without the reason
    approver.submit(approver.page.locator("main form[action$='/decide'] button[type=submit]"),
                    label="rejection without a reason")
    links, found = error_summary_problems(approver)
    assert "#reason" in links, links
    problems += found

    assert not problems, "Error summary problems:\n" + "\n".join(problems)
    page_as.finish()


def test_the_partner_report_form_announces_its_errors(page_as):
    """The partner portal leaves the design system's script out (slow phones): its error
    summary must still be announced, take focus and link to the fields."""
    cw = page_as("caseworker")
    plan = steps.valid_plan(cw)
    approver = page_as("approver")
    approver.goto(f"/approvals/{plan.version_id}", label="review")
    approver.page.locator("#action-0").check()
    approver.submit(approver.page.locator("main form[action$='/decide'] button[type=submit]"), label="approved")
    steps.record_departure(approver, plan.case)

    partner = page_as("partner", viewport=(360, 740))
    partner.goto(f"/partner/cases/{plan.case.id}", label="partner case")
    partner.submit(partner.page.locator("main a[href*='/reports/']").first, label="report form")
    steps.send_report(partner, label="empty report")
    links, problems = error_summary_problems(partner)
    assert "#contact_date" in links, links
    assert not problems, "Error summary problems:\n" + "\n".join(problems)
    page_as.finish()


def test_paged_lists_and_pages_past_their_end_pass_the_checks(small_pages_page_as):
    """With one row a page, the follow-up overview (several paged lists, each its own
    named navigation), the administrator's lists, the audit trail and the partner portal
    past its lists' ends are checked (axe) like every other page."""
    page_as = small_pages_page_as
    cw, approver = page_as("caseworker"), page_as("approver")
    for _ in range(2):
        cw.goto("/cases", label="cases")
        plan = steps.valid_plan(cw)
        approver.goto(f"/approvals/{plan.version_id}", label="review")
        approver.page.locator("#action-0").check()
        approver.submit(approver.page.locator("main form[action$='/decide'] button[type=submit]"), label="approved")
        # As steps.record_departure, from the case page: with one row a page, the case is
        # not on the case list's first page.
        approver.goto(f"/cases/{plan.case.id}", label="case page")
        approver.submit(approver.page.locator(f"main a[href$='/followup/cases/{plan.case.id}/return']"),
                        label="record the departure")
        approver.page.locator("#return_date").fill(steps.TODAY.isoformat())
        approver.submit(approver.page.locator("main form button[type=submit]"), label="departure recorded")
    cw.goto("/followup/", label="follow-up overview, page 1")
    expect(cw.page.locator("main nav[aria-label='Sider med sager i opfølgning']")).to_be_visible()
    cw.goto("/followup/?page=2", label="follow-up overview, page 2")
    cw.goto("/followup/?page=99999&alerts=abc&overdue=-1&money=0", label="follow-up overview, odd page numbers")
    admin = page_as("admin")
    for path, label in (("/admin/users", "accounts"), ("/admin/users?page=2", "accounts, page 2"),
                        ("/admin/organisations?page=999", "organisations, last page"),
                        ("/admin/audit?page=2", "audit trail, page 2")):
        admin.goto(path, label=label)
    expect(admin.page.locator("main nav.pagination")).to_be_visible()
    partner = page_as("partner", viewport=(360, 740))
    partner.goto("/partner/?due=9&page=9&preparing=9&closed=9", label="partner portal past the lists' ends")
    expect(partner.page.locator("main a[href*='due=1']")).to_be_visible()  # "Go to the first page"
    page_as.finish()

"""The whole journey across roles, in one scenario, in a real browser against a real server.

DRC drafts (Danish), CMM comments, Hjemrejsestyrelsen approves and records the
departure, the partner reports on a phone (English) with a receipt and a risk sign, CMM
acts on the alert, and the final report closes the case. Every page visited is checked
with axe-core (WCAG 2.0/2.1 A and AA); a few are checked in the other language too.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from journey_steps import TODAY
from reintegration.domain.followup import add_months

pytestmark = pytest.mark.browser


def test_the_whole_journey(page_as):
    # --- DRC caseworker (Danish): the case, with two children --------------------------------
    cw = page_as("caseworker")
    page = cw.page
    assert page.url.endswith("/cases"), page.url
    case = steps.create_case(cw)
    expect(page.locator("main")).to_contain_text(case.person_name)
    expect(page.locator("main table").filter(has_text="Ada")).to_contain_text("Ben")

    cw.goto("/cases", label="case list")
    expect(page.locator("main table")).to_contain_text(case.reference)
    cw.shot("01-case-list")

    # --- the plan, typed in Danish amounts; a cap finding ---------------------------------------
    cw.submit(page.locator("main").get_by_role("link", name=case.reference, exact=True), label="case page")
    plan = steps.start_plan(cw, case)
    steps.draft_plan_over_cap(cw, plan)
    check = page.locator("#plan-check")
    expect(check.locator(".app-check-status--error")).to_be_visible()
    finding = check.locator(".app-finding--error").filter(has_text="20.000,00 kr.")
    expect(finding).to_contain_text("21.500,50 kr.")  # the cash total, in Danish format
    expect(finding.locator("code")).to_have_text("cash.max")
    expect(check).to_contain_text("46.500,50 kr.")  # cash and in-kind together
    # The error summary names the finding and links to it.
    summary = cw.error_summary()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("21.500,50 kr.")
    # Typed amounts come back as typed (Danish).
    expect(page.locator("#lines-0-amount_dkk")).to_have_value("12.500,50")
    cw.shot("02-drafting-with-findings")

    # Submitting with an error is refused.
    steps.submit_plan(cw, plan, label="submit refused")
    assert page.url.endswith(plan.edit_url), page.url
    expect(page.locator("main .alert-error").first).to_be_visible()

    # One language switch on the drafting page: English, then back.
    cw.switch_language("en")
    expect(page.locator("#plan-check")).to_contain_text("DKK 21,500.50")
    cw.switch_language("da")

    # The fix: the second instalment lowered; the check is clean; submit.
    page.locator("#lines-1-amount_dkk").fill(steps.FIXED_SECOND_CASH)
    steps.save_plan(cw, label="plan fixed")
    expect(check.locator(".app-check-status--ok")).to_be_visible()
    expect(check).to_contain_text("19.500,50 kr.")
    steps.submit_plan(cw, plan)
    assert page.url.endswith(plan.show_url), page.url
    expect(page.locator("main")).to_contain_text(case.reference)

    # --- CMM comments --------------------------------------------------------------------------------
    cmm = page_as("cmm")
    expect(cmm.page.locator("main table")).to_contain_text(case.reference)
    cmm.submit(cmm.page.locator("main").get_by_role("link", name=case.reference, exact=True), label="CMM: case page")
    cmm.submit(cmm.page.locator(f"main a[href$='/plans/{plan.version_id}']"), label="CMM: plan")
    comment = "CMM: the debt to the recruiter must be part of the risk follow-up every month."
    cmm.page.locator("#body").fill(comment)
    cmm.submit(cmm.page.locator("main form[action$='/comments'] button[type=submit]"), label="CMM: comment added")
    expect(cmm.page.locator("#comments")).to_contain_text(comment)

    # --- an approver who did not draft it approves ---------------------------------------------------
    approver = page_as("approver2")
    ap = approver.page
    approver.submit(ap.locator(f"main a[href$='/approvals/{plan.version_id}']"), label="approval review")
    expect(ap.locator("main")).to_contain_text(comment)
    expect(ap.locator("main")).to_contain_text("19.500,50 kr.")
    approver.shot("03-approval-review")
    approver.switch_language("en")
    approver.switch_language("da")
    ap.locator("#action-0").check()  # approve
    approver.submit(ap.locator("main form[action$='/decide'] button[type=submit]"), label="approved")
    expect(ap.locator("main .alert-success")).to_be_visible()

    with ap.expect_download() as info:
        ap.locator(f"main a[href*='/exports/package/{plan.version_id}']").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    manifest = steps.check_package(download.path().read_bytes())
    assert len(manifest["files"]) >= 3, manifest
    # The package is of the content that was approved: its digest is the one on the review page.
    expect(ap.locator("main")).to_contain_text(manifest["content_sha256"])

    # --- the departure is recorded --------------------------------------------------------------------
    # Recorded late: she left eleven months ago, so reports are due and the final report
    # (month 12) can be tried; it can be sent only from the period's last day.
    steps.record_departure(approver, case, add_months(TODAY, -11) - timedelta(days=2))
    expect(ap.locator("main table").first).to_contain_text("12")  # the month-12 report is scheduled

    # --- the partner officer (English) reports from a phone -------------------------------------------
    partner = page_as("partner", viewport=(360, 740))
    pp = partner.page
    expect(pp.locator("main")).to_contain_text(case.reference)
    partner.submit(pp.locator("main").get_by_role("link", name=case.reference, exact=True).first,
                   label="partner: case")
    partner.switch_language("da")
    partner.switch_language("en")
    partner.submit(pp.locator("main a[href*='/reports/']").first, label="partner: report month 1")
    steps.fill_report(partner, TODAY, risk="debt_to_trafficker")
    partner.shot("04-partner-followup-phone")
    steps.send_report(partner, label="partner: report sent")
    expect(pp.locator("main .alert-success")).to_be_visible()
    expect(pp.locator("main .alert-warning")).to_be_visible()  # CMM and DRC are alerted
    expect(pp.locator("main")).to_contain_text("receipt-sewing-machine.png")
    partner.shot("05-partner-case-after-report-phone")

    # --- CMM sees the alert and records what was done -------------------------------------------------
    cmm.submit(cmm.page.locator("header nav a[href$='/followup/']"), label="CMM: follow-up and alerts")
    alerts = cmm.page.locator("main table").first
    expect(alerts).to_contain_text(case.reference)
    cmm.submit(alerts.get_by_role("link", name=case.reference, exact=True), label="CMM: follow-up of the case")
    cmm.submit(cmm.page.locator("main a[href*='/alerts/'][href$='/close']"), label="CMM: close the alert")
    cmm.page.locator("#action").fill("Called her the same day; the partner moved her to a safe address; police informed.")
    cmm.submit(cmm.page.locator("main form button[type=submit]"), label="CMM: alert closed")
    expect(cmm.page.locator("main .alert-success")).to_be_visible()
    expect(cmm.page.locator("main")).to_contain_text("safe address")

    # --- the final report waits for the period's end; DRC closes the case early, with a reason --------
    # (The final report closing the case on the period's last day is tested in
    # tests/partner/test_final_report.py: no date here is a year after a valid rate table.)
    partner.goto(f"/partner/cases/{case.id}", label="partner: case again")
    partner.submit(pp.locator("main a[href*='/reports/']").last, label="partner: final report")
    steps.fill_report(partner, TODAY, files=False, income="60,000.00")
    steps.send_report(partner, label="partner: final report sent too early")
    expect(pp.locator("main")).to_contain_text("the last day of the reintegration period")
    cw.goto(f"/followup/cases/{case.id}/close", label="DRC: close the case")
    page.locator("#reason").select_option("completed")
    page.locator("#note").fill("The salon is running; the partner's last visit is done.")
    cw.submit(page.locator("main form button[type=submit]"), label="DRC: case closed")
    expect(page.locator("main .alert-success")).to_be_visible()

    cw.goto(f"/followup/cases/{case.id}", label="DRC: follow-up of the closed case")
    expect(page.locator("main .alert-info")).to_be_visible()  # "This case is closed"
    cw.goto(f"/cases/{case.id}", label="DRC: the closed case")
    expect(page.locator("main a[href$='/edit']")).to_have_count(0)
    assert re.search(r"/cases/\d+$", page.url)

    # --- every page each user reached by GET, checked again in the other language -------------------
    for actor, other in ((cw, "en"), (cmm, "en"), (approver, "en"), (partner, "da")):
        assert actor.check_again_in(other) >= 3, actor.visited_gets

    page_as.finish()

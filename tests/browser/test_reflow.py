"""Reflow (WCAG 2.1 SC 1.4.10) at 320 CSS px (1280 px at 400 % zoom), for every role.

Each user browses in a window 320x640 CSS px wide (``page_as(role, reflow=True)``), and
every page they load is checked by ``Actor.check_reflow`` as well as by axe: the page is
no wider than the window (nobody scrolls the whole page sideways to read an amount), every
table in ``main`` sits in its own ``table--responsive-scroll`` region, and each region takes
the keyboard focus (so it can be scrolled with the arrow keys, WCAG 2.1.1) and is named by
its caption (role=region, aria-labelledby an id found once on the page).

The data are the worst the pages meet: a plan of 20 budget lines, a person whose name is
200 characters without a space (it must wrap, not widen the page), a line description
without a space, several cases in the list, an open risk alert and overdue reports in the
follow-up overview, and the partner portal.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from journey_steps import TODAY
from reintegration.domain.followup import add_months

pytestmark = pytest.mark.browser

LINES = 20
LONG_NAME = ("Oluwaseun" * 23)[:200]  # 200 characters, no space to break at
LONG_WORD = "Symaskinemedtilbehoerogstofogsaksogtraad" * 2  # a description without a space


def _twenty_lines(cw, plan: steps.PlanRef) -> None:
    """The draft's one line, made 20 (months 1-12, 500 kr. each, within the caps) with the
    plan-file import, the way a caseworker brings in a budget prepared elsewhere."""
    response = cw.page.request.get(cw.url(f"{plan.show_url}/plan.json"))
    assert response.ok, response.status
    document = response.json()
    line = document["lines"][0]
    document["lines"] = [dict(line, month=n % 12 + 1, amount_dkk="500.00",
                              description=LONG_WORD if n == 0 else f"Living allowance, part {n + 1}")
                         for n in range(LINES)]
    cw.goto(f"{plan.show_url}/import", label="import a plan file")
    cw.page.locator("#plan_text").fill(json.dumps(document))
    cw.submit(cw.page.locator("main form button[type=submit]"), label="plan file imported")
    assert cw.page.url.endswith(plan.edit_url), cw.page.url
    expect(cw.page.locator("#plan-check .app-check-status--ok")).to_be_visible()


def test_no_page_scrolls_sideways_at_320_css_px(page_as):
    # --- DRC caseworker: several cases, one with a 200-character name and a 20-line plan ---------
    cw = page_as("caseworker", reflow=True)
    page = cw.page
    steps.create_case(cw, name=steps.unique_name("Reflow"), children=())
    cw.goto("/cases", label="case list, one case added")
    steps.create_case(cw, name=steps.unique_name("Reflow"))
    cw.goto("/cases", label="case list, two cases added")
    plan = steps.valid_plan(cw, name=LONG_NAME, submit=False)
    case = plan.case
    _twenty_lines(cw, plan)
    steps.submit_plan(cw, plan)
    assert page.url.endswith(plan.show_url), page.url
    expect(page.locator("main table.app-lines tbody tr")).to_have_count(LINES)
    cw.goto("/cases", label="case list")
    assert page.locator("main table tbody tr").count() >= 3
    cw.goto(f"/cases/{case.id}", label="case page")
    cw.goto(f"/cases/{case.id}/edit", label="edit the case")
    cw.goto(f"/cases/{case.id}/data-protection", label="data protection")
    cw.goto("/account/two-factor", label="security settings")

    # --- CMM reads the plan and comments -------------------------------------------------------------
    cmm = page_as("cmm", reflow=True)
    cmm.goto(f"/cases/{case.id}", label="CMM: case page")
    cmm.goto(plan.show_url, label="CMM: plan")
    cmm.page.locator("#body").fill("CMM: " + LONG_WORD)
    cmm.submit(cmm.page.locator("main form[action$='/comments'] button[type=submit]"), label="CMM: comment added")

    # --- an approver: the queue, the review, the decision, the departure -----------------------------
    approver = page_as("approver2", reflow=True)
    ap = approver.page
    approver.goto("/approvals/", label="approval queue")
    approver.submit(ap.locator(f"main a[href$='/approvals/{plan.version_id}']"), label="approval review")
    expect(ap.locator("main")).to_contain_text(LONG_WORD)
    ap.locator("#action-0").check()  # approve
    approver.submit(ap.locator("main form[action$='/decide'] button[type=submit]"), label="approved")
    expect(ap.locator("main .alert-success")).to_be_visible()
    approver.goto("/exports/", label="exports")
    # Returned eleven months ago: reports are due and overdue.
    approver.goto(f"/cases/{case.id}", label="case page, approved")
    approver.submit(ap.locator(f"main a[href$='/followup/cases/{case.id}/return']"), label="record the departure")
    ap.locator("#return_date").fill((add_months(TODAY, -11) - timedelta(days=2)).isoformat())
    approver.submit(ap.locator("main form button[type=submit]"), label="departure recorded")
    assert ap.url.endswith(f"/followup/cases/{case.id}"), ap.url

    # --- the partner (English) reports with a sign of risk ---------------------------------------------
    partner = page_as("partner", reflow=True)
    pp = partner.page
    expect(pp.locator("main")).to_contain_text(case.reference)
    partner.submit(pp.locator("main").get_by_role("link", name=case.reference, exact=True).first,
                   label="partner: case")
    partner.goto(f"/partner/cases/{case.id}/disburse", label="partner: record a payment")
    partner.goto(f"/partner/cases/{case.id}/attachments", label="partner: add a receipt")
    partner.goto(f"/partner/cases/{case.id}", label="partner: case again")
    partner.submit(pp.locator("main a[href*='/reports/']").first, label="partner: report month 1")
    steps.fill_report(partner, TODAY, risk="debt_to_trafficker")
    steps.send_report(partner, label="partner: report sent")
    expect(pp.locator("main .alert-warning")).to_be_visible()  # the risk alert is raised
    partner.goto("/partner/", label="partner: start page")

    # --- CMM: the follow-up overview with the open alert, the case's follow-up ----------------------
    cmm.goto("/followup/", label="CMM: follow-up overview")
    alerts = cmm.page.locator("main table").first
    expect(alerts).to_contain_text(case.reference)
    cmm.submit(alerts.get_by_role("link", name=case.reference, exact=True), label="CMM: follow-up of the case")
    cmm.submit(cmm.page.locator("main a[href*='/reports/']").first, label="CMM: the report")
    cmm.goto(f"/followup/cases/{case.id}", label="CMM: follow-up of the case again")
    cmm.submit(cmm.page.locator("main a[href*='/alerts/'][href$='/close']"), label="CMM: close the alert")
    cw.goto("/followup/", label="DRC: follow-up overview")
    cw.goto(f"/followup/cases/{case.id}", label="DRC: follow-up of the case")
    cw.goto(f"/followup/cases/{case.id}/close", label="DRC: close the case early")

    # --- administrator ----------------------------------------------------------------------------------
    admin = page_as("admin", reflow=True)
    for path, label in (("/admin/users", "users"), ("/admin/users/new", "new account"),
                        ("/admin/organisations", "organisations"), ("/admin/organisations/new", "new organisation"),
                        ("/admin/rates", "rates"), ("/admin/audit", "audit log"),
                        (f"/cases/{case.id}/data-protection", "data protection")):
        admin.goto(path, label=f"admin: {label}")
    admin.goto("/admin/users", label="admin: users again")
    admin.submit(admin.page.locator("main table a[href*='/admin/users/']").first, label="admin: an account")
    admin.goto("/admin/organisations", label="admin: organisations again")
    admin.submit(admin.page.locator("main table a[href*='/admin/organisations/']").first,
                 label="admin: an organisation")

    widths = {actor.name: actor.reflow_widths for actor in page_as.actors}
    print(json.dumps(widths, indent=1))
    assert sum(len(w) for w in widths.values()) >= 40, widths
    page_as.finish()


def test_the_main_menu_keeps_its_words_whole_at_320_css_px(page_as):
    """Below 992 px the main menu's items wrap onto more rows (app.css): DKFDS keeps them on
    one row, and squeezed into 320 px every item of the approver's Danish menu broke inside
    its words ("Godkendelse|skø", "Sag|er"). ``check_reflow`` finds a split word."""
    approver = page_as("approver", reflow=True)
    approver.goto("/approvals/", label="approval queue")
    approver.switch_language("en")
    approver.goto("/exports/", label="exports [en]")
    approver.switch_language("da")  # the approver's own language again, for the tests after this one
    page_as.finish()

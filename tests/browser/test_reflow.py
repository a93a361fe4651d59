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

The partner portal has a light stylesheet of its own (partner.css), so its pages are also
checked for their own layout (``_partner_layout``), at 320 and at 1280 CSS px, in English
and in Danish: each risk sign's label a column to the right of its box, its wrapped lines
under its first line (not under the box), box and label each at least 24x24 CSS px (WCAG
2.5.8); the header's language button level with the security link beside it; the portal's
name not broken inside its word.
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


# The partner portal's own layout on one page: the header's security link and language
# button, the portal's name, and every box with its label (a risk sign on the report form).
_PARTNER_LAYOUT_RUN = """() => {
  const rect = (e) => { const b = e.getBoundingClientRect();
    return {left: b.left, right: b.right, top: b.top, width: b.width, height: b.height, centre: b.top + b.height / 2}; };
  const lines = (e) => { const range = document.createRange(); range.selectNodeContents(e);
    return [...range.getClientRects()].filter((r) => r.width > 0).map((r) => ({left: r.left, top: r.top})); };
  const link = document.querySelector('header .portal-info > a');
  const button = document.querySelector('header .portal-info button[name=lang]');
  const brand = document.querySelector('header .app-brand');
  const split = [];
  for (const node of [...brand.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) split.push(match[0]);
    }
  }
  const boxes = [...document.querySelectorAll('main .form-group-checkbox, main .form-group-radio')].map((group) => {
    const input = group.querySelector('input'), label = group.querySelector('label');
    return {id: input.id, box: rect(input), label: rect(label), lines: lines(label)};
  });
  return {link: link && rect(link), button: button && rect(button), brandSplit: split, boxes};
}"""


def _partner_layout(actor, label: str) -> dict:
    """The partner portal's own layout on the page shown (``_PARTNER_LAYOUT_RUN``); what is
    wrong goes to the findings, as ``check_reflow`` does. Returns the measurements."""
    result = actor.page.evaluate(_PARTNER_LAYOUT_RUN)
    width = actor.page.viewport_size["width"]
    where = f"[{actor.name}] {label} ({actor.lang}, {width} px) {actor.page.url}"
    problems = actor.findings.problems
    link, button = result["link"], result["button"]
    if not (link and button):
        problems.append(f"{where}: the header has no security link or no language button")
    elif abs(link["centre"] - button["centre"]) > 2:
        problems.append(f"{where}: the language button's centre is {button['centre'] - link['centre']:+.1f} px "
                        f"from the security link's beside it ({button}, {link})")
    if result["brandSplit"]:
        problems.append(f"{where}: the portal's name is broken inside a word: {result['brandSplit']}")
    for found in result["boxes"]:
        box, text, lines = found["box"], found["label"], found["lines"]
        if box["width"] < 24 or box["height"] < 24 or text["width"] < 24 or text["height"] < 24:
            problems.append(f"{where}: #{found['id']}: the box ({box['width']}x{box['height']}) or its label "
                            f"({text['width']}x{text['height']}) is smaller than 24x24 CSS px")
        if text["left"] < box["right"] or abs(text["top"] - box["top"]) > 3:
            problems.append(f"{where}: #{found['id']}: the label is not to the right of its box, level with it "
                            f"(box {box}, label {text})")
        if any(abs(line["left"] - lines[0]["left"]) > 1 or line["left"] < box["right"] for line in lines):
            problems.append(f"{where}: #{found['id']}: the label's lines do not start in one column right of "
                            f"the box: {[round(line['left']) for line in lines]} (box right {box['right']})")
    return result


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
    report_url = pp.url.removeprefix(partner.base_url)
    # The portal's own layout (partner.css), on each of its pages, in both languages, at 320
    # and at 1280 CSS px; every page is checked for reflow (nothing wider than the window) too.
    partner_pages = (("/partner/", "start page"), (f"/partner/cases/{case.id}", "case"),
                     (f"/partner/cases/{case.id}/disburse", "record a payment"),
                     (f"/partner/cases/{case.id}/attachments", "add a receipt"), (report_url, "report month 1"))
    wrapped = []
    for lang, width in (("en", 320), ("en", 1280), ("da", 1280), ("da", 320)):
        pp.set_viewport_size({"width": width, "height": 640})
        if partner.lang != lang:
            partner.switch_language(lang)
        for path, label in partner_pages:
            partner.goto(path, label=f"partner: {label} [{lang}, {width} px]")
            boxes = _partner_layout(partner, label)["boxes"]
            if path == report_url:
                assert len(boxes) >= 4, f"the report form shows {len(boxes)} risk signs ({lang}, {width} px)"
                wrapped += [b["id"] for b in boxes if width == 320 and len(b["lines"]) > 1]
    assert wrapped, "no risk sign's label wraps at 320 px: the check of its lines proves nothing"
    partner.switch_language("en")  # the partner's own language again, for the report and the tests after this one
    pp.set_viewport_size({"width": 320, "height": 640})
    partner.goto(report_url, label="partner: report month 1 again")
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

"""The conflict and closed-case states, checked as a person meets them: in a real browser
320 CSS px wide (reflow, WCAG 1.4.10), by axe (WCAG 2.0/2.1 A and AA) on every page, in
Danish and in English.

- the approval review refused because a caseworker changed the case (409), and the same
  change met by a decision refused for its own errors (422): the error summary has the
  focus, links to the field, and says that the case changed;
- the close-case form with an open risk alert, sent without the confirmation (422);
- the drafting page sent after the case was closed (409, ``plans/frozen.html``);
- the follow-up pages (DRC's and the partner's) with reports no longer required;
- the partner's report sent twice from two tabs (said as sent once);
- the administrator's two-factor reset from a page opened before the user made new
  recovery codes (409).

Each conflict is announced: a role=alert region whose heading names what happened.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import journey_steps as steps
from browser_helpers import error_summary_problems
from journey_steps import TODAY

pytestmark = pytest.mark.browser

SAID = {
    "da": {"case_changed": "Sagen er blevet ændret, efter du åbnede siden",
           "summary_changed": "Sagen er blevet ændret, efter du åbnede siden, så din beslutning er ikke registreret",
           "frozen": "Denne version kan ikke længere ændres",
           "not_required": "Skal ikke sendes: sagen blev lukket den",
           "sent_once": "Den blev sendt én gang",
           "two_factor": "Totrinsgodkendelsen er blevet ændret i mellemtiden", "income": "45.000,00"},
    "en": {"case_changed": "The case was changed after you opened this page",
           "summary_changed": "The case changed after you opened this page, so your decision was not recorded",
           "frozen": "This version can no longer be changed",
           "not_required": "Not required: the case was closed on",
           "sent_once": "It was sent once",
           "two_factor": "Two-factor sign-in was changed in the meantime", "income": "45,000.00"},
}


def _speaks(actor, lang: str):
    if actor.lang != lang:
        actor.switch_language(lang)
    return actor


def _announced(actor, heading: str) -> None:
    """The conflict is a role=alert region of ``main`` headed by what happened."""
    region = actor.page.locator("main [role=alert]", has=actor.page.locator(".alert-heading", has_text=heading))
    expect(region).to_have_count(1)
    expect(region).to_be_visible()


def _summary_has_focus_and_says(actor, text: str) -> list[str]:
    """The error summary has the focus when the page loads, and what it says (read out
    first by a screen reader) includes ``text``."""
    focused = actor.page.evaluate("() => document.activeElement && document.activeElement.classList"
                                  ".contains('error-summary') ? document.activeElement.innerText : null")
    where = f"[{actor.name}] {actor.page.url}"
    if focused is None:
        active = actor.page.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : null")
        return [f"{where}: the error summary does not have the focus, {active} has"]
    return [] if text in focused else [f"{where}: the focused error summary does not say {text!r}: {focused!r}"]


def _decide(approver, label: str) -> None:
    approver.submit(approver.page.locator("main form[action$='/decide'] button[type=submit]"), label=label)


def _rename(cw, case, name: str) -> None:
    cw.goto(f"/cases/{case.id}/edit", label="edit the case")
    cw.page.locator("#person_name").fill(name)
    cw.submit(steps.action_button(cw, "save"), label="case saved")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_conflict_and_closed_case_states_are_announced_reflow_and_pass_axe(page_as, lang):
    said = SAID[lang]
    problems: list[str] = []
    cw = page_as("caseworker", reflow=True)
    plan = steps.valid_plan(cw, children=())  # typed in Danish amounts
    _speaks(cw, lang)
    case = plan.case

    # --- 1. the approver decides after the caseworker changed the case: 409, then 422 ----------------
    approver = _speaks(page_as("approver", reflow=True), lang)
    ap = approver.page
    approver.goto(f"/approvals/{plan.version_id}", label="review")
    _rename(cw, case, case.person_name + " Okoro")
    ap.locator("#action-0").check()
    _decide(approver, "review: the case changed (409)")
    _announced(approver, said["case_changed"])
    problems += _summary_has_focus_and_says(approver, said["summary_changed"])

    _rename(cw, case, case.person_name + " Okafor")
    ap.locator("main input[name=action][value=send_back]").check()
    ap.locator("#reason").fill("")
    _decide(approver, "review: no reason, and the case changed (422)")
    _announced(approver, said["case_changed"])
    problems += _summary_has_focus_and_says(approver, said["summary_changed"])
    links, found = error_summary_problems(approver, expect_focus=False)
    assert "#reason" in links, links
    problems += found

    ap.locator("#action-0").check()
    _decide(approver, "review: approved")
    expect(ap.locator("main .alert-success")).to_be_visible()
    steps.record_departure(approver, case)

    # --- the partner reports a sign of risk, the same report from two tabs ----------------------------
    partner = _speaks(page_as("partner", reflow=True), lang)
    second = page_as.tab(partner, "partner, second tab")
    for tab in (partner, second):
        tab.goto(f"/partner/cases/{case.id}", label="partner: case")
        tab.submit(tab.page.locator("main a[href*='/reports/']").first, label="partner: report month 1")
        steps.fill_report(tab, TODAY, risk="debt_to_trafficker", files=False, income=said["income"])
    steps.send_report(partner, label="partner: report sent")
    steps.send_report(second, label="partner: the same report sent again")
    expect(second.page.locator("main")).to_contain_text(said["sent_once"])

    # --- 5. and 2. DRC closes the case with the alert open, a draft open in another tab -------------
    cw.goto(f"/cases/{case.id}", label="case page")
    draft = steps.start_plan(cw, case)
    drafting = page_as.tab(cw, "caseworker, drafting tab")
    drafting.goto(draft.edit_url, label="the new version's draft")

    cw.goto(f"/followup/cases/{case.id}/close", label="close the case, an alert open")
    cw.page.locator("#reason").select_option("withdrew")
    cw.page.locator("#note").fill("She moved to her sister in Lagos and asked to end the follow-up.")
    cw.submit(cw.page.locator("main form button[type=submit]"), label="close the case without the confirmation")
    links, found = error_summary_problems(cw)
    assert "#confirm_alerts" in links, links
    problems += found
    expect(cw.page.locator("#note")).to_have_value("She moved to her sister in Lagos and asked to end the follow-up.")
    cw.page.locator("#confirm_alerts").check()
    cw.submit(cw.page.locator("main form button[type=submit]"), label="case closed")
    expect(cw.page.locator("main .alert-success")).to_be_visible()

    drafting.page.locator("#activity_location").fill("Lagos")
    drafting.submit(steps.action_button(drafting, "save"), label="draft saved after the case was closed (409)")
    expect(drafting.page.locator("main h1")).to_have_text(said["frozen"])
    expect(drafting.page.locator("main")).to_contain_text("Lagos")  # what was typed is kept in view

    # --- 4. reports no longer required, on DRC's and the partner's pages ---------------------------------
    cw.goto(f"/followup/cases/{case.id}", label="follow-up of the closed case")
    expect(cw.page.locator("main")).to_contain_text(said["not_required"])
    partner.goto(f"/partner/cases/{case.id}", label="partner: the closed case")
    expect(partner.page.locator("main")).to_contain_text(said["not_required"])

    # --- 3. the administrator resets two-factor sign-in from a page opened before a change -------------
    admin = _speaks(page_as("admin", reflow=True), lang)
    admin.goto("/admin/users", label="users")
    admin.submit(admin.page.locator("main table a", has_text="Peter Skov").first, label="the approver's account")
    approver.goto("/account/two-factor", label="security settings")
    approver.page.locator("#codes-code").fill(page_as.code("approver"))
    approver.submit(approver.page.locator("main form[action$='/recovery-codes'] button[type=submit]"),
                    label="new recovery codes")
    admin.page.locator("#confirm").check()
    admin.submit(admin.page.locator("main form[action$='/two-factor/reset'] button[type=submit]"),
                 label="two-factor reset from a stale page (409)")
    _announced(admin, said["two_factor"])
    expect(admin.page.locator("#confirm")).not_to_be_checked()

    # The language chosen is the user's (stored): give each their own back for the next test.
    for actor, own in ((cw, "da"), (approver, "da"), (partner, "en"), (admin, "da")):
        _speaks(actor, own)
    assert not problems, "Problems a person meets:\n" + "\n".join(problems)
    page_as.finish()

"""A drafting form sent after the version was submitted (from another tab, or by a
colleague) saves nothing, but what was typed stays in view: the 409 page shows the texts
and the budget lines as they were sent, read-only and escaped, in a "What you typed (not
saved)" block, and says how to carry on (a new version from the case page). The browser's
back button would load the frozen version, so this page is the only place they are."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import select

from plan_helpers import base_form, edit_url, plan_case, start_draft, stored_lines  # noqa: F401
from reintegration.models import AuditEvent, PlanVersion
from reintegration.plans import operations as ops

SAID = {
    "en": {"title": "This version can no longer be changed", "typed": "What you typed (not saved)",
           "copy": "What you typed is kept below, so that you can copy it.",
           "next": "To change the plan, start a new version from the case page once a decision has been made.",
           "amount": "12,500.50", "kind": "Cash", "category": "Equipment"},
    "da": {"title": "Denne version kan ikke længere ændres", "typed": "Det, du skrev (ikke gemt)",
           "copy": "Det, du skrev, er bevaret nedenfor, så du kan kopiere det.",
           "next": "For at ændre planen skal du starte en ny version fra sagssiden, når der er truffet en beslutning.",
           "amount": "12.500,50", "kind": "Kontant", "category": "Udstyr"},
}


@pytest.fixture
def draft(auth, db, plan_case, start_draft):
    def make(locale):
        auth.login("caseworker", locale=locale)
        version = start_draft(plan_case)
        first = "1,000.00" if locale == "en" else "1.000,00"
        assert auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": first}])
                         ).status_code == 302
        db.expire_all()
        return db.get(PlanVersion, version.id)

    return make


def submit(auth, db, version):
    url = f"/cases/{version.case_id}/plans/{version.id}/submit"
    assert auth.post(url, {"revision": str(version.revision)}).status_code == 302
    db.expire_all()
    assert db.get(PlanVersion, version.id).status == "submitted"


def typed_form(version, locale, action="save", income="not sure yet"):
    return base_form(version, [{"kind": "cash", "category": "equipment", "description": "Hair dryer <b>and</b> chair",
                                "amount_dkk": SAID[locale]["amount"], "month": "3"},
                               {"description": "", "amount_dkk": ""}],  # a blank row is no line
                     activity_description="Salon by the market & a <script>stall</script>",
                     realism="Her aunt owns the shop next door", risk_management="Weekly calls with CMM",
                     expected_monthly_income=income, action=action)


def assert_kept(response, locale, income="not sure yet"):
    page = response.get_data(as_text=True)
    said = SAID[locale]
    assert response.status_code == 409
    assert said["title"] in page and said["typed"] in page and said["copy"] in page and said["next"] in page
    assert "Salon by the market &amp; a &lt;script&gt;stall&lt;/script&gt;" in page and "<script>stall" not in page
    assert "Her aunt owns the shop next door" in page and "Weekly calls with CMM" in page
    assert income in page  # not a valid amount: shown as typed all the same
    assert "Hair dryer &lt;b&gt;and&lt;/b&gt; chair" in page and said["amount"] in page
    assert f"<td>{said['kind']}</td><td>{said['category']}</td>" in page
    assert page.count('<tr id="line-') == 1
    return page


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_save_after_the_version_was_submitted_in_another_tab_keeps_what_was_typed(auth, db, draft, locale):
    version = draft(locale)
    submit(auth, db, version)  # the same user, in another tab
    response = auth.post(edit_url(version), typed_form(version, locale))
    assert_kept(response, locale)
    stored = db.get(PlanVersion, version.id)
    assert stored.activity_description == "Hair salon in Benin City" and stored.risk_management is None
    assert [line.description for line in stored_lines(db, version)] == ["Line 0"]


def test_a_save_after_a_colleague_submitted_keeps_what_was_typed(app, auth, db, draft, make_user):
    version = draft("da")
    colleague = type(auth)(app.test_client(), None)
    colleague.login(make_user("caseworker"))
    submit(colleague, db, version)
    for action in ("save", "add_line", "spread_cash", "remove_line:1"):
        assert_kept(auth.post(edit_url(version), typed_form(version, "da", action=action)), "da")
    assert [line.description for line in stored_lines(db, version)] == ["Line 0"]


@pytest.mark.parametrize("locale, heading, total", [("en", "Cash to spread over months (not added)", "12,000.00"),
                                                    ("da", "Kontanter, der skal fordeles over måneder (ikke tilføjet)",
                                                     "12.000,00")])
def test_cash_to_spread_sent_after_the_version_was_submitted_is_kept_as_typed(auth, db, draft, locale, heading,
                                                                              total):
    version = draft(locale)
    submit(auth, db, version)
    form = typed_form(version, locale, action="spread_cash")
    form.update(spread_total=total, spread_from="2", spread_to="7")
    page = assert_kept(auth.post(edit_url(version), form), locale)
    assert heading in page and total in page
    spread = page[page.index(heading):]
    assert ">2<" in spread and ">7<" in spread
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_edit_refused")).all()
    assert json.loads(event.detail)["attempted"] == "spread_cash"
    # A save sends the spread fields too (they are on the page), but nothing was to be spread.
    assert heading not in auth.post(edit_url(version), {**form, "action": "save"}).get_data(as_text=True)


def test_submitted_while_the_save_waited_keeps_what_was_typed(auth, db, draft, monkeypatch):
    """A draft when the page checked, submitted by the time the save wrote: the
    operation's own refusal gives the same page."""
    version = draft("en")

    def frozen_meanwhile(db_, version_, **kwargs):
        raise ops.PlanFrozen(version_)

    monkeypatch.setattr(ops, "save_draft", frozen_meanwhile)
    # A valid form (it reaches the save); the income as typed, in the reader's format.
    assert_kept(auth.post(edit_url(version), typed_form(version, "en", income="3,000")), "en", income="3,000")


def test_an_import_after_the_version_was_submitted_names_the_file(auth, db, draft):
    version = draft("en")
    submit(auth, db, version)
    url = f"/cases/{version.case_id}/plans/{version.id}/import"
    response = auth.post(url, {"revision": str(version.revision), "plan_file": (io.BytesIO(b"{}"), "salon-plan.json")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The plan file you chose (salon-plan.json) was not imported." in page
    assert "What you typed (not saved)" not in page

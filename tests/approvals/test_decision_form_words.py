"""The decision form's words: the reason's label names it (not "optional") and its hint
says, once, that it is required to send back or reject, in both languages; a crafted
decision value is refused in the reader's language."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import select

from approval_factories import approver, drafter, make_plan  # noqa: F401  (fixtures)
from reintegration.models import Decision


def _hint(page: str, field_id: str) -> str:
    match = re.search(r'<span class="form-hint" id="%s-hint">(.*?)</span>' % field_id, page, re.S)
    assert match, f"no hint for {field_id}"
    return html.unescape(re.sub(r"\s+", " ", match.group(1))).strip()


def _label(page: str, field_id: str) -> str:
    match = re.search(r'<label class="form-label" for="%s">(.*?)</label>' % field_id, page, re.S)
    assert match, f"no label for {field_id}"
    return html.unescape(re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", match.group(1)))).strip()


@pytest.mark.parametrize("locale, label, hint, when", [
    ("en", "Points to fix or reason for rejection",
     "Required when you send the plan back or reject it. The caseworker sees this text.",
     "send the plan back or reject"),
    ("da", "Punkter, der skal rettes, eller begrundelse for afvisning",
     "Skal udfyldes, når du sender planen tilbage eller afviser den. Sagsbehandleren ser teksten.",
     "sender planen tilbage eller afviser"),
])
def test_the_reason_says_once_that_it_is_required_to_send_back_or_reject(auth, make_plan, make_user, locale, label,
                                                                          hint, when):
    """The label names the field (not "optional"); the hint, read with it, says when it
    must be filled in. The label does not say it again."""
    version = make_plan()
    auth.login(make_user("approver", locale=locale))
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert _label(page, "reason") == label
    assert "optional" not in _label(page, "reason") and "valgfri" not in _label(page, "reason")
    assert 'aria-describedby="reason-hint"' in page
    assert _hint(page, "reason") == hint
    said = html.unescape(re.sub("<[^>]+>", " ", page))
    assert said.count("send back or reject") + said.count("sende tilbage eller afvise") == 0
    assert said.count(when) == 1


def test_a_missing_reason_is_shown_at_the_field_and_described(auth, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    page = auth.post(f"/approvals/{version.id}/decide", {"action": "reject", "reason": ""}).get_data(as_text=True)
    assert 'id="reason-error"' in page and "Write the reason for the rejection." in page
    assert re.search(r'<textarea[^>]*aria-describedby="reason-hint reason-error"[^>]*aria-invalid="true"', page) or \
        re.search(r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="reason-hint reason-error"', page)
    assert 'href="#reason"' in page


@pytest.mark.parametrize("locale, expected", [("da", "Beslutning: Vælg en af mulighederne."),
                                              ("en", "Decision: Choose one of the options.")])
def test_an_unknown_action_is_refused_in_the_readers_language(auth, db, make_plan, make_user, locale, expected):
    version = make_plan()
    auth.login(make_user("approver", locale=locale))
    response = auth.post(f"/approvals/{version.id}/decide", {"action": "approve_all", "reason": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert expected in page and "Not a valid choice" not in page
    assert db.exec(select(Decision).where(Decision.plan_version_id == version.id)).first() is None

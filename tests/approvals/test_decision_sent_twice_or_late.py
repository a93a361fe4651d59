"""A decision sent twice (a double click) is recorded once and said as done; a decision
sent after a colleague decided keeps the reason typed in view (read-only, to copy), beside
the decision that stands."""

from __future__ import annotations

import html
import re

import pytest
from lxml import html as lxml_html
from sqlmodel import select

from approval_factories import approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.models import AuditEvent, Decision


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_decision_sent_twice_is_recorded_once(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    form = decision_form(db, version, "send_back", "Split the equipment line")
    assert auth.post(f"/approvals/{version.id}/decide", form).status_code == 302

    again = auth.post(f"/approvals/{version.id}/decide", form)

    assert again.status_code == 302
    assert "The plan is sent back to the caseworker." in _text(auth._client.get(again.headers["Location"]))
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).first() is None


def test_a_late_decision_keeps_the_reason_typed(auth, db, make_plan, approver, make_user):
    version = make_plan()
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "approve")).status_code == 302
    auth.logout()
    auth.login(make_user("approver"))

    response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "reject", "The activity is not realistic in Benin City"))

    assert response.status_code == 409
    page = _text(response)
    assert "already been decided" in page
    assert "Your decision was not recorded" in page
    assert "The activity is not realistic in Benin City" in page
    assert len(db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()) == 1


LATE_WORDS = {
    "en": {"section": "Decision", "sent": "The decision you sent (not recorded)", "recorded": "The decision recorded",
           "rejected": "Reject", "approved": "Approved"},
    "da": {"section": "Beslutning", "sent": "Den beslutning, du sendte (ikke registreret)",
           "recorded": "Den registrerede beslutning", "rejected": "Afvis", "approved": "Godkendt"},
}


@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_late_decision_heads_what_was_sent_and_what_was_recorded(auth, db, make_plan, approver, make_user, lang):
    """Both lists begin "Decision": each has a heading of its own, one level below the
    section's (WCAG 1.3.1), so that a reader, and a screen reader user moving by
    headings, tells the decision not recorded from the one that stands."""
    version = make_plan()
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "approve")).status_code == 302
    auth.logout()
    auth.login(make_user("approver", locale=lang))

    response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "reject", "Not realistic"))

    assert response.status_code == 409
    words = LATE_WORDS[lang]
    main = lxml_html.fromstring(response.get_data(as_text=True)).xpath("//main")[0]
    [section] = [h for h in main.xpath(".//h2") if h.text_content().strip() == words["section"]]
    after = section.xpath("following::*[self::h2 or self::h3 or self::dl]")
    shown = [(e.tag, " ".join(e.text_content().split())) for e in after]
    assert [(tag, text) for tag, text in shown if tag == "h3"][:2] == [("h3", words["sent"]),
                                                                        ("h3", words["recorded"])]
    # Each heading comes right before its own list, before any later section.
    first, second = (shown.index(("h3", words[key])) for key in ("sent", "recorded"))
    assert shown[first + 1][0] == "dl" and words["rejected"] in shown[first + 1][1]
    assert "Not realistic" in shown[first + 1][1]
    assert shown[second + 1][0] == "dl" and words["approved"] in shown[second + 1][1]


def test_a_decision_without_a_late_one_has_no_such_headings(auth, db, make_plan, approver):
    """The page of a decided version, opened (nothing sent late): one list, no headings
    naming a decision not recorded."""
    version = make_plan()
    auth.login(approver)
    response = auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, "approve"))
    page = _text(auth._client.get(response.headers["Location"]))
    assert "The decision you sent" not in page and "The decision recorded" not in page

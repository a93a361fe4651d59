"""A comment typed on a submitted version while an approver decides it: the send answers
409 with the version's page again, saying who decided what and when, the text kept
read-only to copy, and where it can still go. Nothing is stored."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import html
from sqlmodel import Session, select

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401
from reintegration.models import AuditEvent, Case, Comment, Decision, PlanVersion
from reintegration.plans import operations as ops

TEXT = "The plan does not address the debt, please hold."
WORDS = {
    "en": {"heading": "Your comment was not added: the version was decided while you were writing",
           "decided": "Ada Approver decided on version 1 at", "approved": "Approved",
           "sent_back": "Sent back for changes", "next": "next version", "label": "Your comment (not saved)"},
    "da": {"heading": "Din kommentar blev ikke tilføjet: der blev truffet beslutning om versionen, mens du skrev",
           "decided": "Ada Approver traf beslutning om version 1 den", "approved": "Godkendt",
           "sent_back": "Sendt tilbage til rettelse", "next": "næste version", "label": "Din kommentar (ikke gemt)"},
}

# The decision at 12:30 UTC on 1 July: 14:30 in Denmark, 13:30 in Lagos, as a partner
# officer there reads it.
WHEN = {False: {"en": "Jul 1, 2026, 14:30", "da": "01.07.2026 14.30"},
        True: {"en": "Jul 1, 2026, 13:30 (Nigeria Time)", "da": "1. jul. 2026 kl. 13.30 (Nigeria-tid)"}}


def text_of(page: str) -> str:
    return " ".join(html.fromstring(page).text_content().split())


@pytest.fixture
def submitted(auth, db, plan_case, start_draft, make_user):
    auth.login("caseworker")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "1,000.00"}]))
    db.expire_all()
    version = db.get(PlanVersion, version.id)
    assert auth.post(f"/cases/{version.case_id}/plans/{version.id}/submit",
                     {"revision": str(version.revision)}).status_code == 302
    auth.logout()
    db.expire_all()
    return db.get(PlanVersion, version.id)


def decided(db, version, outcome: str, approver) -> None:
    """The approver's decision, taken while the comment was typed."""
    version.status = {"approved": "approved", "sent_back": "returned"}[outcome]
    db.add(version)
    db.add(Decision(plan_version_id=version.id, outcome=outcome, decided_by=approver.id, reason="Points.",
                    decided_at=datetime(2026, 7, 1, 12, 30, tzinfo=timezone.utc),
                    rate_table_id="2026-2029", rate_table_version=1, content_sha256="0" * 64))
    db.commit()


@pytest.mark.parametrize("outcome", ["approved", "sent_back"])
@pytest.mark.parametrize("lang", ["en", "da"])
@pytest.mark.parametrize("role", ["cmm", "caseworker", "partner"])
def test_a_comment_on_a_version_decided_meanwhile_is_kept_on_a_409_page(auth, client, db, submitted, make_user,
                                                                        outcome, lang, role):
    case = db.get(Case, submitted.case_id)
    if role == "partner":
        from reintegration.models import Organisation
        partner = db.get(Organisation, case.partner_id)
        partner.timezone = "Africa/Lagos"  # an hour behind Danish summer time
        db.add(partner)
        db.commit()
        user = make_user("partner", organisation=partner, locale=lang)
    else:
        user = make_user(role, locale=lang)
    if role == "cmm":
        case.cmm_contact_id = user.id
        db.add(case)
        db.commit()
    url = f"/cases/{case.id}/plans/{submitted.id}"
    auth.login(user)
    assert client.get(url).status_code == 200  # the page opens with the comment box
    decided(db, submitted, outcome, make_user("approver", name="Ada Approver"))

    response = auth.post(url + "/comments", {"body": TEXT})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    shown, words = text_of(page), WORDS[lang]
    assert words["heading"] in shown and words["decided"] in shown and words[outcome] in shown
    assert WHEN[role == "partner"][lang] in shown  # Danish time; the partner's own, named
    assert words["next"] in shown
    box = html.fromstring(page).xpath("//textarea[@id='refused-comment']")[0]
    assert box.text_content() == TEXT and box.get("readonly") is not None and box.get("name") is None
    assert words["label"] in shown
    db.expire_all()
    assert db.exec(select(Comment).where(Comment.plan_version_id == submitted.id)).all() == []
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_edit_refused")).one()
    assert refusal.user_id == user.id and TEXT not in (refusal.detail or "")


def test_a_decision_between_the_check_and_the_insert_refuses_the_comment(app, db, submitted, make_user):
    """The view saw a submitted version; the decision committed before the insert."""
    stale = db.get(PlanVersion, submitted.id)  # what the view read: submitted
    approver = make_user("approver")
    with Session(db.get_bind()) as other:  # the approver's transaction
        decided(other, other.get(PlanVersion, submitted.id), "approved", approver)
    assert stale.status == "submitted"
    with pytest.raises(ops.PlanFrozen):
        with app.test_request_context():
            ops.add_comment(db, stale, make_user("cmm"), TEXT)
    db.expire_all()
    assert db.exec(select(Comment).where(Comment.plan_version_id == submitted.id)).all() == []


def test_a_newer_version_open_for_comments_is_named(auth, client, db, submitted, make_user):
    decided(db, submitted, "sent_back", make_user("approver", name="Ada Approver"))
    db.add(PlanVersion(case_id=submitted.case_id, number=2, status="draft", activity_kind="business",
                       activity_description="Hair salon"))
    db.commit()
    auth.login("caseworker")
    response = auth.post(f"/cases/{submitted.case_id}/plans/{submitted.id}/comments", {"body": TEXT})
    assert response.status_code == 409
    shown = text_of(response.get_data(as_text=True))
    assert "You can add it as a comment on version 2" in shown and TEXT in shown

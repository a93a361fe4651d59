"""The comment form sent twice (a slow double click on "Add comment") adds one comment:
the form carries a one-time token stored with the comment it added, and the second send
is told the comment was already added. Two sends at the same moment still add one (the
unique token decides); a post without a token adds its comment, without the guard."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401
from reintegration.models import AuditEvent, Comment, Organisation, PlanVersion, User
from reintegration.plans import operations as ops
from support import sent_twice_at_once

TEXT = "Please add the rent for the first month."
ALREADY = {"en": "Your comment was already added by this form (it was sent twice). It is added once.",
           "da": "Din kommentar var allerede tilføjet af denne formular (den blev sendt to gange). Den er tilføjet "
                 "én gang."}


def token_of(page: str) -> str:
    match = re.search(r'<input[^>]*name="request_token"[^>]*>', page)
    assert match, "the comment form carries no one-time token"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


def comments(db, version) -> list[Comment]:
    db.expire_all()
    return list(db.exec(select(Comment).where(Comment.plan_version_id == version.id).order_by(Comment.id)).all())


def comments_url(version) -> str:
    return f"/cases/{version.case_id}/plans/{version.id}/comments"


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_form_sent_twice_adds_one_comment(client, auth, db, plan_case, start_draft, lang):
    auth.login("caseworker", locale=lang)
    version = start_draft(plan_case)
    form = {"body": TEXT, "request_token": token_of(client.get(edit_url(version)).get_data(as_text=True))}
    first = auth.post(comments_url(version), form)
    second = auth.post(comments_url(version), form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert ALREADY[lang] in page.replace("&#39;", "'")
    [comment] = comments(db, version)
    assert comment.body == TEXT and comment.request_token == form["request_token"]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "plan.comment")).all()) == 1

    # The page shown after it carries a fresh token: the next comment is a new one.
    again = {"body": TEXT, "request_token": token_of(page)}
    assert again["request_token"] != form["request_token"]
    assert auth.post(comments_url(version), again).status_code == 302
    assert len(comments(db, version)) == 2


def test_the_version_page_form_carries_a_token_too(client, auth, db, plan_case, start_draft):
    """The partner comments from the version's page (not the drafting page)."""
    auth.login("caseworker")
    version = start_draft(plan_case)
    auth.logout()
    auth.login("partner", organisation=db.get(Organisation, plan_case.partner_id))
    url = f"/cases/{version.case_id}/plans/{version.id}"
    form = {"body": TEXT, "request_token": token_of(client.get(url).get_data(as_text=True))}
    assert auth.post(comments_url(version), form).status_code == 302
    assert auth.post(comments_url(version), form).status_code == 302
    assert len(comments(db, version)) == 1


def test_a_resend_after_the_version_was_submitted_says_it_was_added(client, auth, db, plan_case, start_draft):
    """The first send added it; a decision or submission since does not make the second
    send a refusal ("not saved"): it was saved."""
    auth.login("caseworker")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "1,000.00"}]))
    form = {"body": TEXT, "request_token": token_of(client.get(edit_url(version)).get_data(as_text=True))}
    assert auth.post(comments_url(version), form).status_code == 302
    db.expire_all()
    version = db.get(PlanVersion, version.id)
    version.status = "approved"
    db.add(version)
    db.commit()
    second = auth.post(comments_url(version), form)
    assert second.status_code == 302
    assert ALREADY["en"] in client.get(second.headers["Location"]).get_data(as_text=True).replace("&#39;", "'")
    assert len(comments(db, version)) == 1


def test_a_post_without_a_token_still_adds_its_comment(auth, db, plan_case, start_draft):
    """Only the form's page sends a token; a post without one (or a malformed one) is not
    refused, it just has no guard against a resend."""
    auth.login("caseworker")
    version = start_draft(plan_case)
    assert auth.post(comments_url(version), {"body": TEXT}).status_code == 302
    assert auth.post(comments_url(version), {"body": TEXT, "request_token": "x"}).status_code == 302
    assert [c.request_token for c in comments(db, version)] == [None, None]


def test_an_empty_comment_keeps_its_token_and_adds_nothing(client, auth, db, plan_case, start_draft):
    auth.login("caseworker")
    version = start_draft(plan_case)
    token = token_of(client.get(edit_url(version)).get_data(as_text=True))
    response = auth.post(comments_url(version), {"body": "", "request_token": token})
    assert response.status_code == 422 and comments(db, version) == []
    assert token_of(response.get_data(as_text=True)) == token  # sent again, it is still one comment
    assert auth.post(comments_url(version), {"body": TEXT, "request_token": token}).status_code == 302
    assert len(comments(db, version)) == 1


def test_two_sends_at_the_same_moment_add_one_comment(app, auth, db, plan_case, start_draft):
    """Both sends pass the look-up before either has written; the unique token refuses
    the second, which then finds the first's comment."""
    user = auth.login("caseworker")
    version = start_draft(plan_case)
    version_id, user_id = version.id, user.id
    token = "t" * 32
    outcomes = []

    def send():
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
            try:
                mine, author = session.get(PlanVersion, version_id), session.get(User, user_id)
                outcomes.append(ops.add_comment(session, mine, author, TEXT, token=token).id)
            except ops.CommentAlreadyAdded as done:
                outcomes.append(("already", done.comment.id))

    sent_twice_at_once(ops, "refuse_comment_sent_twice", send)
    [comment] = comments(db, version)
    assert sorted(outcomes, key=str) == sorted([comment.id, ("already", comment.id)], key=str)

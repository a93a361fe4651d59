"""A comment refused for its own field error (empty, too long) shows the page again
with the error summary and the typed text kept, and answers 422 like every other form
shown again with errors: 200 would tell a browser's tools, an assistive technology
reading the status or a test harness that the send succeeded."""

from __future__ import annotations

import pytest
from lxml import html
from sqlmodel import select

from plan_helpers import edit_url, plan_case, start_draft  # noqa: F401
from reintegration.models import Comment, Organisation

WORDS = {"en": {"problem": "There is a problem", "required": "Comment: This field is required.",
                "too_long": "Comment: At most 5000 characters."},
         "da": {"problem": "Der er et problem", "required": "Kommentar: Feltet skal udfyldes.",
                "too_long": "Kommentar: Højst 5000 tegn."}}


def comments_url(version) -> str:
    return f"/cases/{version.case_id}/plans/{version.id}/comments"


def summary_of(page: str) -> str:
    [summary] = html.fromstring(page).xpath("//*[contains(concat(' ', @class, ' '), ' error-summary ')]")
    return " ".join(summary.text_content().split())


def typed_body(page: str) -> str:
    [field] = html.fromstring(page).xpath("//form[contains(@action, '/comments')]//textarea[@name='body']")
    return field.text_content()


@pytest.mark.parametrize("lang", ["en", "da"])
def test_an_empty_comment_on_the_drafting_page_answers_422(auth, db, plan_case, start_draft, lang):
    auth.login("caseworker", locale=lang)
    version = start_draft(plan_case)
    response = auth.post(comments_url(version), {"body": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = summary_of(page)
    assert WORDS[lang]["problem"] in summary and WORDS[lang]["required"] in summary
    assert db.exec(select(Comment)).all() == []


@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_too_long_comment_on_the_version_page_answers_422_and_keeps_the_text(auth, db, plan_case, start_draft,
                                                                                 lang):
    """The partner comments from the version's page (not the drafting page)."""
    auth.login("caseworker")
    version = start_draft(plan_case)
    auth.logout()
    auth.login("partner", organisation=db.get(Organisation, plan_case.partner_id), locale=lang)
    text = "Rent " + "x" * 5000
    response = auth.post(comments_url(version), {"body": text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert WORDS[lang]["too_long"] in summary_of(page)
    assert typed_body(page).strip() == text
    assert db.exec(select(Comment)).all() == []

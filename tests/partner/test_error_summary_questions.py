"""A follow-up question is a sentence of its own ("The person's income covers their basic
needs.", "How often ...?"). The error summary names a field's error by its label, so a
question's error reads as the next sentence, not as "needs.: Choose ..." or "month?: Choose"."""

from __future__ import annotations

import html
import re

import pytest

from reintegration.forms import summary_text
from test_portal import first_report, report_data


@pytest.mark.parametrize("label, message, said", [
    ("Amount", "Enter an amount.", "Amount: Enter an amount."),
    ("Line 2, Month", "Enter a month.", "Line 2, Month: Enter a month."),
    ("The person's housing is safe and adequate.", "Choose one of the options.",
     "The person's housing is safe and adequate. Choose one of the options."),
    ("How often does the person feel safe where they live?", "Choose one of the options.",
     "How often does the person feel safe where they live? Choose one of the options."),
])
def test_a_label_that_is_a_sentence_is_followed_by_the_message_as_the_next(label, message, said):
    assert summary_text(label, message) == said


def _summary(page: str) -> str:
    block = re.search(r'<div class="alert alert-error error-summary".*?</ul>', page, re.S).group(0)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", block).split()))


@pytest.mark.parametrize("locale, said", [
    ("en", "The person's income covers their basic needs. Choose one of the options."),
    ("da", "Personens indkomst dækker de basale behov. Vælg en af mulighederne."),
])
def test_the_partners_report_summary_reads_the_question_then_the_error(client, auth, db, make_org, make_user,
                                                                       returned_case, locale, said):
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=10)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner, locale=locale))
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}",
                         report_data(db, report, q_income_sufficient="not-an-option"))
    assert response.status_code == 422
    summary = _summary(response.get_data(as_text=True))
    assert said in summary
    assert ".:" not in summary and "?:" not in summary

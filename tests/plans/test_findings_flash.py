"""After a save, the warning that the budget check has findings says where they are: all of
them under "Budget check", and a line's own beside the line. A household's finding (over the
household cap: in-kind lines, none over any line's own rule) belongs to no line, so the
warning must not send the caseworker to the lines alone."""

from __future__ import annotations

import re

import pytest

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _alerts(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.mark.parametrize("locale, said, panel", [
    ("en", "The budget check has findings. They are listed under “Budget check”, and a line's own beside it.",
     "Budget check"),
    ("da", "Budgetkontrollen har fund. De står under “Budgetkontrol”, og en linjes egne ved linjen.",
     "Budgetkontrol"),
])
def test_a_household_finding_is_pointed_to_under_the_budget_check(client, auth, db, plan_case, start_draft,
                                                                    locale, said, panel):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    # Two in-kind lines of 25,000 kr.: each within every line rule, together over the adult's 40,000 kr.
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "25000"}, {"amount_dkk": "25000"}]))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    text = _alerts(page).replace("&#39;", "'")
    assert said in text
    assert f'id="plan-check-title">{panel}</h2>' in page
    assert "beside the lines" not in text and "ved linjerne" not in text


def test_a_plan_within_the_rates_gets_no_findings_warning(client, auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "20000"}, {"amount_dkk": "20000"}]))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The plan is saved." in page
    assert "The budget check has findings" not in page

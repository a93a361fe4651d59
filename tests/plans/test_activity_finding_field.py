"""The activity finding (activity.missing) says which of the two activity fields is
missing and links to it: a description typed without a kind chosen used to be told
"Describe the income-generating activity", pointing at the description already there."""

from __future__ import annotations

import pytest

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401

SAID = {
    ("kind", "en"): "Choose the kind of income-generating activity the plan is built around, and describe it.",
    ("kind", "da"): "Vælg, hvilken type indkomstgenererende aktivitet planen bygger på, og beskriv aktiviteten.",
    ("description", "en"): "Describe the income-generating activity the plan is built around.",
    ("description", "da"): "Beskriv den indkomstgenererende aktivitet, som planen bygger på.",
}


@pytest.mark.parametrize("locale", ["en", "da"])
@pytest.mark.parametrize("missing, fields, field", [
    ("kind", {"activity_kind": ""}, "activity_kind"),
    ("description", {"activity_description": ""}, "activity_description"),
])
def test_the_activity_finding_names_the_field_that_is_missing(auth, plan_case, start_draft, locale, missing,
                                                               fields, field):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    amount = "1,000.00" if locale == "en" else "1.000,00"
    response = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": amount}], **fields),
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    said = SAID[(missing, locale)]
    assert said in page
    other = SAID[("description" if missing == "kind" else "kind", locale)]
    assert other not in page
    # The error summary's link goes to the field to fill in.
    assert f'href="#{field}"' in page

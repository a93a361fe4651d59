"""A line with a local amount and an exchange rate: the DKK amount the caps count is the
local amount times the rate. Changing the local amount (or the rate) of a saved line,
whose DKK amount the page shows filled in, must not leave the old DKK amount behind."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plan_helpers import base_form, edit_url, field_value, plan_case, start_draft, stored_lines  # noqa: F401

MESSAGES = {
    "en": "The DKK amount must be the local amount times the exchange rate (DKK\xa09,000.00). Correct it, or leave "
          "it empty to have it computed.",
    "da": "Beløbet i DKK skal være det lokale beløb gange vekselkursen (9.000,00\xa0kr.). Ret det, eller lad feltet "
          "stå tomt, så det beregnes.",
}
AMOUNTS = {"en": ("1,000,000", "2,000,000", "0.0045", "4,500.00"),
           "da": ("1.000.000", "2.000.000", "0,0045", "4.500,00")}


@pytest.mark.parametrize("lang", ["en", "da"])
def test_changing_the_local_amount_of_a_saved_line_is_not_judged_on_the_old_dkk(auth, db, plan_case, start_draft,
                                                                               lang):
    auth.login("caseworker", locale=lang)
    version = start_draft(plan_case)
    first_local, second_local, rate, shown_dkk = AMOUNTS[lang]
    assert auth.post(edit_url(version), base_form(version, [
        {"amount_local": first_local, "exchange_rate": rate}])).status_code == 302
    [line] = stored_lines(db, version)
    assert line.amount_dkk == Decimal("4500.00")
    page = auth._client.get(edit_url(version)).get_data(as_text=True)
    assert field_value(page, "lines-0-amount_dkk") == shown_dkk  # the page shows the computed DKK

    # The caseworker doubles the local amount and saves the form as the page holds it.
    db.refresh(version)
    response = auth.post(edit_url(version), base_form(version, [
        {"amount_local": second_local, "exchange_rate": rate, "amount_dkk": shown_dkk, "line_key": line.line_key}]))
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="lines-0-amount_dkk-error"' in text
    assert MESSAGES[lang] in text
    assert field_value(text, "lines-0-amount_local") == second_local  # what was typed stays on the page
    [kept] = stored_lines(db, version)
    assert (kept.amount_local, kept.amount_dkk) == (Decimal("1000000"), Decimal("4500.00"))  # nothing half-saved

    # Emptied, the DKK amount is computed from the new local amount.
    assert auth.post(edit_url(version), base_form(version, [
        {"amount_local": second_local, "exchange_rate": rate, "amount_dkk": "", "line_key": line.line_key}])
    ).status_code == 302
    [saved] = stored_lines(db, version)
    assert (saved.amount_local, saved.amount_dkk) == (Decimal("2000000"), Decimal("9000.00"))


def test_a_dkk_amount_that_matches_is_accepted_to_the_ore(auth, db, plan_case, start_draft):
    """1,000,005 × 0.0045 = 4,500.0225: 4,500.02 is the amount (rounded half up), 4,500.03 is not."""
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    form = base_form(version, [{"amount_local": "1,000,005", "exchange_rate": "0.0045", "amount_dkk": "4,500.03"}])
    assert auth.post(edit_url(version), form).status_code == 422
    form["lines-0-amount_dkk"] = "4,500.02"
    assert auth.post(edit_url(version), form).status_code == 302
    assert stored_lines(db, version)[0].amount_dkk == Decimal("4500.02")

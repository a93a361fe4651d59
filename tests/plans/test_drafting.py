"""Drafting a plan through the web: amounts in both languages, lines kept while
adding, removing and spreading, the caps at their boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent, PlanContributor, PlanVersion
from reintegration.plans.operations import spread_cash

from plan_helpers import base_form, edit_url, field_value, plan_case, start_draft, stored_lines  # noqa: F401


def test_danish_amount_input_is_read_as_danish(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "12.500,50"}]))
    assert response.status_code == 302
    [line] = stored_lines(db, version)
    assert line.amount_dkk == Decimal("12500.50")


def test_english_amount_input_is_read_as_english(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "12,500.50"}]))
    assert response.status_code == 302
    [line] = stored_lines(db, version)
    assert line.amount_dkk == Decimal("12500.50")
    page = auth._client.get(edit_url(version)).get_data(as_text=True)
    assert field_value(page, "lines-0-amount_dkk") == "12,500.50"


@pytest.mark.parametrize("typed, message", [
    ("12.5", None),  # English: fine
    ("1,000.505", "at most 2 decimals"),
    ("twelve", "Enter an amount"),
    ("-100.00", "greater than zero"),
])
def test_bad_amount_is_an_error_at_the_field_with_input_kept(auth, db, plan_case, start_draft, typed, message):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": typed, "description": "Chairs"}]))
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="lines-0-amount_dkk-error"' in page
    assert 'href="#lines-0-amount_dkk"' in page  # the error summary links to the field
    assert field_value(page, "lines-0-amount_dkk") == typed
    assert field_value(page, "lines-0-description") == "Chairs"
    assert field_value(page, "activity_location") == "Benin City"
    assert stored_lines(db, version) == []


def test_month_13_is_an_error_at_the_field(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    page = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "month": "13"}]))
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="lines-0-month-error"' in text and "from 1 to 12" in text


def test_local_amount_times_rate_gives_dkk_rounded_half_up(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    # 1,000,005 NGN × 0.0045 DKK = 4,500.0225 → 4,500.02; 1,001 × 0.005 = 5.005 → 5.01
    response = auth.post(edit_url(version), base_form(version, [
        {"amount_local": "1,000,005", "exchange_rate": "0.0045"},
        {"amount_local": "1,001", "exchange_rate": "0.005", "currency": "ngn"},
    ]))
    assert response.status_code == 302
    first, second = stored_lines(db, version)
    assert first.amount_dkk == Decimal("4500.02") and first.currency == "NGN"  # the partner's currency
    assert second.amount_dkk == Decimal("5.01") and second.currency == "NGN"
    assert first.exchange_rate == Decimal("0.0045")


def test_a_line_without_any_amount_is_an_error(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"description": "Dryer"}]))
    assert response.status_code == 422
    assert "Enter the amount in DKK, or the local amount and the exchange rate." in response.get_data(as_text=True)


def _total_page(auth, version, total: str) -> tuple[int, str]:
    response = auth.post(edit_url(version), base_form(version, [
        {"kind": "cash", "category": "allowance", "amount_dkk": "10,000.00"},
        {"amount_dkk": total},
    ]), follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_total_exactly_at_the_cap_has_no_finding(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    status, page = _total_page(auth, version, "30,000.00")
    assert status == 200
    assert "total.max" not in page and "cash.max" not in page
    assert "DKK\xa040,000.00" in page
    db.expire_all()
    saved = db.get(PlanVersion, version.id)
    assert saved.check_ok is True and saved.rate_table_id == "2026-2029" and saved.rate_table_version == 1


def test_one_ore_over_the_cap_shows_total_max(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [
        {"kind": "cash", "category": "allowance", "amount_dkk": "10.000,00"},
        {"amount_dkk": "30.000,01"},
    ]), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "total.max" in page and "40.000,01" in page
    db.expire_all()
    assert db.get(PlanVersion, version.id).check_ok is False


def test_add_line_keeps_input_and_saves(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1,234.50", "description": "Dryer"}],
                                                      action="add_line"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert field_value(page, "lines-0-amount_dkk") == "1,234.50"
    assert field_value(page, "lines-0-description") == "Dryer"
    assert 'name="lines-1-amount_dkk"' in page  # the new, empty line
    assert field_value(page, "lines-1-currency") == "NGN"
    assert len(stored_lines(db, version)) == 1


def test_add_line_leads_to_the_new_line(auth, client, plan_case, start_draft):
    """The page after "Add a line" opens at the new line (its fieldset is the URL's
    fragment): a keyboard user's next Tab is in the new line, not in line 1, however many
    lines lie above it. A blank row left above the new one counts too."""
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    typed = [{"amount_dkk": "100.00"}, {"amount_dkk": "", "month": "", "description": ""}]
    response = auth.post(edit_url(version), base_form(version, typed, action="add_line"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#lines-2"), response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="lines-2"' in page and field_value(page, "lines-2-amount_dkk") == ""
    assert 'name="lines-3-amount_dkk"' not in page


def test_add_line_with_an_error_keeps_everything(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "12x", "description": "Dryer"}],
                                                      action="add_line"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_value(page, "lines-0-amount_dkk") == "12x"
    assert 'name="lines-1-amount_dkk"' in page


def test_remove_line_keeps_the_others(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "description": "A"},
                                                     {"amount_dkk": "200", "description": "B"},
                                                     {"amount_dkk": "300", "description": "C"}]))
    keys = [line.line_key for line in stored_lines(db, version)]
    db.expire_all()
    version = db.get(PlanVersion, version.id)
    lines = [{"amount_dkk": str(a), "description": d, "line_key": k}
             for a, d, k in zip((100, 250, 300), "ABC", keys)]
    response = auth.post(edit_url(version), base_form(version, lines, action="remove_line:0"))
    assert response.status_code == 302
    remaining = stored_lines(db, version)
    assert [(line.description, line.amount_dkk) for line in remaining] == [("B", Decimal("250.00")),
                                                                          ("C", Decimal("300.00"))]
    assert [line.line_key for line in remaining] == keys[1:]  # existing lines keep their key


def test_spread_cash_adds_exact_instalments_and_keeps_input(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "500", "description": "Dryer"}],
                                                      action="spread_cash", spread_total="10,000.00",
                                                      spread_from="1", spread_to="3"))
    assert response.status_code == 302
    lines = stored_lines(db, version)
    assert lines[0].description == "Dryer"
    cash = [(line.month, line.amount_dkk) for line in lines if line.kind == "cash"]
    assert cash == [(1, Decimal("3333.33")), (2, Decimal("3333.33")), (3, Decimal("3333.34"))]


def test_spread_errors_are_at_the_spread_fields(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "500"}], action="spread_cash",
                                                      spread_total="100", spread_from="5", spread_to="2"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="spread_to-error"' in page
    assert field_value(page, "spread_total") == "100"


@pytest.mark.parametrize("total, first, last", [
    ("10000.00", 1, 3), ("0.05", 1, 5), ("19999.99", 2, 12), ("7.00", 4, 4), ("20000.00", 1, 12),
])
def test_spread_arithmetic_is_exact(total, first, last):
    parts = spread_cash(Decimal(total), first, last)
    assert sum(amount for _m, amount in parts) == Decimal(total)
    assert [m for m, _a in parts] == list(range(first, last + 1))
    assert len({amount for _m, amount in parts[:-1]}) <= 1
    assert all(amount.as_tuple().exponent == -2 for _m, amount in parts)


def test_editing_records_contributor_and_audit(auth, db, plan_case, start_draft):
    user = auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100"}]))
    contributors = db.exec(select(PlanContributor.user_id).where(PlanContributor.plan_version_id == version.id)).all()
    assert contributors == [user.id]
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(version.id))).all()
    assert "plan.create" in actions and "plan.update" in actions


def test_second_caseworker_saving_a_stale_form_gets_409_with_input_kept(app, auth, db, plan_case, start_draft,
                                                                        make_user):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    stale_revision = version.revision
    other = type(auth)(app.test_client(), make_user)
    other.login("caseworker", locale="en")
    assert other.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "description": "Theirs"}])
                      ).status_code == 302
    mine = base_form(version, [{"amount_dkk": "999", "description": "Mine"}], activity_location="Lagos")
    mine["revision"] = str(stale_revision)
    response = auth.post(edit_url(version), mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert field_value(page, "lines-0-description") == "Mine" and field_value(page, "activity_location") == "Lagos"
    assert "Theirs" in page  # what the other person saved
    assert [line.description for line in stored_lines(db, version)] == ["Theirs"]
    contributors = set(db.exec(select(PlanContributor.user_id)
                               .where(PlanContributor.plan_version_id == version.id)).all())
    assert contributors == {auth.user.id, other.user.id}


def test_new_version_after_approval_copies_lines_as_an_amendment(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    first = start_draft(plan_case)
    auth.post(edit_url(first), base_form(first, [{"amount_dkk": "100", "description": "Chair"}]))
    db.expire_all()
    first = db.get(PlanVersion, first.id)
    first.status = "approved"
    db.add(first)
    db.commit()
    second = start_draft(plan_case)
    assert second.number == 2 and second.amends_id == first.id
    assert second.activity_description == "Hair salon in Benin City"
    assert [line.line_key for line in stored_lines(db, second)] == [line.line_key for line in stored_lines(db, first)]
    # Asking again while the draft is open leads to that draft.
    again = auth.post(f"/cases/{plan_case.id}/plans")
    assert again.status_code == 302 and edit_url(second) in again.headers["Location"]


@pytest.mark.parametrize("locale, optional", [("en", "(optional)"), ("da", "(valgfrit)")])
def test_the_activity_needed_to_submit_is_not_called_optional(auth, plan_case, start_draft, locale, optional):
    """A draft saves without its activity, but it cannot be sent without the activity's
    kind and description (the budget check's activity.missing): those two labels do not
    say "(optional)"; the fields a plan can be sent without still do."""
    import re

    auth.login("caseworker", locale=locale)
    page = auth._client.get(edit_url(start_draft(plan_case))).get_data(as_text=True)
    labels = dict(re.findall(r'<label class="form-label" for="(activity_\w+)">(.*?)</label>', page, re.S))
    assert optional not in labels["activity_kind"] and optional not in labels["activity_description"]
    assert optional in labels["activity_location"]

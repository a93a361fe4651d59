"""What a draft can hold: at most MAX_LINES (200) budget lines, whichever way they come
(typed, added, spread, imported), and amounts within the form's limits in a plan file.
Too much is refused at the field, with the user's input kept; never a 500."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from decimal import Decimal

import pytest

from reintegration.models import BudgetLine, PlanVersion
from reintegration.plans import operations as ops
from reintegration.plans.forms import MAX_DKK, MAX_LINES

from plan_helpers import base_form, edit_url, field_value, plan_case, start_draft, stored_lines  # noqa: F401

LIMIT_MESSAGE = "A plan can have at most 200 budget lines; this would give it %d."


def _lines(count: int, **changes) -> list[dict]:
    return [{"amount_dkk": "10", "description": f"Item {i}", **changes} for i in range(count)]


def _fresh(db, version) -> PlanVersion:
    db.expire_all()
    return db.get(PlanVersion, version.id)


@pytest.fixture
def draft(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    return _fresh(db, start_draft(plan_case))


def _save(auth, db, version, lines) -> PlanVersion:
    response = auth.post(edit_url(version), base_form(version, lines))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return _fresh(db, version)


def test_the_limit_is_200_lines():
    assert MAX_LINES == 200


# --- spreading cash ----------------------------------------------------------------------

def test_spreading_up_to_exactly_200_lines_saves_and_the_draft_opens(auth, client, db, draft):
    response = auth.post(edit_url(draft), base_form(draft, _lines(188), action="spread_cash",
                                                    spread_total="1,200.00", spread_from="1", spread_to="12"))
    assert response.status_code == 302
    assert len(stored_lines(db, draft)) == 200
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="lines-199-amount_dkk"' in text and 'name="lines-200-amount_dkk"' not in text


def test_spreading_past_200_lines_is_refused_at_the_spread_fields_with_input_kept(auth, db, draft):
    saved = _save(auth, db, draft, _lines(3))
    lines = _lines(189)
    lines[0]["description"] = "Typed, not yet saved"
    response = auth.post(edit_url(saved), base_form(saved, lines, action="spread_cash", spread_total="1,200.00",
                                                    spread_from="1", spread_to="12"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="spread_to-error"' in page and LIMIT_MESSAGE % 201 in page
    assert 'href="#spread_to"' in page  # in the error summary, linked to the field
    assert field_value(page, "lines-0-description") == "Typed, not yet saved"
    assert field_value(page, "lines-188-description") == "Item 188"
    assert (field_value(page, "spread_total"), field_value(page, "spread_from"),
            field_value(page, "spread_to")) == ("1,200.00", "1", "12")
    # Nothing is written: the saved lines and revision are as before.
    assert [line.description for line in stored_lines(db, saved)] == ["Item 0", "Item 1", "Item 2"]
    assert _fresh(db, saved).revision == saved.revision
    # The kept form saves once it fits (fewer months).
    again = auth.post(edit_url(saved), base_form(saved, lines, action="spread_cash", spread_total="1,100.00",
                                                 spread_from="1", spread_to="11"))
    assert again.status_code == 302 and len(stored_lines(db, saved)) == 200


def test_the_danish_message_names_the_lines_and_the_limit(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = _fresh(db, start_draft(plan_case))
    response = auth.post(edit_url(version), base_form(version, _lines(195), action="spread_cash",
                                                      spread_total="1.200,00", spread_from="1", spread_to="12"))
    assert response.status_code == 422
    assert "En plan kan højst have 200 budgetlinjer; dette ville give den 207." in response.get_data(as_text=True)
    assert stored_lines(db, version) == []


# --- adding a line -----------------------------------------------------------------------

def test_add_line_at_199_lines_saves_and_gives_the_200th_row(auth, client, db, draft):
    response = auth.post(edit_url(draft), base_form(draft, _lines(199), action="add_line"))
    assert response.status_code == 302
    assert len(stored_lines(db, draft)) == 199
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="lines-199-amount_dkk"' in text and field_value(text, "lines-199-amount_dkk") == ""
    assert 'name="lines-200-amount_dkk"' not in text


def test_add_line_at_200_lines_is_refused_with_input_kept(auth, db, draft):
    saved = _save(auth, db, draft, _lines(200))
    lines = _lines(200)
    lines[199]["description"] = "Typed, not yet saved"
    response = auth.post(edit_url(saved), base_form(saved, lines, action="add_line"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="lines-error"' in page and LIMIT_MESSAGE % 201 in page
    assert 'href="#lines"' in page and 'id="lines"' in page
    assert field_value(page, "lines-199-description") == "Typed, not yet saved"
    assert 'name="lines-200-amount_dkk"' not in page
    assert stored_lines(db, saved)[199].description == "Item 199"
    assert _fresh(db, saved).revision == saved.revision
    # Saving the same 200 lines is allowed.
    assert auth.post(edit_url(saved), base_form(saved, lines)).status_code == 302
    assert stored_lines(db, saved)[199].description == "Typed, not yet saved"


def test_add_line_with_an_error_at_200_lines_keeps_everything(auth, db, draft):
    lines = _lines(200)
    lines[5]["amount_dkk"] = "12x"
    response = auth.post(edit_url(draft), base_form(draft, lines, action="add_line"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_value(page, "lines-5-amount_dkk") == "12x"
    assert field_value(page, "lines-199-description") == "Item 199"
    assert 'name="lines-200-amount_dkk"' not in page
    assert LIMIT_MESSAGE % 201 in page
    assert stored_lines(db, draft) == []


def test_asking_for_blank_rows_never_fills_past_200(auth, client, db, draft):
    saved = _save(auth, db, draft, _lines(195))
    page = client.get(edit_url(saved) + "?blank=20")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="lines-199-amount_dkk"' in text and 'name="lines-200-amount_dkk"' not in text


# --- any path to a save ------------------------------------------------------------------

def test_save_draft_refuses_more_than_200_lines_and_writes_nothing(app, auth, db, draft):
    tables = app.extensions["rate_tables"]
    user = auth.user

    def values(count):
        return [ops.LineValues(kind="cash", month=1, amount_dkk=Decimal("1.00"), line_key=str(uuid.uuid4()))
                for _ in range(count)]

    with pytest.raises(ops.TooManyLines) as refused:
        ops.save_draft(db, draft, seen_revision=draft.revision, narrative={}, lines=values(201), user=user,
                       tables=tables, today=date.today())
    assert (refused.value.count, refused.value.limit) == (201, 200)
    assert stored_lines(db, draft) == [] and _fresh(db, draft).revision == draft.revision
    ops.save_draft(db, _fresh(db, draft), seen_revision=draft.revision, narrative={}, lines=values(200), user=user,
                   tables=tables, today=date.today())
    assert len(stored_lines(db, draft)) == 200


def test_a_draft_stored_with_more_than_200_lines_opens_and_loses_nothing(auth, client, db, draft):
    # Such a draft can no longer be made; one from before the limit must still open.
    for position in range(205):
        db.add(BudgetLine(plan_version_id=draft.id, line_key=str(uuid.uuid4()), position=position, kind="cash",
                          month=1, amount_dkk=Decimal("10.00"), description=f"Item {position}"))
    db.commit()
    page = client.get(edit_url(draft))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "The plan has 205 budget lines; a plan can have at most 200." in text and 'id="lines-error"' in text
    assert field_value(text, "lines-204-description") == "Item 204"
    keys = [line.line_key for line in stored_lines(db, draft)]
    lines = [{"kind": "cash", "amount_dkk": "10.00", "description": f"Item {i}", "line_key": key}
             for i, key in enumerate(keys)]
    # Saving all of them is refused, and every line is still shown and stored.
    response = auth.post(edit_url(draft), base_form(draft, lines))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert LIMIT_MESSAGE % 205 in text and field_value(text, "lines-204-description") == "Item 204"
    assert len(stored_lines(db, draft)) == 205
    # Removing a line keeps the others in the form (205 -> 204 is still too many: not saved).
    response = auth.post(edit_url(draft), base_form(draft, lines, action="remove_line:0"))
    assert response.status_code == 422 and LIMIT_MESSAGE % 204 in response.get_data(as_text=True)
    assert len(stored_lines(db, draft)) == 205
    # Down to 200, it saves.
    assert auth.post(edit_url(draft), base_form(draft, lines[5:])).status_code == 302
    assert [line.line_key for line in stored_lines(db, draft)] == keys[5:]


# --- importing a plan file ---------------------------------------------------------------

def _import(auth, version, lines):
    document = {"format": "reintegration-plan/1", "reference_date": "2026-06-01",
                "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False}, "children": [],
                "activity": {"kind": "business", "description": "Hair salon"}, "lines": lines}
    data = {"revision": str(version.revision),
            "plan_file": (io.BytesIO(json.dumps(document).encode("utf-8")), "plan.json")}
    return auth.post(f"/cases/{version.case_id}/plans/{version.id}/import", data,
                     content_type="multipart/form-data")


@pytest.mark.parametrize("amount", ["10000000.01", "-10000000.01", "999999999999999", "999999999999999.99"])
def test_an_amount_beyond_the_limit_is_refused_naming_the_field(auth, db, draft, amount):
    lines = [{"kind": "cash", "amount_dkk": "100.00", "month": 1},
             {"kind": "in_kind", "amount_dkk": amount, "month": 2}]
    response = _import(auth, draft, lines)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="plan_file-error"' in page
    assert f"lines[1].amount_dkk must be from -10000000 to 10000000: {amount}." in page
    assert stored_lines(db, draft) == [] and _fresh(db, draft).revision == draft.revision


def test_200_lines_of_the_largest_amount_import(auth, client, db, draft):
    # At the limit, and as many lines as a plan can have: the stored totals still fit.
    response = _import(auth, draft, [{"kind": "in_kind", "amount_dkk": str(MAX_DKK), "month": 1}] * 200)
    assert response.status_code == 302
    lines = stored_lines(db, draft)
    assert len(lines) == 200 and sum(line.amount_dkk for line in lines) == MAX_DKK * 200
    assert client.get(edit_url(draft)).status_code == 200


def test_200_lines_of_huge_amounts_are_refused_not_a_500(auth, db, draft):
    response = _import(auth, draft, [{"kind": "cash", "amount_dkk": "999999999999999.99", "month": 1}] * 200)
    assert response.status_code == 422
    assert "lines[0].amount_dkk must be from" in response.get_data(as_text=True)
    assert stored_lines(db, draft) == []


def test_import_refuses_more_than_200_lines(auth, db, draft):
    response = _import(auth, draft, [{"kind": "cash", "amount_dkk": "1.00", "month": 1}] * 201)
    assert response.status_code == 422 and "The file has 201 budget lines; a plan can have at most 200." in \
        response.get_data(as_text=True)
    assert stored_lines(db, draft) == []


@pytest.mark.parametrize("blank", ["99999999999999999999", "²", "٣", "1" * 12, "-1", "1e3"])
def test_an_odd_number_of_blank_rows_still_opens_the_draft(client, draft, blank):
    response = client.get(edit_url(draft) + f"?blank={blank}")
    assert response.status_code == 200

"""Creating and editing a case: the happy path, bad input on every field, child rows,
the reflection period limits, the partner flag, and two people saving at once."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlmodel import select

from reintegration.cases import operations
from reintegration.models import AuditEvent, Case, Child
from support import danish_today, danish_tomorrow


def _cases(db):
    db.expire_all()
    return db.exec(select(Case)).all()


def _actions(db, action):
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def _error_at(page: str, field_id: str) -> str:
    """The error message rendered at a field (empty if none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"><span class="sr-only">[^<]*</span>([^<]*)</span>', page)
    return html.unescape(match.group(1)) if match else ""


def test_create_case_then_show_it(client, auth, case_data, db, partners):
    user = auth.login("caseworker")
    response = auth.post("/cases/new", case_data(user))
    assert response.status_code == 302
    [case] = _cases(db)
    assert re.fullmatch(rf"RT-{danish_today().year}-0001", case.reference)
    assert case.status == "preparing" and case.caseworker_id == user.id and case.partner_id == partners["NG"].id
    assert case.revision == 1
    [child] = db.exec(select(Child)).all()
    assert (child.first_name, child.date_of_birth, child.lives_in) == ("Ada", date(2015, 6, 1), "home_country")
    assert len(_actions(db, "case.create")) == 1

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert case.reference in page and "Blessing Okoro" in page and "Edo Network" in page and "Nigeria" in page
    assert "Ada" in page
    assert [e.case_id for e in _actions(db, "case.read")] == [case.id]


def test_new_case_form_defaults_the_caseworker_to_the_creator(client, auth, partners):
    user = auth.login("caseworker")
    page = client.get("/cases/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{user.id}">|<option value="{user.id}" selected', page)


def test_edit_case(client, auth, case_data, db, make_case, partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["TH"], return_country="TH")
    form = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    assert 'name="revision" type="hidden" value="1"' in form or 'value="1" name="revision"' in form or \
        re.search(r'name="revision"[^>]*value="1"', form)
    response = auth.post(f"/cases/{case.id}/edit", case_data(
        user, revision="1", return_country="TH", partner_id=str(partners["TH"].id), person_name="Malee Srisuk"))
    assert response.status_code == 302
    db.refresh(case)
    assert case.person_name == "Malee Srisuk" and case.revision == 2
    [event] = _actions(db, "case.update")
    assert "person_name" in event.detail and "children" in event.detail


FUTURE = danish_tomorrow()
BAD_INPUT = [
    ("person_name", "", "Enter the person's name."),
    ("person_name", "x" * 10_000_000, "At most 200 characters."),
    ("person_date_of_birth", "fourteenth of March", "Enter a date such as 2026-03-14."),
    ("person_date_of_birth", FUTURE, "The date cannot be in the future."),
    ("person_date_of_birth", "1899-12-31", "Enter a date in 1900 or later."),
    ("person_sex", "unknown", "Choose one of the options."),
    ("nationality", "XX", "Choose one of the options."),
    ("children-0-date_of_birth", FUTURE, "The date cannot be in the future."),
    ("children-0-date_of_birth", "2015-13-01", "Enter a date such as 2026-03-14."),
    ("children-0-lives_in", "mars", "Choose one of the options."),
    ("children-0-first_name", "y" * 101, "At most 100 characters."),
    ("return_country", "", "Choose the country of return."),
    ("return_country", "XX", "Choose one of the options."),
    ("partner_id", "999999", "Choose one of the options."),
    ("partner_id", "TH", "This partner does not work in the country of return."),
    ("cmm_contact_id", "abc", "Choose one of the options."),
    ("caseworker_id", "", "Choose the responsible caseworker."),
    ("reflection_start", "soon", "Enter a date such as 2026-03-14."),
    ("reflection_end", "2026-06-05", "even extended it may be at most 120 days."),
    ("reflection_end", "2026-01-01", "The end must be on or after the start."),
    ("planned_return", "2026-02-30", "Enter a date such as 2026-03-14."),
]


@pytest.mark.parametrize("field, value, message", BAD_INPUT, ids=[f"{f}={v[:20]}" for f, v, _m in BAD_INPUT])
def test_bad_input_gives_the_form_back_with_the_error_at_the_field(client, auth, case_data, db, partners,
                                                                    field, value, message):
    user = auth.login("caseworker")
    if value == "TH":
        value = str(partners["TH"].id)
    response = auth.post("/cases/new", case_data(user, **{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in _error_at(page, field.replace("_", "_")), _error_at(page, field)
    assert f'href="#{field}"' in page  # the error summary links to the field
    # The rest of the input is kept.
    for kept_field, kept in (("person_name", "Blessing Okoro"), ("reflection_start", "2026-01-05"),
                             ("children-0-first_name", "Ada")):
        if kept_field != field:
            assert re.search(rf'id="{kept_field}"[^>]*value="{kept}"|value="{kept}"[^>]*id="{kept_field}"', page), kept_field
    assert _cases(db) == []
    assert len(page) < 200_000  # 10 MB of text is not echoed back


def test_a_reflection_period_over_30_days_is_shown_as_an_extension(client, auth, case_data, db, partners):
    user = auth.login("caseworker")
    # With another error, the form comes back and says the 60 days are an extension.
    page = auth.post("/cases/new", case_data(user, reflection_end="2026-03-06", person_name="")).get_data(as_text=True)
    assert "60 days is longer than the 30-day period: this is an extension" in page
    assert _error_at(page, "reflection_end") == ""
    # Exactly 120 days is allowed; the case page flags the extension.
    response = auth.post("/cases/new", case_data(user, reflection_end="2026-05-05",
                                                 planned_return="2026-05-20"))  # the return follows the period
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The reflection period is extended: 120 days" in page


def test_add_a_child_puts_the_focus_in_the_new_row(auth, case_data, partners):
    """The page after "Add a child" is a new page: without a focus of its own, a keyboard
    or screen-reader user starts again at its top, above the person's fields. The new
    child's first name takes the focus (autofocus), and nothing else does."""
    user = auth.login("caseworker")
    data = case_data(user, **{"children-1-first_name": "Bola", "children-1-date_of_birth": "2017-02-03"})
    page = auth.post("/cases/new", dict(data, action="add_child")).get_data(as_text=True)
    assert page.count("autofocus") == 1, page.count("autofocus")
    assert re.search(r'<input[^>]*\bautofocus\b[^>]*id="children-2-first_name"|'
                     r'<input[^>]*id="children-2-first_name"[^>]*\bautofocus\b', page)
    page = auth.post("/cases/new", dict(data, action="remove_child:1")).get_data(as_text=True)
    assert "autofocus" not in page


def test_children_rows_are_added_and_removed_without_losing_input(client, auth, case_data, db, partners):
    user = auth.login("caseworker")
    data = case_data(user, **{"children-1-first_name": "Bola", "children-1-date_of_birth": "2017-02-03",
                              "children-1-lives_in": "denmark", "children-2-first_name": "Chidi",
                              "children-2-date_of_birth": "not a date"})
    page = auth.post("/cases/new", dict(data, action="add_child")).get_data(as_text=True)
    assert 'id="children-3-date_of_birth"' in page and 'value="not a date"' in page
    assert "Enter a date" not in page  # adding a row does not validate
    page = auth.post("/cases/new", dict(data, action="remove_child:1")).get_data(as_text=True)
    assert "Bola" not in page and 'value="Ada"' in page
    assert re.search(r'id="children-1-first_name"[^>]*value="Chidi"|value="Chidi"[^>]*id="children-1-first_name"', page)
    assert 'id="children-2-first_name"' not in page
    assert 'value="Blessing Okoro"' in page
    assert _cases(db) == []
    # Removing every child and saving stores none.
    response = auth.post("/cases/new", {k: v for k, v in data.items() if not k.startswith("children-")})
    assert response.status_code == 302 and db.exec(select(Child)).all() == []


def test_a_country_without_active_partner_is_flagged(client, auth, case_data, db, partners):
    user = auth.login("caseworker")
    form = client.get("/cases/new").get_data(as_text=True)
    assert "Morocco (no active partner)" in form
    # Chosen with an error elsewhere: the form shows the warning.
    page = auth.post("/cases/new", case_data(user, return_country="MA", partner_id="", person_name="")).get_data(as_text=True)
    assert "Morocco has no active partner organisation" in page
    # A prospective partner may be chosen; the case is flagged.
    response = auth.post("/cases/new", case_data(user, return_country="MA", partner_id=str(partners["MA"].id)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Morocco has no active partner organisation" in page


def test_two_edits_from_the_same_revision_second_gets_a_conflict(client, auth, case_data, db, make_case, partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    first = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", person_name="First Editor Name"))
    assert first.status_code == 302
    second = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", person_name="Second Editor Name",
                                                           planned_return="2026-04-01"))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert 'value="Second Editor Name"' in page and 'value="2026-04-01"' in page  # input kept
    assert "First Editor Name" in page  # the saved values are shown
    assert re.search(r'name="revision"[^>]*value="2"', page)  # saving again is deliberate
    db.refresh(case)
    assert case.person_name == "First Editor Name" and case.revision == 2
    assert len(_actions(db, "case.update")) == 1
    # Without any revision the save is refused too.
    data = case_data(user, person_name="No Revision")
    assert auth.post(f"/cases/{case.id}/edit", data).status_code == 409


def test_the_reference_is_unique_when_two_creations_race(client, auth, case_data, db, make_case, partners,
                                                         monkeypatch):
    year = danish_today().year
    make_case(partner=partners["NG"], reference=f"RT-{year}-0001")
    real = operations.next_reference
    calls = []

    def stale_then_real(db_, year_):
        calls.append(year_)
        return f"RT-{year_}-0001" if len(calls) == 1 else real(db_, year_)

    monkeypatch.setattr(operations, "next_reference", stale_then_real)
    user = auth.login("caseworker")
    assert auth.post("/cases/new", case_data(user)).status_code == 302
    assert sorted(c.reference for c in _cases(db)) == [f"RT-{year}-0001", f"RT-{year}-0002"]
    assert len(calls) == 2


def test_post_without_csrf_is_refused(client, auth, case_data, db, make_case, partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    data = case_data(user, revision="1")
    assert auth.post("/cases/new", dict(data, csrf_token="")).status_code == 400
    assert auth.post(f"/cases/{case.id}/edit", dict(data, csrf_token="forged")).status_code == 400
    assert [c.id for c in _cases(db)] == [case.id] and case.revision == 1


def test_a_closed_case_cannot_be_edited(client, auth, case_data, db, make_case, partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"], status="closed")
    response = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", person_name="Changed"))
    assert response.status_code == 302
    db.refresh(case)
    assert case.person_name != "Changed"


def test_a_control_character_is_named_at_its_field_never_a_500(client, auth, case_data, db):
    """No text column can hold a NUL byte (PostgreSQL refuses it) and no control
    character belongs in a name or a search: the field says so, nothing is saved."""
    from sqlmodel import func, select

    from reintegration.models import Case

    user = auth.login("caseworker", locale="en")
    search = client.get("/cases?q=%00")
    assert search.status_code == 200
    assert 'id="q-error"' in search.get_data(as_text=True)
    response = auth.post("/cases/new", case_data(user, person_name="Blessing\x00Okoro"))
    assert response.status_code == 422
    assert _error_at(response.get_data(as_text=True), "person_name") == \
        "Remove the invisible control character, for example from pasted text."
    assert db.exec(select(func.count()).select_from(Case)).one() == 0

"""The planned return and the reflection period (DOMAIN.md, the process, step 1; the
action plan, seed lines 577-591): nobody leaves before the period has begun, so a planned
return before its start is refused at the planned-return field, on the new-case and the
edit form, in the reader's language. Within the period a return is accepted: for a
person without legal stay the period is an extended departure deadline, and one whose
plan is approved early may travel before it ends."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlmodel import select

from reintegration.models import Case


def _error_at(page: str, field_id: str) -> str:
    """The error message rendered at a field (empty if none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"><span class="sr-only">[^<]*</span>([^<]*)</span>', page)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("locale, message", [
    ("en", "The planned return cannot be before the reflection period starts (Dec 1, 2026)."),
    ("da", "Den planlagte hjemrejse kan ikke ligge før refleksionsperiodens start (1. dec. 2026)."),
])
def test_a_planned_return_before_the_reflection_period_is_refused(auth, db, case_data, locale, message):
    user = auth.login("caseworker", locale=locale)
    response = auth.post("/cases/new", case_data(user, reflection_start="2026-12-01", reflection_end="2026-12-31",
                                                 planned_return="2026-11-30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in _error_at(page, "planned_return")
    assert 'href="#planned_return"' in page
    assert db.exec(select(Case)).all() == []


@pytest.mark.parametrize("planned", ["2026-12-01", "2026-12-20", "2026-12-31", "2027-01-15"])
def test_a_return_from_the_first_day_of_the_period_is_accepted(auth, db, case_data, planned):
    user = auth.login("caseworker", locale="en")
    response = auth.post("/cases/new", case_data(user, reflection_start="2026-12-01", reflection_end="2026-12-31",
                                                 planned_return=planned))
    assert response.status_code == 302
    assert db.exec(select(Case)).one().planned_return == date.fromisoformat(planned)


def test_with_only_the_start_known_the_return_cannot_come_before_it(auth, db, case_data):
    user = auth.login("caseworker", locale="en")
    page = auth.post("/cases/new", case_data(user, reflection_start="2026-12-01", reflection_end="",
                                             planned_return="2026-11-01")).get_data(as_text=True)
    assert "cannot be before the reflection period starts (Dec 1, 2026)" in _error_at(page, "planned_return")


def test_without_a_period_any_planned_return_is_taken(auth, db, case_data):
    user = auth.login("caseworker", locale="en")
    response = auth.post("/cases/new", case_data(user, reflection_start="", reflection_end="",
                                                 planned_return="2025-01-01"))
    assert response.status_code == 302


def test_an_unreadable_period_is_its_own_error_only(auth, db, case_data):
    user = auth.login("caseworker", locale="en")
    page = auth.post("/cases/new", case_data(user, reflection_start="2026-12-01", reflection_end="2026-11-01",
                                             planned_return="2026-11-15")).get_data(as_text=True)
    assert "The end must be on or after the start." in _error_at(page, "reflection_end")
    assert _error_at(page, "planned_return") == ""


def test_the_edit_form_refuses_it_too(auth, db, case_data, make_case, partners):
    user = auth.login("caseworker", locale="en")
    case = make_case(partner=partners["NG"])
    response = auth.post(f"/cases/{case.id}/edit", case_data(
        user, revision=str(case.revision), reflection_start="2026-12-01", reflection_end="2026-12-31",
        planned_return="2025-01-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be before the reflection period starts (Dec 1, 2026)" in _error_at(page, "planned_return")
    db.refresh(case)
    assert case.planned_return != date(2025, 1, 1)

"""Helpers and fixtures for the drafting tests: a case with a draft, form posts built
like a browser's, stored lines. (No conftest.py here: it would shadow tests/conftest.py,
which other test folders import by name.) Test modules import the fixtures they use."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from reintegration.models import BudgetLine, PlanVersion


def edit_url(version) -> str:
    return f"/cases/{version.case_id}/plans/{version.id}/edit"


def base_form(version, lines=(), **fields) -> dict:
    """A full drafting form post: the activity plus ``lines`` as dicts."""
    data = {
        "revision": str(version.revision),
        "activity_kind": "business",
        "activity_description": "Hair salon in Benin City",
        "activity_location": "Benin City",
        "expected_monthly_income": "",
        "activity_start_month": "2",
        "realism": "Trained as a hairdresser",
        "action": "save",
    }
    for i, line in enumerate(lines):
        row = {"kind": "in_kind", "category": "equipment", "description": f"Line {i}", "month": "1",
               "amount_dkk": "", "currency": "", "amount_local": "", "exchange_rate": "", "line_key": ""}
        row.update(line)
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    data.update(fields)
    return data


def stored_lines(db, version):
    db.expire_all()
    return db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)
                   .order_by(BudgetLine.position)).all()


def field_value(html: str, name: str) -> str | None:
    match = re.search(r'name="%s"[^>]*value="([^"]*)"' % re.escape(name), html) or \
        re.search(r'value="([^"]*)"[^>]*name="%s"' % re.escape(name), html)
    return match.group(1) if match else None


@pytest.fixture
def plan_case(make_org, make_case):
    """A Nigerian case with a planned return in 2026 (the 2026-2029 rate table)."""
    partner = make_org("partner", country="NG", currency="NGN")
    return make_case(partner=partner, planned_return=date(2026, 6, 1))


@pytest.fixture
def start_draft(auth, db):
    def start(case) -> PlanVersion:
        response = auth.post(f"/cases/{case.id}/plans")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)
                          .order_by(PlanVersion.number.desc())).first()
        db.refresh(version)
        return version

    return start



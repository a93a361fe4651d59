"""Fixtures for the case pages: a partner registry of NG (active), TH (active) and
MA (prospective only), and a valid form as a dict to vary field by field."""

from __future__ import annotations

import pytest

@pytest.fixture
def partners(make_org):
    return {
        "NG": make_org("partner", country="NG", name="Edo Network", status="active"),
        "TH": make_org("partner", country="TH", name="Chiang Mai Support", status="active", currency="THB"),
        "MA": make_org("partner", country="MA", name="Retour Digne", status="prospective", currency="MAD"),
    }


@pytest.fixture
def case_data(partners, make_user):
    """A valid case form for ``auth.post``; the caseworker is filled in per test."""
    cmm = make_user("cmm")

    def build(caseworker, **overrides):
        data = {
            "person_name": "Blessing Okoro", "person_date_of_birth": "1994-05-02", "person_sex": "female",
            "nationality": "NG", "return_country": "NG", "partner_id": str(partners["NG"].id),
            "cmm_contact_id": str(cmm.id), "caseworker_id": str(caseworker.id),
            "reflection_start": "2026-01-05", "reflection_end": "2026-02-04", "planned_return": "2026-03-01",
            "children-0-first_name": "Ada", "children-0-date_of_birth": "2015-06-01",
            "children-0-lives_in": "home_country", "action": "save",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    build.cmm = cmm
    return build

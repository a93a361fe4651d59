"""Opening the drafting page (or the import page) of a version that is no longer a
draft is no attempt to change it: the user is sent to the version's read-only page with
a plain note; only a posted change answers 409 "nothing was saved"."""

from __future__ import annotations

import pytest
from sqlmodel import select

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401
from reintegration.models import AuditEvent, PlanVersion


@pytest.fixture
def submitted(auth, db, plan_case, start_draft):
    def make(locale):
        auth.login("caseworker", locale=locale)
        version = start_draft(plan_case)
        auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "1,000.00" if locale == "en"
                                                          else "1.000,00"}]))
        db.expire_all()
        version = db.get(PlanVersion, version.id)
        url = f"/cases/{version.case_id}/plans/{version.id}"
        assert auth.post(url + "/submit", {"revision": str(version.revision)}).status_code == 302
        db.expire_all()
        return db.get(PlanVersion, version.id)

    return make


@pytest.mark.parametrize("page", ["edit", "import"])
@pytest.mark.parametrize("locale, note, not_said", [
    ("en", "Version 1 was submitted, so it cannot be edited.", "nothing was saved"),
    ("da", "Version 1 er indsendt og kan derfor ikke redigeres.", "intet blev gemt"),
])
def test_opening_a_submitted_versions_edit_page_shows_the_version(auth, db, submitted, page, locale, note, not_said):
    version = submitted(locale)
    assert version.status == "submitted"
    base = f"/cases/{version.case_id}/plans/{version.id}"
    response = auth._client.get(f"{base}/{page}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(base)
    shown = auth._client.get(base)
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and note in text and not_said not in text.lower()
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_edit_refused")).all()
    assert refused == []  # opening a page is not a refused change


def test_posting_a_change_to_a_submitted_version_still_answers_409(auth, db, submitted):
    version = submitted("en")
    response = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "1.00"}]))
    assert response.status_code == 409
    assert "nothing was saved" in response.get_data(as_text=True)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_edit_refused")).first()

"""A closed case is read-only, its draft too: a draft left open when the case was closed
cannot be saved, imported into or discarded; what was typed stays in view (409), and the
draft's page offers no editing."""

from __future__ import annotations

import io

from sqlmodel import select

from plan_helpers import base_form, edit_url, plan_case, start_draft, stored_lines  # noqa: F401
from reintegration.models import AuditEvent, Case, PlanVersion


def _closed_with_draft(db, auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    case = db.get(Case, plan_case.id)
    case.status = "closed"
    db.add(case)
    db.commit()
    return db.get(PlanVersion, version.id)


def test_saving_a_draft_of_a_closed_case_is_refused_and_keeps_what_was_typed(auth, db, plan_case, start_draft):
    version = _closed_with_draft(db, auth, plan_case, start_draft)
    before = [(line.line_key, line.amount_dkk) for line in stored_lines(db, version)]
    response = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "100",
                                                                 "description": "Typed after closing"}]))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The case is closed, so version 1 can no longer be changed; nothing was saved." in page
    assert "Typed after closing" in page and "start a new version" not in page
    assert [(line.line_key, line.amount_dkk) for line in stored_lines(db, version)] == before
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.frozen_edit_refused")).first()


def test_import_and_discard_are_refused_too(auth, db, plan_case, start_draft):
    version = _closed_with_draft(db, auth, plan_case, start_draft)
    url = f"/cases/{version.case_id}/plans/{version.id}"
    imported = auth.post(f"{url}/import", {"revision": str(version.revision),
                                            "plan_file": (io.BytesIO(b"{}"), "plan.json")},
                         content_type="multipart/form-data")
    assert imported.status_code == 409 and "plan.json" in imported.get_data(as_text=True)
    discarded = auth.post(f"{url}/discard", {"revision": str(version.revision), "confirm_discard": "y"})
    assert discarded.status_code == 409
    assert db.get(PlanVersion, version.id) is not None


def test_the_draft_page_offers_no_editing(auth, client, db, plan_case, start_draft):
    version = _closed_with_draft(db, auth, plan_case, start_draft)
    opened = client.get(edit_url(version))
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/plans/{version.id}")
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "The case is closed, so its plan can no longer be changed. This is version 1 as it stands." in page
    assert edit_url(version) not in page

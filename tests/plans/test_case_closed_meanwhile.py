"""A caseworker sends a draft's page after a colleague closed the case: the refusal says
so (who closed it and when), not that someone saved the plan; the draft and what was
typed are kept, and the page says what can be done now. Also when the case is closed
in the moment between the page's check and the write (the write reads the case again
under its lock)."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlmodel import select

from plan_helpers import base_form, edit_url, plan_case, start_draft, stored_lines  # noqa: F401
from reintegration.followup import operations as followup_ops
from reintegration.models import AuditEvent, Case, PlanVersion
from reintegration.plans import operations as plan_ops


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _saved_draft(auth, db, plan_case, start_draft, locale="en"):
    auth.login("caseworker", locale=locale)
    version = start_draft(plan_case)
    assert auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1000"}])).status_code == 302
    db.expire_all()
    return db.get(PlanVersion, version.id)


def _closed_by_colleague(db, make_user, case_id):
    colleague = make_user("caseworker", name="Karen Colleague")
    db.expire_all()
    followup_ops.close_case(db, db.get(Case, case_id), user=colleague, reason="withdrew", note="Moved away")


def _unchanged(db, version):
    db.expire_all()
    stored = db.get(PlanVersion, version.id)
    return stored is not None and stored.status == "draft" and stored.revision == version.revision


@pytest.mark.parametrize("locale, texts", [
    ("en", ["The case is closed, so version 1 was not submitted.", "Karen Colleague closed the case at",
            "The draft is kept as it was last saved", "talk to Karen Colleague"]),
    ("da", ["Sagen er lukket, så version 1 blev ikke indsendt.", "Karen Colleague lukkede sagen",
            "Kladden er bevaret, som den senest blev gemt", "tal med Karen Colleague"]),
])
def test_a_submit_after_the_case_was_closed_says_who_closed_it(auth, db, make_user, plan_case, start_draft,
                                                               locale, texts):
    version = _saved_draft(auth, db, plan_case, start_draft, locale)
    _closed_by_colleague(db, make_user, plan_case.id)

    response = auth.post(f"/cases/{plan_case.id}/plans/{version.id}/submit", {"revision": str(version.revision)})

    assert response.status_code == 409
    page = _text(response)
    for text in texts:
        assert text in page, text
    assert "Someone else saved this plan" not in page
    assert _unchanged(db, version)


def test_a_save_after_the_case_was_closed_names_who_closed_it_and_keeps_what_was_typed(
        auth, db, make_user, plan_case, start_draft):
    version = _saved_draft(auth, db, plan_case, start_draft)
    _closed_by_colleague(db, make_user, plan_case.id)

    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1500.00",
                                                                 "description": "Typed after closing"}]))

    assert response.status_code == 409
    page = _text(response)
    assert "The case is closed, so version 1 can no longer be changed; nothing was saved." in page
    assert "Karen Colleague closed the case at" in page
    assert "Typed after closing" in page and "What you typed is kept below" in page
    assert _unchanged(db, version)


def test_import_and_discard_after_the_case_was_closed_name_who_closed_it(auth, db, make_user, plan_case,
                                                                          start_draft):
    version = _saved_draft(auth, db, plan_case, start_draft)
    _closed_by_colleague(db, make_user, plan_case.id)
    url = f"/cases/{plan_case.id}/plans/{version.id}"

    imported = auth.post(f"{url}/import", {"revision": str(version.revision),
                                            "plan_file": (io.BytesIO(b"{}"), "plan.json")},
                         content_type="multipart/form-data")
    discarded = auth.post(f"{url}/discard", {"revision": str(version.revision), "confirm_discard": "y"})

    assert imported.status_code == 409 and discarded.status_code == 409
    assert "The case is closed, so version 1 was not imported into." not in _text(imported)
    assert "The case is closed, so nothing was imported into version 1." in _text(imported)
    assert "The case is closed, so version 1 was not discarded." in _text(discarded)
    for response in (imported, discarded):
        assert "Karen Colleague closed the case at" in _text(response)
    assert _unchanged(db, version)


def _closing_before_the_lock(monkeypatch, db, make_user, case_id):
    """The case is closed by a colleague just before the write takes the case's lock:
    after the page's own check that it is open."""
    real = plan_ops.lock_case

    def closed_first(session, locked_id):
        monkeypatch.setattr(plan_ops, "lock_case", real)
        _closed_by_colleague(db, make_user, case_id)
        return real(session, locked_id)

    monkeypatch.setattr(plan_ops, "lock_case", closed_first)


def test_a_save_as_the_case_is_closed_is_refused_not_written(monkeypatch, auth, db, make_user, plan_case,
                                                             start_draft):
    version = _saved_draft(auth, db, plan_case, start_draft)
    before = [(line.line_key, line.amount_dkk) for line in stored_lines(db, version)]
    _closing_before_the_lock(monkeypatch, db, make_user, plan_case.id)

    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1500.00",
                                                                 "description": "Typed as it closed"}]))

    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague closed the case at" in page and "Typed as it closed" in page
    assert [(line.line_key, line.amount_dkk) for line in stored_lines(db, version)] == before
    assert _unchanged(db, version)


def test_a_submit_as_the_case_is_closed_says_who_closed_it(monkeypatch, auth, db, make_user, plan_case,
                                                           start_draft):
    version = _saved_draft(auth, db, plan_case, start_draft)
    _closing_before_the_lock(monkeypatch, db, make_user, plan_case.id)

    response = auth.post(f"/cases/{plan_case.id}/plans/{version.id}/submit", {"revision": str(version.revision)})

    assert response.status_code == 409
    page = _text(response)
    assert "The case is closed, so version 1 was not submitted." in page
    assert "Karen Colleague closed the case at" in page
    assert _unchanged(db, version)
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "plan.submit")).first()


def test_a_case_closed_by_the_final_report_is_named_so(auth, db, make_user, plan_case, start_draft):
    """The final report closes the case at the end of the period: the page says so, and
    sends no one to its sender (a partner's officer) to reopen it."""
    version = _saved_draft(auth, db, plan_case, start_draft)
    officer = make_user("partner", name="Ada Okafor")
    db.expire_all()
    case = db.get(Case, plan_case.id)
    followup_ops._close(db, case, user=officer, reason="period_ended", note=None, action="followup.period_closed")
    db.commit()

    response = auth.post(f"/cases/{plan_case.id}/plans/{version.id}/submit", {"revision": str(version.revision)})

    page = _text(response)
    assert response.status_code == 409
    assert "Ada Okafor sent the final report at" in page and "which closed the case" in page
    assert "talk to" not in page


def test_no_version_is_started_on_a_case_closed_as_it_is_started(monkeypatch, auth, db, make_user, plan_case):
    """The page's check found the case open; a colleague closes it before the new version
    is written: the start reads the case again under its lock and refuses, so a closed
    case never gets a draft (which could then be neither saved, submitted nor discarded)."""
    auth.login("caseworker", locale="en")
    real = plan_ops.create_draft

    def closed_first(*args, **kwargs):
        monkeypatch.setattr(plan_ops, "create_draft", real)
        _closed_by_colleague(db, make_user, plan_case.id)
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_ops, "create_draft", closed_first)

    response = auth.post(f"/cases/{plan_case.id}/plans", follow_redirects=True)

    assert response.status_code == 200
    assert "The case is closed; no new plan version can be started." in _text(response)
    db.expire_all()
    assert db.get(Case, plan_case.id).status == "closed"
    assert db.exec(select(PlanVersion).where(PlanVersion.case_id == plan_case.id)).all() == []
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "plan.create")).first()

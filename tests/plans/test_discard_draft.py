"""A caseworker can discard a draft: its lines, contributors and comments go with it,
the case's other versions stay, and a new version can be started."""

from __future__ import annotations


from sqlmodel import func, select

from reintegration.models import AuditEvent, BudgetLine, Comment, PlanContributor, PlanVersion

from plan_helpers import base_form, edit_url, plan_case, stored_lines  # noqa: F401


def _count(db, model, version_id):
    return db.exec(select(func.count()).select_from(model).where(model.plan_version_id == version_id)).one()


def _draft_with_comment(auth, db, case):
    auth.post(f"/cases/{case.id}/plans")
    draft = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == "draft")).one()
    assert auth.post(edit_url(draft), base_form(draft, [{"amount_dkk": "1000.00"}])).status_code == 302
    assert auth.post(f"/cases/{case.id}/plans/{draft.id}/comments", {"body": "A note"}).status_code == 302
    db.expire_all()
    return db.get(PlanVersion, draft.id)


def test_discarding_a_draft_amendment(auth, db, returned_case):
    user = auth.login("caseworker", locale="en")
    case = returned_case()
    approved = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    approved_lines = [(line.line_key, line.amount_dkk) for line in stored_lines(db, approved)]
    draft = _draft_with_comment(auth, db, case)
    draft_id, revision, url = draft.id, draft.revision, edit_url(draft)
    assert _count(db, BudgetLine, draft_id) and _count(db, Comment, draft_id) and _count(db, PlanContributor, draft_id)
    page = auth._client.get(edit_url(draft)).get_data(as_text=True)
    assert f'action="/cases/{case.id}/plans/{draft_id}/discard"' in page and "Discard draft version 2" in page

    # Without the confirmation: nothing happens, the box says why.
    response = auth.post(f"/cases/{case.id}/plans/{draft_id}/discard", {"revision": str(draft.revision)})
    assert response.status_code == 422 and "Tick the box" in response.get_data(as_text=True)
    assert db.get(PlanVersion, draft_id) is not None

    response = auth.post(f"/cases/{case.id}/plans/{draft_id}/discard",
                         {"revision": str(draft.revision), "confirm_discard": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Draft version 2 is discarded" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(PlanVersion, draft_id) is None
    for model in (BudgetLine, Comment, PlanContributor):
        assert _count(db, model, draft_id) == 0
    assert [v.id for v in db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).all()] == [approved.id]
    assert db.get(PlanVersion, approved.id).status == "approved"
    assert [(line.line_key, line.amount_dkk) for line in stored_lines(db, approved)] == approved_lines
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.draft_discarded")).all()
    assert (event.case_id, event.object_type, event.object_id, event.user_id) == (case.id, "planversion",
                                                                                  str(draft_id), user.id)
    # The version's pages are gone; a new version can be started.
    assert auth._client.get(url).status_code == 404
    assert auth.post(f"/cases/{case.id}/plans/{draft_id}/discard",
                     {"revision": str(revision), "confirm_discard": "y"}).status_code == 404
    response = auth.post(f"/cases/{case.id}/plans")
    assert response.status_code == 302
    new = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == "draft")).one()
    assert new.amends_id == approved.id


def test_a_submitted_version_is_not_discarded(auth, db, plan_case):
    auth.login("caseworker", locale="en")
    draft = _draft_with_comment(auth, db, plan_case)
    db.execute(PlanVersion.__table__.update().where(PlanVersion.id == draft.id).values(status="submitted"))
    db.commit()
    response = auth.post(f"/cases/{plan_case.id}/plans/{draft.id}/discard",
                         {"revision": str(draft.revision), "confirm_discard": "y"})
    assert response.status_code == 409
    db.expire_all()
    assert db.get(PlanVersion, draft.id).status == "submitted" and _count(db, BudgetLine, draft.id) == 1


def test_a_draft_saved_meanwhile_is_not_discarded(auth, db, plan_case):
    auth.login("caseworker", locale="en")
    draft = _draft_with_comment(auth, db, plan_case)
    response = auth.post(f"/cases/{plan_case.id}/plans/{draft.id}/discard",
                         {"revision": str(draft.revision - 1), "confirm_discard": "y"})
    assert response.status_code == 409 and "so it was not discarded" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(PlanVersion, draft.id) is not None


def test_only_a_caseworker_discards(auth, db, make_user, plan_case):
    auth.login("caseworker", locale="en")
    draft = _draft_with_comment(auth, db, plan_case)
    auth.logout()
    auth.login("cmm", locale="en")
    response = auth.post(f"/cases/{plan_case.id}/plans/{draft.id}/discard",
                         {"revision": str(draft.revision), "confirm_discard": "y"})
    assert response.status_code in (403, 404)
    db.expire_all()
    assert db.get(PlanVersion, draft.id) is not None

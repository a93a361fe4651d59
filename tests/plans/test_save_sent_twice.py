"""The drafting form sent twice (a slow double click on "Save the plan") is saved once
and reported as saved, not as a conflict with oneself: the second send starts from the
revision the first one left behind, by the same user, with exactly what is stored now.
A change after the first save, or someone else's save in between, is a conflict still."""

from __future__ import annotations

from sqlmodel import select

from reintegration.models import AuditEvent, PlanVersion

from plan_helpers import base_form, edit_url, plan_case, start_draft, stored_lines  # noqa: F401


def _revision(db, version) -> int:
    db.expire_all()
    return db.get(PlanVersion, version.id).revision


def _updates(db, version) -> int:
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == "plan.update",
                                                AuditEvent.object_id == str(version.id))).all())


def test_the_same_form_sent_twice_is_saved_once_and_reported_saved(client, auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    before = version.revision
    # An existing line (with its key) and a new one (no key yet): both sent twice.
    auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "description": "Tools"}]))
    [kept] = stored_lines(db, version)
    version.revision = _revision(db, version)
    form = base_form(version, [{"amount_dkk": "100", "description": "Tools", "line_key": kept.line_key},
                               {"amount_local": "5000", "exchange_rate": "0.004", "currency": "NGN",
                                "description": "Sewing machine"}], activity_location="Lagos")
    first = auth.post(edit_url(version), form)
    keys = [line.line_key for line in stored_lines(db, version)]
    second = auth.post(edit_url(version), form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert page.count("The plan is saved.") == 1  # each send flashed it; the page says it once
    assert "Someone else saved this plan" not in page
    assert _revision(db, version) == before + 2  # one bump per save that was made, none for the resend
    assert _updates(db, version) == 2
    assert [line.line_key for line in stored_lines(db, version)] == keys
    assert [line.description for line in stored_lines(db, version)] == ["Tools", "Sewing machine"]


def test_in_danish_the_resend_says_the_plan_is_saved(client, auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    form = base_form(version, [{"amount_dkk": "100"}])
    auth.post(edit_url(version), form)
    second = auth.post(edit_url(version), form)
    assert second.status_code == 302
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Planen er gemt." in page
    assert _updates(db, version) == 1


def test_the_resend_of_an_added_line_is_saved_once(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    form = base_form(version, [{"amount_dkk": "100"}], action="add_line")
    first = auth.post(edit_url(version), form)
    second = auth.post(edit_url(version), form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(stored_lines(db, version)) == 1 and _updates(db, version) == 1


def test_a_resend_with_a_change_after_the_first_save_is_a_conflict(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    first = base_form(version, [{"amount_dkk": "100", "description": "First"}])
    assert auth.post(edit_url(version), first).status_code == 302
    for changed in (base_form(version, [{"amount_dkk": "100", "description": "Changed"}]),
                    base_form(version, [{"amount_dkk": "101", "description": "First"}]),
                    base_form(version, [{"amount_dkk": "100", "description": "First"}], realism="Changed"),
                    base_form(version, [{"amount_dkk": "100", "description": "First"}, {"amount_dkk": "5"}]),
                    base_form(version, [])):
        response = auth.post(edit_url(version), changed)
        assert response.status_code == 409
        assert "Someone else saved this plan" in response.get_data(as_text=True)
    assert [line.description for line in stored_lines(db, version)] == ["First"]
    assert _updates(db, version) == 1


def test_a_form_two_revisions_behind_is_a_conflict_even_if_equal(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    form = base_form(version, [{"amount_dkk": "100"}])
    auth.post(edit_url(version), form)
    again = dict(form, revision=str(_revision(db, version)))
    auth.post(edit_url(version), dict(again, realism="Other"))
    auth.post(edit_url(version), dict(again, revision=str(_revision(db, version))))  # back to the first content
    assert auth.post(edit_url(version), form).status_code == 409


def test_someone_elses_identical_save_in_between_is_a_conflict(app, auth, db, plan_case, start_draft, make_user):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    other = type(auth)(app.test_client(), make_user)
    other.login("caseworker", locale="en")
    form = base_form(version, [{"amount_dkk": "100", "description": "Same"}])
    assert other.post(edit_url(version), form).status_code == 302
    response = auth.post(edit_url(version), form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this plan" in page and other.user.name in page
    assert _updates(db, version) == 1


def test_in_danish_someone_elses_save_is_a_conflict_still(app, auth, db, plan_case, start_draft, make_user):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    other = type(auth)(app.test_client(), make_user)
    other.login("caseworker", locale="da")
    form = base_form(version, [{"amount_dkk": "100"}])
    other.post(edit_url(version), form)
    response = auth.post(edit_url(version), form)
    assert response.status_code == 409
    assert "En anden gemte planen, mens du redigerede den" in response.get_data(as_text=True)

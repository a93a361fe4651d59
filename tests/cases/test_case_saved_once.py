"""The case form sent twice (a slow double click on "Save the case") is saved once and
reported as saved, not as a conflict with oneself: the second send starts from the
revision the first one left behind, by the same user, with exactly what is stored now.
A change after the first save, or someone else's save in between, is a conflict still."""

from __future__ import annotations

from sqlmodel import select

from reintegration.models import AuditEvent, Case, Child


def _case(db, case) -> Case:
    db.expire_all()
    return db.get(Case, case.id)


def _updates(db) -> int:
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == "case.update")).all())


def test_the_same_form_sent_twice_is_saved_once_and_reported_saved(client, auth, case_data, db, make_case,
                                                                   partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    form = case_data(user, revision="1", person_name="Blessing Okoro Edited",
                     **{"children-1-date_of_birth": "2018-02-03", "children-1-lives_in": "denmark"})
    first = auth.post(f"/cases/{case.id}/edit", form)
    second = auth.post(f"/cases/{case.id}/edit", form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"] == f"/cases/{case.id}"
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "The case is saved." in page
    assert "The case was changed in the meantime" not in page
    saved = _case(db, case)
    assert saved.person_name == "Blessing Okoro Edited" and saved.revision == 2
    assert _updates(db) == 1
    assert len(db.exec(select(Child).where(Child.case_id == case.id)).all()) == 2


def test_in_danish_the_resend_says_the_case_is_saved(client, auth, case_data, db, make_case, partners):
    user = auth.login("caseworker", locale="da")
    case = make_case(partner=partners["NG"])
    form = case_data(user, revision="1")
    auth.post(f"/cases/{case.id}/edit", form)
    second = auth.post(f"/cases/{case.id}/edit", form)
    assert second.status_code == 302
    assert "Sagen er gemt." in client.get(second.headers["Location"]).get_data(as_text=True)
    assert _updates(db) == 1


def test_a_resend_with_a_change_after_the_first_save_is_a_conflict(auth, case_data, db, make_case, partners):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    assert auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1")).status_code == 302
    for changed in (case_data(user, revision="1", person_name="Another Name"),
                    case_data(user, revision="1", planned_return="2026-04-01"),
                    case_data(user, revision="1", **{"children-0-lives_in": "denmark"}),
                    case_data(user, revision="1", **{"children-0-first_name": None, "children-0-date_of_birth": None,
                                                     "children-0-lives_in": None})):
        response = auth.post(f"/cases/{case.id}/edit", changed)
        assert response.status_code == 409
        assert "The case was changed in the meantime" in response.get_data(as_text=True)
    assert _case(db, case).revision == 2 and _updates(db) == 1


def test_someone_elses_identical_save_in_between_is_a_conflict(app, auth, case_data, db, make_case, partners,
                                                               make_user):
    user = auth.login("caseworker", locale="da")
    case = make_case(partner=partners["NG"])
    other = type(auth)(app.test_client(), make_user)
    other.login("caseworker")
    form = case_data(user, revision="1")
    assert other.post(f"/cases/{case.id}/edit", form).status_code == 302
    response = auth.post(f"/cases/{case.id}/edit", form)
    assert response.status_code == 409
    assert "Sagen er blevet ændret i mellemtiden" in response.get_data(as_text=True)
    assert _case(db, case).revision == 2 and _updates(db) == 1

"""A case keeps its partner, CMM contact and caseworker when something else on it is
corrected, even once they are no longer offered for new cases (a partner set inactive,
a person who left): the form offers the current ones, marked inactive, so the browser
sends them back unchanged instead of "none"."""

from __future__ import annotations

import lxml.html

from reintegration.models import AuditEvent, Case


def browser_post_data(html: str) -> dict:
    """What a browser sends for the case form as shown, untouched."""
    form = next(f for f in lxml.html.fromstring(html).forms if "person_name" in f.fields)
    return {name: value for name, value in form.form_values()}


def test_an_unrelated_edit_keeps_an_inactive_partner_and_departed_people(client, auth, db, make_org, make_user,
                                                                        make_case):
    partner = make_org("partner", country="NG", status="active")
    cmm, caseworker = make_user("cmm"), make_user("caseworker", locale="en")
    case = make_case(partner=partner, cmm_contact_id=cmm.id, caseworker_id=caseworker.id)
    partner.status = "inactive"
    cmm.active = False
    caseworker.active = False
    db.add_all([partner, cmm, caseworker])
    db.commit()

    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}/edit").get_data(as_text=True)
    doc = lxml.html.fromstring(page)
    for name, shown in (("partner_id", partner.name), ("cmm_contact_id", cmm.name),
                        ("caseworker_id", caseworker.name)):
        chosen = doc.xpath(f"//select[@name='{name}']/option[@selected]")
        assert len(chosen) == 1 and shown in chosen[0].text and "(inactive)" in chosen[0].text, name
    data = browser_post_data(page)
    data.update(person_name="Name With Typo Fixed", action="save")
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    db.expire_all()
    saved = db.get(Case, case.id)
    assert (saved.person_name, saved.partner_id, saved.cmm_contact_id, saved.caseworker_id) == (
        "Name With Typo Fixed", partner.id, cmm.id, caseworker.id)


def test_a_caseworker_moved_to_another_role_is_marked_so_not_inactive(client, auth, db, make_org, make_user,
                                                                     make_case):
    moved = make_user("caseworker")
    case = make_case(caseworker_id=moved.id)
    moved.role, moved.organisation_id = "partner", make_org("partner").id
    db.add(moved)
    db.commit()
    auth.login("caseworker", locale="en")
    doc = lxml.html.fromstring(client.get(f"/cases/{case.id}/edit").get_data(as_text=True))
    [chosen] = doc.xpath("//select[@name='caseworker_id']/option[@selected]")
    assert chosen.text == f"{moved.name} (no longer in this role)"


def test_a_new_case_is_not_offered_an_inactive_partner(client, auth, db, make_org):
    partner = make_org("partner", country="NG", status="inactive")
    auth.login("caseworker")
    page = client.get("/cases/new").get_data(as_text=True)
    assert partner.name not in page


def test_the_conflict_page_logs_the_read_of_the_case_it_shows(auth, db, case_data):
    caseworker = auth.login("caseworker")
    created = auth.post("/cases/new", case_data(caseworker))
    case_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    reads = len(db.exec(AuditEvent.__table__.select().where(AuditEvent.action == "case.read")).all())
    response = auth.post(f"/cases/{case_id}/edit", case_data(caseworker, revision="0", person_name="Stale Edit"))
    assert response.status_code == 409
    assert len(db.exec(AuditEvent.__table__.select().where(AuditEvent.action == "case.read")).all()) == reads + 1


def test_the_case_list_logs_which_cases_it_named_but_not_the_search(client, auth, db, make_case):
    """A list shows people's names: whose, and that it was a search, are in the trail;
    what was typed is not (the trail is permanent and keeps no free text about a person)."""
    import json

    shown, other = make_case(person_name="Blessing Okoro"), make_case(person_name="Grace Eze")
    auth.login("caseworker")
    page = client.get("/cases?q=Okoro").get_data(as_text=True)
    assert "Blessing Okoro" in page and "Grace Eze" not in page
    event = db.exec(AuditEvent.__table__.select().where(AuditEvent.action == "case_list.read")
                    .order_by(AuditEvent.id.desc())).first()
    detail = json.loads(event.detail)
    assert detail["cases"] == [shown.id] and detail["searched"] is True and other.id not in detail["cases"]
    assert "Okoro" not in event.detail


def test_the_edit_form_shown_again_logs_the_read(auth, db, case_data, make_case, partners):
    """A refused save (its own errors) or a child row added shows the stored case again:
    a read, recorded as the GET's is; nothing else is written."""
    caseworker = auth.login("caseworker", locale="en")
    case = make_case(partner=partners["NG"])

    def reads():
        return db.exec(AuditEvent.__table__.select().where(AuditEvent.action == "case.read",
                                                           AuditEvent.case_id == case.id,
                                                           AuditEvent.user_id == caseworker.id)).all()

    before = len(reads())
    refused = auth.post(f"/cases/{case.id}/edit", case_data(caseworker, revision=str(case.revision), person_name=""))
    assert refused.status_code == 422 and len(reads()) == before + 1
    added = auth.post(f"/cases/{case.id}/edit", case_data(caseworker, revision=str(case.revision),
                                                          action="add_child"))
    assert added.status_code == 200 and len(reads()) == before + 2
    db.expire_all()
    assert db.get(Case, case.id).revision == case.revision

"""The new-case form sent twice (a slow double click, the browser's resend) creates one
case: the form carries a one-time token stored with the case it created, and the second
send is shown that case. A fresh form creates a new case, and two sends at the same
moment still create one (the unique token decides)."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from reintegration.cases import operations
from reintegration.models import AuditEvent, Case
from support import sent_twice_at_once

def token_of(page: str) -> str:
    match = re.search(r'<input[^>]*name="request_token"[^>]*>', page)
    assert match, "the new-case form carries no one-time token"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


def cases(db) -> list[Case]:
    db.expire_all()
    return list(db.exec(select(Case).order_by(Case.id)).all())


def test_the_form_sent_twice_creates_one_case(client, auth, case_data, db, partners):
    user = auth.login("caseworker")
    form = case_data(user) | {"request_token": token_of(client.get("/cases/new").get_data(as_text=True))}
    first = auth.post("/cases/new", form)
    second = auth.post("/cases/new", form)
    [case] = cases(db)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"/cases/{case.id}"
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert f"Case {case.reference} was already created by this form (it was sent twice). It is created once." \
        in page.replace("&#39;", "'")
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "case.create")).all()) == 1

    # A fresh form is a new case, for the same person if the caseworker means it.
    again = case_data(user) | {"request_token": token_of(client.get("/cases/new").get_data(as_text=True))}
    assert auth.post("/cases/new", again).status_code == 302
    assert len(cases(db)) == 2


def test_the_page_in_danish_says_it_too(client, auth, case_data, db, partners):
    user = auth.login("caseworker", locale="da")
    form = case_data(user) | {"request_token": token_of(client.get("/cases/new").get_data(as_text=True))}
    auth.post("/cases/new", form)
    page = client.get(auth.post("/cases/new", form).headers["Location"]).get_data(as_text=True)
    [case] = cases(db)
    assert f"Sag {case.reference} var allerede oprettet af denne formular" in page


def test_a_form_without_a_token_still_creates_its_case(client, auth, case_data, db, partners):
    """Only the form's page sends a token; a post without one (or a malformed one) is not
    refused, it just has no guard against a resend."""
    user = auth.login("caseworker")
    assert auth.post("/cases/new", case_data(user) | {"request_token": "x"}).status_code == 302
    assert auth.post("/cases/new", case_data(user)).status_code == 302
    assert [c.request_token for c in cases(db)] == [None, None]


def test_two_sends_at_the_same_moment_create_one_case(app, db, make_user, partners):
    """Both sends pass the look-up before either has written; the unique token refuses
    the second, which then finds the first's case."""
    user = make_user("caseworker")
    data = operations.CaseInput(person_name="Blessing Okoro", person_date_of_birth=operations.date(1990, 1, 1),
                                person_sex=None, nationality="NG", unaccompanied_minor=False, return_country="NG",
                                partner_id=partners["NG"].id, cmm_contact_id=None, caseworker_id=user.id,
                                reflection_start=None, reflection_end=None, planned_return=None)
    token = "t" * 32
    outcomes = []

    def send():
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
            try:
                outcomes.append(operations.create_case(session, data, user=session.merge(user), token=token).id)
            except operations.AlreadyCreated as done:
                outcomes.append(("already", done.case.id))

    sent_twice_at_once(operations, "_refuse_used_token", send)
    [case] = cases(db)
    assert sorted(outcomes, key=str) == sorted([case.id, ("already", case.id)], key=str)

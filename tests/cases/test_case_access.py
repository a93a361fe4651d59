"""Who may open which case page: the role × URL matrix, and object scope
(another organisation's case answers 404)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent, Organisation

READ_URLS = ["/cases", "/cases/{id}"]
WRITE_URLS = ["/cases/new", "/cases/{id}/edit"]
# role -> expected status for (list, show, new, edit) on a case in scope
MATRIX = {
    "caseworker": (200, 200, 200, 200),
    "approver": (200, 200, 403, 403),
    "cmm": (200, 200, 403, 403),
    "partner": (200, 200, 403, 403),
    "admin": (403, 403, 403, 403),
}


@pytest.fixture
def scoped_case(make_case, make_user, partners):
    """A case whose partner is the NG partner and whose CMM contact is a CMM user."""
    contact = make_user("cmm")
    return make_case(partner=partners["NG"], cmm_contact_id=contact.id)


@pytest.mark.parametrize("role", MATRIX)
def test_role_url_matrix(client, auth, make_user, scoped_case, partners, role):
    user = make_user(role, organisation=partners["NG"] if role == "partner" else None)
    auth.login(user)
    urls = [u.format(id=scoped_case.id) for u in READ_URLS + WRITE_URLS]
    assert tuple(client.get(url).status_code for url in urls) == MATRIX[role]
    post_expected = 403 if MATRIX[role][2] == 403 else 422  # empty: refused for its errors
    assert auth.post("/cases/new", {"action": "save"}).status_code == post_expected


def test_anonymous_is_sent_to_sign_in(client, scoped_case):
    for url in ["/cases", f"/cases/{scoped_case.id}", "/cases/new", f"/cases/{scoped_case.id}/edit"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_partner_sees_only_its_own_organisations_cases(client, auth, make_user, make_case, partners):
    own = make_case(partner=partners["NG"], person_name="Own Person")
    other = make_case(partner=partners["TH"], person_name="Other Person")
    auth.login(make_user("partner", organisation=partners["NG"]))
    assert client.get(f"/cases/{own.id}").status_code == 200
    assert client.get(f"/cases/{other.id}").status_code == 404
    page = client.get("/cases").get_data(as_text=True)
    assert "Own Person" in page and "Other Person" not in page
    assert "Edit the case" not in client.get(f"/cases/{own.id}").get_data(as_text=True)


def test_the_case_statement_kept_per_scope_serves_each_organisation_its_own(client, auth, make_user, make_case,
                                                                          partners):
    """``cases.queries`` keeps one case statement per role and organisation: partners of
    two organisations, one after the other in one process, each open only their own, and
    a caseworker after them opens both."""
    ng = make_case(partner=partners["NG"], person_name="Nigeria Person")
    th = make_case(partner=partners["TH"], person_name="Thailand Person")
    for country, own, other in (("NG", ng, th), ("TH", th, ng), ("NG", ng, th)):
        auth.login(make_user("partner", organisation=partners[country]))
        assert client.get(f"/cases/{own.id}").status_code == 200
        assert client.get(f"/cases/{other.id}").status_code == 404
        auth.logout()
    auth.login("caseworker")
    assert [client.get(f"/cases/{c.id}").status_code for c in (ng, th)] == [200, 200]


def test_cmm_sees_only_cases_its_organisation_is_contact_for(client, auth, db, make_user, make_org, make_case,
                                                            partners):
    cmm = make_user("cmm")
    colleague = make_user("cmm", organisation=db.get(Organisation, cmm.organisation_id))
    other_cmm = make_user("cmm", organisation=make_org("cmm"))
    mine = make_case(partner=partners["NG"], cmm_contact_id=colleague.id, person_name="Contact Case")
    theirs = make_case(partner=partners["NG"], cmm_contact_id=other_cmm.id, person_name="Foreign Case")
    none = make_case(partner=partners["NG"], person_name="No Contact Case")
    auth.login(cmm)
    assert client.get(f"/cases/{mine.id}").status_code == 200
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert client.get(f"/cases/{none.id}").status_code == 404
    page = client.get("/cases").get_data(as_text=True)
    assert "Contact Case" in page and "Foreign Case" not in page and "No Contact Case" not in page


def test_unknown_case_is_404(client, auth):
    auth.login("caseworker")
    assert client.get("/cases/999999").status_code == 404
    assert client.get("/cases/999999/edit").status_code == 404


def test_every_case_read_is_audited(client, auth, scoped_case, db):
    user = auth.login("approver")
    client.get(f"/cases/{scoped_case.id}")
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "case.read")).all()
    assert [(e.user_id, e.case_id) for e in events] == [(user.id, scoped_case.id)]

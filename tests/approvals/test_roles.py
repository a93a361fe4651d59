"""Who may open the approval pages: the role matrix of this area's routes."""

from __future__ import annotations

import pytest

from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)

ROLES = ("caseworker", "cmm", "approver", "partner", "admin")
# route -> roles answered 200 (others: 403), for a case every role may see
ALLOWED = {
    "queue": {"approver"},
    "review": {"approver"},
    "changes": {"caseworker", "cmm", "approver", "partner"},
}


@pytest.fixture
def visible_version(db, make_plan, make_case, make_org, make_user):
    """A submitted version of a case every role's test user can see."""
    partner = make_org("partner")
    contact = make_user("cmm")
    case = make_case(partner=partner, cmm_contact_id=contact.id)
    return make_plan(case=case), partner, contact


def url(route, version):
    return {"queue": "/approvals/", "review": f"/approvals/{version.id}",
            "changes": f"/approvals/{version.id}/changes"}[route]


@pytest.mark.parametrize("route", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(auth, make_user, visible_version, route, role):
    version, partner, contact = visible_version
    user = {"partner": lambda: make_user("partner", organisation=partner), "cmm": lambda: contact}.get(
        role, lambda: make_user(role))()
    auth.login(user)
    expected = 200 if role in ALLOWED[route] else 403
    assert auth._client.get(url(route, version)).status_code == expected


def test_anonymous_is_sent_to_sign_in(client, visible_version):
    version = visible_version[0]
    for route in ALLOWED:
        response = client.get(url(route, version))
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/approvals/{version.id}/decide").status_code in (302, 400)


def test_other_organisations_get_404_for_changes(auth, make_user, make_plan):
    version = make_plan()
    auth.login(make_user("partner"))
    assert auth._client.get(f"/approvals/{version.id}/changes").status_code == 404
    auth.logout()
    auth.login(make_user("cmm"))
    assert auth._client.get(f"/approvals/{version.id}/changes").status_code == 404


def test_unknown_version_is_404(auth, approver):
    auth.login(approver)
    assert auth._client.get("/approvals/999999").status_code == 404
    assert auth.post("/approvals/999999/decide", {"action": "approve"}).status_code == 404


def test_queue_in_danish(auth, make_user, make_plan):
    make_plan()
    auth.login(make_user("approver", locale="da"))
    page = auth._client.get("/approvals/").get_data(as_text=True)
    assert "Godkendelseskø" in page and "Dage i kø" in page

"""The administrator's pages: who may open them, accounts and organisations."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from admin_edit import save
from support import CSRF_RE
from reintegration.models import AuditEvent, Organisation, User



def _other_client(app, auth, user):
    """A second browser signed in as ``user`` (AuthActions from the root conftest,
    taken from the ``auth`` fixture, since "conftest" may name another area's file)."""
    other = app.test_client()
    type(auth)(other, None).login(user)
    return other


def _password(auth) -> str:
    return type(auth).login.__globals__["TEST_PASSWORD"]

URLS = ["/admin/users", "/admin/users/new", "/admin/users/{user}", "/admin/organisations",
        "/admin/organisations/new", "/admin/organisations/{org}", "/admin/rates"]
POSTS = ["/admin/users/new", "/admin/users/{user}", "/admin/users/{user}/password", "/admin/users/{user}/deactivate",
         "/admin/users/{user}/two-factor/reset",
         "/admin/users/{user}/activate", "/admin/organisations/new", "/admin/organisations/{org}",
         "/admin/organisations/registry"]


def _error_at(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error"><span class="sr-only">[^<]*</span>([^<]*)</span>', page)
    return match.group(1) if match else ""


@pytest.fixture
def target(make_user):
    return make_user("caseworker")


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver", "partner"])
def test_only_administrators_may_open_admin_pages(client, auth, target, role):
    auth.login(role)
    for url in URLS:
        assert client.get(url.format(user=target.id, org=target.organisation_id)).status_code == 403, url
    for url in POSTS:
        assert auth.post(url.format(user=target.id, org=target.organisation_id)).status_code == 403, url


def test_administrator_opens_every_admin_page(client, auth, target):
    auth.login("admin")
    for url in URLS:
        assert client.get(url.format(user=target.id, org=target.organisation_id)).status_code == 200, url
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/organisations/999999").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, target):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _user_form(org, **overrides):
    data = {"name": "Nina Friis", "email": "nina@drc.example", "organisation_id": str(org.id),
            "role": "caseworker", "locale": "da", "password": "a long and unusual passphrase"}
    data.update(overrides)
    return data


def test_create_a_user(client, auth, db, make_org):
    drc = make_org("drc")
    admin = auth.login("admin")
    response = auth.post("/admin/users/new", _user_form(drc, email="Nina@DRC.example"))
    assert response.status_code == 302
    user = db.exec(select(User).where(User.email == "nina@drc.example")).one()
    assert user.role == "caseworker" and user.password_hash != "a long and unusual passphrase"
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "admin.user_create")).all()
    assert event.user_id == admin.id and event.object_id == str(user.id)


@pytest.mark.parametrize("role, kind, expected", [("partner", "partner", "en"), ("caseworker", "drc", "da")])
def test_new_accounts_get_their_role_s_language_unless_chosen(client, auth, db, make_org, role, kind, expected):
    """Partner officers abroad read English; Danish staff Danish; an explicit choice wins."""
    org = make_org(kind)
    auth.login("admin")
    auth.post("/admin/users/new", _user_form(org, role=role, locale="", email=f"{role}@example.org"))
    assert db.exec(select(User).where(User.email == f"{role}@example.org")).one().locale == expected
    auth.post("/admin/users/new", _user_form(org, role=role, locale="da", email=f"{role}.da@example.org"))
    assert db.exec(select(User).where(User.email == f"{role}.da@example.org")).one().locale == "da"


@pytest.mark.parametrize("field, overrides, message", [
    ("password", {"password": "short"}, "Use at least 12 characters."),
    ("password", {"password": "password1234"}, "common passwords"),
    ("password", {"password": "nina-friis-2026-abc", "email": "nina-friis@drc.example"}, "must not contain your e-mail"),
    ("role", {"role": "approver"}, "This role does not belong in that organisation"),
    ("role", {"role": "superuser"}, "Choose one of the options."),
    ("email", {"email": "not-an-address"}, "Enter an e-mail address"),
    ("name", {"name": "n" * 5000}, "At most 200 characters."),
    ("organisation_id", {"organisation_id": "9999"}, "Choose one of the options."),
])
def test_bad_account_input_is_refused_at_the_field(client, auth, db, make_org, field, overrides, message):
    drc = make_org("drc")
    auth.login("admin")
    before = len(db.exec(select(User)).all())
    response = auth.post("/admin/users/new", _user_form(drc, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in _error_at(page, field)
    if field != "name":
        assert 'value="Nina Friis"' in page  # the rest is kept
    assert 'value="a long and unusual passphrase"' not in page  # a password is never sent back
    assert len(db.exec(select(User)).all()) == before


def test_e_mail_must_be_unique(client, auth, make_org, target):
    auth.login("admin")
    page = auth.post("/admin/users/new", _user_form(make_org("drc"), email=target.email.upper())).get_data(as_text=True)
    assert "Another account already uses this e-mail address." in _error_at(page, "email")


def test_edit_a_user_role_must_fit_the_organisation(client, auth, db, target):
    auth.login("admin")
    page = save(client, auth, f"/admin/users/{target.id}", {"name": target.name, "email": target.email, "locale": "en",
                                                            "organisation_id": str(target.organisation_id),
                                                            "role": "partner"}).get_data(as_text=True)
    assert "This role does not belong" in _error_at(page, "role")
    response = save(client, auth, f"/admin/users/{target.id}", {"name": "New Name", "email": target.email,
                                                                "locale": "en", "role": "caseworker",
                                                                "organisation_id": str(target.organisation_id)})
    assert response.status_code == 302
    db.refresh(target)
    assert target.name == "New Name"


def test_deactivating_a_user_ends_their_session(app, client, auth, db, target):
    victim_client = _other_client(app, auth, target)
    assert victim_client.get("/cases").status_code == 200
    auth.login("admin")
    assert auth.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    response = victim_client.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.refresh(target)
    assert not target.active
    # A deactivated user cannot sign in again.
    token = type(auth)(victim_client, None).token()
    response = victim_client.post("/login", data={"email": target.email, "password": _password(auth), "csrf_token": token})
    assert response.status_code == 422
    # Reactivated, they can.
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    seen = re.search(r'name="seen_deactivation"[^>]*value="(\d*)"', page).group(1)
    assert auth.post(f"/admin/users/{target.id}/activate", {"seen_deactivation": seen}).status_code == 302
    response = victim_client.post("/login", data={"email": target.email, "password": _password(auth), "csrf_token": token})
    assert response.status_code == 302


def test_an_administrator_cannot_deactivate_themselves(client, auth, db):
    admin = auth.login("admin")
    response = auth.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.refresh(admin)
    assert admin.active


def test_password_reset_checks_the_policy_and_ends_sessions(app, client, auth, db, target):
    victim_client = _other_client(app, auth, target)
    auth.login("admin")
    page = auth.post(f"/admin/users/{target.id}/password", {"password": "qwerty"}).get_data(as_text=True)
    assert "Use at least 12 characters." in _error_at(page, "password")
    assert victim_client.get("/cases").status_code == 200
    assert auth.post(f"/admin/users/{target.id}/password", {"password": "another fine passphrase"}).status_code == 302
    assert victim_client.get("/cases").status_code == 302


def test_admin_posts_without_csrf_are_refused(client, auth, make_org, target):
    auth.login("admin")
    assert auth.post("/admin/users/new", dict(_user_form(make_org("drc")), csrf_token="")).status_code == 400
    assert auth.post(f"/admin/users/{target.id}/deactivate", {"csrf_token": ""}).status_code == 400


def test_create_and_edit_an_organisation(client, auth, db):
    auth.login("admin")
    data = {"kind": "partner", "code": "gh-accra-home", "name": "Accra Home", "country": "GH",
            "currency": "GHS", "timezone": "Africa/Accra", "languages": "en,tw", "status": "prospective"}
    assert auth.post("/admin/organisations/new", data).status_code == 302
    org = db.exec(select(Organisation).where(Organisation.code == "gh-accra-home")).one()
    assert (org.country, org.status, org.currency) == ("GH", "prospective", "GHS")
    page = auth.post("/admin/organisations/new", dict(data, name="Copy")).get_data(as_text=True)
    assert "Another organisation already has this code." in _error_at(page, "code")
    page = auth.post("/admin/organisations/new", dict(data, code="x-y", country="")).get_data(as_text=True)
    assert "Choose the country" in _error_at(page, "country")
    assert save(client, auth, f"/admin/organisations/{org.id}", dict(data, status="active")).status_code == 302
    db.refresh(org)
    assert org.status == "active"


def test_kind_of_an_organisation_with_users_cannot_change(client, auth, db, target):
    auth.login("admin")
    org = db.get(Organisation, target.organisation_id)
    page = save(client, auth, f"/admin/organisations/{org.id}", {"kind": "cmm", "code": org.code, "name": org.name,
                                                                 "status": "active"}).get_data(as_text=True)
    assert "roles depend on its kind" in _error_at(page, "kind")


def test_partner_registry_reload_and_rates_page(client, auth, db):
    auth.login("admin")
    response = auth.post("/admin/organisations/registry", follow_redirects=True)
    assert response.status_code == 200
    assert db.exec(select(Organisation).where(Organisation.code == "ng-edo-reintegration")).first() is not None
    page = client.get("/admin/rates").get_data(as_text=True)
    assert "2026-2029" in page and "seed line 833" in page and "part of the 40,000" in page
    assert "linje 833" not in page and "Kontantsatsen" not in page


def test_the_rates_page_gives_sources_and_interpretations_in_danish(client, auth):
    """The rate file gives each text in both languages; a Danish page shows the Danish one."""
    auth.login("admin", locale="da")
    page = client.get("/admin/rates").get_data(as_text=True)
    assert "linje 833 i kildeteksten" in page and "Kontantsatsen er en del af de 40.000 kr." in page
    assert "Står ikke i kildeteksten: programmets indstilling." in page
    assert "seed line" not in page and "The cash rate" not in page


def test_an_inactive_organisations_users_are_signed_out_and_cannot_sign_in(app, client, auth, db, make_user,
                                                                            make_case):
    partner = make_user("partner")
    case = make_case(partner=db.get(Organisation, partner.organisation_id))
    officer = _other_client(app, auth, partner)
    assert officer.get(f"/partner/cases/{case.id}").status_code == 200
    auth.login("admin")
    org = db.get(Organisation, partner.organisation_id)
    data = {"kind": org.kind, "code": org.code, "name": org.name, "country": org.country,
            "currency": org.currency or "", "timezone": "Africa/Lagos", "status": "inactive"}
    assert save(client, auth, f"/admin/organisations/{org.id}", data).status_code == 302
    # The open session ends at its next request, and the password no longer signs in.
    response = officer.get(f"/partner/cases/{case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    token = CSRF_RE.search(officer.get("/login").get_data(as_text=True)).group(1)
    page = officer.post("/login", data={"email": partner.email, "password": _password(auth), "csrf_token": token})
    assert page.status_code == 422 and "The e-mail or password is wrong" in page.get_data(as_text=True)
    # Active again: the officer signs in as before.
    assert save(client, auth, f"/admin/organisations/{org.id}", dict(data, status="active")).status_code == 302
    assert _other_client(app, auth, partner).get(f"/partner/cases/{case.id}").status_code == 200


def test_an_administrator_cannot_make_their_own_organisation_inactive(client, auth, db):
    admin = auth.login("admin")
    org = db.get(Organisation, admin.organisation_id)
    page = save(client, auth, f"/admin/organisations/{org.id}", {"kind": org.kind, "code": org.code,
                                                                 "name": org.name, "status": "inactive"}
                ).get_data(as_text=True)
    assert "you would lose access" in _error_at(page, "status")
    db.refresh(org)
    assert org.status == "active"

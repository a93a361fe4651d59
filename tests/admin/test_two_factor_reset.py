"""An administrator resets the two-factor sign-in of a user who lost both phone and
recovery codes (on the user's page, or with ``flask reset-two-factor`` when no
administrator can sign in): the key and codes are cleared, the user's sessions end, the
user enrols again at the next sign-in, and the trail records who did it."""

from __future__ import annotations

import json

import pyotp
import pytest
from sqlmodel import select

from admin_edit import text_of
from reintegration.auth import mfa
from reintegration.models import AuditEvent, User
from support import CSRF_RE, TEST_PASSWORD


def _url(user) -> str:
    return f"/admin/users/{user.id}/two-factor/reset"


def _enrolled(db, user):
    mfa.enable(db, user, pyotp.random_base32())
    db.commit()
    return user


def _password_step(client, email):
    """The sign-in form's first step; answers the redirect."""
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})


def _signed_in_elsewhere(app, user):
    """A second browser with ``user`` signed in with the password (two-factor not yet on)."""
    other = app.test_client()
    assert _password_step(other, user.email).status_code == 302
    return other


def _events(db):
    return db.exec(select(AuditEvent).where(AuditEvent.action == "admin.user_mfa_reset")).all()


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver", "partner"])
def test_only_administrators_may_reset_two_factor(client, auth, db, make_user, role):
    target = _enrolled(db, make_user("approver"))
    auth.login(role)
    assert auth.post(_url(target), {"confirm": "y"}).status_code == 403
    db.expire_all()
    assert db.get(User, target.id).mfa_enabled and not _events(db)


def test_the_reset_clears_key_and_codes_ends_sessions_and_is_audited(app, client, auth, db, make_user):
    target = make_user("approver")
    elsewhere = _signed_in_elsewhere(app, target)  # before enrolling: enrolled, the password alone does not sign in
    _enrolled(db, target)
    token_before = target.session_token
    assert elsewhere.get("/account/two-factor").status_code == 200
    admin = auth.login("admin", locale="en")
    response = auth.post(_url(target), {"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{target.id}")
    db.expire_all()
    stored = db.get(User, target.id)
    assert not stored.mfa_enabled and stored.totp_secret is None and stored.recovery_codes is None
    assert stored.session_token != token_before
    assert elsewhere.get("/account/two-factor").status_code == 302  # signed out
    [event] = _events(db)
    assert (event.user_id, event.object_type, event.object_id) == (admin.id, "user", str(target.id))
    assert json.loads(event.detail) == {"via": "web"}
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (f"Two-factor sign-in for {target.name} is reset and their open sessions have ended. "
            "They can set it up again under Two-factor authentication.") in page
    assert "Two-factor sign-in is not set up for this account." in page


def test_without_the_confirmation_nothing_is_reset(client, auth, db, make_user):
    target = _enrolled(db, make_user("approver"))
    auth.login("admin", locale="en")
    response = auth.post(_url(target), {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#confirm"' in page and 'aria-invalid="true"' in page  # the summary links to the checkbox
    assert "Confirm that you have checked who is asking." in text_of(page)
    db.expire_all()
    assert db.get(User, target.id).mfa_enabled and not _events(db)


def test_after_the_reset_a_required_role_is_sent_to_enrolment(app, client, auth, db, make_user):
    target = _enrolled(db, make_user("approver"))
    app.config["MFA_REQUIRED_ROLES"] = ("approver", "admin")
    before = _password_step(app.test_client(), target.email)
    assert before.headers["Location"].endswith("/login/code")
    app.config["MFA_REQUIRED_ROLES"] = ()  # the administrator below signs in with the password alone
    auth.login("admin")
    assert auth.post(_url(target), {"confirm": "y"}).status_code == 302
    app.config["MFA_REQUIRED_ROLES"] = ("approver", "admin")
    after = _password_step(app.test_client(), target.email)
    assert after.status_code == 302 and after.headers["Location"].endswith("/account/two-factor/enrol")


def test_after_the_reset_another_role_signs_in_and_may_enrol_again(app, client, auth, db, make_user):
    target = _enrolled(db, make_user("caseworker"))
    auth.login("admin")
    assert auth.post(_url(target), {"confirm": "y"}).status_code == 302
    other = app.test_client()
    assert _password_step(other, target.email).headers["Location"].endswith("/")
    assert other.get("/account/two-factor/enrol").status_code == 200


@pytest.mark.parametrize("locale, message", [
    ("en", "You cannot reset your own two-factor sign-in. Another administrator can."),
    ("da", "Du kan ikke nulstille totrinsgodkendelsen for din egen konto. Det kan en anden administrator."),
])
def test_an_administrator_cannot_reset_their_own_two_factor(client, auth, db, make_user, locale, message):
    admin = auth.login("admin", locale=locale)
    _enrolled(db, admin)  # after signing in, as if with the code
    page = text_of(client.get(f"/admin/users/{admin.id}").get_data(as_text=True))
    assert message in page  # said instead of the form
    response = auth.post(_url(admin), {"confirm": "y"})
    assert response.status_code == 302
    assert message in text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    db.expire_all()
    assert db.get(User, admin.id).mfa_enabled and not _events(db)
    assert client.get("/admin/users").status_code == 200  # still signed in


def test_a_user_without_two_factor_has_nothing_to_reset(client, auth, db, make_user):
    target = make_user("caseworker")
    auth.login("admin", locale="en")
    response = auth.post(_url(target), {"confirm": "y"})
    assert response.status_code == 302
    assert "Two-factor sign-in is not set up for this account: there is nothing to reset." in text_of(
        client.get(response.headers["Location"]).get_data(as_text=True))
    assert not _events(db)


@pytest.mark.parametrize("locale, texts", [
    ("en", ["Two-factor sign-in", "Two-factor sign-in is on.", "Reset two-factor sign-in",
            "I have checked that the request comes from the user themselves",
            "Reset it only for a user who has lost both their phone and their recovery codes."]),
    ("da", ["Totrinsgodkendelse", "Totrinsgodkendelse er slået til.", "Nulstil totrinsgodkendelse",
            "Jeg har kontrolleret, at anmodningen kommer fra brugeren selv",
            "Nulstil den kun for en bruger, der har mistet både sin telefon og sine gendannelseskoder."]),
])
def test_the_reset_is_offered_in_the_administrator_s_language(client, auth, db, make_user, locale, texts):
    target = _enrolled(db, make_user("approver"))
    auth.login("admin", locale=locale)
    raw = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    page = text_of(raw)
    for text in texts:
        assert text in page, text
    assert '<label class="form-label" for="confirm">' in raw and 'id="confirm-hint"' in raw
    assert f'action="/admin/users/{target.id}/two-factor/reset"' in raw


def test_the_reset_message_in_danish(client, auth, db, make_user):
    target = _enrolled(db, make_user("approver"))
    auth.login("admin", locale="da")
    response = auth.post(_url(target), {"confirm": "y"})
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Totrinsgodkendelsen for {target.name} er nulstillet, og brugerens åbne sessioner er afsluttet." in page


def test_the_command_line_resets_when_no_administrator_can(app, runner, db, make_user):
    admin = _enrolled(db, make_user("admin"))
    token_before = admin.session_token
    result = runner.invoke(args=["reset-two-factor", "--email", admin.email.upper(), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Two-factor sign-in of {admin.email} is reset" in result.output
    db.expire_all()
    stored = db.get(User, admin.id)
    assert not stored.mfa_enabled and stored.totp_secret is None and stored.recovery_codes is None
    assert stored.session_token != token_before
    [event] = _events(db)
    assert event.user_id is None and event.object_id == str(admin.id) and json.loads(event.detail) == {"via": "cli"}
    app.config["MFA_REQUIRED_ROLES"] = ("approver", "admin")
    assert _password_step(app.test_client(), admin.email).headers["Location"].endswith("/account/two-factor/enrol")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_the_command_line_asks_first_and_names_what_is_wrong(runner, db, make_user):
    user = _enrolled(db, make_user("approver"))
    declined = runner.invoke(args=["reset-two-factor", "--email", user.email], input="n\n")
    assert declined.exit_code != 0
    db.expire_all()
    assert db.get(User, user.id).mfa_enabled
    unknown = runner.invoke(args=["reset-two-factor", "--email", "nobody@example.org", "--yes"])
    assert unknown.exit_code == 1 and "No account has the e-mail address nobody@example.org." in unknown.output
    plain = make_user("caseworker")
    nothing = runner.invoke(args=["reset-two-factor", "--email", plain.email, "--yes"])
    assert nothing.exit_code == 1 and not _events(db)

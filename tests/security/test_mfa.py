"""Two-factor sign-in: enrolment, verification, recovery codes, throttling, sign-out."""

from __future__ import annotations

import re

import pyotp
from sqlmodel import select

from support import TEST_PASSWORD
from reintegration.auth import mfa
from reintegration.models import AuditEvent, User

from security_helpers import SECRET_RE, csrf_of, mfa_required, signin  # noqa: F401


def _enable(db, user):
    secret = pyotp.random_base32()
    codes = mfa.enable(db, user, secret)
    db.commit()
    return secret, codes


def _now(secret):
    return pyotp.TOTP(secret).now()


def test_required_role_is_forced_to_enrol_and_is_not_signed_in_before(client, signin, make_user, db,
                                                                       mfa_required):
    approver = make_user("approver")
    response = signin.password(approver.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor/enrol")
    # Not signed in yet: a protected page still sends to the sign-in page.
    assert client.get("/account/two-factor").status_code == 302
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    assert "otpauth://totp/" in page
    wrong = signin.code("000000" if _now(secret) != "000000" else "111111", "/account/two-factor/enrol")
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    done = signin.code(_now(secret), "/account/two-factor/enrol")
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.expire_all()
    stored = db.get(User, approver.id)
    assert stored.mfa_enabled and all(c not in (stored.recovery_codes or "") for c in codes)
    assert client.get("/account/two-factor").status_code == 200  # now signed in


def test_enrolled_user_needs_the_code_after_the_password(client, signin, make_user, db):
    user = make_user("caseworker")
    secret, _codes = _enable(db, user)
    response = signin.password(user.email)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/account/two-factor").status_code == 302  # pending is not signed in
    ok = signin.code(_now(secret))
    assert ok.status_code == 302
    assert client.get("/account/two-factor").status_code == 200
    actions = db.exec(select(AuditEvent.action)).all()
    assert "auth.password_ok" in actions and "auth.login" in actions


def test_a_totp_code_cannot_be_replayed(client, signin, make_user, db, app):
    user = make_user("caseworker")
    secret, _ = _enable(db, user)
    signin.password(user.email)
    code = _now(secret)
    assert signin.code(code).status_code == 302
    signin.client.post("/logout", data={"csrf_token": csrf_of(client.get("/account/two-factor").get_data(as_text=True))})
    signin.password(user.email)
    assert signin.code(code).status_code == 422  # same code again: refused


def test_recovery_codes_work_once(client, signin, make_user, db):
    user = make_user("caseworker")
    _secret, codes = _enable(db, user)
    signin.password(user.email)
    assert signin.code(codes[0].upper()).status_code == 302
    token = csrf_of(client.get("/account/two-factor").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    signin.password(user.email)
    assert signin.code(codes[0]).status_code == 422
    assert signin.code(codes[1]).status_code == 302
    db.expire_all()
    assert mfa.remaining_recovery_codes(db.get(User, user.id)) == 8


def test_wrong_codes_are_throttled_with_one_message(client, signin, make_user, db):
    user = make_user("caseworker")
    secret, _ = _enable(db, user)
    signin.password(user.email)
    bad = "123456" if _now(secret) != "123456" else "654321"
    messages = set()
    for _ in range(5):
        page = signin.code(bad).get_data(as_text=True)
        messages.add(re.search(r'form-error-message[^>]*>(.*?)</span>\s*(.*?)</span>', page, re.S).group(2))
    assert len(messages) == 1
    # Now even the right code is refused until the window passes.
    assert signin.code(_now(secret)).status_code == 422
    assert client.get("/account/two-factor").status_code == 302


def test_pending_state_expires(client, signin, make_user, db, monkeypatch):
    user = make_user("caseworker")
    secret, _ = _enable(db, user)
    signin.password(user.email)
    import reintegration.auth.views as views
    real = views.time.time
    monkeypatch.setattr(views.time, "time", lambda: real() + views.PENDING_SECONDS + 1)
    response = client.get("/login/code")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_optional_mfa_for_others_and_required_roles_cannot_turn_it_off(client, auth, signin, db, mfa_required):
    user = auth.login("caseworker")
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    token = csrf_of(page)
    assert client.post("/account/two-factor/enrol", data={"code": _now(secret), "csrf_token": token}).status_code == 200
    db.expire_all()
    assert db.get(User, user.id).mfa_enabled
    # A caseworker may turn it off again (with a fresh code: the last one is used up).
    totp = pyotp.TOTP(secret)
    import time as _t
    next_code = totp.at(_t.time() + totp.interval)
    response = client.post("/account/two-factor/disable", data={"disable-code": next_code, "disable-csrf_token": token})
    assert response.status_code == 302
    db.expire_all()
    assert not db.get(User, user.id).mfa_enabled


def test_required_role_cannot_disable(client, signin, make_user, db, mfa_required):
    admin = make_user("admin")
    secret, _ = _enable(db, admin)
    signin.password(admin.email)
    signin.code(_now(secret))
    token = csrf_of(client.get("/account/two-factor").get_data(as_text=True))
    response = client.post("/account/two-factor/disable", data={"disable-code": "000000", "disable-csrf_token": token})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, admin.id).mfa_enabled


def test_unknown_account_gets_the_same_message(signin, make_user):
    user = make_user("caseworker")
    wrong_password = signin.password(user.email, "not-the-password-at-all").get_data(as_text=True)
    no_account = signin.password("nobody@example.org", TEST_PASSWORD).get_data(as_text=True)
    pick = lambda page: re.search(r'<ul class="alert-text nobullet-list">(.*?)</ul>', page, re.S).group(1).strip()  # noqa: E731
    assert pick(wrong_password) == pick(no_account)


def test_password_policy_knows_thousands_of_common_passwords():
    import pytest

    from reintegration.admin.operations import PasswordPolicyError, _common_passwords, check_password_policy

    assert len(_common_passwords()) > 4000
    for weak in ("football2024!", "iloveyou1234", "short"):
        with pytest.raises(PasswordPolicyError):
            check_password_policy(weak)
    check_password_policy(TEST_PASSWORD)


def test_a_key_shown_at_enrolment_is_that_sessions_own_and_unused_until_confirmed(app, signin, make_user, db,
                                                                                  mfa_required):
    from security_helpers import SignIn

    approver = make_user("approver")
    # Someone who knows the password opens the enrolment page and notes the key...
    intruder = SignIn(app.test_client())
    intruder.password(approver.email)
    planted = SECRET_RE.search(intruder.client.get("/account/two-factor/enrol").get_data(as_text=True)).group(1)
    db.expire_all()
    assert db.get(User, approver.id).totp_secret is None  # nothing stored before a code confirms it
    # ...the approver enrols later and is shown a key of their own.
    signin.password(approver.email)
    secret = SECRET_RE.search(signin.client.get("/account/two-factor/enrol").get_data(as_text=True)).group(1)
    assert secret != planted
    assert signin.code(_now(secret), "/account/two-factor/enrol").status_code == 200
    db.expire_all()
    assert db.get(User, approver.id).totp_secret == secret
    # The noted key opens nothing.
    intruder = SignIn(app.test_client())
    assert intruder.password(approver.email).headers["Location"].endswith("/login/code")
    refused = intruder.code(_now(planted))
    assert refused.status_code == 422 and intruder.client.get("/approvals/").status_code == 302


def _at(monkeypatch, moment: float) -> None:
    """Fix the clock that TOTP codes are checked against: ``mfa``'s own, not the ``time``
    module that sessions and CSRF tokens also read."""
    from types import SimpleNamespace

    monkeypatch.setattr(mfa, "time", SimpleNamespace(time=lambda: moment))


def test_the_code_that_confirmed_enrolment_cannot_sign_in_again(client, signin, make_user, db, monkeypatch,
                                                               mfa_required):
    """README: a code works once. The code typed to confirm the enrolment is used up, as
    a code used to sign in is: after signing out, the same code is refused; the next works."""
    import time as _t

    approver = make_user("approver")
    signin.password(approver.email)
    secret = SECRET_RE.search(client.get("/account/two-factor/enrol").get_data(as_text=True)).group(1)
    totp = pyotp.TOTP(secret)
    moment = (int(_t.time()) // totp.interval) * totp.interval + 5  # early in a step
    _at(monkeypatch, moment)
    enrolment_code = totp.at(moment)
    assert signin.code(enrolment_code, "/account/two-factor/enrol").status_code == 200
    assert client.get("/account/two-factor").status_code == 200  # signed in by the enrolment
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account/two-factor").get_data(as_text=True))})
    assert signin.password(approver.email).headers["Location"].endswith("/login/code")
    refused = signin.code(enrolment_code)
    assert refused.status_code == 422
    assert "The code is wrong or has expired, or the account is locked for a while." in refused.get_data(as_text=True)
    assert client.get("/account/two-factor").status_code == 302  # not signed in
    _at(monkeypatch, moment + totp.interval)
    assert signin.code(totp.at(moment + totp.interval)).status_code == 302
    assert client.get("/account/two-factor").status_code == 200

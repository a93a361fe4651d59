"""A user locked out by failed sign-in steps (five in fifteen minutes) phones for help.
The administrator sees on the user's page that the account is locked and until when,
and can lift the lock; a new password or a two-factor reset lifts it too. Before
migration 0017 all three left the user waiting: the password reset wrote two columns
nothing read."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from admin_edit import text_of
from reintegration.auth import mfa
from reintegration.auth.operations import MAX_FAILURES_PER_ACCOUNT, WINDOW, attempt_key as _attempt_key
from reintegration.auth.operations import sign_in_lock, throttled
from reintegration.models import AuditEvent, LoginAttempt, User
from reintegration.models._common import utcnow
from support import CSRF_RE, TEST_PASSWORD

NEW_PASSWORD = "a fresh and long passphrase 42"


def key(app, email: str) -> str:
    """The digest a sign-in step keeps of the typed e-mail (it reads the app's secret key)."""
    with app.app_context():
        return _attempt_key(email)


def _sign_in(app, email, password=TEST_PASSWORD):
    """The password step in a browser of its own: 302 onwards, 422 refused."""
    browser = app.test_client()
    token = CSRF_RE.search(browser.get("/login").get_data(as_text=True)).group(1)
    return browser.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _locked_out(app, user):
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert _sign_in(app, user.email, "wrong-password!").status_code == 422
    assert _sign_in(app, user.email).status_code == 422  # the right password is refused now


def _lift_url(user) -> str:
    return f"/admin/users/{user.id}/sign-in-lock/lift"


def test_the_administrator_sees_the_lock_lifts_it_and_the_user_signs_in(app, client, auth, db, make_user):
    user = make_user("caseworker")
    _locked_out(app, user)
    admin = auth.login("admin", locale="en")
    page = text_of(client.get(f"/admin/users/{user.id}").get_data(as_text=True))
    assert "Signing in is locked" in page
    assert f"after {MAX_FAILURES_PER_ACCOUNT} failed attempts in the last 15 minutes" in page
    response = auth.post(_lift_url(user))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{user.id}")
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"{user.name} can try to sign in again now." in page and "Signing in is locked" not in page
    assert _sign_in(app, user.email).status_code == 302
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "admin.user_lock_lifted")).all()
    assert (event.user_id, event.object_type, event.object_id) == (admin.id, "user", str(user.id))
    # The attempts stay recorded: lifting forgets nothing.
    failures = db.exec(select(LoginAttempt).where(LoginAttempt.email == key(app, user.email),
                                                  LoginAttempt.success == False)).all()  # noqa: E712
    assert len(failures) == MAX_FAILURES_PER_ACCOUNT


def test_after_the_lift_new_failures_lock_the_account_again(app, auth, db, make_user):
    user = make_user("caseworker")
    _locked_out(app, user)
    auth.login("admin")
    assert auth.post(_lift_url(user)).status_code == 302
    _locked_out(app, user)


def test_a_new_password_lifts_the_lock(app, auth, db, make_user):
    user = make_user("cmm")
    _locked_out(app, user)
    auth.login("admin")
    assert auth.post(f"/admin/users/{user.id}/password", {"password": NEW_PASSWORD}).status_code == 302
    assert _sign_in(app, user.email, NEW_PASSWORD).status_code == 302


def test_a_two_factor_reset_lifts_the_lock_left_by_wrong_codes(app, auth, db, make_user):
    user = make_user("approver")
    mfa.enable(db, user, pyotp.random_base32())
    db.commit()
    browser = app.test_client()
    token = CSRF_RE.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                        "csrf_token": token}).status_code == 302
    for _ in range(MAX_FAILURES_PER_ACCOUNT):  # the phone is lost: codes guessed
        token = CSRF_RE.search(browser.get("/login/code").get_data(as_text=True)).group(1)
        browser.post("/login/code", data={"code": "000000", "csrf_token": token})
    assert _sign_in(app, user.email).status_code == 422
    auth.login("admin")
    assert auth.post(f"/admin/users/{user.id}/two-factor/reset", {"confirm": "y"}).status_code == 302
    assert _sign_in(app, user.email).status_code == 302  # on to enrol again, or in where the role needs none


def test_a_few_failures_are_shown_without_a_lock(app, client, auth, make_user):
    user = make_user("partner")
    for _ in range(2):
        _sign_in(app, user.email, "wrong-password!")
    auth.login("admin", locale="en")
    page = text_of(client.get(f"/admin/users/{user.id}").get_data(as_text=True))
    assert "2 failed sign-in attempts in the last 15 minutes. The account is locked after 5." in page
    assert "Signing in is locked" not in page and "Lift the lock" not in page


def test_the_page_says_it_in_danish(app, client, auth, make_user):
    user = make_user("caseworker")
    _locked_out(app, user)
    auth.login("admin", locale="da")
    page = text_of(client.get(f"/admin/users/{user.id}").get_data(as_text=True))
    assert "Login er spærret" in page and "Ophæv spærringen" in page


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver", "partner"])
def test_only_administrators_may_lift_a_lock(app, auth, db, make_user, role):
    user = make_user("caseworker")
    _locked_out(app, user)
    auth.login(role)
    assert auth.post(_lift_url(user)).status_code == 403
    db.expire_all()
    assert db.get(User, user.id).sign_in_lock_lifted_at is None
    assert _sign_in(app, user.email).status_code == 422  # still locked


def test_the_lock_ends_when_the_fifth_newest_failure_leaves_the_window(app, db, make_user):
    user = make_user("caseworker")
    now = utcnow()
    ages = [timedelta(minutes=m) for m in (1, 2, 4, 7, 9, 14)]  # the fifth newest: 9 minutes ago
    for age in ages:
        db.add(LoginAttempt(email=key(app, user.email), ip="192.0.2.1", success=False, at=now - age))
    db.add(LoginAttempt(email=key(app, user.email), ip="192.0.2.1", success=False,
                        at=now - WINDOW - timedelta(minutes=1)))
    db.commit()
    with app.app_context():
        failures, until = sign_in_lock(db, user)
    assert failures == len(ages)
    assert abs(until - (now - timedelta(minutes=9) + WINDOW)) < timedelta(seconds=1)


def test_lifting_the_account_lock_leaves_the_address_lock(app, auth, db, make_user):
    """Twenty failures from one address lock it for every account: one account's lock
    lifted does not let that address guess on."""
    user = make_user("caseworker")
    for n in range(20):
        db.add(LoginAttempt(email=key(app, f"someone{n}@example.org"), ip="198.51.100.7", success=False))
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        db.add(LoginAttempt(email=key(app, user.email), ip="198.51.100.7", success=False))
    db.commit()
    auth.login("admin")
    assert auth.post(_lift_url(user)).status_code == 302
    db.expire_all()
    with app.app_context():
        assert not throttled(db, user.email, "192.0.2.99")
        assert throttled(db, user.email, "198.51.100.7")


def test_a_sign_in_step_keeps_no_typed_text_and_goes_after_thirty_days(app, db, runner, make_user):
    """What is typed as the e-mail may be a password or a name: the step keeps a keyed
    digest of it, enough for the throttle to count the same text again. The daily
    retention run deletes steps older than 30 days; the audit trail keeps the failures."""
    user = make_user("caseworker")
    _sign_in(app, "adaeze okafor hunter2", "wrong-password!")
    _sign_in(app, user.email, "wrong-password!")
    stored = [row.email for row in db.exec(select(LoginAttempt)).all()]
    assert "adaeze okafor hunter2" not in stored and user.email not in stored
    assert key(app, user.email) in stored and key(app, " ADAEZE okafor hunter2 ") in stored
    old = LoginAttempt(email=key(app, user.email), ip="192.0.2.1", success=False,
                       at=utcnow() - timedelta(days=31))
    db.add(old)
    db.commit()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "Deleted 1 sign-in step(s) older than 30 days." in result.output
    db.expire_all()
    assert len(db.exec(select(LoginAttempt)).all()) == len(stored)

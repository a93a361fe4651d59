"""An administrator resets a user's two-factor sign-in from a page opened before the
enrolment changed (the user set up a new phone, turned it off, made new recovery codes,
or another administrator reset it): nothing is reset, and the 409 page names who changed
it and when, so that a phone the user has just set up is not removed silently. The
same reset sent twice (a double click) resets once and says it is done."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from admin_edit import browser_as, events, text_of
from reintegration.audit import record
from reintegration.auth import mfa
from reintegration.models import User

SEEN_RE = re.compile(r'name="seen_two_factor"[^>]*value="(\d*)"')


def _url(user) -> str:
    return f"/admin/users/{user.id}/two-factor/reset"


def _enrols(db, user):
    """The user sets up two-factor sign-in on their own page, as the enrolment records it."""
    db.expire_all()  # as stored now, after any reset on the pages
    user = db.get(User, user.id)
    mfa.enable(db, user, pyotp.random_base32())
    record(db, "auth.mfa_enabled", user=user, obj=user)
    db.commit()


def _seen(client, user) -> str:
    return SEEN_RE.search(client.get(f"/admin/users/{user.id}").get_data(as_text=True)).group(1)


def test_an_enrolment_after_the_page_was_opened_is_not_reset(app, auth, db, make_user):
    first, first_auth = browser_as(app, auth, make_user("admin", name="Astrid First", locale="en"))
    target = make_user("approver", name="Ulla User")
    _enrols(db, target)
    seen = _seen(first, target)
    # Meanwhile another administrator resets it and the user sets up a new phone.
    second, second_auth = browser_as(app, auth, make_user("admin", name="Bo Second"))
    assert second_auth.post(_url(target), {"confirm": "y", "seen_two_factor": _seen(second, target)}).status_code == 302
    _enrols(db, target)
    db.expire_all()
    secret = db.get(User, target.id).totp_secret

    response = first_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen})

    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    page = text_of(raw)
    assert "Two-factor sign-in was changed in the meantime" in page
    assert "Ulla User set up two-factor sign-in at" in page
    assert "That was after you opened this page, so nothing was reset." in page
    assert re.search(r'<input[^>]*id="confirm"[^>]*>', raw) and "checked" not in re.search(
        r'<input[^>]*id="confirm"[^>]*>', raw).group(0)  # ticked again only deliberately
    db.expire_all()
    stored = db.get(User, target.id)
    assert stored.mfa_enabled and stored.totp_secret == secret
    assert len(events(db, "admin.user_mfa_reset")) == 1
    # From the 409 page, resetting what is set up now is a deliberate choice.
    again = first_auth.post(_url(target), {"confirm": "y", "seen_two_factor": SEEN_RE.search(raw).group(1)})
    assert again.status_code == 302
    db.expire_all()
    assert not db.get(User, target.id).mfa_enabled and len(events(db, "admin.user_mfa_reset")) == 2


@pytest.mark.parametrize("locale, said", [
    ("en", "Bo Second reset two-factor sign-in for this account at"),
    ("da", "Bo Second nulstillede totrinsgodkendelsen for denne konto"),
])
def test_another_administrator_s_reset_meanwhile_is_named(app, auth, db, make_user, locale, said):
    first, first_auth = browser_as(app, auth, make_user("admin", locale=locale))
    second, second_auth = browser_as(app, auth, make_user("admin", name="Bo Second"))
    target = make_user("caseworker")
    _enrols(db, target)
    seen_by_first, seen_by_second = _seen(first, target), _seen(second, target)
    assert second_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen_by_second}).status_code == 302

    response = first_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen_by_first})

    assert response.status_code == 409
    assert said in text_of(response.get_data(as_text=True))
    assert len(events(db, "admin.user_mfa_reset")) == 1


@pytest.mark.parametrize("change, said", [
    ("auth.mfa_disabled", "Ulla User turned two-factor sign-in off at"),
    ("auth.recovery_codes_renewed", "Ulla User made new recovery codes at"),
])
def test_the_user_s_own_change_meanwhile_is_named(app, auth, db, make_user, change, said):
    client, admin_auth = browser_as(app, auth, make_user("admin", locale="en"))
    target = make_user("caseworker", name="Ulla User")
    _enrols(db, target)
    seen = _seen(client, target)
    user = db.get(User, target.id)
    if change == "auth.recovery_codes_renewed":
        mfa.regenerate_codes(db, user)
    else:
        mfa.disable(db, user)
    record(db, change, user=user, obj=user)
    db.commit()

    response = admin_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen})

    assert response.status_code == 409
    assert said in text_of(response.get_data(as_text=True))
    db.expire_all()
    assert db.get(User, target.id).mfa_enabled == (change != "auth.mfa_disabled")
    assert not events(db, "admin.user_mfa_reset")


def test_a_reset_on_the_command_line_meanwhile_is_named(app, auth, runner, db, make_user):
    client, admin_auth = browser_as(app, auth, make_user("admin", locale="en"))
    target = make_user("caseworker")
    _enrols(db, target)
    seen = _seen(client, target)
    assert runner.invoke(args=["reset-two-factor", "--email", target.email, "--yes"]).exit_code == 0

    response = admin_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen})

    assert response.status_code == 409
    assert "An operator on the command line reset two-factor sign-in for this account at" in text_of(
        response.get_data(as_text=True))


def test_the_same_reset_sent_twice_resets_once_and_says_so(client, auth, db, make_user):
    auth.login("admin", locale="en")
    target = make_user("caseworker", name="Ulla User")
    _enrols(db, target)
    form = {"confirm": "y", "seen_two_factor": _seen(client, target)}
    assert auth.post(_url(target), form).status_code == 302
    db.expire_all()
    token = db.get(User, target.id).session_token

    response = auth.post(_url(target), form)

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{target.id}")
    assert "Two-factor sign-in for Ulla User was already reset by you at" in text_of(
        client.get(response.headers["Location"]).get_data(as_text=True))
    db.expire_all()
    assert db.get(User, target.id).session_token == token and len(events(db, "admin.user_mfa_reset")) == 1


@pytest.mark.parametrize("change, url, said", [
    ("new recovery codes", "/account/two-factor/recovery-codes", "Ulla User made new recovery codes at"),
    ("turned off", "/account/two-factor/disable", "Ulla User turned two-factor sign-in off at"),
])
def test_a_change_the_user_makes_on_their_own_security_page_is_seen(app, auth, db, make_user, change, url, said):
    """Made through the user's own page (recorded for the signed-in user), not only by
    the enrolment's operation: the administrator's page opened before it is stale."""
    first, first_auth = browser_as(app, auth, make_user("admin", locale="en"))
    target = make_user("caseworker", name="Ulla User")
    secret = pyotp.random_base32()
    mfa.enable(db, target, secret)
    db.commit()
    seen = _seen(first, target)
    _own, own_auth = browser_as(app, auth, target)  # the password: the second step is asked for
    totp = pyotp.TOTP(secret)
    assert own_auth.post("/login/code", {"code": totp.now()}).status_code == 302
    prefix = "codes" if "recovery" in url else "disable"
    fresh = totp.at(time.time() + totp.interval)  # the code just used is spent
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', _own.get("/account/two-factor").get_data(as_text=True))[1]
    sent = own_auth.post(url, {f"{prefix}-code": fresh, f"{prefix}-csrf_token": token, "csrf_token": token})
    assert sent.status_code in (200, 302) and "/login" not in sent.headers.get("Location", ""), change
    assert len(events(db, "admin.user_mfa_reset")) == 0

    response = first_auth.post(_url(target), {"confirm": "y", "seen_two_factor": seen})

    assert response.status_code == 409, change
    page = text_of(response.get_data(as_text=True))
    assert "Two-factor sign-in was changed in the meantime" in page
    assert said in page, page
    assert events(db, "admin.user_mfa_reset") == []

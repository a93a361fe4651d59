"""The inactivity timeout can be extended (WCAG 2.1 SC 2.2.1): signed-in pages carry the
timeout warning, whose "Stay signed in" posts to the keep-alive; and a page seen after
the session ended is in the language the user was reading (tests/browser/test_timeout_warning.py
drives the warning itself)."""

from __future__ import annotations

import re

import itsdangerous.timed
import pytest
from sqlmodel import func, select

from reintegration.i18n import LANGUAGE_COOKIE
from reintegration.models import AuditEvent
from reintegration.security import session_timing

KEEP_ALIVE = "/session/keep-alive"


class Clock:
    """The session cookies' clock, moved forward by hand."""

    def __init__(self) -> None:
        self.offset = 0

    def advance(self, seconds: float) -> None:
        self.offset += int(seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + clock.offset)
    return clock


@pytest.fixture
def lifetime(app) -> int:
    return int(app.permanent_session_lifetime.total_seconds())


def _set_cookie(response, name: str) -> str:
    found = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith(name + "=")]
    assert len(found) == 1, response.headers
    return found[0]


# --- the keep-alive ------------------------------------------------------------------

@pytest.mark.parametrize("stay", [True, False], ids=["stay signed in", "no answer"])
def test_stay_signed_in_starts_the_inactivity_time_again(client, auth, clock, lifetime, stay):
    auth.login("partner")
    clock.advance(lifetime - 60)  # the warning is showing
    if stay:
        response = auth.post(KEEP_ALIVE)
        assert response.status_code == 200 and response.get_json() == {"expires_in": lifetime}
        assert "Expires=" in _set_cookie(response, "session")
    clock.advance(lifetime - 60)  # past the end the session had before
    response = client.get("/account/two-factor")
    if stay:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_files_a_page_loads_do_not_renew_the_session(client, auth, clock, lifetime):
    """The warning counts from the page's request; a stylesheet or font fetched later (on a
    slow line, seconds later) must not move the end it cannot see."""
    auth.login("caseworker")
    assert "Set-Cookie" in client.get("/account/two-factor").headers
    clock.advance(lifetime - 60)
    for url in ("/static/js/session.js", "/vendor/dkfds/css/dkfds-virkdk.min.css"):
        response = client.get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    clock.advance(120)
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_keep_alive_is_refused_signed_out_without_the_form_token_or_once_the_session_ended(
        client, auth, clock, lifetime):
    anonymous_token = auth.token()
    response = client.post(KEEP_ALIVE, data={"csrf_token": anonymous_token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    auth.login("caseworker")
    assert client.post(KEEP_ALIVE).status_code == 400
    assert client.post(KEEP_ALIVE, data={"csrf_token": "forged"}).status_code == 400
    assert client.get(KEEP_ALIVE).status_code == 405

    clock.advance(lifetime + 5)  # too late: the page's token belongs to a session that has ended
    assert auth.post(KEEP_ALIVE).status_code == 400
    assert client.get("/account/two-factor").status_code == 302


def _events(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(AuditEvent)).one()


def test_the_keep_alive_leaves_no_trace_in_the_audit_trail(client, auth, db):
    auth.login("caseworker")
    before = _events(db)
    assert auth.post(KEEP_ALIVE).status_code == 200
    assert _events(db) == before


def test_signed_in_pages_carry_the_timeout_warning_with_its_times(app, client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="session-timeout"' not in page and "js/session.js" not in page
    auth.login("caseworker")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'id="session-timeout" data-lifetime="1800" data-warning="300"' in page
    assert 'role="alertdialog"' in page and "js/session.js" in page
    assert f'action="{KEEP_ALIVE}"' in page
    app.config.update(PERMANENT_SESSION_LIFETIME=120, SESSION_WARNING_BEFORE=600)
    with app.app_context():
        assert session_timing() == {"lifetime": 120, "warning": 120}  # never before the session began


# --- the language after the session ------------------------------------------------

def test_choosing_a_language_or_signing_in_keeps_it_in_a_long_lived_cookie(client, auth, make_user):
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": auth.token()})
    cookie = _set_cookie(response, LANGUAGE_COOKIE)
    assert cookie.startswith("lang=en;") and f"Max-Age={365 * 24 * 3600}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Signing in, the user's own language wins and is kept.
    auth.login(make_user("caseworker", locale="da"))
    assert client.get_cookie(LANGUAGE_COOKIE).value == "da"


@pytest.mark.parametrize("kept, accept, expected", [
    ("en", None, "en"),                      # the English reader's cookie, set at sign-in
    ("da", "en-GB,en;q=0.9", "da"),          # the cookie before the browser's preference
    (None, "en-GB,en;q=0.9,da;q=0.5", "en"),  # no cookie: the browser's preference
    (None, "da-DK,en;q=0.5", "da"),
    (None, "fr-FR,fr;q=0.9", "da"),          # neither of ours: Danish
    (None, None, "da"),
    ("xx", "en", "en"),                      # a cookie that names no language of ours is ignored
])
def test_a_form_sent_after_the_session_ended_is_refused_in_the_users_language(
        client, auth, make_user, clock, lifetime, kept, accept, expected):
    auth.login(make_user("partner", locale=kept if kept in ("da", "en") else "da"))
    if kept is None:
        client.delete_cookie(LANGUAGE_COOKIE)
    elif kept not in ("da", "en"):
        client.set_cookie(LANGUAGE_COOKIE, kept)
    clock.advance(lifetime + 5)  # the report took longer than the session lasts
    headers = {"Accept-Language": accept} if accept else {}
    response = auth.post("/logout", headers=headers)  # any form of a signed-in page
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<html lang="{expected}">' in page
    assert ("The form has expired" if expected == "en" else "Formularen er udløbet") in page


# --- signing in again: the open page takes the new session's form token ------------------

FORM_TOKEN = "/session/form-token"
KEY_RE = re.compile(r'data-key="([^"]+)" data-token="/session/form-token"')


def _page_key(client) -> str:
    return KEY_RE.search(client.get("/account/two-factor").get_data(as_text=True)).group(1)


def test_a_page_opened_before_signing_in_again_can_send_with_the_new_token(client, auth, make_user):
    user = make_user("caseworker")
    auth.login(user)
    old_token, old_key = auth.csrf, _page_key(client)
    assert old_key.startswith(f"{user.id}:")
    auth.logout()
    auth.login(user)  # in another tab: a new session
    # The old page's token belongs to the session that ended: refused, nothing done.
    assert client.post(KEEP_ALIVE, data={"csrf_token": old_token}).status_code == 400
    response = client.get(FORM_TOKEN, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    answer = response.get_json()
    # The same user, a new sign-in: the page takes the token, and its form goes through.
    assert answer["key"] == _page_key(client) != old_key and answer["key"].startswith(f"{user.id}:")
    assert answer["expires_in"] == 1800
    assert client.post(KEEP_ALIVE, data={"csrf_token": answer["csrf_token"]}).status_code == 200


def test_another_persons_sign_in_has_another_key(client, auth, make_user):
    first, second = make_user("caseworker"), make_user("caseworker")
    auth.login(first)
    first_key = _page_key(client)
    auth.logout()
    auth.login(second)
    assert client.get(FORM_TOKEN).get_json()["key"].split(":")[0] == str(second.id) != first_key.split(":")[0]


def test_the_form_token_is_only_for_a_signed_in_user_and_leaves_no_trace(client, auth, db):
    response = client.get(FORM_TOKEN)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("partner")
    before = _events(db)
    assert client.get(FORM_TOKEN).status_code == 200
    assert client.post(FORM_TOKEN, data={"csrf_token": auth.csrf}).status_code == 405
    assert _events(db) == before

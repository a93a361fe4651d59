"""Two administrators setting a new password for the same user (who phoned both): the
second, from a page opened before the first set one, is refused with 409 naming who set
it and when, so that the user is not told a password that no longer works. The same
form sent twice sets it once."""

from __future__ import annotations

import re

from sqlmodel import select

from admin_edit import browser_as, text_of
from reintegration.models import AuditEvent, User

SEEN_RE = re.compile(r'name="seen_password"[^>]*value="(\d*)"')


def _resets(db):
    return db.exec(select(AuditEvent).where(AuditEvent.action == "admin.user_password_reset")).all()


def _seen(client, user_id) -> str:
    return SEEN_RE.search(client.get(f"/admin/users/{user_id}").get_data(as_text=True)).group(1)


def test_a_password_set_meanwhile_is_a_conflict(app, auth, db, make_user):
    first, first_auth = browser_as(app, auth, make_user("admin", name="Astrid First"))
    second, second_auth = browser_as(app, auth, make_user("admin"))
    target = make_user("caseworker")
    url = f"/admin/users/{target.id}/password"
    seen_by_first, seen_by_second = _seen(first, target.id), _seen(second, target.id)
    assert first_auth.post(url, {"password": "first fine passphrase", "seen_password": seen_by_first}).status_code == 302
    db.expire_all()
    hashed = db.get(User, target.id).password_hash

    response = second_auth.post(url, {"password": "second fine passphrase", "seen_password": seen_by_second})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Astrid First set a new password for this account at" in text_of(page)
    assert "second fine passphrase" not in page  # a password is never written back into a page
    db.expire_all()
    assert db.get(User, target.id).password_hash == hashed and len(_resets(db)) == 1
    # From the conflict page, setting it again is a deliberate choice.
    again = {"password": "second fine passphrase", "seen_password": SEEN_RE.search(page).group(1)}
    assert second_auth.post(url, again).status_code == 302
    assert len(_resets(db)) == 2


def test_the_same_password_form_sent_twice_sets_it_once(client, auth, db, make_user):
    auth.login("admin")
    target = make_user("caseworker")
    form = {"password": "a fine new passphrase", "seen_password": _seen(client, target.id)}
    assert auth.post(f"/admin/users/{target.id}/password", form).status_code == 302
    db.expire_all()
    token = db.get(User, target.id).session_token

    assert auth.post(f"/admin/users/{target.id}/password", form).status_code == 302

    db.expire_all()
    assert db.get(User, target.id).session_token == token and len(_resets(db)) == 1

"""Deactivating and reactivating an account from a page opened earlier: a click sent
twice does it once, and a reactivation from a page opened before someone deactivated the
account (again) is refused as the conflict it is, saying who deactivated it and when."""

from __future__ import annotations

import re

from admin_edit import browser_as, events, text_of
from reintegration.models import User

SEEN_RE = re.compile(r'name="seen_deactivation"[^>]*value="(\d*)"')


def _seen(client, user_id) -> str:
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    return SEEN_RE.search(page).group(1)


def test_deactivating_twice_deactivates_once(client, auth, db, make_user):
    auth.login("admin")
    target = make_user("caseworker")
    url = f"/admin/users/{target.id}/deactivate"
    assert auth.post(url).status_code == 302
    db.expire_all()
    token = db.get(User, target.id).session_token

    again = auth.post(url, follow_redirects=True)

    assert again.status_code == 200
    assert "was already deactivated" in text_of(again.get_data(as_text=True))
    db.expire_all()
    assert db.get(User, target.id).session_token == token
    assert len(events(db, "admin.user_deactivate")) == 1


def test_reactivating_twice_reactivates_once(client, auth, db, make_user):
    auth.login("admin")
    target = make_user("caseworker")
    assert auth.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    form = {"seen_deactivation": _seen(client, target.id)}
    assert auth.post(f"/admin/users/{target.id}/activate", form).status_code == 302
    again = auth.post(f"/admin/users/{target.id}/activate", form, follow_redirects=True)
    assert "was already reactivated" in text_of(again.get_data(as_text=True))
    assert len(events(db, "admin.user_activate")) == 1


def test_a_reactivation_from_before_a_new_deactivation_is_a_conflict(app, auth, db, make_user):
    first, first_auth = browser_as(app, auth, make_user("admin", name="Astrid First"))
    second, second_auth = browser_as(app, auth, make_user("admin"))
    target = make_user("caseworker")
    assert first_auth.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    seen_by_second = _seen(second, target.id)  # the second opens the page of the deactivated account
    # Meanwhile the first reactivates it and, finding a reason, deactivates it again.
    assert first_auth.post(f"/admin/users/{target.id}/activate",
                           {"seen_deactivation": _seen(first, target.id)}).status_code == 302
    assert first_auth.post(f"/admin/users/{target.id}/deactivate").status_code == 302

    response = second_auth.post(f"/admin/users/{target.id}/activate", {"seen_deactivation": seen_by_second})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Astrid First deactivated this account at" in text_of(page)
    db.expire_all()
    assert not db.get(User, target.id).active
    # Reactivating from the conflict page is a deliberate choice, and goes through.
    assert second_auth.post(f"/admin/users/{target.id}/activate",
                            {"seen_deactivation": SEEN_RE.search(page).group(1)}).status_code == 302
    db.expire_all()
    assert db.get(User, target.id).active


def test_a_reactivation_without_the_seen_deactivation_changes_nothing(client, auth, db, make_user):
    auth.login("admin")
    target = make_user("caseworker")
    assert auth.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert auth.post(f"/admin/users/{target.id}/activate").status_code == 409
    assert auth.post(f"/admin/users/{target.id}/activate", {"seen_deactivation": "x"}).status_code == 409
    db.expire_all()
    assert not db.get(User, target.id).active

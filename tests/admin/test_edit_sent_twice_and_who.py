"""An administrator's save sent twice (a double click, a resend) is saved once and
reported saved, not shown as a conflict with itself; a real conflict says who saved
the account or organisation, when, and which fields."""

from __future__ import annotations

from admin_edit import account_form, browser_as, events, opened, partner_form, text_of
from reintegration.models import Organisation, User


def test_an_account_form_sent_twice_is_saved_once(client, auth, db, make_user, make_org):
    auth.login("admin")
    drc = make_org("drc")
    target = make_user("caseworker", organisation=drc)
    url = f"/admin/users/{target.id}"
    form = account_form(target, drc, name="Renamed Once", fingerprint=opened(client, url))

    assert auth.post(url, form).status_code == 302
    again = auth.post(url, form)

    assert again.status_code == 302  # not a conflict with its own first send
    assert "The account is saved." in text_of(client.get(again.headers["Location"]).get_data(as_text=True))
    db.expire_all()
    assert db.get(User, target.id).name == "Renamed Once"
    assert len(events(db, "admin.user_update")) == 1


def test_an_organisation_form_sent_twice_is_saved_once(client, auth, db, make_user, make_org):
    auth.login("admin")
    org = make_org("partner", country="NG", status="active")
    url = f"/admin/organisations/{org.id}"
    form = partner_form(org, contact_phone="+234 9", fingerprint=opened(client, url))

    assert auth.post(url, form).status_code == 302
    assert auth.post(url, form).status_code == 302
    db.expire_all()
    assert db.get(Organisation, org.id).contact_phone == "+234 9"
    assert len(events(db, "admin.organisation_update")) == 1


def test_the_account_conflict_says_who_saved_when_and_what(app, auth, db, make_user, make_org):
    first_admin = make_user("admin", name="Astrid First")
    first, first_auth = browser_as(app, auth, first_admin)
    second, second_auth = browser_as(app, auth, make_user("admin"))
    drc = make_org("drc")
    target = make_user("caseworker", organisation=drc)
    url = f"/admin/users/{target.id}"
    form = account_form(target, drc)
    seen_by_first, seen_by_second = opened(first, url), opened(second, url)
    assert first_auth.post(url, dict(form, name="Renamed", fingerprint=seen_by_first)).status_code == 302

    response = second_auth.post(url, dict(form, locale="da", fingerprint=seen_by_second))

    assert response.status_code == 409
    page = text_of(response.get_data(as_text=True))
    assert "Astrid First saved it at" in page and "Changed: Name." in page


def test_the_organisation_conflict_says_who_saved_when_and_what(app, auth, db, make_user, make_org):
    first, first_auth = browser_as(app, auth, make_user("admin", name="Astrid First"))
    second, second_auth = browser_as(app, auth, make_user("admin"))
    org = make_org("partner", country="NG", status="active", timezone="Africa/Lagos")
    url = f"/admin/organisations/{org.id}"
    form = partner_form(org)
    seen_by_first, seen_by_second = opened(first, url), opened(second, url)
    assert first_auth.post(url, dict(form, status="inactive", fingerprint=seen_by_first)).status_code == 302

    response = second_auth.post(url, dict(form, contact_phone="+234 1", fingerprint=seen_by_second))

    assert response.status_code == 409
    page = text_of(response.get_data(as_text=True))
    assert "Astrid First saved it at" in page and "Changed: Status." in page

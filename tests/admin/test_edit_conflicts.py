"""Two administrators editing the same account or organisation: the second save does
not silently undo the first. It is refused with 409, the editor's input kept and the
saved values shown; saving again from there is a deliberate choice."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from admin_edit import FINGERPRINT_RE, account_form, browser_as, opened, partner_form, text_of
from reintegration.admin import operations as ops
from reintegration.models import AuditEvent, Organisation, User
from support import waits_for_commit

MESSAGES = {
    "en": ("The account was changed in the meantime",
           "Someone else saved this account after you opened it. Nothing of yours is saved yet",
           "The account as it is saved now"),
    "da": ("Kontoen er blevet ændret i mellemtiden",
           "En anden har gemt kontoen, efter du åbnede den. Intet af dit er gemt endnu",
           "Kontoen, som den er gemt nu"),
}
ORG_MESSAGES = {
    "en": ("The organisation was changed in the meantime",
           "Someone else saved this organisation after you opened it. Nothing of yours is saved yet",
           "The organisation as it is saved now"),
    "da": ("Organisationen er blevet ændret i mellemtiden",
           "En anden har gemt organisationen, efter du åbnede den. Intet af dit er gemt endnu",
           "Organisationen, som den er gemt nu"),
}


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_second_save_of_an_account_is_a_conflict(app, auth, db, make_user, make_org, locale):
    first, first_auth = browser_as(app, auth, make_user("admin"))
    second, second_auth = browser_as(app, auth, make_user("admin", locale=locale))
    drc = make_org("drc")
    target = make_user("caseworker", organisation=drc)
    url = f"/admin/users/{target.id}"
    form = account_form(target, drc)
    seen_by_first, seen_by_second = opened(first, url), opened(second, url)

    assert first_auth.post(url, dict(form, name="Renamed By First", fingerprint=seen_by_first)).status_code == 302
    response = second_auth.post(url, dict(form, email="new-address@example.org", fingerprint=seen_by_second))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    heading, message, saved = MESSAGES[locale]
    assert heading in text_of(page) and message in text_of(page) and saved in text_of(page)
    assert "Renamed By First" in text_of(page)  # the saved values are shown
    assert 'value="new-address@example.org"' in page  # the second editor's input is kept
    db.expire_all()
    stored = db.get(User, target.id)
    assert (stored.name, stored.email) == ("Renamed By First", target.email)
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "admin.user_update")).all()) == 1

    # Saving again from the conflict page replaces the values, knowingly.
    again = FINGERPRINT_RE.search(page).group(1)
    assert again != seen_by_second
    response = second_auth.post(url, dict(form, email="new-address@example.org", fingerprint=again))
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, target.id).email == "new-address@example.org"


@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_second_save_of_an_organisation_is_a_conflict(app, auth, db, make_user, make_org, locale):
    first, first_auth = browser_as(app, auth, make_user("admin"))
    second, second_auth = browser_as(app, auth, make_user("admin", locale=locale))
    org = make_org("partner", country="NG", status="active")
    url = f"/admin/organisations/{org.id}"
    form = partner_form(org)
    seen_by_first, seen_by_second = opened(first, url), opened(second, url)

    assert first_auth.post(url, dict(form, status="inactive", fingerprint=seen_by_first)).status_code == 302
    response = second_auth.post(url, dict(form, contact_phone="+234 1", fingerprint=seen_by_second))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    heading, message, saved = ORG_MESSAGES[locale]
    assert heading in text_of(page) and message in text_of(page) and saved in text_of(page)
    assert ("Inactive" if locale == "en" else "Inaktiv") in text_of(page)  # the saved status
    assert 'value="+234 1"' in page
    db.expire_all()
    stored = db.get(Organisation, org.id)
    assert (stored.status, stored.contact_phone) == ("inactive", None)

    again = FINGERPRINT_RE.search(page).group(1)
    assert second_auth.post(url, dict(form, contact_phone="+234 1", fingerprint=again)).status_code == 302
    db.expire_all()
    stored = db.get(Organisation, org.id)
    assert (stored.status, stored.contact_phone) == ("active", "+234 1")


def test_a_save_without_the_opened_values_is_a_conflict(client, auth, db, make_org, make_user):
    """The fingerprint comes only from the form: a post without it (or with a made-up
    one) changes nothing."""
    auth.login("admin")
    drc = make_org("drc")
    target = make_user("caseworker", organisation=drc)
    form = account_form(target, drc, name="Changed")
    assert auth.post(f"/admin/users/{target.id}", form).status_code == 409
    assert auth.post(f"/admin/users/{target.id}", dict(form, fingerprint="0" * 64)).status_code == 409
    org_form = {"kind": "drc", "code": drc.code, "name": "Changed", "status": "active"}
    assert auth.post(f"/admin/organisations/{drc.id}", org_form).status_code == 409
    db.expire_all()
    assert db.get(User, target.id).name == target.name and db.get(Organisation, drc.id).name == drc.name


def test_the_check_and_the_save_are_one_transaction(app, db, make_user, make_org):
    """The stored values are read again under a lock: a save committed while this one
    runs is waited for and then seen as a conflict, not overwritten."""
    admin = make_user("admin")
    drc = make_org("drc")
    target = make_user("caseworker", organisation=drc)
    seen = ops.fingerprint(target)

    def other_save(conn):
        conn.execute(text('UPDATE "user" SET name = \'Saved Meanwhile\' WHERE id = :id'), {"id": target.id})

    def this_save(conn):
        with Session(bind=conn) as session:
            user = session.get(User, target.id)
            ops.update_user(session, user, actor=session.get(User, admin.id),
                            organisation=session.get(Organisation, drc.id), email=user.email, name="Mine",
                            role="caseworker", locale="en", seen=seen)

    with pytest.raises(ops.EditConflict):
        waits_for_commit(app.extensions["db_engine"], other_save, this_save)
    db.expire_all()
    assert db.get(User, target.id).name == "Saved Meanwhile"

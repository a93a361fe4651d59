"""An account of an organisation set inactive cannot sign in (``auth.operations``), though
the account itself is active. The administrator's list and the account's page say so,
instead of "Active" and nothing; and the account's page keeps the organisation as its
choice (marked inactive), so that a name or language can be corrected without moving the
user, as the case form keeps a partner set inactive."""

from __future__ import annotations

import re

from admin_edit import save, text_of
from reintegration.models import User


def _inactive_partner_officer(db, make_org, make_user):
    partner = make_org("partner", name="Edo Test Network")
    officer = make_user("partner", organisation=partner, name="Grace Test")
    partner.status = "inactive"
    db.add(partner)
    db.commit()
    return partner, officer


def test_the_list_and_the_page_say_the_organisation_is_inactive(client, auth, db, make_org, make_user):
    partner, officer = _inactive_partner_officer(db, make_org, make_user)
    auth.login("admin", locale="en")
    listed = text_of(client.get("/admin/users").get_data(as_text=True))
    row = re.search(r"Grace Test .*?(?=\d{1,2} \w{3} \d{4}|–)", listed).group(0)
    assert "Organisation inactive" in row and "Active" not in row.replace("inactive", "")
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Edo Test Network is inactive, so Grace Test cannot sign in." in text_of(page)
    [chosen] = re.findall(r'<option selected value="(\d+)">([^<]*)</option>', page) or \
        re.findall(r'<option value="(\d+)" selected>([^<]*)</option>', page)
    assert chosen == (str(partner.id), "Edo Test Network (inactive)")


def test_a_name_can_be_corrected_without_moving_the_user(client, auth, db, make_org, make_user):
    partner, officer = _inactive_partner_officer(db, make_org, make_user)
    auth.login("admin", locale="en")
    response = save(client, auth, f"/admin/users/{officer.id}", {
        "name": "Grace Test-Osagie", "email": officer.email, "organisation_id": str(partner.id), "role": "partner",
        "locale": "en"})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:400]
    db.expire_all()
    saved = db.get(User, officer.id)
    assert (saved.name, saved.organisation_id) == ("Grace Test-Osagie", partner.id)


def test_an_account_of_an_active_organisation_is_listed_active(client, auth, make_org, make_user):
    make_user("partner", organisation=make_org("partner"), name="Grace Test")
    auth.login("admin", locale="en")
    listed = text_of(client.get("/admin/users").get_data(as_text=True))
    assert "Organisation inactive" not in listed

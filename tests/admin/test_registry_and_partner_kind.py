"""Loading a partner registry with an invalid file, and the kind of a partner that
cases refer to."""

from __future__ import annotations

import pytest
from sqlmodel import select

from admin_edit import error_at, save, text_of
from reintegration.models import AuditEvent, Case, Organisation

GOOD = 'name = "Good Partner"\ncountry = "GH"\ncurrency = "GHS"\nstatus = "active"\n'
BAD = 'name = "X"\ncountry = "ng"\ncurrency = "NGN"\nstatus = "active"\n'


@pytest.mark.parametrize("locale, message", [
    ("en", "The partner registry is not loaded, and nothing is changed: the file bad.toml has an error at "
           "country (not valid: 'ng'). Correct the file and load the registry again."),
    ("da", "Partnerregistret er ikke indlæst, og intet er ændret: filen bad.toml har en fejl ved country "
           "(not valid: 'ng'). Ret filen, og indlæs registret igen."),
])
def test_an_invalid_registry_file_is_named_and_nothing_is_loaded(app, client, auth, db, tmp_path, locale, message):
    (tmp_path / "a-good.toml").write_text(GOOD)
    (tmp_path / "bad.toml").write_text(BAD)
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin", locale=locale)
    response = auth.post("/admin/organisations/registry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/organisations")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in text_of(page)
    assert db.exec(select(Organisation).where(Organisation.code == "a-good")).first() is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "admin.partners_reload")).first() is None


def test_a_registry_file_that_is_not_toml_is_named(app, client, auth, tmp_path):
    (tmp_path / "broken.toml").write_text('name = "unterminated\n')
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin")
    page = auth.post("/admin/organisations/registry", follow_redirects=True).get_data(as_text=True)
    assert "the file broken.toml has an error at (file) (not valid TOML:" in text_of(page)


@pytest.mark.parametrize("locale, message", [
    ("en", "Cases have this organisation as their partner, so its kind cannot change."),
    ("da", "Sager har denne organisation som partner, så dens type kan ikke ændres."),
])
def test_the_kind_of_a_partner_with_cases_cannot_change(client, auth, db, make_org, make_case, locale, message):
    partner = make_org("partner", country="NG", status="active")
    case = make_case(partner=partner)
    auth.login("admin", locale=locale)
    fields = {"kind": "drc", "code": partner.code, "name": partner.name, "country": "NG", "languages": "",
              "currency": "NGN", "contact_name": "", "contact_email": "", "contact_phone": "", "status": "active"}
    response = save(client, auth, f"/admin/organisations/{partner.id}", fields)
    assert response.status_code == 200
    assert error_at(response.get_data(as_text=True), "kind") == message
    db.expire_all()
    assert db.get(Organisation, partner.id).kind == "partner"
    assert db.get(Case, case.id).partner_id == partner.id
    # Its other values can still change.
    response = save(client, auth, f"/admin/organisations/{partner.id}", dict(fields, kind="partner",
                                                                             contact_phone="+234 1"))
    assert response.status_code == 302

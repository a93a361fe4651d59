"""Loading a partner registry with an invalid file, and the kind of a partner that
cases refer to."""

from __future__ import annotations

import pytest
from sqlmodel import select

from admin_edit import error_at, save, text_of
from reintegration.models import AuditEvent, Case, Organisation

GOOD = 'name = "Good Partner"\ncountry = "GH"\ncurrency = "GHS"\ntimezone = "Africa/Accra"\nstatus = "active"\n'
BAD = 'name = "X"\ncountry = "ng"\ncurrency = "NGN"\nstatus = "active"\n'


@pytest.mark.parametrize("locale, message", [
    ("en", "The partner registry is not loaded, and nothing is changed: the file bad.toml has an error at "
           "country (not valid: 'ng'). Correct the file and load the registry again."),
    ("da", "Partnerregistret er ikke indlæst, og intet er ændret: filen bad.toml har en fejl ved country "
           "(ugyldig: 'ng'). Ret filen, og indlæs registret igen."),
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


@pytest.mark.parametrize("locale, message", [
    ("en", "the file long.toml has an error at contact.phone (longer than 50 characters)"),
    ("da", "filen long.toml har en fejl ved contact.phone (længere end 50 tegn)"),
])
def test_a_value_too_long_is_named_on_the_page_in_the_readers_language(app, client, auth, tmp_path, locale,
                                                                        message):
    (tmp_path / "long.toml").write_text(GOOD + '[contact]\nphone = "' + "1" * 51 + '"\n')
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin", locale=locale)
    page = auth.post("/admin/organisations/registry", follow_redirects=True).get_data(as_text=True)
    assert message in text_of(page)


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
              "currency": "NGN", "timezone": "Africa/Lagos", "contact_name": "", "contact_email": "", "contact_phone": "", "status": "active"}
    response = save(client, auth, f"/admin/organisations/{partner.id}", fields)
    assert response.status_code == 422
    assert error_at(response.get_data(as_text=True), "kind") == message
    db.expire_all()
    assert db.get(Organisation, partner.id).kind == "partner"
    assert db.get(Case, case.id).partner_id == partner.id
    # Its other values can still change.
    response = save(client, auth, f"/admin/organisations/{partner.id}", dict(fields, kind="partner",
                                                                             contact_phone="+234 1"))
    assert response.status_code == 302


@pytest.mark.parametrize("extra, key, reason", [
    ('name = "' + "N" * 201 + '"\n', "name", "longer than 200 characters"),
    ('[contact]\nphone = "' + "1" * 51 + '"\n', "contact.phone", "longer than 50 characters"),
    ('[contact]\nemail = 45\n', "contact.email", "not text"),
])
def test_a_value_the_database_could_not_store_is_named(tmp_path, extra, key, reason):
    """Refused by the reader, with the file and key, not by PostgreSQL (a value too long
    for its column) or by a save whose error names nothing."""
    from reintegration.partners import RegistryError, read_registry
    body = GOOD.replace('name = "Good Partner"\n', "") if key == "name" else GOOD
    (tmp_path / "long.toml").write_text(extra + body if key == "name" else body + extra)
    with pytest.raises(RegistryError) as refused:
        read_registry(tmp_path)
    assert (refused.value.path.name, refused.value.key, refused.value.reason) == ("long.toml", key, reason)


def test_a_value_at_its_column_limit_is_loaded(tmp_path):
    from reintegration.partners import read_registry
    (tmp_path / "edge.toml").write_text(GOOD.replace("Good Partner", "N" * 200)
                                        + '[contact]\nphone = "' + "1" * 50 + '"\n')
    (entry,) = read_registry(tmp_path)
    assert len(entry.name) == 200 and len(entry.contact_phone) == 50


def test_a_file_name_longer_than_a_code_is_named(tmp_path):
    from reintegration.partners import RegistryError, read_registry
    (tmp_path / ("p" * 65 + ".toml")).write_text(GOOD)
    with pytest.raises(RegistryError) as refused:
        read_registry(tmp_path)
    assert (refused.value.key, refused.value.reason) == ("(file name)", "longer than 64 characters")


INACTIVE_FILE = GOOD.replace('status = "active"', 'status = "inactive"')


@pytest.mark.parametrize("locale, message", [
    ("en", "Good Partner is now inactive, and its users cannot sign in. It follows 1 open case: ask its caseworker "
           "to move it to another partner."),
    ("da", "Good Partner er nu inaktiv, og dens brugere kan ikke logge ind. Den følger 1 åben sag: bed "
           "sagsbehandleren om at flytte den til en anden partner."),
])
def test_a_registry_load_that_sets_a_partner_inactive_names_its_open_cases(app, client, auth, db, make_org,
                                                                           make_case, tmp_path, locale, message):
    """As saving the organisation form does: its officers can no longer sign in, so the
    open cases it follows get no reports or payments until they move to another partner."""
    partner = make_org("partner", code="good", country="GH", status="active")
    make_case(partner=partner)
    make_case(partner=partner, status="closed")
    (tmp_path / "good.toml").write_text(INACTIVE_FILE)
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin", locale=locale)
    page = text_of(auth.post("/admin/organisations/registry", follow_redirects=True).get_data(as_text=True))
    assert message in page
    db.expire_all()
    assert db.get(Organisation, partner.id).status == "inactive"


def test_a_registry_load_warns_only_of_a_partner_it_set_inactive_with_open_cases(app, client, auth, make_org,
                                                                                 make_case, tmp_path):
    already = make_org("partner", code="already", country="GH", status="inactive")
    make_case(partner=already)
    idle = make_org("partner", code="idle", country="GH", status="active")
    make_case(partner=idle, status="closed")
    for code in ("already", "idle"):
        (tmp_path / f"{code}.toml").write_text(INACTIVE_FILE)
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin")
    page = text_of(auth.post("/admin/organisations/registry", follow_redirects=True).get_data(as_text=True))
    assert "The partner registry is loaded" in page and "is now inactive" not in page


def test_the_registry_command_warns_of_a_partner_it_set_inactive_with_open_cases(app, runner, make_org, make_case,
                                                                                 tmp_path):
    partner = make_org("partner", code="good", country="GH", status="active")
    make_case(partner=partner)
    make_case(partner=partner)
    (tmp_path / "good.toml").write_text(INACTIVE_FILE)
    app.config["PARTNERS_DIR"] = str(tmp_path)
    result = runner.invoke(args=["partners", "load"])
    assert result.exit_code == 0
    assert "Partners: 0 created, 1 updated." in result.stdout
    assert "Warning: Good Partner (good) is now inactive and follows 2 open case(s)" in result.stderr

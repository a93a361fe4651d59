"""A partner's time zone (``timezone``, an IANA name such as Africa/Lagos): required in
its registry file and checked when the registry is read, loaded into the organisation,
and edited (and checked) on the organisation form, whose conflicts see it too."""

from __future__ import annotations

import pytest
from sqlmodel import select

from admin_edit import FINGERPRINT_RE, browser_as, error_at, opened, partner_form, save, text_of
from reintegration.models import Organisation
from reintegration.partners import RegistryError, load_registry, read_registry

FILE = 'name = "Accra Home"\ncountry = "GH"\ncurrency = "GHS"\nstatus = "active"\n'


@pytest.mark.parametrize("line, reason", [
    ("", "missing or not text"),
    ('timezone = ""\n', "missing or not text"),
    ("timezone = 1\n", "missing or not text"),
    ('timezone = "Accra"\n', "not a time zone name (such as Africa/Lagos): 'Accra'"),
    ('timezone = "africa/accra"\n', "not a time zone name (such as Africa/Lagos): 'africa/accra'"),
    ('timezone = "../etc/passwd"\n', "not a time zone name (such as Africa/Lagos): '../etc/passwd'"),
])
def test_a_partner_file_without_a_known_time_zone_is_refused_naming_file_and_key(tmp_path, line, reason):
    (tmp_path / "gh-accra-home.toml").write_text(line + FILE)
    with pytest.raises(RegistryError) as refused:
        read_registry(tmp_path)
    assert (refused.value.path.name, refused.value.key, refused.value.reason) == ("gh-accra-home.toml", "timezone",
                                                                                   reason)
    assert "gh-accra-home.toml: timezone:" in str(refused.value)


def test_loading_the_registry_sets_and_updates_the_time_zone(db, tmp_path):
    (tmp_path / "gh-accra-home.toml").write_text('timezone = "Africa/Accra"\n' + FILE)
    assert load_registry(db, tmp_path) == (1, 0)
    org = db.exec(select(Organisation).where(Organisation.code == "gh-accra-home")).one()
    assert org.timezone == "Africa/Accra"
    (tmp_path / "gh-accra-home.toml").write_text('timezone = "Africa/Lagos"\n' + FILE)
    assert load_registry(db, tmp_path) == (0, 1)
    db.refresh(org)
    assert org.timezone == "Africa/Lagos"


@pytest.mark.parametrize("locale, message", [
    ("en", "the file gh-accra-home.toml has an error at timezone (not a time zone name (such as Africa/Lagos): "
           "'West Africa'). Correct the file and load the registry again."),
    ("da", "filen gh-accra-home.toml har en fejl ved timezone (ikke navnet på en tidszone (som Africa/Lagos): "
           "'West Africa'). Ret filen, og indlæs registret igen."),
])
def test_a_bad_time_zone_in_the_registry_is_named_on_the_page(app, auth, db, tmp_path, locale, message):
    (tmp_path / "gh-accra-home.toml").write_text('timezone = "West Africa"\n' + FILE)
    app.config["PARTNERS_DIR"] = str(tmp_path)
    auth.login("admin", locale=locale)
    page = auth.post("/admin/organisations/registry", follow_redirects=True).get_data(as_text=True)
    assert message in text_of(page)
    assert db.exec(select(Organisation).where(Organisation.code == "gh-accra-home")).first() is None


def test_the_time_zone_is_edited_on_the_organisation_form(client, auth, db, make_org):
    org = make_org("partner", country="NG", status="active", timezone="Africa/Lagos")
    auth.login("admin")
    url = f"/admin/organisations/{org.id}"
    assert 'value="Africa/Lagos"' in client.get(url).get_data(as_text=True)
    assert save(client, auth, url, partner_form(org, timezone=" Africa/Casablanca ")).status_code == 302
    db.refresh(org)
    assert org.timezone == "Africa/Casablanca"


@pytest.mark.parametrize("locale, typed, message", [
    ("en", "Lagos", "This is not a time zone name. Use a name such as Africa/Lagos or Asia/Bangkok, with capital "
                    "letters as written there."),
    ("da", "africa/lagos", "Det er ikke navnet på en tidszone. Brug et navn som Africa/Lagos eller Asia/Bangkok, "
                           "med store bogstaver som der."),
    ("en", "", "Enter the partner's time zone, e.g. Africa/Lagos."),
    ("da", " ", "Angiv partnerens tidszone, fx Africa/Lagos."),
    ("en", "A" * 65, "At most 64 characters."),
])
def test_a_partner_time_zone_that_is_missing_or_unknown_is_refused(client, auth, db, make_org, locale, typed,
                                                                   message):
    org = make_org("partner", country="NG", status="active", timezone="Africa/Lagos")
    auth.login("admin", locale=locale)
    response = save(client, auth, f"/admin/organisations/{org.id}", partner_form(org, timezone=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_at(page, "timezone") == message
    assert f'value="{typed}"' in page  # what was typed is kept
    db.refresh(org)
    assert org.timezone == "Africa/Lagos"


def test_an_organisation_that_is_not_a_partner_needs_no_time_zone(client, auth, db, make_org):
    org = make_org("drc", status="active")
    auth.login("admin")
    fields = partner_form(org, kind="drc", country="", currency="", timezone="")
    assert save(client, auth, f"/admin/organisations/{org.id}", fields).status_code == 302
    db.refresh(org)
    assert org.timezone is None


def test_a_time_zone_saved_meanwhile_is_a_conflict(app, auth, db, make_user, make_org):
    first, first_auth = browser_as(app, auth, make_user("admin"))
    second, second_auth = browser_as(app, auth, make_user("admin"))
    org = make_org("partner", country="NG", status="active", timezone="Africa/Lagos")
    url = f"/admin/organisations/{org.id}"
    seen_by_first, seen_by_second = opened(first, url), opened(second, url)
    assert first_auth.post(url, partner_form(org, timezone="Africa/Abidjan",
                                             fingerprint=seen_by_first)).status_code == 302

    response = second_auth.post(url, partner_form(org, contact_phone="+234 1", fingerprint=seen_by_second))

    assert response.status_code == 409
    words = text_of(response.get_data(as_text=True))
    assert "Time zone Africa/Abidjan" in words  # the saved values, the zone among them
    db.expire_all()
    assert (db.get(Organisation, org.id).timezone, db.get(Organisation, org.id).contact_phone) == (
        "Africa/Abidjan", None)
    assert FINGERPRINT_RE.search(response.get_data(as_text=True)).group(1) != seen_by_second

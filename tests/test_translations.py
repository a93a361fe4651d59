"""Every user-facing string is translatable and has a Danish translation."""

from babel.messages.pofile import read_po

from reintegration.i18n_catalogs import extract, sources_by_catalog


def test_every_message_has_a_danish_translation():
    missing = []
    for directory, paths in sources_by_catalog().items():
        po = directory / "da" / "LC_MESSAGES" / "messages.po"
        assert po.exists(), f"{po} is missing: run `make extract` and translate"
        with po.open("rb") as f:
            catalog = read_po(f, locale="da")
        for message in extract(paths):
            if not message.id:
                continue
            entry = catalog.get(message.id, context=message.context)
            strings = entry.string if entry else None
            if not entry or not (all(strings) if isinstance(strings, tuple) else strings) or entry.fuzzy:
                missing.append(f"{po.parent.parent.parent.relative_to(po.parents[4])}: {message.id!r}")
    assert not missing, "untranslated (run `make extract`, then translate):\n" + "\n".join(missing)


def test_danish_is_the_default_and_english_is_chosen_per_user(client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="da"' in page and "Log ind" in page
    auth.login("caseworker", locale="en")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="en"' in page and "Sign out" in page


def test_the_catalog_kept_for_a_request_follows_a_change_of_language(app):
    """The request keeps the catalog it found first (``extensions.RequestDomain``);
    ``force_locale`` (exports in the reader's language) and ``refresh`` still switch it,
    in views and in templates alike."""
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext, refresh

    def both():
        return gettext("Case reference"), render_template_string('{{ _("Case reference") }}')

    with app.test_request_context("/"):
        assert both() == ("Sagsnummer", "Sagsnummer")
        with force_locale("en"):
            assert both() == ("Case reference", "Case reference")
        assert both() == ("Sagsnummer", "Sagsnummer")
        session["lang"] = "en"
        assert both() == ("Sagsnummer", "Sagsnummer")  # the request's locale is chosen once
        refresh()
        assert both() == ("Case reference", "Case reference")

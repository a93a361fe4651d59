"""Every user-facing string is translatable and has a Danish translation."""

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_message_in_several_catalogs_has_one_danish_translation():
    """Flask-Babel merges the catalogs into one, the last loaded winning
    (``i18n.translation_directories``): a message translated differently in two catalogs
    shows only one of them everywhere, and the other is a dead translation that a
    translator would correct to no effect. The same words say the same thing on every
    page (a menu item and the page it opens, a status in two lists)."""
    from reintegration.i18n import translation_directories

    seen: dict[tuple, dict[str, object]] = {}
    for directory in translation_directories():
        with (Path(directory) / "da" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            for message in read_po(f, locale="da"):
                if message.id and message.string:
                    key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
                    seen.setdefault(key, {})[Path(directory).parent.name] = message.string
    differing = {key[0]: found for key, found in seen.items() if len({str(s) for s in found.values()}) > 1}
    assert not differing, differing


def _glossary_rejects() -> dict[str, str]:
    """The words in the Avoid column of ``translations/GLOSSARY.md``, each with the
    English concept whose Danish word replaces it."""
    from reintegration.i18n import translation_directories

    glossary = Path(translation_directories()[0]) / "GLOSSARY.md"
    rejects = {}
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("English", "---"):
            for word in re.findall(r"`([^`]+)`", cells[2]):
                rejects[word.lower()] = f"{cells[0]} -> {cells[1]}"
    return rejects


def test_the_glossary_rejects_the_words_a_glossary_entry_replaced():
    rejects = _glossary_rejects()
    assert {"takst", "taksttabel", "referencedato", "risikoadvarsel", "afgørelse"} <= set(rejects)
    assert not {word for word in rejects if any(word in good for good in ("satstabel", "skæringsdato",
                                                                          "risikovarsel", "udbetaling"))}


def test_danish_translations_use_the_glossary_words():
    """One Danish word per concept (``translations/GLOSSARY.md``): a caseworker who reads
    "sats" on one page and "takst" on the next would rightly ask whether they differ."""
    from reintegration.i18n import translation_directories

    rejects = _glossary_rejects()
    found = []
    for directory in translation_directories():
        with (Path(directory) / "da" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            for message in read_po(f, locale="da"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    for word in rejects:
                        if word in (text or "").lower():
                            msgid = message.id if isinstance(message.id, str) else message.id[0]
                            found.append(f"{Path(directory).parent.name}: {msgid!r} has {word!r} "
                                         f"(glossary: {rejects[word]})")
    assert not found, "\n".join(found)


def test_danish_is_the_default_and_english_is_chosen_per_user(client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="da"' in page and "Log ind" in page
    auth.login("caseworker", locale="en")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="en"' in page and "Sign out" in page


def test_the_catalog_kept_for_a_request_follows_a_change_of_language(app):
    """The request keeps the catalog it found first (``extensions.RequestDomain``) and
    the application's ``gettext``/``ngettext``/``lazy_gettext`` (``i18n``) and the
    templates' read it from there; ``force_locale`` (exports in the reader's language)
    and ``refresh`` still switch it, for Flask-Babel's functions, ours and templates alike;
    so does the language read from Flask-Babel's slot (``i18n.language``)."""
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext as babel_gettext, refresh

    from reintegration.i18n import gettext, language, lazy_gettext, ngettext

    def every():
        lazy = lazy_gettext("Case reference")
        return (babel_gettext("Case reference"), gettext("Case reference"), str(lazy),
                render_template_string('{{ _("Case reference") }}'),
                ngettext("%(num)d case", "%(num)d cases", 2),
                render_template_string('{{ ngettext("%(num)d case", "%(num)d cases", 1) }}'),
                language(), render_template_string("{{ current_language() }}"))

    danish = ("Sagsnummer",) * 4 + ("2 sager", "1 sag", "da", "da")
    english = ("Case reference",) * 4 + ("2 cases", "1 case", "en", "en")
    with app.test_request_context("/"):
        assert every() == danish
        with force_locale("en"):
            assert every() == english
        assert every() == danish
        session["lang"] = "en"
        assert every() == danish  # the request's locale is chosen once
        refresh()
        assert every() == english


def test_translating_outside_a_request_and_with_values(app):
    """As Flask-Babel: the source text outside an application, ``%(name)s`` filled in,
    and a template's text marked safe only where the catalog's is (values escaped)."""
    from flask import render_template_string

    from reintegration.i18n import gettext, lazy_gettext

    assert gettext("Case reference") == "Case reference"
    assert gettext("(%(days)d days)", days=3) == "(3 days)"
    label = lazy_gettext("Case reference")
    with app.test_request_context("/"):
        assert str(label) == "Sagsnummer"
        assert gettext("(%(days)d days)", days=3) == "(3 dage)"
        shown = render_template_string('{{ _("%(country)s (no active partner)", country=name) }}', name="<b>X</b>")
        assert shown == "&lt;b&gt;X&lt;/b&gt; (ingen aktiv partner)"


_TEXT = st.text(alphabet="ab <>&'\"%()sd", max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.one_of(_TEXT, st.sampled_from(["Case reference", "Case %(reference)s", "100%%", "50%",
                                                 "%(num)d case", "(%(days)d days)"])),
       values=st.dictionaries(st.sampled_from(["reference", "days", "name"]), st.one_of(_TEXT, st.integers()),
                              max_size=2),
       num=st.integers(min_value=0, max_value=3), autoescape=st.booleans(), lang=st.sampled_from(["da", "en"]))
def test_templates_translate_as_jinjas_i18n_extension_does(app, message, values, num, autoescape, lang):
    """The templates' ``_``, ``gettext`` and ``ngettext`` (``i18n.template_gettext``) give
    what Jinja's own new-style callables give for the same catalog: the same text, the
    same escaping of values (or none without autoescape), ``%%`` read as ``%`` with or
    without values, and the same error for a text that is not a valid format."""
    from flask_babel import force_locale
    from jinja2 import Environment

    from reintegration.i18n import _catalog

    stock = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    stock.install_gettext_callables(gettext=lambda s: _catalog().ugettext(s),
                                    ngettext=lambda s, p, n: _catalog().ungettext(s, p, n), newstyle=True)
    ours = app.jinja_env.overlay(autoescape=autoescape)
    sources = ['{{ _(message, **values) }}', '{{ gettext(message, **values) }}',
               '{{ ngettext(message, message ~ "s", num, **values) }}']

    def outcome(env, source):
        try:
            return env.from_string(source).render(message=message, values=values, num=num)
        except (ValueError, TypeError, KeyError) as error:
            return type(error)

    with app.test_request_context("/"), force_locale(lang):
        for source in sources:
            assert outcome(ours, source) == outcome(stock, source), source


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ore=st.integers(min_value=-10**13, max_value=10**13), places=st.sampled_from([0, 1, 2, 3]))
def test_amounts_are_shown_as_babel_formats_them_in_both_languages(app, ore, places):
    """format_dkk keeps each formatted text per process (i18n._dkk); what it shows is
    what Babel makes of that very amount, every time, in Danish and in English."""
    from babel.numbers import format_currency
    from flask_babel import force_locale

    from reintegration.i18n import format_dkk

    value = Decimal(ore).scaleb(-places)
    with app.test_request_context("/"):
        for lang, expected in (
                ("da", format_currency(value, "DKK", locale="da_DK")),
                ("en", format_currency(value, "DKK", format="¤¤\xa0#,##0.00", currency_digits=False, locale="en"))):
            with force_locale(lang):
                assert format_dkk(value) == expected and format_dkk(value) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(), moment=st.datetimes(timezones=st.just(timezone.utc)))
def test_dates_are_shown_as_flask_babel_formats_them_in_both_languages(app, day, moment):
    """format_day keeps each formatted date per process (i18n._day); it shows what
    Flask-Babel's format_date shows, and a moment by its day in Denmark (by zoneinfo:
    Flask-Babel's pytz knows no summer time after 2037)."""
    from zoneinfo import ZoneInfo

    from flask_babel import force_locale, format_date

    from reintegration.i18n import format_day

    with app.test_request_context("/"):
        for lang in ("da", "en"):
            with force_locale(lang):
                assert format_day(day) == format_day(day) == format_date(day, "medium")
                danish_day = moment.astimezone(ZoneInfo("Europe/Copenhagen")).date()
                assert format_day(moment) == format_date(danish_day, "medium")


def test_dates_in_danish_and_english(app):
    from flask_babel import force_locale

    from reintegration.i18n import format_day

    with app.test_request_context("/"):
        with force_locale("da"):
            assert format_day(date(2026, 11, 29)) == "29. nov. 2026"
        with force_locale("en"):
            assert format_day(date(2026, 11, 29)) == "Nov 29, 2026"
            # 23:30 UTC is the next day in Copenhagen
            assert format_day(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == "Jul 1, 2026"
        assert format_day(None) == ""


def test_amounts_in_danish_and_english(app):
    from flask_babel import force_locale

    from reintegration.i18n import format_dkk

    amounts = (Decimal("12500.50"), Decimal("40000.00"), Decimal("40000.01"), Decimal("-0.00"), Decimal("0"), None)
    shown = {}
    with app.test_request_context("/"):
        for lang in ("da", "en"):
            with force_locale(lang):
                shown[lang] = [format_dkk(v) for v in amounts]
    assert shown["da"] == ["12.500,50\xa0kr.", "40.000,00\xa0kr.", "40.000,01\xa0kr.", "-0,00\xa0kr.", "0,00\xa0kr.", ""]
    assert shown["en"] == ["DKK\xa012,500.50", "DKK\xa040,000.00", "DKK\xa040,000.01", "-DKK\xa00.00", "DKK\xa00.00", ""]

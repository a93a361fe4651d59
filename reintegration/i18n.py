"""Languages, and money and dates in the user's locale.

Danish is the default; English is complete and chosen per user (or, before sign-in and
after the session, per browser: see ``select_locale``). Amounts are typed as ``12.500,50``
in Danish and ``12,500.50`` in English and shown as ``12.500,50 kr.`` / ``DKK 12,500.50``.
Each area keeps its own message catalog in ``<area>/translations``; Flask-Babel merges them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.dates import get_timezone_location
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal
from babel.support import NullTranslations
from flask import Flask, after_this_request, current_app, g, has_app_context, request, session
from flask_babel import format_datetime, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from .config import Defaults
from .extensions import babel

PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    dirs = [PACKAGE_DIR / "translations", *sorted(PACKAGE_DIR.glob("*/translations"))]
    return [str(d) for d in dirs if d.is_dir()]


# The language chosen (or the user's, at sign-in), in a cookie of its own that outlives
# the session: the page that says a session has ended, the sign-in page after it, and a
# form refused because the session ended are in the language the user was reading.
# It holds "da" or "en" and nothing else.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = timedelta(days=365)


def select_locale() -> str:
    """The signed-in user's language; else the one chosen in this session; else the one
    kept in the language cookie; else the browser's preference (Accept-Language) among
    ours; else Danish."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    for lang in (session.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if lang in languages:
            return lang
    # By the browser's order of preference and the language alone ("da-DK" is Danish):
    # Werkzeug's best_match would take a lesser exact "en" over a first "da-DK".
    for tag, _quality in request.accept_languages:
        lang = tag.replace("_", "-").split("-")[0].lower()
        if lang in languages:
            return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language(lang: str) -> None:
    """Use ``lang`` for the rest of this session, and keep it in the language cookie for
    after it (set on this request's response)."""
    session["lang"] = lang

    @after_this_request
    def _keep(response):
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_MAX_AGE,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
        return response


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel installed Jinja's i18n extension with new-style callables; ours take the
    # place of its `_`, `gettext` and `ngettext` (see ``template_gettext``): the same
    # catalog, found faster. `{% trans %}` calls them too.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.jinja_env.filters["dkk"] = format_dkk
    app.jinja_env.filters["amount"] = format_amount
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["datetime"] = format_when
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["current_language"] = language


# --- translating ---------------------------------------------------------------------
# ``gettext``, ``ngettext`` and ``lazy_gettext`` behave as Flask-Babel's (same catalog,
# same ``%(name)s`` formatting) and are what the application imports. Flask-Babel's own
# look the locale's domain and catalog up again for each string, through some ten
# context-local proxies; a page translates 50-100 strings, and that look-up was a tenth
# of a page's function calls (issue #8). Here the domain is ours and its catalog is read
# from the slot Flask-Babel keeps for it on the request (``extensions.RequestDomain``;
# ``flask_babel.refresh()`` and ``force_locale()`` empty or swap it, so a change of
# language within a request is still honoured).


def _catalog():
    if not has_app_context():  # as Flask-Babel: untranslated outside an application
        return NullTranslations()
    return babel.domain_instance.get_translations()


def gettext(string: str, **variables) -> str:
    translated = _catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _catalog().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def pgettext(context: str, string: str, **variables) -> str:
    """``string`` as said in ``context``: one English word that Danish says two ways
    (a report's state "Due", "Skal sendes", beside the column of due dates, "Frist")."""
    translated = _catalog().upgettext(context, string)
    return translated % variables if variables else translated


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


# Templates: what Jinja's i18n extension does with new-style callables (translate; mark the
# text safe where the template autoescapes, so the values are escaped; format with
# ``%`` always, so ``%%`` reads ``%`` with or without values), in one function. The
# extension's ``_`` looks ``gettext`` up in the template's context and calls it through
# the context, and that calls the catalog's through the context again: some 47 Python
# calls a string, against about 20 here, and a case page translates 30 (issue #8).
# ``test_translations`` holds both to the extension's output.


@pass_eval_context
def template_gettext(eval_ctx, string: str, /, **variables) -> str:
    translated = _catalog().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables if variables or "%" in translated else translated


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    translated = _catalog().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def language() -> str:
    """The request's language code (``da`` or ``en``), as ``str(get_locale())``.

    Read from Flask-Babel's slot for it once it is chosen: ``get_locale`` finds the slot
    again through several context-local proxies, and a page asks for the language for
    every amount, date and country it shows. ``force_locale`` and ``refresh`` change
    or empty the slot, so they are honoured."""
    try:
        found = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):  # not chosen yet in this request, or no request
        found = None
    return str(found or get_locale() or "da")


def format_dkk(value: Decimal | None) -> str:
    """``12.500,50 kr.`` in Danish, ``DKK 12,500.50`` in English."""
    if value is None:
        return ""
    return _dkk(language(), str(value))


@lru_cache(maxsize=8192)
def _dkk(lang: str, value: str) -> str:
    # Babel looks the locale, the pattern and the currency's names up again for every
    # amount: a third of the approval queue's time (issue #8). Amounts repeat (the
    # rates, round sums), so each distinct text is formatted once per process. Keyed by
    # the text, not the Decimal: Decimal("-0") equals Decimal("0") but is shown signed.
    if lang == "en":
        return format_currency(Decimal(value), "DKK", format="¤¤\xa0#,##0.00", currency_digits=False, locale="en")
    return format_currency(Decimal(value), "DKK", locale="da_DK")


def format_amount(value: Decimal | None, decimals: int = 2) -> str:
    """An amount without currency, as typed back into a form field."""
    if value is None:
        return ""
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=language(), decimal_quantization=False)


RATE_DECIMALS = 6  # as the plan form takes an exchange rate (plans.forms)


def format_rate(value: Decimal | str | None) -> str:
    """An exchange rate in the reader's language (``0,0045`` / ``0.0045``): the digits it
    has, up to six decimals, without the zeros a stored value may carry (``0.190000``)."""
    if value is None or value == "":
        return ""
    value = Decimal(value).quantize(Decimal(1).scaleb(-RATE_DECIMALS), rounding=ROUND_HALF_UP).normalize()
    return format_amount(value, decimals=max(0, -value.as_tuple().exponent))


def local_zone() -> ZoneInfo:
    """Where the application's users are: ``BABEL_DEFAULT_TIMEZONE``, Danish time (the
    default's, outside an application: a retention run in a session of its own)."""
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else Defaults.BABEL_DEFAULT_TIMEZONE
    return ZoneInfo(zone)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone zoneinfo knows ("Africa/Lagos"), exactly as
    written (not "africa/lagos", which a case-blind file system might still open)."""
    return name in _time_zones()


def local_today() -> date:
    """Today where the application's users are (``BABEL_DEFAULT_TIMEZONE``, Danish time),
    not on the server's clock: from midnight to 01:00 (02:00 in summer) Danish time a
    server on UTC is still on the day before, and a payment, contact or return dated
    today read as "in the future". Outside an application, the machine's own date."""
    if not has_app_context():
        return date.today()
    return datetime.now(local_zone()).date()


# Moments are stored in UTC; people read them in Danish time. An alert opened at 00:30 on
# 2 March in Copenhagen is 23:30 on 1 March in UTC, and ``moment.date()`` says 1 March.


def local_time(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A stored moment in Danish time (``local_zone``), or in ``zone``. A naive moment is
    UTC: SQLite hands back what a query computes (``min``, ``max``) without its zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone or local_zone())


def local_day(moment: datetime, zone: ZoneInfo | None = None) -> date:
    """The day a stored moment falls on in Denmark (not ``moment.date()``, its UTC day),
    or in ``zone`` (a partner's, :func:`zone_or_utc`)."""
    return local_time(moment, zone).date()


def local_midnight(day: date) -> datetime:
    """The moment (aware, UTC) the Danish ``day`` begins: the bound of "on or after
    ``day``" for a stored moment."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(timezone.utc)


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Whole Danish days, ``first`` to ``last`` inclusive (a plan approved at 00:30 on
    1 December in Copenhagen was approved on 1 December), as UTC moments: the start, and
    the end as an exclusive bound. The first and last days a date can hold stand for no
    bound at all."""

    def midnight(day: date, otherwise: datetime) -> datetime:
        try:
            return local_midnight(day)
        except OverflowError:  # date.min or date.max, a day away from what datetime holds
            return otherwise

    lowest, highest = datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc)
    start = lowest if first == date.min else midnight(first, lowest)
    end = highest if last == date.max else midnight(last + timedelta(days=1), highest)
    return start, end


def format_moment_in(moment: datetime, zone: str | None) -> dict[str, str]:
    """A stored moment as someone abroad reads it (a partner officer in Lagos): its
    ``day`` and ``time`` (24 hours: 14:05, Danish 14.05) in their IANA ``zone``, in the
    reader's language, and the ``zone`` named as Babel names it ("Nigeria Time", Danish
    "Nigeria-tid"), for "on %(day)s at %(time)s (%(zone)s)". Without a zone (a partner not in the registry
    since it gained one), the UTC day and time, labelled UTC."""
    lang = language()
    where = zone_or_utc(zone)
    return {**_day_and_time(lang, local_time(moment, where)),
            "zone": "UTC" if _is_utc(where.key) else get_timezone_location(where, locale=lang)}


def _day_and_time(lang: str, local: datetime) -> dict[str, str]:
    """A moment already in its reader's zone as its ``day`` (as every page gives a day) and
    its ``time`` (24 hours: 14:05, Danish 14.05), for "%(day)s, %(time)s"."""
    return {"day": _day(lang, local.date()), "time": format_skeleton("Hm", local, locale=lang)}


def zone_or_utc(zone: str | None) -> ZoneInfo:
    """Where someone abroad reads moments (:func:`format_moment_in`): their IANA ``zone``
    (a partner's ``Organisation.timezone``), or UTC without one zoneinfo knows."""
    return ZoneInfo(zone if zone and is_time_zone(zone) else "UTC")


# Pages that partner officers share with Danish staff (a plan, its comments, a submitted
# report) say when something happened for whoever reads them: Danish staff in Danish time,
# as they always have; a partner officer in Lagos or Bangkok in their own time, named.
# Who reads in which zone is the signed-in user's business (``access.reader_time_zone``),
# handed in as ``zone``: None for Danish time.


def format_when(moment: datetime | None) -> str:
    """A stored moment, date and time, in Danish time, as Danish staff read it: in Danish
    Babel's short format ("01.03.2026 18.30"); in English the day as every English page
    gives it and a 24-hour time ("Mar 1, 2026, 18:30"). English's own short format,
    "3/1/26, 6:30 PM", reads as 3 January to anyone outside the United States, beside
    "Opened Mar 1, 2026" on the same line. Templates say it with the ``datetime`` filter."""
    if moment is None:
        return ""
    lang = language()
    if lang == "da":
        return format_datetime(moment, "short")
    return "{day}, {time}".format(**_day_and_time(lang, local_time(moment)))


def format_moment(moment: datetime | None, zone: ZoneInfo | None) -> str:
    """A stored moment, its date and time, as its reader reads it, for "at %(time)s" and
    the like: in Danish time (``zone`` None, Danish staff), unlabelled
    (:func:`format_when`); in a partner officer's ``zone``, named as the partner portal
    names it ("Mar 2, 2026, 00:30 (Nigeria Time)", :func:`format_moment_in`)."""
    if moment is None:
        return ""
    if zone is None:
        return format_when(moment)
    return gettext("%(day)s, %(time)s (%(zone)s)", **format_moment_in(moment, zone.key))


def format_moment_day(moment: datetime | None, zone: ZoneInfo | None) -> str:
    """The day a stored moment fell on for its reader: the Danish day (``zone`` None, as
    :func:`format_day`), or the day in a partner officer's ``zone`` (as the portal gives
    the day a case was closed)."""
    if moment is None:
        return ""
    return _day(language(), local_day(moment, zone))


def _is_utc(zone: str) -> bool:
    # Babel names no place for UTC ("Unknown Region (UTC) Time"): it is said as UTC.
    return zone.removeprefix("Etc/") in ("UTC", "UCT", "Universal", "Zulu")


def format_day(value: date | None) -> str:
    """A day in the reader's language; a stored moment (a ``datetime``) by its Danish day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_day(value)
    return _day(language(), value)


@lru_cache(maxsize=8192)
def _day(lang: str, value: date) -> str:
    # What Flask-Babel's format_date does for a date (no time zone to apply), formatted
    # once per process: Babel parses the pattern and looks the locale up on every call,
    # and a case page shows half a dozen dates (issue #8).
    return babel_format_date(value, "medium", locale=lang)


class AmountError(ValueError):
    """The text is not an amount in the user's language."""


_AMOUNT_CHARACTERS = re.compile(r"[+\-\u2212]?(?=[0-9.,]*[0-9])[0-9.,]+")


def parse_amount(text: str, locale: str | None = None) -> Decimal:
    """Parse ``12.500,50`` (Danish) or ``12,500.50`` (English) into a Decimal.

    Strict: misplaced group separators are refused rather than guessed at, so a
    Danish ``12.50`` is never read as 1250."""
    text = (text or "").strip().replace("\xa0", "").replace(" ", "")
    for suffix in ("kr.", "kr", "DKK"):
        text = text.removesuffix(suffix).removeprefix(suffix).strip()
    if not text:
        raise AmountError("empty")
    if not _AMOUNT_CHARACTERS.fullmatch(text):
        # Digits and separators only: Decimal, under Babel, would also read "1e5" as
        # 100000 and "1_000" as 1000, a typo turned into money.
        raise AmountError("not an amount")
    try:
        value = parse_decimal(text, locale=locale or language(), strict=True)
    except (NumberFormatError, InvalidOperation, ValueError) as exc:
        raise AmountError(str(exc)) from exc
    if not value.is_finite():
        raise AmountError("not finite")
    return value

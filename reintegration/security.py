"""Sessions, users and response headers.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind HTTPS) that expire
after ``PERMANENT_SESSION_LIFETIME`` without a request and end at sign-out; each holds
the user's ``session_token``, so changing it ends every session of that user.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam
from sqlmodel import select
from werkzeug.exceptions import BadRequest

from . import access
from .db import get_session
from .extensions import login_manager
from .i18n import lazy_gettext as _l
from .models import Organisation, User
from .models.organisations import INACTIVE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# The design system's and the app's own files: the same for everyone, no case data.
CACHEABLE_ENDPOINTS = frozenset(("static", "core.vendor"))


def serves_own_file() -> bool:
    """Whether this request asks for one of the design system's or the app's own files."""
    endpoint = request.endpoint or ""
    return endpoint in CACHEABLE_ENDPOINTS or endpoint.endswith(".static")


class PageSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but the files a page loads after it (styles, scripts,
    fonts) do not renew the session: its inactivity time counts from the page's own request,
    as the timeout warning on the page (static/js/session.js) counts it, and a font that
    arrives seconds later on a slow line does not move the end unseen."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        return not serves_own_file() and super().should_set_cookie(app, session)


class UnusableInput(BadRequest):
    """A value the request carries cannot be stored (a NUL byte, a number out of range)
    and no form check caught it first: the database refused it (``web._unstorable``)."""

    description = _l("Something you sent contains a character or value that cannot be saved, such as an "
                     "invisible NUL character from pasted text. Remove it and try again. Nothing was saved.")


# The signed-in user, read with its organisation's status in the same statement: an
# organisation set inactive (by an administrator or the partner registry) ends its
# users' sessions at their next request.
_SIGNED_IN = (select(User).join(Organisation, Organisation.id == User.organisation_id)
              .where(User.id == bindparam("uid"), Organisation.status != INACTIVE))


def session_timing() -> dict[str, int]:
    """In seconds: how long a session lasts without a request (``lifetime``) and how long
    before its end the timeout warning appears (``warning``, at most the lifetime), for
    ``templates/core/_session_timeout.html`` and the keep-alive."""
    lifetime = int(current_app.permanent_session_lifetime.total_seconds())
    warning = current_app.config["SESSION_WARNING_BEFORE"]
    if isinstance(warning, timedelta):
        warning = warning.total_seconds()
    return {"lifetime": lifetime, "warning": min(int(warning), lifetime)}


def sign_in_key() -> str:
    """Which sign-in a signed-in page belongs to, for ``static/js/session.js``: the user's
    id and a digest of the session's form-token secret, which is new at every sign-in (the
    session is cleared then). When the same user signs in again in another tab, the key
    changes and an open page fetches the new form token (``auth.form_token``), so what was
    typed there can still be sent; another user's id tells it not to. The digest says
    nothing of the secret."""
    generate_csrf()  # the secret, if the page has not made it yet
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return f"{current_user.get_id()}:{hashlib.sha256(str(secret).encode()).hexdigest()[:16]}"


def local_path(target: str | None) -> str | None:
    r"""``target`` when it is a path on this site, else None: the only redirect targets
    taken from a request (``next``), so never an open redirect. Browsers and Werkzeug drop
    tabs and line breaks from a URL and many read a backslash as a slash, so
    ``/\t/evil.example`` or ``/\evil.example`` would lead to another site: refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@login_manager.user_loader
def load_user(user_id: str):
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    row = get_session().exec(_SIGNED_IN, params={"uid": int(ident)}).first()
    if row is None or not row.active or row.session_token != token:
        return None
    return row


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.session_interface = PageSessionInterface()

    @app.before_request
    def _keep_session_alive():
        session.permanent = True  # inactivity timeout, refreshed on each request

    app.before_request(access.enforce_declared_policy)

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not serves_own_file():
            # Case data must not linger in shared, proxy or back-button caches: pages,
            # downloads (plan files, packages, workbooks, receipts) and errors alike.
            h["Cache-Control"] = "private, no-store"
        return response

"""Sessions, users and response headers.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind HTTPS) that expire
after ``PERMANENT_SESSION_LIFETIME`` without a request and end at sign-out; each holds
the user's ``session_token``, so changing it ends every session of that user.
"""

from __future__ import annotations

from flask import Flask, request, session
from werkzeug.exceptions import BadRequest

from . import access
from .db import get_session
from .extensions import login_manager
from .i18n import lazy_gettext as _l
from .models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class UnusableInput(BadRequest):
    """A value the request carries cannot be stored (a NUL byte, a number out of range)
    and no form check caught it first: the database refused it (``web._unstorable``)."""

    description = _l("Something you sent contains a character or value that cannot be saved, such as an "
                     "invisible NUL character from pasted text. Remove it and try again. Nothing was saved.")


@login_manager.user_loader
def load_user(user_id: str):
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    row = get_session().get(User, int(ident))
    if row is None or not row.active or row.session_token != token:
        return None
    return row


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

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
        if "Cache-Control" not in h and response.mimetype == "text/html":
            # Case data must not linger in shared or back-button caches.
            h["Cache-Control"] = "no-store"
        return response

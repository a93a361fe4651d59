"""Sign-in (password, then a second factor where enabled or required), sign-out, and
the user's own two-factor settings.

Between the password and the second factor the user is *not* signed in: the session
only holds a short-lived pending state (user id, session token, time). The second
step is throttled with the same counters as the password step, and answers with the
same message whether the code or the account was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlmodel import select

from ..access import ALL_ROLES, PUBLIC, allow
from ..audit import record
from ..db import get_session
from ..forms import shown_status
from ..i18n import gettext as _, remember_language
from ..models import User
from ..security import local_path, session_timing, sign_in_key
from . import mfa
from .forms import CodeForm, ConfirmCodeForm, LoginForm
from .operations import authenticate, may_sign_in, new_session_token, record_attempt, throttled

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300  # the second step must follow the password within five minutes


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("core.home")


def _ip() -> str:
    return request.remote_addr or "-"


def _pending_user(db) -> User | None:
    """The user who passed the password step in this session, if still fresh."""
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop("mfa_pending", None)
        return None
    user = db.get(User, int(pending.get("uid", 0) or 0))
    if user is None or user.session_token != pending.get("tok") or not may_sign_in(db, user):
        return None
    return user


def _finish_login(db, user: User, next_url: str | None, method: str | None):
    session.clear()
    remember_language(user.locale)
    login_user(user)
    record(db, "auth.login", user=user, detail={"second_factor": method} if method else None)
    db.commit()
    return redirect(_safe_next(next_url))


def _record_login_failed(db, typed: str) -> None:
    """Audit a failed sign-in without the typed text: the trail is permanent, and what was
    typed may be a mistyped password or someone's name. A known account is named by its
    id; an unknown one by a keyed, truncated digest, so repeated tries can be grouped."""
    email = (typed or "").strip().lower()[:254]
    user_id = db.exec(select(User.id).where(User.email == email)).first()
    if user_id is not None:
        record(db, "auth.login_failed", object_type="user", object_id=user_id, detail={"account": "known"})
    else:
        key = str(current_app.config.get("SECRET_KEY") or "").encode()
        digest = hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:16]
        record(db, "auth.login_failed", detail={"account": "unknown", "email_hmac": digest})


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data, form.password.data, _ip())
        if user is None:
            # One message whether or not the account exists.
            form.form_errors.append(_("The e-mail or password is wrong, or the account is locked for a while."))
            _record_login_failed(db, form.email.data)
            db.commit()
        elif user.mfa_enabled or mfa.required_for(user):
            session.clear()
            session["mfa_pending"] = {"uid": user.id, "tok": user.session_token, "at": time.time(),
                                      "next": request.args.get("next")}
            record(db, "auth.password_ok", user=None, object_type="user", object_id=user.id)
            db.commit()
            return redirect(url_for("auth.mfa_verify" if user.mfa_enabled else "auth.mfa_enrol"))
        else:
            return _finish_login(db, user, request.args.get("next"), None)
    return render_template("auth/login.html", form=form), shown_status(form)


@bp.route("/login/code", methods=["GET", "POST"])
@allow(PUBLIC)
def mfa_verify():
    db = get_session()
    user = _pending_user(db)
    if user is None or not user.mfa_enabled:
        flash(_("Sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        method = None if throttled(db, user.email, _ip()) else mfa.verify(db, user, form.code.data)
        record_attempt(db, user.email, _ip(), method is not None)
        if method is None:
            record(db, "auth.mfa_failed", object_type="user", object_id=user.id)
            db.commit()
            form.code.errors.append(_("The code is wrong or has expired, or the account is locked for a while."))
        else:
            next_url = session["mfa_pending"].get("next")
            response = _finish_login(db, user, next_url, method)
            if method == "recovery":
                flash(_("You used a recovery code. %(n)d are left; make new ones under Two-factor authentication.",
                        n=mfa.remaining_recovery_codes(user)), "warning")
            return response
    return render_template("auth/mfa_verify.html", form=form), shown_status(form)


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
@allow(PUBLIC)
def mfa_enrol():
    """Set up an authenticator app: for a signed-in user who chooses to, or for a user
    whose role requires it, between the password and the first sign-in."""
    db = get_session()
    signed_in = current_user.is_authenticated
    user = db.get(User, current_user.id) if signed_in else _pending_user(db)
    if user is None:
        flash(_("Sign in again."), "info")
        return redirect(url_for("auth.login"))
    if user.mfa_enabled:
        return redirect(url_for("auth.security") if signed_in else url_for("auth.mfa_verify"))
    # The key offered is this session's own, stored on the account only once a code from
    # it is confirmed: someone who knows the password and opens this page cannot plant a
    # key that the account's owner would later be shown and confirm.
    candidate = session.get("mfa_candidate")
    if not isinstance(candidate, dict) or candidate.get("uid") != user.id or not candidate.get("secret"):
        candidate = session["mfa_candidate"] = {"uid": user.id, "secret": mfa.new_secret()}
    secret = candidate["secret"]
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        step = None if throttled(db, user.email, _ip()) else mfa.check_code(secret, form.code.data)
        record_attempt(db, user.email, _ip(), step is not None)
        if step is not None:
            codes = mfa.enable(db, user, secret, last_step=step)
            session.pop("mfa_candidate", None)
            record(db, "auth.mfa_enabled", user=user if signed_in else None, obj=user)
            db.commit()
            if not signed_in:
                next_url = session["mfa_pending"].get("next")
                session.clear()
                remember_language(user.locale)
                login_user(user)
                record(db, "auth.login", user=user, detail={"second_factor": "enrolment"})
                db.commit()
            else:
                next_url = None
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=_safe_next(next_url) if not signed_in else url_for("auth.security"))
        db.commit()
        form.code.errors.append(_("The code is wrong or has expired. Check the clock on the phone and try again."))
    return render_template("auth/mfa_enrol.html", form=form, secret=secret,
                           uri=mfa.provisioning_uri(user, secret),
                           required=mfa.required_for(user), signed_in=signed_in), shown_status(form)


@bp.get("/account/two-factor")
@allow(*ALL_ROLES)
def security():
    return render_template("auth/security.html", user=current_user, required=mfa.required_for(current_user),
                           remaining=mfa.remaining_recovery_codes(current_user),
                           disable_form=ConfirmCodeForm(prefix="disable"),
                           codes_form=ConfirmCodeForm(prefix="codes"))


def _confirmed(db, form: ConfirmCodeForm) -> bool:
    user = current_user
    if not form.validate_on_submit():
        return False
    ok = not throttled(db, user.email, _ip()) and mfa.verify(db, user, form.code.data) == "totp"
    record_attempt(db, user.email, _ip(), ok)
    if not ok:
        db.commit()
        form.code.errors.append(_("The code is wrong or has expired."))
    return ok


@bp.post("/account/two-factor/disable")
@allow(*ALL_ROLES)
def mfa_disable():
    db = get_session()
    if mfa.required_for(current_user) or not current_user.mfa_enabled:
        abort(400)
    form = ConfirmCodeForm(prefix="disable")
    if _confirmed(db, form):
        mfa.disable(db, current_user)
        record(db, "auth.mfa_disabled", user=current_user, obj=current_user)
        db.commit()
        flash(_("Two-factor authentication is off."), "success")
        return redirect(url_for("auth.security"))
    return render_template("auth/security.html", user=current_user, required=False,
                           remaining=mfa.remaining_recovery_codes(current_user), disable_form=form,
                           codes_form=ConfirmCodeForm(prefix="codes"), form=form), 400


@bp.post("/account/two-factor/recovery-codes")
@allow(*ALL_ROLES)
def mfa_regenerate():
    db = get_session()
    if not current_user.mfa_enabled:
        abort(400)
    form = ConfirmCodeForm(prefix="codes")
    if _confirmed(db, form):
        codes = mfa.regenerate_codes(db, current_user)
        record(db, "auth.recovery_codes_renewed", user=current_user, obj=current_user)
        db.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.security"))
    return render_template("auth/security.html", user=current_user, required=mfa.required_for(current_user),
                           remaining=mfa.remaining_recovery_codes(current_user),
                           disable_form=ConfirmCodeForm(prefix="disable"), codes_form=form, form=form), 400


@bp.post("/session/keep-alive")
@allow(*ALL_ROLES)
def keep_alive():
    """The timeout warning's "Stay signed in" (static/js/session.js): a request like any
    page's, so the inactivity timeout starts again; answers how long the session now lasts.
    Not audited, as the language switch is not: it shows no case and changes nothing (the
    trail has the sign-in and every read of a case). Refused as any signed-in route is once
    the session has ended, and without the session's CSRF token."""
    session.permanent = True
    session.modified = True  # a fresh cookie, whatever SESSION_REFRESH_EACH_REQUEST says
    return {"expires_in": session_timing()["lifetime"]}


@bp.get("/session/form-token")
@allow(*ALL_ROLES)
def form_token():
    """A page opened before the user signed in again (in another tab, or after its session
    ended) holds form tokens of the old session, which the server refuses: its typing could
    not be sent. ``static/js/session.js`` asks here for the new session's token, and takes
    it only when the sign-in is the same user's (``key``, see :func:`sign_in_key`). A GET,
    as any page that carries the token is; other sites cannot read the answer (same-origin
    policy, no CORS). Not audited, as the keep-alive is not: it shows no case and changes
    nothing."""
    return jsonify(csrf_token=generate_csrf(), key=sign_in_key(), expires_in=session_timing()["lifetime"])


@bp.post("/logout")
@allow(*ALL_ROLES)
def logout():
    """Sign out. The user's session token is renewed, so a copy of the old cookie
    (replayed, or left in another browser) no longer signs anyone in."""
    db = get_session()
    user = db.get(User, current_user.id)
    record(db, "auth.logout", user=current_user)
    user.session_token = new_session_token()
    db.add(user)
    db.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))

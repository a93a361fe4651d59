"""Sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import PUBLIC, allow
from ..audit import record
from ..db import get_session
from .forms import LoginForm
from .operations import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data, form.password.data, request.remote_addr or "-")
        if user is None:
            # One message whether or not the account exists.
            form.form_errors.append(_("The e-mail or password is wrong, or the account is locked for a while."))
            record(db, "auth.login_failed", detail={"email": form.email.data.strip().lower()[:254]})
            db.commit()
        else:
            session.clear()
            session["lang"] = user.locale
            login_user(user)
            record(db, "auth.login", user=user)
            db.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@allow("caseworker", "cmm", "approver", "partner", "admin")
def logout():
    db = get_session()
    record(db, "auth.logout", user=current_user)
    db.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))

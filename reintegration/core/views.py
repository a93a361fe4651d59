"""Home, health check, language choice, the site's icon and the design system's files."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from ..access import PUBLIC, allow
from ..db import get_session
from ..i18n import remember_language
from ..security import local_path
from .navigation import home_endpoint

bp = Blueprint("core", __name__)


@bp.get("/")
@allow(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    endpoint = home_endpoint(current_user.role)
    if endpoint:
        return redirect(url_for(endpoint))
    return render_template("core/home.html")


@bp.get("/health")
@allow(PUBLIC)
def health():
    """Liveness and database reachability, for load balancers and the benchmark."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/favicon.ico")
@allow(PUBLIC)
def favicon():
    """The icon for clients that ask for /favicon.ico instead of reading the page's
    <link rel="icon"> (an SVG of ours: DKFDS ships none), rather than a 404."""
    return redirect(url_for("static", filename="img/favicon.svg"))


@bp.post("/language")
@allow(PUBLIC)
def language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        remember_language(lang)
        if current_user.is_authenticated:
            current_user.locale = lang
            db = get_session()
            db.add(current_user)
            db.commit()
    return redirect(local_path(request.form.get("next")) or "/")


@bp.get("/vendor/dkfds/<path:filename>")
@allow(PUBLIC)
def vendor(filename: str):
    """DKFDS, installed from npm at set-up, served from node_modules (never committed)."""
    directory = current_app.config["NODE_MODULES_DIR"] + "/dkfds/dist"
    return send_from_directory(directory, filename, max_age=86400)

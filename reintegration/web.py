"""The web layer's wiring: blueprints (one per area), template helpers, error pages."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from jinja2 import Template
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from . import uploads
from .access import here
from .db import get_session
from .forms import form_error_items
from .i18n import gettext as _
from .security import UnusableInput, session_timing, sign_in_key


class ImportingTemplate(Template):
    """Jinja's template, with a cheaper test before an import reuses the imported module.

    ``{% from "macros/components.html" import ... %}`` reuses the macros template's module
    unless the importing template has global names the imported one lacks. Jinja finds
    that out by subtracting a view of one ``ChainMap`` of globals from a set, testing each
    name through the chain: some 145 Python calls per import; a page with two imports
    spent more on it than on its url_for calls (issue #8). ``issubset`` asks the same
    question of the same names; what follows is Jinja's own code, unchanged (were Jinja to
    rename the method, this one would go unused: slower, never wrong)."""

    def _get_default_module(self, ctx=None):
        if ctx is not None and ctx.globals_keys.issubset(self.globals):
            ctx = None  # no new global names: Jinja's cached module, as it would return
        return super()._get_default_module(ctx)


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number no database id can reach (above 2**63 - 1)
    matches no route, so the answer is 404, as for any other id that names no row, and
    never a failure to pass it to the database (SQLite cannot bind it: a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any route is added: a rule takes its converters when it is added.
    app.url_map.converters["int"] = RowIdConverter
    app.jinja_env.template_class = ImportingTemplate
    from .auth.views import bp as auth_bp
    from .core.navigation import case_trail, navigation, role_label
    from .core.views import bp as core_bp

    for bp in (core_bp, auth_bp):
        app.register_blueprint(bp)
    from .followup.views import bp as followup_bp  # follow-up year and partner portal (issue 5)
    from .partner.views import bp as partner_bp
    app.register_blueprint(followup_bp)
    app.register_blueprint(partner_bp)
    from .auditlog.views import bp as auditlog_bp  # audit trail, legal hold, subject export (issue 7)
    app.register_blueprint(auditlog_bp)
    from .approvals.views import bp as approvals_bp  # approvals and exports (issue 4)
    from .exports.views import bp as exports_bp
    app.register_blueprint(approvals_bp)
    app.register_blueprint(exports_bp)
    from .cases.views import bp as cases_bp  # cases and admin pages (issue 3)
    from .admin.views import bp as admin_bp
    app.register_blueprint(cases_bp)
    app.register_blueprint(admin_bp)
    from .plans.views import bp as plans_bp  # drafting, live check, comments, submission (issue 3)
    app.register_blueprint(plans_bp)

    app.jinja_env.add_extension("jinja2.ext.do")
    # access.here() is `page_address` in templates: `here` is the breadcrumbs' name for the
    # current page (plans/_breadcrumbs.html and the others), which a global of that name
    # would fill wherever a page leaves it unset (the plan page's trail showed the function).
    app.jinja_env.globals.update(navigation=navigation, role_label=role_label, case_trail=case_trail,
                                 page_address=here,
                                 form_error_items=form_error_items, session_timing=session_timing,
                                 sign_in_key=sign_in_key)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("errors/error.html", title=_("The form has expired"),
                               message=_("The page was open too long or was sent twice. Go back, reload the page and try again. Nothing was saved.")), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        titles = {
            400: _("The request could not be understood"),
            403: _("You do not have access to this page"),
            404: _("Page not found"),
            405: _("That action is not possible here"),
            409: _("Someone else changed this in the meantime"),
            413: _("The file or form is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            403: _("Your role does not give access to this page. If you think it should, contact an administrator."),
            404: _("The page does not exist, or you do not have access to it."),
            413: _("Nothing was saved: what you sent is larger than the server accepts at once. Go back with your "
                   "browser's Back button (what you typed is usually still in the form), then send it with fewer "
                   "or smaller files: at most %(n)d files, each at most %(mb)d MB.", n=uploads.MAX_FILES,
                   mb=max(1, uploads.max_bytes() // (1024 * 1024))),
        }
        code = error.code or 500
        message = str(error.description) if isinstance(error, UnusableInput) else messages.get(code)
        return render_template("errors/error.html", title=titles.get(code, _("Something went wrong")),
                               message=message or _("Nothing was saved. Try again.")), code

    @app.errorhandler(DataError)
    def _unstorable(error: DataError):
        # The database refused a value (a NUL byte in a JSON string, a number beyond a
        # column's range) that no check before it caught: bad input, never a 500.
        app.logger.warning("refused unstorable input: %s", error.orig)
        get_session().rollback()
        return _http(UnusableInput())

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Never a traceback to the user; the log has the details (never a bound value:
        # ``db.make_engine`` hides them). The failed transaction is rolled back first: the
        # error page reads the signed-in user through the same session.
        app.logger.exception("unhandled error")
        try:
            get_session().rollback()
        except Exception:  # the connection itself may be gone; the page is rendered anyway
            app.logger.warning("could not roll back after an unhandled error")
        return render_template("errors/error.html", title=_("Something went wrong"),
                               message=_("The server could not finish the request. Nothing was saved. Try again, and tell support if it happens again.")), 500

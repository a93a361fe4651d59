"""Flask extensions, created unbound and wired in ``create_app`` with ``init_app``."""

from functools import cached_property

from flask import g
from flask_babel import Babel, Domain
from flask_login import LoginManager
from flask_wtf import CSRFProtect


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalog looked up once.

    Flask-Babel finds the locale and the catalog again for every string translated (some
    ten context-local look-ups each; a case page translates about 90 strings: a tenth of
    the page's time, issue #8). The catalog found first is kept for the rest of the
    request in Flask-Babel's own slot for it, ``babel_translations`` on its request
    context: ``flask_babel.refresh()`` deletes that slot and ``force_locale()`` empties it
    and restores it, so a change of language within a request is still honoured.
    """

    def get_translations(self):
        try:  # one context-local look-up: this runs for every string a page shows
            found = g._flask_babel.babel_translations
        except (AttributeError, RuntimeError):  # first string of the request, or no request
            found = None
        if found is None:
            found = super().get_translations()
            context = g.get("_flask_babel") if g else None
            if context is not None:
                context.babel_translations = found
        return found


class RequestBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)


babel = RequestBabel()
csrf = CSRFProtect()
login_manager = LoginManager()

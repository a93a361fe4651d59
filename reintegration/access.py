"""Who may open what. Every route declares a policy; a route without one is refused.

Route level: :func:`allow` names the roles that may use a view (``PUBLIC`` for the
sign-in page and health check). Object level: :func:`case_scope` is the one filter
that decides which cases a user may see, so lists and single-object look-ups can never
disagree; another organisation's case answers 404, never 403, so ids reveal nothing.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import and_, false, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import select

from .i18n import zone_or_utc
from .models import Case, Organisation, RiskAlert, User
from .models.organisations import INACTIVE

PUBLIC = "public"
ALL_ROLES = ("caseworker", "cmm", "approver", "partner", "admin")
# Roles that see case contents at all. Administrators manage users and tables, not cases.
CASE_ROLES = ("caseworker", "cmm", "approver", "partner")


def here() -> str:
    """The page's own address on the site, to come back to after signing in or switching
    language: its path, with its query only if it has one (Werkzeug's ``full_path``
    always ends in "?"). A byte of the query outside ASCII, which a browser would have
    percent-encoded, is percent-encoded here: the address means the same bytes, and a
    query that is not UTF-8 comes back as it was sent, never as an error."""
    query = "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in request.query_string)
    return f"{request.path}?{query}" if query else request.path


def allow(*roles: str) -> Callable:
    """Declare who may use a view: ``@allow("caseworker", "approver")`` or ``@allow(PUBLIC)``."""
    unknown = set(roles) - set(ALL_ROLES) - {PUBLIC}
    if unknown or not roles:
        raise ValueError(f"unknown roles in policy: {sorted(unknown) or 'none given'}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if PUBLIC not in roles:
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=here()))
                if current_user.role not in roles:
                    abort(403)
            return view(*args, **kwargs)

        wrapper.access_roles = frozenset(roles)
        return wrapper

    return decorate


def declared_roles(endpoint: str) -> frozenset[str] | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_roles", None)


def may_open(role: str | None, endpoint: str) -> bool:
    """Whether ``role`` may open the pages of ``endpoint`` (its ``@allow`` roles), so that
    a page links to them or offers the action; False for an endpoint the app does not
    serve. The page linked to checks the case itself."""
    return role in (declared_roles(endpoint) or ())


def enforce_declared_policy() -> None:
    """``before_request``: refuse any route that forgot to declare a policy."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        return
    if declared_roles(endpoint) is None:
        current_app.logger.error("route %s has no access policy; refused", endpoint)
        abort(404)


def case_scope(user: User):
    """A SQL condition on :class:`Case` selecting exactly the cases ``user`` may see."""
    return scope_for(*scope_key(user))


def scope_key(user: User) -> tuple[str | None, int | None]:
    """All that :func:`case_scope` depends on: the role of an active, signed-in user and,
    for the roles whose cases belong to an organisation, that organisation. A statement
    built for one key serves every user with that key (``cases.queries`` keeps them)."""
    if not user or not getattr(user, "is_authenticated", False) or not user.active:
        return None, None
    return user.role, (user.organisation_id if user.role in ("partner", "cmm") else None)


def scope_for(role: str | None, organisation_id: int | None):
    """The condition of :func:`case_scope` for a :func:`scope_key`."""
    if role in ("caseworker", "approver"):
        return true()
    if role == "partner":
        return Case.partner_id == organisation_id
    if role == "cmm":
        # The cases whose CMM contact is one of the organisation's people and, so that a
        # risk alert never goes unseen, every case that has no (reachable) contact but has had a
        # risk alert (open or closed: the alert's e-mail link keeps working after a
        # colleague closed it). ``followup.operations.alert_recipients`` e-mails exactly
        # the CMM users this lets open the case.
        # A contact whose organisation has no active CMM user left (people left, the
        # organisation set inactive) counts as no contact: otherwise nobody would see it.
        contacts = select(User.id).where(User.organisation_id == organisation_id)
        alert = aliased(RiskAlert)  # the scope also filters queries that select RiskAlert
        alerted = select(alert.id).where(alert.case_id == Case.id).correlate(Case).exists()
        contact, colleague = aliased(User), aliased(User)
        staffed = (select(colleague.id)
                   .join(contact, contact.organisation_id == colleague.organisation_id)
                   .join(Organisation, Organisation.id == colleague.organisation_id)
                   .where(contact.id == Case.cmm_contact_id, colleague.role == "cmm", colleague.active.is_(True),
                          Organisation.status != INACTIVE)
                   .correlate(Case).exists())
        return or_(Case.cmm_contact_id.in_(contacts), and_(alerted, or_(Case.cmm_contact_id.is_(None), ~staffed)))
    return false()


def visible_case_or_404(session, case_id: int, user: User) -> Case:
    case = session.exec(select(Case).where(Case.id == case_id, case_scope(user))).first()
    if case is None:
        abort(404)
    return case


def reader_time_zone(session, user: User) -> ZoneInfo | None:
    """Where ``user`` reads the moments on a page that partners share with Danish staff
    (``i18n.format_moment``): a partner officer in their organisation's zone
    (``Organisation.timezone``; UTC without one zoneinfo knows, ``i18n.zone_or_utc``);
    None for Danish staff, who read Danish time. Read while the page's transaction is
    open: the organisation is looked up once, then found in the session."""
    if not user.is_authenticated or user.role != "partner":
        return None
    organisation = session.get(Organisation, user.organisation_id)
    return zone_or_utc(organisation.timezone if organisation else None)

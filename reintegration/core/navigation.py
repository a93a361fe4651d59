"""The main menu per role. Entries the role may not open, or whose area is not installed,
are left out."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from ..access import may_open
from ..i18n import lazy_gettext as _l

ROLE_LABELS = {
    "caseworker": _l("DRC caseworker"),
    "cmm": _l("CMM contact"),
    "approver": _l("Approver, Danish Return Agency"),
    "partner": _l("Partner officer"),
    "admin": _l("Administrator"),
}

MENU = {
    "caseworker": [("cases.index", _l("Cases")), ("followup.overview", _l("Follow-up"))],
    "cmm": [("cases.index", _l("Cases")), ("followup.overview", _l("Follow-up and alerts"))],
    "approver": [("approvals.queue", _l("Approval queue")), ("cases.index", _l("Cases")),
                 ("followup.overview", _l("Follow-up")), ("exports.index", _l("Exports"))],
    "partner": [("partner.index", _l("My cases"))],
    "admin": [("admin.users", _l("Users")), ("admin.organisations", _l("Organisations")),
              ("admin.rates", _l("Rate tables")), ("auditlog.index", _l("Audit trail"))],
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    entries = [(endpoint.split(".")[0], url_for(endpoint), label) for endpoint, label in MENU.get(current_user.role, [])
               if may_open(current_user.role, endpoint)]
    # The entry of the page's area is the current one. Where an area has several entries
    # (the administrator's users, organisations and rate tables), it is the one whose
    # address the page's is under: one entry marked current, never three.
    same_area = [url for area, url, _label in entries if area == request.blueprint]
    if len(same_area) > 1:
        same_area = [url for url in same_area if request.path == url or request.path.startswith(url.rstrip("/") + "/")]
    current = same_area[0] if len(same_area) == 1 else None
    return [{"url": url, "label": str(label), "active": url == current} for _area, url, label in entries]


def home_endpoint(role: str) -> str | None:
    for endpoint, _label in MENU.get(role, []):
        if may_open(role, endpoint):
            return endpoint
    return None


# Where a role reads its cases: a partner officer in the portal, light pages of its own;
# everyone else on the staff pages. The list's endpoint, a case's endpoint, the list's name.
STAFF_CASE_PAGES = ("cases.index", "cases.show", _l("Cases"))
CASE_PAGES = {"partner": ("partner.index", "partner.case", _l("My cases"))}


def case_trail(case) -> list[tuple[str, str]]:
    """The first steps of a breadcrumbs trail through ``case`` for the reader: their list
    of cases and the case's page, as (text, address). A partner officer who follows a
    link from the portal to a plan page is led back to the portal, not to the staff
    pages. A role whose own pages it may not open (an area not installed) is led to the
    staff pages, as the links on the pages are (``access.may_open``)."""
    role = getattr(current_user, "role", None)
    cases, case_page, label = CASE_PAGES.get(role, STAFF_CASE_PAGES)
    if not may_open(role, case_page):
        cases, case_page, label = STAFF_CASE_PAGES
    return [(str(label), url_for(cases)), (case.reference, url_for(case_page, case_id=case.id))]

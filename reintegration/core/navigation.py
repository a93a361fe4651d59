"""The main menu per role. Entries whose area is not installed are left out."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

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
    items = []
    for endpoint, label in MENU.get(current_user.role, []):
        if endpoint not in current_app.view_functions:
            continue
        area = endpoint.split(".")[0]
        items.append({"url": url_for(endpoint), "label": str(label),
                      "active": (request.blueprint == area)})
    return items


def home_endpoint(role: str) -> str | None:
    for endpoint, _label in MENU.get(role, []):
        if endpoint in current_app.view_functions:
            return endpoint
    return None

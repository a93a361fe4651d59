"""Words for the approval pages: field names, kinds, outcomes and refusals, translated.
Shared by the approval views and the approval package (exports)."""

from __future__ import annotations

from decimal import Decimal

from ..domain.violation import Violation
from ..i18n import format_amount, format_dkk, format_rate, gettext as _, lazy_gettext as _l
from ..plans.display import (FIGURE_LABELS, OUTCOME_LABELS,  # noqa: F401 (the plan pages' words, shared)
                             entitlement_label)
from ..plans.forms import ACTIVITY_LABELS, CATEGORY_LABELS, LINE_KIND_LABELS  # the drafting form's words

FIELD_LABELS = {
    "kind": _l("Kind"),
    "category": _l("Category"),
    "description": _l("Description"),
    "month": _l("Month"),
    "amount_dkk": _l("Amount (DKK)"),
    "currency": _l("Currency"),
    "amount_local": _l("Local amount"),
    "exchange_rate": _l("Exchange rate"),
    "activity_kind": _l("Activity"),
    "activity_description": _l("Description of the activity"),
    "activity_location": _l("Location"),
    "expected_monthly_income": _l("Expected monthly income, DKK"),  # as the drafting form names it
    "activity_start_month": _l("Start month"),
    "realism": _l("What makes the activity realistic"),
    "social_support": _l("Social support"),
    "housing": _l("Housing"),
    "health": _l("Health"),
    "schooling": _l("Schooling of children"),
    "risk_health": _l("Health risks"),
    "risk_traffickers": _l("Debt to or fear of traffickers"),
    "risk_management": _l("How the risks are managed"),
}

# The drafting form's words, so a plan reads the same to its drafter and its approver.
KIND_LABELS = LINE_KIND_LABELS
STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved"),
                 "returned": _l("Sent back"), "rejected": _l("Rejected"), "superseded": _l("Superseded")}
CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}


def label(mapping: dict, key) -> str:
    value = mapping.get(key)
    return str(value) if value is not None else (key or "")


def shown_value(field: str, value) -> str:
    """A field's value as the reader reads it."""
    if value is None or value == "":
        return "–"
    if field == "kind":
        return label(KIND_LABELS, value)
    if field == "category":
        return label(CATEGORY_LABELS, value)
    if field == "activity_kind":
        return label(ACTIVITY_LABELS, value)
    if field == "exchange_rate":
        return format_rate(value)
    if field == "expected_monthly_income":
        return format_dkk(value)
    if field == "amount_local":
        return format_amount(value, decimals=max(2, -Decimal(value).as_tuple().exponent))
    if isinstance(value, Decimal):
        return format_amount(value)
    return str(value)


def violation_message(violation: Violation) -> str:
    code = violation.code
    messages = {
        "decision.not_submitted": _("Only a submitted plan can be decided. This version is %(status)s.",
                                    status=label(STATUS_LABELS, violation.params.get("status"))),
        "decision.wrong_organisation": _("Only Hjemrejsestyrelsen decides on plans."),
        "decision.wrong_role": _("Only an approver decides on plans."),
        "decision.own_plan": _("You drafted, edited or submitted this plan or an earlier version of it, "
                                "so another approver must decide on it."),
        "decision.has_errors": _("The plan has errors in the rate check and cannot be approved. "
                                 "Send it back with the points to fix."),
        # The submitted digest covers the plan file, whose household and reference date
        # come from the case (plans.mapping.content_sha256): a case edit changes it too.
        "decision.content_changed": _("The plan, or the person, children or return date it was checked against, "
                                      "changed after it was submitted, so it cannot be approved as it is. "
                                      "Send it back."),
        "decision.reason_missing": _("Write the points to fix or the reason for the rejection."),
        "decision.already_decided": _("This version has already been decided. A decision is final."),
        "decision.unknown_action": _("Choose a decision."),
        "decision.not_found": _("The plan was not found."),
        "decision.case_closed": _("The case is closed, so the plan cannot be approved. Send it back or reject it."),
        "decision.case_changed": _("The case changed after you opened this page, so your decision was not "
                                   "recorded. Read the plan as it is now, then record your decision again."),
        "decision.seen_missing": _("The form did not say what this page showed when you opened it, so your "
                                   "decision was not recorded. Read the plan as it is now, then record your "
                                   "decision again."),
    }
    return messages.get(code, code)


# The parts of a case the review page shows (``operations.SEEN_CASE_FIELDS``), as the
# conflict page names the ones changed since the approver opened it: the case form's words.
SEEN_FIELD_LABELS = {
    "person_name": _l("Full name"),
    "person_date_of_birth": _l("Date of birth"),
    "unaccompanied_minor": _l("Unaccompanied minor"),
    "children": _l("Children"),
    "return_country": _l("Country of return"),
    "partner_id": _l("Partner organisation"),
    "planned_return": _l("Planned return date"),
    "actual_return": _l("Return date"),
}

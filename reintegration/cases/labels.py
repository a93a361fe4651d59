"""Words for the codes stored on cases and plans, in the reader's language."""

from ..i18n import gettext as _, lazy_gettext as _l

CASE_STATUS = {
    "preparing": _l("Preparing"),
    "awaiting_approval": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "in_followup": _l("In follow-up"),
    "closed": _l("Closed"),
}
PLAN_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "returned": _l("Sent back for changes"),
    "rejected": _l("Rejected"),
    "superseded": _l("Superseded by an amendment"),
}
ATTENTION = {
    "sent_back": _l("Plan sent back"),
    "draft_errors": _l("Draft has errors"),
}
SEX = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
LIVES_IN = {"home_country": _l("In the home country"), "denmark": _l("In Denmark")}


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))


def person_name(case) -> str:
    """The person's name as pages show it: an anonymised case's stored placeholder
    (``retention.ANONYMISED_NAME``) in the reader's language."""
    return _("Anonymised") if case.anonymised_at else case.person_name

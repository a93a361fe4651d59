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


def inactive_partner_warning(partner_name: str) -> str:
    """What the case and follow-up pages say while the case's partner organisation is
    inactive: its officers can no longer sign in (``auth.operations``), so nothing of
    theirs reaches the case until someone acts."""
    return _("%(partner)s, the case's partner organisation, is inactive: its partner officers cannot sign in, so "
             "they can neither work on the plan, send follow-up reports nor record payments. Choose another partner "
             "organisation for the case, or ask an administrator to make it active again.", partner=partner_name)


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(mapping.get(code, code))


def person_name(case) -> str:
    """The person's name as pages show it: an anonymised case's stored placeholder
    (``retention.ANONYMISED_NAME``) in the reader's language."""
    return _("Anonymised") if case.anonymised_at else case.person_name


# A change that moved a case's revision, as a conflict page names it (an edit is worded
# by the caller, with the fields it changed).
CASE_CHANGES = {
    "case.create": _l("%(name)s created the case at %(time)s."),
    "followup.return_recorded": _l("%(name)s recorded the return date at %(time)s."),
    "case.legal_hold_set": _l("%(name)s set a legal hold on the case at %(time)s."),
    "case.legal_hold_lifted": _l("%(name)s lifted the legal hold on the case at %(time)s."),
    "followup.case_closed": _l("%(name)s closed the case at %(time)s."),
    "followup.period_closed": _l("%(name)s sent the final report at %(time)s, which closed the case."),
    # The retention run (a command, no account) anonymises a case its retention period after closure.
    "retention.anonymise": _l("The case was anonymised at %(time)s, as its retention period had ended."),
}


def changed_by_text(action: str, who: str, at: str, fields: list[str] = ()) -> str:
    """Who changed a case and when, for a conflict page: ``action`` the trail's action,
    ``fields`` the labels of the fields an edit changed."""
    if action in CASE_CHANGES:
        return str(CASE_CHANGES[action]) % {"name": who, "time": at}
    said = _("%(name)s saved it at %(time)s.", name=who, time=at)
    return said + " " + _("Changed: %(fields)s.", fields=", ".join(fields)) if fields else said

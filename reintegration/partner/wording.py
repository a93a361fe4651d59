"""How the partner portal words moments and refusals: days and times in the officer's own
time zone and, when what an officer sent was not saved, who got there first and when, and
which of the chosen files to send again, and where."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_login import current_user

from .. import uploads
from ..access import reader_time_zone
from ..db import get_session
from ..domain import workflow as wf
from ..followup import operations as ops
from ..followup.forms import chosen_files
from ..i18n import format_moment_in, gettext as _, zone_or_utc
from ..models import User


def files_not_saved(form, case) -> None:
    """Name the files chosen in a form that can no longer be sent, and where they can go."""
    names = chosen_names(form)
    if names and case.status == wf.CLOSED:
        form.form_errors.append(_("The files you chose were not saved (%(names)s). The case is closed, so send "
                                  "them to the DRC caseworker of the case.", names=names))
    elif names:
        form.form_errors.append(_("The files you chose were not saved (%(names)s). To add them to the submitted "
                                  "report, choose them again on the page for receipts and photos.", names=names))


def who_did(db, user_id) -> str:
    """Someone who did something to a report or its case, as the partner portal names
    them: "you" for the reader, by name for a colleague of the same organisation, by
    role for a DRC caseworker, otherwise "someone else"."""
    by = db.get(User, user_id) if user_id else None
    if by is not None and by.id == current_user.id:
        return _("You")
    if by is not None and by.organisation_id == current_user.organisation_id:
        return by.name
    if by is not None and by.role == "caseworker":
        return _("A DRC caseworker")
    return _("Someone else")


def closed_by(db, case, kept: str | None = "answers") -> str:
    """Who closed the case and when, as the page of a form sent to the closed case says
    it (a report, a payment, files): the sender of the final report, or the caseworker
    who closed it. ``kept`` says what the page keeps in view of what was sent: the
    report's ``"answers"``, the ``"payment"``'s details, or ``None`` (the files are named
    by ``files_not_saved``)."""
    if case.closed_at is None:
        said = _("This case was closed, so what you sent was not saved.")
    else:
        by = ops.closed_by(db, case)
        who = who_did(db, by.id if by else None)
        when = partner_moment(case.closed_at)
        if case.closure_reason == "period_ended":
            said = _("%(who)s sent the final report on %(day)s at %(time)s (%(zone)s), which closed this case, so "
                     "what you sent was not saved.", who=who, **when)
        else:
            said = _("%(who)s closed this case on %(day)s at %(time)s (%(zone)s), so what you sent was not saved.",
                     who=who, **when)
    if kept == "answers":
        return said + " " + _("Your answers are kept below.")
    if kept == "payment":
        return said + " " + _("The payment you sent is shown below.")
    return said


def submitted_by(db, report) -> str:
    """Who submitted the report and when, as the conflict page says it (``who_did``)."""
    who = who_did(db, report.submitted_by)
    if report.submitted_at is None:
        return _("%(who)s submitted this report, so what you sent was not saved. The submitted report is shown "
                 "below, and your answers are kept under it.", who=who)
    return _("%(who)s submitted this report on %(day)s at %(time)s (%(zone)s), so what you sent was not saved. The "
             "submitted report is shown below, and your answers are kept under it.", who=who,
             **partner_moment(report.submitted_at))


def partner_moment(moment) -> dict[str, str]:
    """A stored moment as the reader's organisation reads it: its day and time in the
    partner's time zone (``Organisation.timezone``, from the registry), named; UTC for a
    partner without one (``i18n.format_moment_in``)."""
    return format_moment_in(moment, partner_zone().key)


def partner_zone() -> ZoneInfo:
    """The zone the reader's organisation reads days and times in (``access.reader_time_zone``:
    a partner's, UTC without one), for ``partner_moment`` and the report rows
    (``status.case_rows``): the day a case was closed as ``partner_moment`` gives it."""
    return reader_time_zone(get_session(), current_user) or zone_or_utc(None)


def chosen_names(form, leave_out=None) -> str:
    """The names of the files chosen in the form, for a message that asks for them again
    (but the file ``leave_out``, refused on its own)."""
    return ", ".join(uploads.base_name(f.filename)[:80] for f in chosen_files(form.files) if f is not leave_out)

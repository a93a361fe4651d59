"""Follow-up pages for DRC, CMM and Hjemrejsestyrelsen: the overview across cases, one
case's year, recording the return, closing alerts and cases, files and the summary.

Views are thin: load (scoped by ``case_scope``: another organisation's object is a 404),
validate the form, call an operation, redirect."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from .. import uploads
from ..access import allow, case_scope, may_open, reader_time_zone, visible_case_or_404
from ..cases.labels import inactive_partner_warning
from ..cases.operations import record_list_read
from ..db import get_session
from ..forms import shown_status
from ..i18n import format_moment_day, format_rate, format_when, gettext as _, language
from ..models import Attachment, Case, FollowUpReport, RiskAlert
from . import operations as ops
from . import status
from .forms import (ACTIVITY_STATUSES, CLOSURE_REASONS, CONTACT_KINDS, REFUSED_ALERT_LABELS, RISK_LABELS,
                    AlertNoteForm, CloseAlertForm, CloseCaseForm, ReturnForm, report_state_label)
from .questions import current as current_questions
from .status import alert_notes_of  # by name: ``status`` is also the HTTP status in the close views
from .summary import workbook_bytes

bp = Blueprint("followup", __name__, url_prefix="/followup")

WATCHERS = ("caseworker", "cmm", "approver")


def apply_errors(form, error: ops.FieldErrors) -> None:
    """Put an operation's rule failures on the form's fields (or the form as a whole)."""
    for name, message in error.errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = list(field.errors or []) + [message]


def scoped_or_404(model, object_id: int):
    """An object hanging off a case, loaded joined to the case with ``case_scope``."""
    row = get_session().exec(select(model, Case).join(Case, Case.id == model.case_id)
                             .where(model.id == object_id, case_scope(current_user))).first()
    if row is None:
        abort(404)
    return row


def closed_refusal(case_id: int):
    flash(_("This case is closed. It can no longer be changed."), "warning")
    return redirect(url_for("followup.case", case_id=case_id))


# The overview's lists and the query argument of each one's page number.
PAGE_ARGS = {"open_alerts": "alerts", "overdue": "overdue", "off_plan": "money", "cases": "page"}


@bp.get("/")
@allow(*WATCHERS)
def overview():
    db = get_session()
    asked = {field: request.args.get(arg, 1, type=int) or 1 for field, arg in PAGE_ARGS.items()}
    data = status.overview(db, current_user, ops.today(), current_app.extensions["rate_tables"],
                           status.OverviewPages(**asked), size=current_app.config["PAGE_SIZE"],
                           count_limit=current_app.config["LIST_COUNT_LIMIT"])
    # The page names people's cases (references, risk signs, return dates): one list read
    # linked to every case it shows (on the pages shown, no other), recorded after
    # everything shown is read (it commits).
    record_list_read(db, user=current_user, page=request.endpoint, case_ids=data.case_ids)
    # Each list's page links keep the other lists' pages.
    args = {arg: getattr(data, field).number for field, arg in PAGE_ARGS.items() if getattr(data, field).number > 1}
    return render_template("followup/overview.html", data=data, args=args, risk_labels=RISK_LABELS,
                           refused_labels=REFUSED_ALERT_LABELS)


@bp.get("/cases/<int:case_id>")
@allow(*WATCHERS)
def case(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    year = status.case_year(db, case, ops.today())
    # Everything the page shows is read before the read's record commits: one transaction.
    files = status.case_files(db, case.id)
    amendment = status.amendment_awaiting_decision(db, case.id, year.version)
    shown = {"alerts": status.alerts_of(db, case.id), "notes_by_alert": status.alert_notes_of(db, case.id),
             "disbursements": status.disbursements_of(db, case.id),
             "attachments": files.by_target, "elsewhere": files.elsewhere, "line_names": status.line_names(year),
             "partner_warning": _partner_warning(db, case),
             # The case's and its plan's own pages, linked where the reader's role may open them.
             "case_link": may_open(current_user.role, "cases.show"),
             "plan_links": may_open(current_user.role, "plans.show"),
             "amendment": amendment,
             "amendment_on": format_moment_day(amendment.submitted_at, reader_time_zone(db, current_user))
             if amendment else None}
    ops.record_read(db, case, user=current_user, page="followup.case")
    return render_template("followup/case.html", case=case, year=year, risk_labels=RISK_LABELS,
                           refused_labels=REFUSED_ALERT_LABELS, reasons=CLOSURE_REASONS, **shown)


def _partner_warning(db, case: Case) -> str | None:
    """What the page says while the case's partner organisation is inactive (as the case
    page does): no report or payment can come from it."""
    name = status.inactive_partner_name(db, case)
    return inactive_partner_warning(name) if name is not None else None


@bp.get("/cases/<int:case_id>/reports/<int:report_id>")
@allow(*WATCHERS)
def report(case_id: int, report_id: int):
    db = get_session()
    report, case = scoped_or_404(FollowUpReport, report_id)
    if case.id != case_id:
        abort(404)
    shown = report_context(db, case, report)  # read first: the record commits the one transaction
    # Not linked unless submitted, but a report never sent says what it is (due, overdue,
    # not required on a closed case) as the case page does.
    [row] = status.case_rows(case, [report], ops.today())
    ops.record_read(db, case, user=current_user, page="followup.report")
    return render_template("followup/report.html", case=case, report=report, report_links=report_links(), row=row,
                           **shown)


def report_links() -> bool:
    """Whether the reader may open the follow-up report pages (``followup.report``), so
    that another report is named with a link."""
    return may_open(current_user.role, "followup.report")


def report_context(db, case, report) -> dict:
    """What a submitted report page shows: the day it was submitted as the reader reads
    it (a partner officer, in their own time), answers in words, risks, files, and for each
    file the other reports of the case that have the same file (``status.case_files``)."""
    questions = current_questions()
    locale = language()
    stored = json.loads(report.answers)["answers"] if report.answers else {}
    files = status.case_files(db, case.id)
    answers = []
    for question in questions.questions:
        option = question.option(stored.get(question.key, ""))
        answers.append((question.dimension, question.text_in(locale), option.label_in(locale) if option else None))
    return {
        "submitted_on": format_moment_day(report.submitted_at, reader_time_zone(db, current_user)) or None,
        "answers": answers,
        "risks": [RISK_LABELS[k] for k in (report.risk_indicators or "").split(",") if k in RISK_LABELS],
        "files": files.by_target.get(("report", report.id), []), "elsewhere": files.elsewhere,
        "contact_kinds": dict(CONTACT_KINDS), "activity_statuses": dict(ACTIVITY_STATUSES),
        "currency": ops.local_currency(db, case),
    }


@bp.route("/cases/<int:case_id>/return", methods=["GET", "POST"])
@allow("approver", "caseworker")
def record_return(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    if case.status == "closed":
        return closed_refusal(case.id)
    data = {"return_date": case.actual_return or case.planned_return, "revision": case.revision}
    if request.method == "POST":
        del data["revision"]  # the revision the user started from comes only from the form
    form = ReturnForm(data=data)
    if form.validate_on_submit():
        try:
            done = ops.record_return(db, case, form.return_date.data, seen_revision=form.revision.data,
                                     user=current_user)
        except ops.FieldErrors as error:
            db.rollback()
            apply_errors(form, error)
        except ops.Conflict:
            return return_conflict(db, case_id, form)
        except ops.CaseClosed:
            return closed_refusal(case.id)
        else:
            flash(_("The return date is recorded and the follow-up reports are scheduled."), "success")
            for warning in done.warnings:
                flash(str(ops.return_warning(warning)), "warning")
            return redirect(url_for("followup.case", case_id=case.id))
    ops.record_read(db, case, user=current_user, page="followup.record_return")
    return render_template("followup/record_return.html", case=case, form=form,
                           has_plan=status.version_in_force(db, case.id) is not None), shown_status(form)


def return_conflict(db, case_id: int, form: ReturnForm):
    """409: the case changed after the form was opened. What is saved now is shown
    beside the user's input, which stays in the form; it now carries the current
    revision, so saving again is a deliberate choice."""
    db.rollback()
    current = visible_case_or_404(db, case_id, current_user)
    saved_by, saved_at = ops.return_saved_by(db, current)
    ops.record_read(db, current, user=current_user, page="followup.record_return")
    form.revision.data = current.revision
    return render_template("followup/record_return.html", case=current, form=form, has_plan=True,
                           conflict={"return_date": current.actual_return, "by": saved_by,
                                     "at": format_when(saved_at) if saved_at else None}), 409


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@allow("caseworker")
def close_case(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    if case.status == "closed":
        return closed_refusal(case.id)
    form = CloseCaseForm()
    if form.validate_on_submit():
        try:
            ops.close_case(db, case, user=current_user, reason=form.reason.data, note=form.note.data,
                           seen_alerts=form.shown_alerts.data or frozenset(), confirmed=form.confirm_alerts.data)
        except ops.FieldErrors as error:
            db.rollback()
            apply_errors(form, error)
        except ops.AlertsUnconfirmed:
            pass  # shown again below, with the alerts open now and what to confirm
        except ops.CaseClosed:
            db.rollback()
            return closed_refusal(case.id)
        else:
            flash(_("The case is closed."), "success")
            return redirect(url_for("followup.case", case_id=case.id))
    return render_close_case(db, case, form)


def render_close_case(db, case: Case, form: CloseCaseForm):
    """The close form with the case's open risk alerts. Sent and refused (422), it keeps
    what was typed; an alert the sent form did not show is marked new, and while alerts
    are open the confirmation is asked for (again, unticked, when one is new). The form
    then carries the ids of the alerts this page shows."""
    alerts = status.open_alerts_of(db, case.id)
    ids = [alert.id for alert, _report in alerts]
    new: set[int] = set()
    if request.method == "POST":
        new = set(ids) - set(form.shown_alerts.data or ())
        if new:
            form.confirm_alerts.data = False
            form.confirm_alerts.errors = [_("A risk alert was opened after you opened this form. Read it below, "
                                            "then confirm again to close the case.")]
        elif ids and not form.confirm_alerts.data:
            form.confirm_alerts.errors = [_("Tick the box to close the case while risk alerts are open, or close "
                                            "the alerts first.")]
    form.shown_alerts.data = frozenset(ids)
    ops.record_read(db, case, user=current_user, page="followup.close_case")
    return render_template("followup/close_case.html", case=case, form=form, alerts=alerts, new_alerts=new,
                           risk_labels=RISK_LABELS, refused_labels=REFUSED_ALERT_LABELS), \
        (422 if request.method == "POST" else 200)


@bp.route("/alerts/<int:alert_id>/close", methods=["GET", "POST"])
@allow("caseworker", "cmm")
def close_alert(alert_id: int):
    db = get_session()
    alert, case = scoped_or_404(RiskAlert, alert_id)
    form = CloseAlertForm()
    if alert.closed_at is not None:
        if request.method == "POST":  # closed by someone else after this form was opened
            if _closed_with_this(alert, form.action.data):
                return _alert_closed_once(case)
            return alert_closed_conflict(db, alert_id, form.action.data)
        flash(_("This alert was already closed."), "info")
        return redirect(url_for("followup.case", case_id=case.id))
    if form.validate_on_submit():
        try:
            ops.close_alert(db, alert, user=current_user, action=form.action.data)
        except ops.FieldErrors as error:
            apply_errors(form, error)
        except ops.Conflict:
            db.refresh(alert)
            if _closed_with_this(alert, form.action.data):
                return _alert_closed_once(case)
            return alert_closed_conflict(db, alert_id, form.action.data)
        else:
            flash(_("The alert is closed."), "success")
            return redirect(url_for("followup.case", case_id=case.id))
    return render_close_alert(db, alert, case, form, status=shown_status(form))


def _closed_with_this(alert: RiskAlert, text: str | None) -> bool:
    """Whether the reader closed the alert with this very text: the close form sent twice
    (a double click on a slow line, or sent again after going back), not a conflict."""
    return alert.closed_by == current_user.id and (text or "").strip() == (alert.action_taken or "").strip()


def _alert_closed_once(case: Case):
    flash(_("The alert is closed. You sent the form twice; it was closed once."), "success")
    return redirect(url_for("followup.case", case_id=case.id), 303)


def render_close_alert(db, alert: RiskAlert, case: Case, form, status: int = 200, closed: dict | None = None):
    """The close page; with ``closed`` (who closed the alert, when, what they recorded)
    the page of a user whose close came second, their text in ``form`` (an
    :class:`AlertNoteForm`) to add to the record."""
    indicators = [RISK_LABELS[k] for k in alert.indicators.split(",") if k in RISK_LABELS]
    report = db.get(FollowUpReport, alert.followup_id) if alert.followup_id else None
    ops.record_read(db, case, user=current_user, page="followup.close_alert")
    return render_template("followup/close_alert.html", case=case, risk_alert=alert, form=form, indicators=indicators,
                           refused=REFUSED_ALERT_LABELS.get(alert.refused), report=report, closed=closed), status


def alert_closed_conflict(db, alert_id: int, text: str | None, form: AlertNoteForm | None = None, status: int = 409):
    """409: someone else closed the alert after this user opened the close page. What
    they recorded is shown, and this user's text stays in a form that adds it to the
    record (:func:`add_alert_note`): nothing typed is lost."""
    db.rollback()
    alert, case = scoped_or_404(RiskAlert, alert_id)
    db.refresh(alert)
    closer = ops.alert_closed_by(db, alert)
    if form is None:
        form = AlertNoteForm(formdata=None, data={"note": text or ""})
    closed = {"by": closer.name if closer else None, "at": format_when(alert.closed_at),
              "mine": closer is not None and closer.id == current_user.id,
              "text": alert.action_taken, "notes": alert_notes_of(db, case.id).get(alert.id, [])}
    return render_close_alert(db, alert, case, form, status=status, closed=closed)


@bp.post("/alerts/<int:alert_id>/notes")
@allow("caseworker", "cmm")
def add_alert_note(alert_id: int):
    db = get_session()
    alert, case = scoped_or_404(RiskAlert, alert_id)
    form = AlertNoteForm()
    if alert.closed_at is None:  # not closed after all: the close form, with the text in it
        return render_close_alert(db, alert, case, CloseAlertForm(formdata=None, data={"action": form.note.data}))
    if not form.validate_on_submit():
        return alert_closed_conflict(db, alert_id, None, form=form, status=422)
    try:
        ops.add_alert_note(db, alert, user=current_user, note=form.note.data)
    except ops.FieldErrors as error:
        db.rollback()
        apply_errors(form, error)
        return alert_closed_conflict(db, alert_id, None, form=form, status=422)
    except ops.Conflict:
        return alert_closed_conflict(db, alert_id, None, form=form)
    except ops.AlertOpen:
        return render_close_alert(db, alert, case, CloseAlertForm(formdata=None, data={"action": form.note.data}))
    flash(_("Your note is added to the alert's record of what was done."), "success")
    return redirect(url_for("followup.case", case_id=case.id))


@bp.get("/attachments/<int:attachment_id>")
@allow(*WATCHERS)
def attachment(attachment_id: int):
    db = get_session()
    item, _case = scoped_or_404(Attachment, attachment_id)
    ops.record_file_read(db, item, user=current_user)
    return uploads.send_attachment(item)


@bp.get("/cases/<int:case_id>/summary.xlsx")
@allow(*WATCHERS)
def summary_xlsx(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    year = status.case_year(db, case, ops.today())
    content = workbook_bytes(year, status.alerts_of(db, case.id), status.disbursements_of(db, case.id),
                             status.alert_notes_of(db, case.id))
    ops.record_export(db, case, user=current_user)
    return xlsx_response(content, f"followup-{case.reference}.xlsx")


def xlsx_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global("report_state_label")
def report_state_label_global(state: str, closed_on=None, send_by=None) -> str:
    """A report's state in words (``forms.report_state_label``), for the templates."""
    return report_state_label(state, closed_on, send_by)


@bp.app_template_filter("rate")
def rate_filter(value) -> str:
    """An exchange rate in the reader's language (``i18n.format_rate``)."""
    return format_rate(value)


@bp.app_template_filter("score")
def score_filter(value) -> str:
    """A dimension score (0.00-1.00) as a whole percentage, or a dash."""
    if value is None:
        return "–"
    return f"{int((value * 100).to_integral_value())} %"

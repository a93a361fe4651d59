"""The partner portal. Light pages for a phone on a slow connection: no design-system
JavaScript, small HTML. A partner officer sees their organisation's cases only
(``case_scope``); anything else answers 404."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from .. import uploads
from ..access import allow, may_open, visible_case_or_404
from ..cases.labels import CASE_STATUS, PLAN_STATUS
from ..cases.operations import record_list_read
from ..db import get_session
from ..forms import shown_status
from ..domain import workflow as wf
from ..followup import operations as ops
from ..followup import status
from ..followup.forms import (RISK_LABELS, AttachmentForm, DisbursementForm, chosen_files, new_request_token,
                              report_form)
from ..followup.questions import DIMENSIONS
from ..followup.questions import current as current_questions
from ..followup.views import apply_errors, report_context, scoped_or_404
from ..i18n import format_day, format_dkk, gettext as _
from ..models import Attachment, Case, FollowUpReport
from . import queries, wording

bp = Blueprint("partner", __name__, url_prefix="/partner")


def _closed(case_id: int):
    flash(_("This case is closed. It can no longer be changed."), "warning")
    return redirect(url_for("partner.case", case_id=case_id))


def _not_required(case, report):
    """The form of a report never sent on a closed case: none to fill in; the case page,
    saying why (as it lists the report)."""
    if status.closed_on(case) is None:
        return _closed(case.id)
    flash(_("The report for month %(month)s is no longer required: the case was closed on %(day)s, so it cannot "
            "be sent.", month=report.due_month, day=wording.partner_moment(case.closed_at)["day"]), "warning")
    return redirect(url_for("partner.case", case_id=case.id))


PAGE_SIZE = 20


@dataclass(frozen=True)
class Slice:
    """One page of a list, without a count: ``size + 1`` rows are read to know
    whether a next page exists, so the cost does not grow with the list."""

    items: list
    number: int
    has_next: bool


def _page_number(name: str) -> int:
    return max(1, min(request.args.get(name, 1, type=int) or 1, 100_000))


def _slice(db, statement, name: str) -> Slice:
    number = _page_number(name)
    rows = list(db.exec(statement, params=queries.page_params(number, PAGE_SIZE)).all())
    return Slice(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)


@bp.get("/")
@allow("partner")
def index():
    """Three paged lists, each one indexed query with LIMIT (``partner.queries``): the
    reports due by due date, the open cases and the closed cases. Report states are
    worked out for the open cases on the page only."""
    db = get_session()
    today = ops.today()
    organisation_id = current_user.organisation_id
    zone = wording.partner_zone()
    due = _slice(db, queries.due_reports(organisation_id), "due")
    due_rows = [(status.case_rows(case, [report], today, zone=zone)[0], case)
                for report, case in queries.only_own(due.items, organisation_id)]
    active = _slice(db, queries.open_cases(organisation_id), "page")
    preparing = _slice(db, queries.preparing_cases(organisation_id), "preparing")
    closed = _slice(db, queries.closed_cases(organisation_id), "closed")
    reports: dict[int, list[FollowUpReport]] = {case.id: [] for case in active.items}
    if reports:
        for report in db.exec(select(FollowUpReport).where(FollowUpReport.case_id.in_(list(reports)))).all():
            reports[report.case_id].append(report)
    active_rows = [(case, status.case_rows(case, reports[case.id], today, zone=zone)) for case in active.items]
    plans = status.latest_versions(db, [case.id for case in preparing.items])
    preparing_rows = [(case, plans.get(case.id)) for case in preparing.items]
    # The lists name the organisation's cases (references, return dates, reports due): one
    # list read linked to every case shown, after everything shown is read (it commits).
    shown = ([case.id for _row, case in due_rows] + [case.id for case in active.items]
             + [case.id for case in preparing.items] + [case.id for case in closed.items])
    record_list_read(db, user=current_user, page=request.endpoint, case_ids=shown)
    args = {k: v for k, v in (("due", due.number), ("page", active.number), ("preparing", preparing.number),
                              ("closed", closed.number)) if v > 1}
    return render_template("partner/index.html", due=due, due_rows=due_rows, active=active,
                           active_rows=active_rows, preparing=preparing, preparing_rows=preparing_rows,
                           closed=closed, args=args, case_status=CASE_STATUS, plan_status=PLAN_STATUS,
                           plan_links=_plan_links())


def _plan_links() -> bool:
    """Whether partners may open plan pages (``plans.show``); they read and comment on
    the plans they co-draft."""
    return may_open("partner", "plans.show")


@bp.get("/cases/<int:case_id>")
@allow("partner")
def case(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    year = status.case_year(db, case, ops.today(), zone=wording.partner_zone())  # closed: the day in the partner's zone
    plan = status.latest_versions(db, [case.id]).get(case.id)
    # Everything the page shows is read before the read's record commits: one transaction.
    shown = {"disbursements": status.disbursements_of(db, case.id), "attachments": status.attachments_of(db, case.id),
             "line_names": status.line_names(year)}  # which line each payment was on, as DRC's page names it
    ops.record_read(db, case, user=current_user, page="partner.case")
    return render_template("partner/case.html", case=case, year=year, plan=plan, plan_status=PLAN_STATUS,
                           plan_links=_plan_links(), **shown)


@bp.route("/cases/<int:case_id>/reports/<int:report_id>", methods=["GET", "POST"])
@uploads.takes_files
@allow("partner")
def report(case_id: int, report_id: int):
    db = get_session()
    report, case = scoped_or_404(FollowUpReport, report_id)
    if case.id != case_id:
        abort(404)
    questions = current_questions()
    form = report_form(questions, data={"revision": report.revision})
    if report.status == ops.SUBMITTED:
        if form.is_submitted():  # sent after it was submitted: shown as the conflict it is
            return _conflict(db, case, report, form, questions)
        shown = report_context(db, case, report)  # read first: the record commits the one transaction
        ops.record_read(db, case, user=current_user, page="partner.report")
        return render_template("partner/report_view.html", case=case, report=report, **shown)
    if case.status == wf.CLOSED:
        if form.is_submitted():  # closed while it was being written: the answers stay in view
            return _closed_refusal(db, case, report, form, questions)
        return _not_required(case, report)
    early: dict = {}  # a final report sent too early: its risk signs, CMM and DRC alerted to them
    if form.validate_on_submit():
        same_files: list[ops.SameFile] = []
        try:
            alert = ops.submit_report(db, case, report, form.revision.data, _report_input(form), user=current_user,
                                      questions=questions, files=chosen_files(form.files), same_files=same_files)
        except ops.NotOpenYet as error:
            db.rollback()
            apply_errors(form, error)  # the answers stay in the form shown again
            _keep_files(db, case, report, chosen_files(form.files))
            early = _alert_early_risks(db, case, report, form)
        except ops.FieldErrors as error:
            db.rollback()  # nothing of a refused report is kept; only the read below is recorded
            apply_errors(form, error)
            _choose_files_again(form)
        except ops.Conflict:
            return _conflict(db, case, report, form, questions)
        except ops.CaseClosed:
            return _closed_refusal(db, case, report, form, questions)
        else:
            flash(_("The report is submitted. Thank you."), "success")
            _tell_same_files(same_files)
            if alert is not None:
                flash(_("You marked signs of risk. CMM and DRC have been alerted."), "warning")
            return redirect(url_for("partner.case", case_id=case.id))
    elif form.is_submitted():
        if _add_report_rules(form, case, report) is not None:  # its own errors, and sent too early
            early = _alert_early_risks(db, case, report, form)
        _choose_files_again(form)
    ops.record_read(get_session(), case, user=current_user, page="partner.report")
    return _report_page(case, report, form, questions, **early), shown_status(form)


def _tell_same_files(same_files) -> None:
    """Tell the sender of each file the case had already (``ops.SameFile``): not attached
    again where it was already (information), attached although another report or
    payment has it (a warning: DRC and CMM see it too)."""
    for same in same_files:
        flash(str(ops.same_file_message(same)), "warning" if same.attached else "info")


def _conflict(db, case, report, form, questions):
    """A report sent after it was changed or submitted by someone else (found submitted
    before trying, or refused by the submit's optimistic lock): 409, and nothing that was
    sent is lost from view. The report is read afresh.

    Still due (a caseworker changed it, e.g. its due date with the return date): the form
    again with the answers kept and the revision as it is now, so that one more send,
    having seen what changed, goes through. Submitted: who submitted it, when and what,
    beside the answers sent, which can no longer be sent. Nothing in the portal adds to a
    submitted report but files, so CMM and DRC are alerted to the risk signs it lacks
    (``_alert_unsent_risks``). Files are not attached here (the same form sent twice would
    attach them twice): the page says to choose them again on the attachments page.

    Gone (a changed return date dropped it while this waited for the case's lock): the
    case's page says so (:func:`_dropped`)."""
    db.rollback()
    if db.get(FollowUpReport, inspect(report).identity[0]) is None:  # its key, without loading it
        return _dropped(db, case.id)
    if _sent_twice_by_me(db, report, form):
        return _sent_twice(case, report)
    form.revision.data = report.revision
    if report.status != ops.SUBMITTED:
        ops.record_read(db, case, user=current_user, page="partner.report")
        form.form_errors.append(_("This report was changed while you were writing (for example its due date, when "
                                  "the return date was changed), so nothing was sent. Your answers are kept below: "
                                  "check the report, then send it again."))
        _choose_files_again(form)
        return _report_page(case, report, form, questions), 409
    risks = _alert_unsent_risks(db, case, report, form, ops.REFUSED_SUBMITTED)
    ops.record_read(db, case, user=current_user, page="partner.report")
    form.form_errors.append(wording.submitted_by(db, report))
    wording.files_not_saved(form, case)
    return _report_page(case, report, form, questions, **risks, **report_context(db, case, report)), 409


def _dropped(db, case_id: int):
    """A report sent that the case no longer has: a changed return date dropped it while
    the send waited for the case's lock (``record_return``: a month the follow-up no
    longer asks for, not sent and without files). Nothing is written; the case's page
    says so, its reports as they are now. (Dropped before the send arrived, its URL is a
    404, as any report the case does not have: report ids reveal nothing.)"""
    case = visible_case_or_404(db, case_id, current_user)
    flash(_("This report is no longer asked for: the return date was changed, and the follow-up no longer has "
            "this month. Nothing was sent. Write what you saw in the report that is due now."), "warning")
    return redirect(url_for("partner.case", case_id=case.id))


def _sent_twice_by_me(db, report, form) -> bool:
    """Whether the form is the resend of the reader's own send that submitted the report
    (``ops.sent_already``); a colleague's send is never read as an answer for it."""
    return (report.status == ops.SUBMITTED and report.submitted_by == current_user.id and form.validate()
            and ops.sent_already(db, report, form.revision.data, _report_input(form), user=current_user,
                                 files=chosen_files(form.files)))


def _sent_twice(case, report):
    """The form sent twice by the officer whose first send submitted it (a double tap on
    a slow line): said as done, as the first send was, and nothing is sent again."""
    flash(_("You sent this report on %(day)s at %(time)s (%(zone)s). It was sent once: nothing more was sent.",
            **wording.partner_moment(report.submitted_at)), "success")
    return redirect(url_for("partner.case", case_id=case.id), 303)


def _closed_refusal(db, case, report, form, questions):
    """A report sent after its case was closed (by a caseworker, or by a colleague's final
    report): 409, and as on the page of a report submitted meanwhile, nothing that was sent
    is lost from view: who closed the case and when, the answers sent, shown but not
    sendable, the files named as not saved, and CMM and DRC alerted to the risk signs. The
    form's own field errors do not matter here: nothing can be sent to a closed case."""
    db.rollback()
    risks = _alert_unsent_risks(db, case, report, form, ops.REFUSED_CASE_CLOSED)
    ops.record_read(db, case, user=current_user, page="partner.report")
    form.form_errors.append(wording.closed_by(db, case))
    wording.files_not_saved(form, case)
    return _report_page(case, report, form, questions, **risks), 409


def _alert_unsent_risks(db, case, report, form, refused: str) -> dict:
    """The risk signs of a refused send that the stored report lacks, for the page, CMM
    and DRC alerted to them (``ops.alert_refused_report``). Should the alert fail (the
    database refused it), the page still names the signs, and says that no one was
    alerted and whom to tell: they are never lost from view."""
    try:
        refused_risks = ops.alert_refused_report(db, case, report, form.risk_indicators(), user=current_user,
                                                 refused=refused)
    except SQLAlchemyError:
        db.rollback()
        current_app.logger.exception("report %s: the alert for the signs of a refused send failed", report.id)
        stored = set((report.risk_indicators or "").split(","))
        return {"unsent_risks": [RISK_LABELS[key] for key in form.risk_indicators() if key not in stored],
                "risks_alerted": False}
    return {"unsent_risks": [RISK_LABELS[key] for key in refused_risks.unsent], "risks_alerted": True}


def _alert_early_risks(db, case, report, form) -> dict:
    """The risk signs of a final report sent before it can be (``ops.NotOpenYet``), CMM and
    DRC alerted to them (``_alert_unsent_risks``) as for the other refused sends: sending
    again is of no use for weeks or months, so the signs must not wait for it. For the
    page also the report that can carry them now (``early_report``: the earliest of the
    case's other reports not yet sent, if any) and the day the final report opens."""
    if not form.risk_indicators():
        return {}
    risks = _alert_unsent_risks(db, case, report, form, ops.REFUSED_NOT_OPEN_YET)
    if not risks["unsent_risks"]:
        return {}
    other = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final.is_(False),
                                                 FollowUpReport.status == ops.DUE)
                    .order_by(FollowUpReport.due_date, FollowUpReport.id)).first()
    return {**risks, "early_report": other}


def _add_report_rules(form, case, report):
    """A form refused for its own errors also shows the report's rules that it breaks
    (the contact date, a final report sent too early), so that all are fixed at once; the
    date is judged once the field itself holds a date. The day the final report opens,
    if it was sent too early (``None`` otherwise)."""
    errors, opens = ops.report_errors(case, report, None if form.contact_date.errors else form.contact_date.data)
    apply_errors(form, ops.FieldErrors(errors))
    return opens


def _keep_files(db, case, report, files) -> None:
    """The files chosen for a final report sent too early are attached to the report (as
    the attachments page would), so that nothing chosen is lost; a browser cannot put
    them back in the form."""
    if not files:
        return
    same_files: list[ops.SameFile] = []
    try:
        ops.add_attachments(db, case, user=current_user, target=f"report:{report.id}", files=files,
                            same_files=same_files)
    except ops.FieldErrors:
        db.rollback()
        flash(_("The files you chose could not be kept. Choose them again when you send the report."), "warning")
    else:
        flash(_("The files you chose are attached to the report for month %(month)s. You need not choose them "
                "again.", month=report.due_month), "info")
        _tell_same_files(same_files)


def _choose_files_again(form) -> None:
    """A refused form comes back without the files that were chosen (a browser cannot put
    them back, and nothing of a refused form is stored): say which to choose again, at
    the file field. When the field has its own error, a file refused for its content or
    size, that error names only the refused file (and only a field's first error is shown
    at it): the good files chosen with it are named after it, or they are left behind."""
    if not form.files.errors:
        names = wording.chosen_names(form)
        if names:
            form.files.errors = [_("Nothing was saved, so the files you chose were not kept: choose them again "
                                   "before you send (%(names)s).", names=names)]
        return
    refused = getattr(form.files, "refused_file", None)
    others = wording.chosen_names(form, leave_out=refused) if refused is not None else ""
    if others:
        form.files.errors = [_("%(error)s The other files you chose were not kept either: choose them again "
                               "before you send (%(names)s).", error=form.files.errors[0], names=others),
                             *form.files.errors[1:]]


def _report_page(case, report, form, questions, **conflict):
    """The report form; with ``conflict`` (the submitted report's ``report_context``, the
    risk signs it lacks and whether CMM and DRC were alerted to them) the page of a report
    submitted meanwhile: what was submitted, and the answers sent, shown but not sendable.
    On a closed case (only a refused send shows it) the answers sent, not sendable."""
    groups = [(dimension, form.question_fields(questions.in_dimension(dimension))) for dimension in DIMENSIONS]
    context = {"currency": ops.local_currency(get_session(), case), **conflict}
    return render_template("partner/report.html", case=case, report=report, form=form, groups=groups,
                           opens=ops.final_report_opens(case, report), **context)


def _report_input(form) -> ops.ReportInput:
    return ops.ReportInput(
        contact_date=form.contact_date.data, contact_kind=form.contact_kind.data,
        activity_status=form.activity_status.data, income_local=form.income_local.data,
        monthly_income=form.monthly_income.data, housing=form.housing.data or None,
        health=form.health.data or None, schooling=form.schooling.data or None,
        wellbeing=form.wellbeing.data or None, notes=form.notes.data or None,
        answers=form.answers(), risk_indicators=form.risk_indicators())


def _line_choices(year) -> list[tuple[str, str]]:
    choices = [("", _("Choose a budget line"))]
    for row in year.lines:
        line = row.line
        kind = _("Cash") if line.kind == "cash" else _("In-kind")
        text = line.description or line.category or kind
        # Each option names the currency its amount is typed in: the local one, or DKK.
        choices.append((line.line_key, _("%(kind)s, month %(month)s: %(text)s (paid in %(currency)s, %(left)s left)",
                                         kind=kind, month=line.month, text=text[:60],
                                         currency=ops.paid_in_local(line) or "DKK", left=format_dkk(row.remaining))))
    return choices


@bp.route("/cases/<int:case_id>/disburse", methods=["GET", "POST"])
@uploads.takes_files
@allow("partner")
def disburse(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    if case.status == wf.CLOSED and request.method != "POST":
        return _closed(case.id)
    year = status.case_year(db, case, ops.today())
    form = DisbursementForm()
    form.line_key.choices = _line_choices(year)
    if case.status == wf.CLOSED:  # closed while the form was being filled in
        return _payment_closed_refusal(db, case, form, year)
    if case.status != wf.IN_FOLLOWUP:
        form.form_errors.append(_("Payments can be recorded once the return date is recorded."))
    elif form.validate_on_submit():
        same_files: list[ops.SameFile] = []
        try:
            ops.record_disbursement(db, case, user=current_user, line_key=form.line_key.data,
                                    paid_on=form.paid_on.data, amount_local=form.amount_local.data,
                                    amount_dkk=form.amount_dkk.data, note=form.note.data,
                                    files=chosen_files(form.files), token=form.request_token.data,
                                    same_files=same_files, another=form.another.data)
        except ops.FieldErrors as error:
            apply_errors(form, error)
            _choose_files_again(form)
        except ops.AlreadyRecorded as done:
            if done.same:  # the same form sent twice: the first post recorded it
                flash(_("This payment was already recorded (the form was sent twice). It is recorded once."),
                      "info")
                return redirect(url_for("partner.case", case_id=case.id))
            form.request_token.data = new_request_token()
            _choose_files_again(form)
            form.form_errors.append(_("This form was already used to record a payment of %(amount)s on "
                                      "%(day)s, so nothing was recorded. Check the payments of the case; to "
                                      "record another payment, send the form again.",
                                      amount=format_dkk(done.disbursement.amount_dkk),
                                      day=format_day(done.disbursement.paid_on)))
        except ops.CaseClosed:
            return _payment_closed_refusal(db, case, form, year)
        else:
            flash(_("The payment is recorded."), "success")
            _tell_same_files(same_files)
            return redirect(url_for("partner.case", case_id=case.id))
    elif form.is_submitted():
        # Refused for its own errors: the date's rules too, so that all are fixed at once.
        apply_errors(form, ops.FieldErrors(ops.payment_date_errors(
            case, None if form.paid_on.errors else form.paid_on.data)))
        _choose_files_again(form)
    ops.record_read(db, case, user=current_user, page="partner.disburse")
    return render_template("partner/disburse.html", case=case, form=form, year=year), shown_status(form)


def _payment_closed_refusal(db, case, form, year):
    """A payment sent after its case was closed (by a caseworker, or by a colleague's
    final report): 409, and as on the page of a report sent to a closed case, nothing
    that was sent is lost from view: who closed the case and when, the payment as it was
    typed (shown, not sendable), the files named as not saved, and what to send to whom.
    The payment was made in the field, so DRC is told by e-mail as well
    (``ops.tell_refused_payment``); should that fail, the page says no one was told."""
    db.rollback()
    case = db.get(Case, case.id, populate_existing=True)
    sent, told = _payment_as_sent(form), False
    if sent:  # an empty form sent is no payment to tell of
        try:
            ops.tell_refused_payment(db, case, user=current_user, token=form.request_token.data,
                                     files=len(chosen_files(form.files)))
        except SQLAlchemyError:
            db.rollback()
            current_app.logger.exception("case %s: telling DRC of a refused payment failed", case.id)
        else:
            told = True
    ops.record_read(db, case, user=current_user, page="partner.disburse")
    form.form_errors.append(wording.closed_by(db, case, kept="payment"))
    wording.files_not_saved(form, case)
    return render_template("partner/disburse.html", case=case, form=form, year=year, sent=sent,
                           drc_told=told), 409


def _payment_as_sent(form) -> list[tuple[str, str]]:
    """The payment's fields as they were typed (they need not be valid), with their labels,
    for the page of a payment that could not be recorded; the files are named apart."""
    line = _chosen_label(form.line_key) or _typed(form.line_key)
    rows = [(form.line_key.label.text, line), (form.paid_on.label.text, _typed(form.paid_on)),
            (form.amount_local.label.text, _typed(form.amount_local)),
            (form.amount_dkk.label.text, _typed(form.amount_dkk)), (form.note.label.text, _typed(form.note)),
            (form.files.label.text, wording.chosen_names(form))]
    return [(label, value) for label, value in rows if value]


def _chosen_label(field) -> str | None:
    """The label of the option chosen in a select, if one of its options was sent."""
    sent = _typed(field)
    return next((str(choice.label) for choice in field.choices if sent and choice.value == sent), None)


def _typed(field) -> str:
    """What was sent in a field, as typed."""
    return (field.raw_data or [""])[0] if field.raw_data else ""


@bp.route("/cases/<int:case_id>/attachments", methods=["GET", "POST"])
@uploads.takes_files
@allow("partner")
def upload(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    if case.status == wf.CLOSED and request.method != "POST":
        return _closed(case.id)
    form = AttachmentForm()
    form.target.choices = [("", _("Choose"))] + _targets(db, case)
    if case.status == wf.CLOSED:  # closed while the files were being chosen
        return _upload_closed_refusal(db, case, form)
    if form.validate_on_submit():
        same_files: list[ops.SameFile] = []
        try:
            added = ops.add_attachments(db, case, user=current_user, target=form.target.data,
                                        files=chosen_files(form.files), same_files=same_files)
        except ops.FieldErrors as error:
            apply_errors(form, error)
            _choose_files_again(form)
            if "target" in error.errors:  # the report chosen was dropped meanwhile: the choices as they are now
                form.target.choices = [("", _("Choose"))] + _targets(db, case)
        except ops.CaseClosed:
            return _upload_closed_refusal(db, case, form)
        else:
            if added:
                flash(_("The files are attached."), "success")
            _tell_same_files(same_files)
            return redirect(url_for("partner.case", case_id=case.id))
    elif form.is_submitted():
        _choose_files_again(form)
    ops.record_read(db, case, user=current_user, page="partner.upload")
    return render_template("partner/upload.html", case=case, form=form), shown_status(form)


def _upload_closed_refusal(db, case, form):
    """Files sent after their case was closed: 409, who closed it and when, the files
    named as not saved with what they were for, and whom to send them to."""
    db.rollback()
    case = db.get(Case, case.id, populate_existing=True)
    ops.record_read(db, case, user=current_user, page="partner.upload")
    form.form_errors.append(wording.closed_by(db, case, kept=None))
    wording.files_not_saved(form, case)
    target = _chosen_label(form.target)
    return render_template("partner/upload.html", case=case, form=form, refused=True, target=target), 409


def _targets(db, case) -> list[tuple[str, str]]:
    year = status.case_year(db, case, ops.today())
    targets = [(f"report:{row.report.id}", _("Report for month %(month)s", month=row.report.due_month))
               for row in year.reports]
    for item in status.disbursements_of(db, case.id):
        targets.append((f"disbursement:{item.id}", _("Payment of %(amount)s on %(day)s",
                                                     amount=format_dkk(item.amount_dkk),
                                                     day=format_day(item.paid_on))))
    return targets


@bp.get("/attachments/<int:attachment_id>")
@allow("partner")
def attachment(attachment_id: int):
    db = get_session()
    item, _case = scoped_or_404(Attachment, attachment_id)
    ops.record_file_read(db, item, user=current_user)
    return uploads.send_attachment(item)

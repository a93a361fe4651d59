"""The writes of the reintegration year. Each function checks what it needs, writes,
records the audit event in the same transaction and commits.

Rule failures that belong to a form field raise :class:`FieldErrors` (field name to a
translated message; ``None`` for the form as a whole); a closed case raises
:class:`CaseClosed`; a lost optimistic-locking race raises :class:`Conflict`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import mail, uploads
from ..access import scope_for
from ..audit import done_by, record
from ..db import sqlite_write_lock
from ..domain import workflow as wf
from ..domain.followup import (AFTER_END, BEFORE_RETURN, CONTACT, PAYMENT, RISK_INDICATORS, DatedRecord,
                               final_opens_on, instalment_dkk, local_left, outside_period, over_line, period_end,
                               return_date_violations, return_date_warnings, schedule)
from ..domain.followup import (REFUSED_CASE_CLOSED, REFUSED_NOT_OPEN_YET,  # noqa: F401 (for the views, as ops.*)
                               REFUSED_SUBMITTED)
from ..domain.violation import Violation
from ..domain.workflow import CaseClosed
from ..forms import plain_number
from ..i18n import format_amount, format_day, format_dkk, gettext as _, lazy_gettext as _l, local_today
from ..locks import lock_case
from ..models import (Attachment, AuditEvent, Case, Disbursement, FollowUpReport, Organisation, RiskAlert,
                      RiskAlertNote, User)
from ..models.organisations import INACTIVE
from ..models._common import utcnow
from ..plans.operations import recheck_open_versions
from .questions import QuestionSet
from .scoring import dimension_scores
from .status import (disbursed_on_line, first_approved_on, line_label, paid_at_rate, rate_table_for,
                     version_in_force)

SUBMITTED = "submitted"
DUE = "due"


def today() -> date:
    """Today in Danish time (``i18n.local_today``), in one place (tests replace it)."""
    return local_today()


class FieldErrors(Exception):
    """Rule failures shown at form fields: ``{field name or None: message}``."""

    def __init__(self, errors: dict) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Conflict(Exception):
    """Someone else changed the record since the form was opened."""


class AlertOpen(Exception):
    """A note was sent for an alert that is not closed: it is closed with the text instead."""


class NotOpenYet(FieldErrors):
    """The final report was sent before the last day of the reintegration period (or
    before its month began, if later): nothing was sent."""

    def __init__(self, errors: dict, opens: date) -> None:
        super().__init__(errors)
        self.opens = opens


class AlreadyRecorded(Exception):
    """The form's one-time token has recorded a payment already. ``same`` says whether
    the form asked for that very payment (sent twice) or for another one (a form used
    again, e.g. from the browser's history)."""

    def __init__(self, disbursement: Disbursement, same: bool) -> None:
        super().__init__(disbursement.id)
        self.disbursement = disbursement
        self.same = same


def ensure_open(case: Case) -> None:
    if case.status == wf.CLOSED:
        raise CaseClosed(case.id)


def _touch(case: Case) -> None:
    case.updated_at = utcnow()
    case.revision = (case.revision or 0) + 1


# --- return -----------------------------------------------------------------------

@dataclass(frozen=True)
class ReturnRecorded:
    """The reports of the case after the return was recorded, and what the user should
    check about the date (``return_date_warnings``; the date is saved all the same,
    :func:`return_warning` words them)."""

    reports: list[FollowUpReport]
    warnings: list[Violation]


def record_return(db: Session, case: Case, return_date: date, *, seen_revision: int | None,
                  user: User) -> ReturnRecorded:
    """Record the actual departure date. The case moves to ``in_followup`` and gets the
    report schedule of the rate table valid on that date; a changed date moves the due
    dates of the reports not yet submitted (submitted ones keep theirs), and only a
    report whose due date moves gets a new revision. Only a case with an approved plan
    version can return.

    Optimistic locking: ``seen_revision`` is the case's revision when the form was
    opened; if the case changed since, :class:`Conflict` and nothing is written. Saving
    the date the case already has changes nothing (no revision moves, so no one else's
    form goes stale), whatever the revision. The date may not leave a recorded payment
    or a submitted report's contact outside the period (``return_date_violations``)."""
    ensure_open(case)
    if version_in_force(db, case.id) is None:
        raise FieldErrors({None: _l("The case has no approved plan yet. The return can be recorded once "
                                    "Hjemrejsestyrelsen has approved the plan.")})
    if return_date > today():
        raise FieldErrors({"return_date": _l("The date cannot be in the future.")})
    table = rate_table_for(return_date)
    if table is None:
        raise FieldErrors({"return_date": _l("No rate table covers %(day)s, so the follow-up schedule is "
                                             "unknown. Ask an administrator to add one.", day=format_day(return_date))})
    case = lock_case(db, case.id)
    try:
        ensure_open(case)  # closed while the form was open, or while this waited for the lock
    except CaseClosed:
        db.rollback()
        raise
    warnings = return_date_warnings(return_date, first_approved_on(db, case.id))
    if case.actual_return == return_date and case.status == wf.IN_FOLLOWUP:
        db.rollback()
        return ReturnRecorded(_reports(db, case), warnings)
    if seen_revision != case.revision:
        db.rollback()
        raise Conflict(case.id)
    refused = return_date_violations(return_date, table, _recorded_in_period(db, case))
    if refused:
        message = return_refusal(db, case, refused[0])
        db.rollback()
        raise FieldErrors({"return_date": message})
    previous = case.actual_return
    existing = {r.due_month: r for r in db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)).all()}
    planned = schedule(return_date, table)
    months = {due.month for due in planned}
    for due in planned:
        report = existing.get(due.month)
        if report is None:
            db.add(FollowUpReport(case_id=case.id, due_month=due.month, due_date=due.due, final=due.final))
        elif report.status != SUBMITTED and (report.due_date, report.final) != (due.due, due.final):
            # Only a moved report is a changed one: a partner writing it must look again.
            report.due_date, report.final = due.due, due.final
            report.revision += 1
            db.add(report)
    for month, report in existing.items():
        # A month the new table no longer asks for: drop it if nothing hangs on it.
        if month not in months and report.status != SUBMITTED:
            has_files = db.exec(select(Attachment.id).where(Attachment.followup_id == report.id)).first()
            if has_files is None:
                db.delete(report)
    case.actual_return = return_date
    case.status = wf.IN_FOLLOWUP
    _touch(case)
    db.add(case)
    db.flush()
    # The return date is now the plans' reference date: an amendment being drafted or
    # awaiting a decision is judged on it (which children are minors, which table).
    recheck_open_versions(db, case.id, current_app.extensions["rate_tables"], today())
    record(db, "followup.return_recorded", user=user, obj=case, case_id=case.id,
           detail={"from": previous, "to": return_date, "rate_table": table.id,
                   "rate_table_version": table.version})
    db.commit()
    return ReturnRecorded(_reports(db, case), warnings)


def _reports(db: Session, case: Case) -> list[FollowUpReport]:
    return list(db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                        .order_by(FollowUpReport.due_month)).all())


def _recorded_in_period(db: Session, case: Case) -> list[DatedRecord]:
    """The case's payments and submitted reports' contacts, which a return date must
    leave inside the period."""
    payments = db.exec(select(Disbursement.id, Disbursement.paid_on).where(Disbursement.case_id == case.id)).all()
    contacts = db.exec(select(FollowUpReport.due_month, FollowUpReport.contact_date)
                       .where(FollowUpReport.case_id == case.id, FollowUpReport.status == SUBMITTED,
                              FollowUpReport.contact_date.is_not(None))).all()
    return ([DatedRecord(PAYMENT, day, ref) for ref, day in payments]
            + [DatedRecord(CONTACT, day, month) for month, day in contacts])


def return_refusal(db: Session, case: Case, violation: Violation):
    """The message for a return date refused by ``return_date_violations``: it names the
    record that would fall outside the period (a payment by its amount and line as the
    pages number them, a report by its month) and its date."""
    day = format_day(violation.params["day"])
    if violation.code == "return.contact_before":
        return _l("The report for month %(month)s is submitted with a contact on %(day)s, before this date. A "
                  "report cannot speak of a contact before the return: the return date can be %(day)s at the "
                  "latest.", month=violation.params["ref"], day=day)
    payment = db.get(Disbursement, violation.params["ref"])
    number, name = line_label(db, case, payment.line_key)
    if violation.code == "return.payment_before":
        return _l("%(amount)s was paid on %(day)s (line %(line)s, %(name)s), before this date. Every payment "
                  "falls within the reintegration period, which starts on the return date: the return date can "
                  "be %(day)s at the latest.", amount=format_dkk(payment.amount_dkk), day=day, line=number,
                  name=name)
    return _l("%(amount)s was paid on %(day)s (line %(line)s, %(name)s), after the end of the reintegration "
              "period this date would give (%(end)s). Every payment falls within the period.",
              amount=format_dkk(payment.amount_dkk), day=day, line=number, name=name,
              end=format_day(violation.params["end"]))


def return_warning(violation: Violation):
    """The message for what ``return_date_warnings`` points out."""
    return _l("The return date is before Hjemrejsestyrelsen approved the plan (%(day)s). Check that it is the "
              "day the person left Denmark: the follow-up reports are scheduled from it, and a date too early "
              "makes them due or overdue at once.", day=format_day(violation.params["approved"]))


# --- follow-up report -------------------------------------------------------------

@dataclass(frozen=True)
class ReportInput:
    contact_date: date
    contact_kind: str
    activity_status: str
    income_local: Decimal | None
    monthly_income: Decimal | None
    housing: str | None
    health: str | None
    schooling: str | None
    wellbeing: str | None
    notes: str | None
    answers: dict
    risk_indicators: tuple[str, ...]


def _stage_all(files, field: str, *, optional: bool = True) -> list[uploads.StagedFile]:
    """Stage each file sent (``uploads.stage``), or none: a file refused, or one the
    server cannot write, is a :class:`FieldErrors` at ``field`` (see :func:`_unstored`)."""
    staged: list[uploads.StagedFile] = []
    try:
        for storage in files:
            staged.append(uploads.stage(storage.stream, storage.filename))
    except uploads.UploadError as error:
        uploads.discard(staged)
        if error.code == "unstored":
            raise _unstored(files, field, optional=optional) from None
        from .forms import upload_message

        raise FieldErrors({field: upload_message(error, getattr(storage, "filename", None))}) from None
    return staged


def _commit_with_files(db: Session, staged: list[uploads.StagedFile], files, field: str, *,
                       optional: bool = True) -> None:
    """``uploads.commit_with_files``: a file the server cannot move into place is a
    :class:`FieldErrors` at ``field``, nothing written (see :func:`_unstored`)."""
    try:
        uploads.commit_with_files(db, staged)
    except uploads.UploadError:
        raise _unstored(files, field, optional=optional) from None


def _unstored(files, field: str, *, optional: bool) -> FieldErrors:
    """The server could not write the files sent (disk full, say): nothing of the send was
    saved, and the form is shown again with what was typed, the files named at ``field``
    to choose again. A report's or a payment's files are ``optional``: it can be sent
    without them, and they added later, so a full disk never holds back a report."""
    from .forms import unstored_message

    names = ", ".join(uploads.base_name(storage.filename)[:80] for storage in files)
    return FieldErrors({field: unstored_message(names, optional=optional)})


@dataclass(frozen=True)
class SameFile:
    """A file sent whose content the case already has (the same ``Attachment.sha256``).

    ``attached`` False: the report or payment it was sent for has it already (or it came
    earlier in the same send), so it was not attached again. ``attached`` True: another
    report (``month``) or another payment (``paid_on``, ``amount_dkk``) of the case has it,
    so it was attached all the same, and the pages DRC and CMM read say so at the file
    (``status.case_files``): a receipt used twice may be a mistake or a sign of misuse."""

    name: str  # the file sent
    same_as: str  # the file the case has, as it was named when attached
    kind: str  # "report" or "disbursement": what it was sent for
    attached: bool
    month: int | None = None
    paid_on: date | None = None
    amount_dkk: Decimal | None = None


def _attach(db: Session, case: Case, staged: list[uploads.StagedFile], *, user: User, kind: str, target_id: int,
            same_files: list | None) -> tuple[list[Attachment], list[uploads.StagedFile]]:
    """Add the rows of the staged files to the report (``kind`` "report") or payment
    ("disbursement") ``target_id`` of ``case``: the attachments added, and the staged files
    they are for. A file the target has already, or that came earlier in this send, is
    not added: its staged copy is removed. Each file the case has already is noted in
    ``same_files`` (when given) as a :class:`SameFile`. Only this case's attachments are
    looked at: nothing of another case, or another partner's, is named."""
    column = Attachment.followup_id if kind == "report" else Attachment.disbursement_id
    known = db.exec(select(Attachment.sha256, Attachment.original_name, column, FollowUpReport.due_month,
                           Disbursement.paid_on, Disbursement.amount_dkk)
                    .outerjoin(FollowUpReport, FollowUpReport.id == Attachment.followup_id)
                    .outerjoin(Disbursement, Disbursement.id == Attachment.disbursement_id)
                    .where(Attachment.case_id == case.id, column.is_not(None),
                           Attachment.sha256.in_(sorted({item.sha256 for item in staged})))
                    .order_by(Attachment.id)).all() if staged else []
    here = {row[0]: row[1] for row in reversed(known) if row[2] == target_id}  # the first attached wins
    added, kept, dropped = [], [], []
    notes: list[SameFile] = []
    for item in staged:
        if item.sha256 in here:
            notes.append(SameFile(item.original_name, here[item.sha256], kind, attached=False))
            dropped.append(item)
            continue
        here[item.sha256] = item.original_name
        added.append(uploads.add_attachment(db, item, case_id=case.id, user_id=user.id,
                                            followup_id=target_id if kind == "report" else None,
                                            disbursement_id=target_id if kind == "disbursement" else None))
        kept.append(item)
        named: set = set()
        for sha256, original_name, other, month, paid_on, amount_dkk in known:
            if sha256 == item.sha256 and other != target_id and other not in named:
                named.add(other)
                notes.append(SameFile(item.original_name, original_name, kind, attached=True, month=month,
                                      paid_on=paid_on, amount_dkk=amount_dkk))
    uploads.discard(dropped)
    if same_files is not None:
        same_files.extend(notes)
    return added, kept


def same_file_message(same: SameFile):
    """What the sender is told of a file the case had already (:class:`SameFile`)."""
    if not same.attached and same.kind == "report":
        return _l("%(name)s is the same file as %(same)s already attached to this report; it was not attached "
                  "again.", name=same.name, same=same.same_as)
    if not same.attached:
        return _l("%(name)s is the same file as %(same)s already attached to this payment; it was not attached "
                  "again.", name=same.name, same=same.same_as)
    if same.kind == "report":
        return _l("%(name)s is the same file as %(same)s attached to the report for month %(month)s. It is "
                  "attached here as well, and DRC and CMM will see that the same file is attached to both "
                  "reports.", name=same.name, same=same.same_as, month=same.month)
    return _l("%(name)s is the same file as %(same)s attached to the payment of %(amount)s on %(day)s. It is "
              "attached here as well, and DRC and CMM will see that the same file is attached to both payments.",
              name=same.name, same=same.same_as, amount=format_dkk(same.amount_dkk), day=format_day(same.paid_on))


def final_report_opens(case: Case, report: FollowUpReport) -> date | None:
    """The day the final report can be sent (``final_opens_on``: the last day of the
    reintegration period), while that day is still to come (``None`` for other reports,
    or once it has come)."""
    if not report.final or case.actual_return is None:
        return None
    opens = final_opens_on(case.actual_return, report.due_month, rate_table_for(case.actual_return))
    return opens if today() < opens else None


def report_errors(case: Case, report: FollowUpReport, contact_date: date | None) -> tuple[dict, date | None]:
    """The rules a report is held to beyond its form, as :class:`FieldErrors` keys them,
    and the day the final report opens if it is not open yet. The report form's page
    asks for them too when the form itself has errors, so that all are shown at once."""
    errors: dict = {}
    opens = final_report_opens(case, report)
    if opens is not None:
        errors[None] = _l("The final report (month %(month)s) can be sent from %(day)s, the last day of the "
                          "reintegration period: sending it closes the case. Nothing was sent.",
                          month=report.due_month, day=format_day(opens))
    if contact_date is not None:
        if case.actual_return and contact_date < case.actual_return:
            errors["contact_date"] = _l("The contact cannot be before the return (%(day)s).",
                                        day=format_day(case.actual_return))
        if contact_date > today():
            errors["contact_date"] = _l("The date cannot be in the future.")
    return errors, opens


def submit_report(db: Session, case: Case, report: FollowUpReport, seen_revision: int | None,
                  data: ReportInput, *, user: User, questions: QuestionSet, files=(),
                  same_files: list | None = None) -> RiskAlert | None:
    """Submit a follow-up report, once. Scores per dimension are computed from the
    answers and stored. Any risk indicator opens a risk alert, and CMM and DRC are told
    at once (dashboard and e-mail). The final report closes the case ("period ended"), so
    it is refused (:class:`NotOpenYet`, nothing written) before the last day of the period
    (``final_opens_on``): the reason recorded is then true, and every payment of the period
    can be recorded before it. The caller alerts CMM and DRC to the risk signs of such a
    refused send (:func:`alert_refused_report`, ``REFUSED_NOT_OPEN_YET``).
    Optimistic locking: ``seen_revision`` must still be the report's revision.

    The case row is locked (``locks.lock_case``) before anything is written, as every other
    write on a case does first (closing it, a payment, a refused send's alert): a report
    and a closure at once are serialised in one order, not a deadlock, and a case closed
    while the form was open, or while this waited for the lock, takes no report.

    A file sent twice, or one the report has already (a final report sent too early keeps
    its files), is attached once; ``same_files``, when given, is told of it and of a file
    another report of the case has too (:func:`_attach`)."""
    ensure_open(case)
    if report.status == SUBMITTED:
        raise Conflict(report.id)
    errors, opens = report_errors(case, report, data.contact_date)
    if opens is not None:
        raise NotOpenYet(errors, opens)
    if errors:
        raise FieldErrors(errors)
    scores = dimension_scores(questions, data.answers)
    staged = _stage_all(files, "files")
    try:
        case = lock_case(db, case.id)
        ensure_open(case)
        result = db.execute(
            update(FollowUpReport)
            .where(FollowUpReport.id == report.id, FollowUpReport.revision == (seen_revision or -1),
                   FollowUpReport.status == DUE)
            .values(status=SUBMITTED, submitted_by=user.id, submitted_at=utcnow(),
                    contact_date=data.contact_date, contact_kind=data.contact_kind,
                    activity_status=data.activity_status, income_local=data.income_local,
                    monthly_income=data.monthly_income, housing=data.housing, health=data.health,
                    schooling=data.schooling, wellbeing=data.wellbeing, notes=data.notes,
                    answers=json.dumps({"question_set": questions.id, "version": questions.version,
                                        "answers": data.answers}, sort_keys=True),
                    score_economic=scores["economic"], score_social=scores["social"],
                    score_psychosocial=scores["psychosocial"],
                    risk_indicators=",".join(data.risk_indicators), revision=FollowUpReport.revision + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(report.id)
        _added, staged = _attach(db, case, staged, user=user, kind="report", target_id=report.id,
                                 same_files=same_files)
        alert = None
        recipients: list[User] = []
        if data.risk_indicators:
            alert = RiskAlert(case_id=case.id, followup_id=report.id, indicators=",".join(data.risk_indicators))
            db.add(alert)
            db.flush()
            recipients = alert_recipients(db, case)
        record(db, "followup.report_submitted", user=user, obj=report, case_id=case.id,
               detail={"month": report.due_month, "final": report.final, "files": len(staged),
                       "risk_indicators": list(data.risk_indicators)})
        if alert is not None:
            record(db, "followup.alert_opened", user=user, obj=alert, case_id=case.id,
                   detail={"indicators": list(data.risk_indicators), "notified": [u.id for u in recipients]})
        if report.final:
            # As a caseworker's closure does, the record names the alerts left open (ids).
            _close(db, case, user=user, reason="period_ended", note=None, action="followup.period_closed",
                   detail={"open_alerts": open_alert_ids(db, case.id)})
    except BaseException:
        db.rollback()
        uploads.discard(staged)
        raise
    _commit_with_files(db, staged, files, "files")
    db.refresh(report)
    if alert is not None:
        notify_alert(case, recipients)
    return alert


def sent_already(db: Session, report: FollowUpReport, seen_revision: int | None, data: ReportInput, *,
                 user: User, files=()) -> bool:
    """Whether a report send refused because the report is submitted is the resend of
    the send that submitted it (a double tap on a slow line): this officer submitted it
    from the form's revision (one revision on, nothing since), with exactly these answers
    and risk signs, and every file sent is attached to the report already. Anything else
    (a colleague's report, other answers, another file) stays a conflict."""
    if (report.status != SUBMITTED or report.submitted_by != user.id or seen_revision is None
            or report.revision != seen_revision + 1):
        return False
    stored = json.loads(report.answers or "{}").get("answers")
    sent = {name: getattr(data, name) for name in ("contact_date", "contact_kind", "activity_status", "income_local",
                                                    "monthly_income", "housing", "health", "schooling", "wellbeing",
                                                    "notes")}
    if any(getattr(report, name) != value for name, value in sent.items()) \
            or stored != json.loads(json.dumps(data.answers)) \
            or (report.risk_indicators or "") != ",".join(data.risk_indicators):
        return False
    if not files:
        return True
    attached = set(db.exec(select(Attachment.sha256).where(Attachment.followup_id == report.id)).all())
    return all(uploads.digest(storage.stream) in attached for storage in files)


# --- alerts -----------------------------------------------------------------------


@dataclass(frozen=True)
class RefusedRisks:
    """What became of the risk signs of a report send that was refused. ``unsent``: the
    signs sent that the stored report lacks, each now in an open alert of the report;
    ``alert``: the alert opened for those no open alert had yet (``None`` if none)."""

    unsent: tuple[str, ...]
    alert: RiskAlert | None


def alert_refused_report(db: Session, case: Case, report: FollowUpReport, indicators, *, user: User,
                         refused: str) -> RefusedRisks:
    """Alert CMM and DRC to the risk signs of a report send that was refused for a reason
    the sender cannot mend by sending again: the report was submitted meanwhile
    (``REFUSED_SUBMITTED``; a submitted report takes no more signs), or the case was
    closed meanwhile (``REFUSED_CASE_CLOSED``). Nothing of the report is saved, so the
    signs it would have carried must not be lost with it.

    Only valid keys count (``RISK_INDICATORS``), and only the signs the stored report
    lacks (the submitted report's own alert covers its signs). A sign that an open alert
    of the report already names is not raised again: a double tap, or the same refused
    form sent again, opens no second alert while the first is open. The rest opens one
    alert on the report, told and audited as :func:`submit_report` does, the audit saying
    where it came from. The caller's session must have nothing pending: this commits.

    Concurrency: the case row is locked first (``locks.lock_case``, as every follow-up write on
    a case), then the report and its open alerts are read, so two such sends at once are
    serialised and the second sees the first one's alert."""
    sent = {key for key in indicators if key in RISK_INDICATORS}
    if not sent:
        return RefusedRisks((), None)
    try:
        case = lock_case(db, case.id)
        report = db.exec(select(FollowUpReport).where(FollowUpReport.id == report.id)
                         .execution_options(populate_existing=True)).one()
        stored = set((report.risk_indicators or "").split(","))
        unsent = tuple(key for key in RISK_INDICATORS if key in sent and key not in stored)
        alerted: set[str] = set()
        for named in db.exec(select(RiskAlert.indicators).where(RiskAlert.followup_id == report.id,
                                                                RiskAlert.closed_at.is_(None))).all():
            alerted.update(named.split(","))
        new = [key for key in unsent if key not in alerted]
        if not new:
            db.rollback()  # ends the lock
            return RefusedRisks(unsent, None)
        alert = RiskAlert(case_id=case.id, followup_id=report.id, indicators=",".join(new), refused=refused)
        db.add(alert)
        db.flush()
        recipients = alert_recipients(db, case)
        record(db, "followup.alert_opened", user=user, obj=alert, case_id=case.id,
               detail={"indicators": new, "notified": [u.id for u in recipients], "from": "refused_report",
                       "refused": refused})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    notify_alert(case, recipients)
    return RefusedRisks(unsent, alert)


def alert_recipients(db: Session, case: Case) -> list[User]:
    """Who is told of a risk alert (called once the alert is flushed): every active CMM
    user whose case scope (``access.scope_for``) lets them open the case, that is the
    CMM organisation of the case's contact or, when the case has no contact (or none
    whose organisation still has an active CMM user), every CMM organisation; and the
    DRC caseworker of the case (every active caseworker if it has none). Asking the
    scope itself means no one is sent a link they cannot open."""
    people: dict[int, User] = {}
    # Only people who can sign in: an active account of an organisation that is in use.
    in_use = select(Organisation.id).where(Organisation.status != INACTIVE)
    cmm_users = db.exec(select(User).where(User.role == "cmm", User.active.is_(True),
                                           User.organisation_id.in_(in_use))).all()
    seeing = {org for org in {user.organisation_id for user in cmm_users}
              if db.exec(select(Case.id).where(Case.id == case.id, scope_for("cmm", org))).first() is not None}
    for user in cmm_users:
        if user.organisation_id in seeing:
            people[user.id] = user
    for user in drc_recipients(db, case):
        people[user.id] = user
    return sorted(people.values(), key=lambda u: u.id)


def drc_recipients(db: Session, case: Case) -> list[User]:
    """The DRC side of who is told of something on the case: its caseworker, or every
    active caseworker when it has none (or theirs can no longer sign in, or is no longer
    a caseworker: an account moved to a partner organisation or to another role keeps
    its id on the case, and must not be sent the case's risk alerts, while DRC would be
    told nothing)."""
    in_use = select(Organisation.id).where(Organisation.status != INACTIVE)
    caseworker = db.exec(select(User).where(User.id == case.caseworker_id, User.role == "caseworker",
                                            User.active.is_(True), User.organisation_id.in_(in_use))
                         ).first() if case.caseworker_id else None
    if caseworker is not None:
        return [caseworker]
    return sorted(db.exec(select(User).where(User.role == "caseworker", User.active.is_(True),
                                             User.organisation_id.in_(in_use))).all(), key=lambda u: u.id)


def notify_alert(case: Case, recipients: list[User]) -> None:
    """E-mail each recipient in their language. The message names the case reference
    only; the details stay in the tool. A mail failure is logged, never lost silently,
    and does not undo the alert (it is on the dashboard already)."""
    _mail_each(case, recipients, "risk alert", lambda link: (
        _("Risk alert for case %(reference)s", reference=case.reference),
        _("A follow-up report for case %(reference)s names signs of re-trafficking risk.\n\n"
          "Open the case in the reintegration tool, read the report and record what was done:\n"
          "%(link)s\n\nThis message contains no personal data. Do not reply with any.",
          reference=case.reference, link=link)))


def _mail_each(case: Case, recipients: list[User], what: str, compose) -> None:
    """Send each recipient ``compose(link to the case's follow-up page)`` (subject, body),
    written in their language. A failure is logged with ``what``, never lost silently,
    and does not undo what the mail tells of.

    The link is the page's path on the tool's own address (``PUBLIC_URL``), or the path
    alone when that is not set: never the address of the request that set the mail off,
    whose Host header is whatever its sender wrote (a forged one would have the tool mail
    CMM and DRC a link to a look-alike sign-in page)."""
    path = url_for("followup.case", case_id=case.id) if has_request_context() else f"/followup/cases/{case.id}"
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    link = base + path
    for user in recipients:
        with force_locale(user.locale or "da"):
            subject, body = compose(link)
        try:
            mail.send(user.email, subject, body)
        except Exception:  # noqa: BLE001 - any backend failure is logged, what it tells of stands
            current_app.logger.exception("%s %s: mail to user %s failed", what, case.reference, user.id)


ALERT_TEXT_MAX = 2000  # what was done, and each note added to it (``CloseAlertForm``)


def close_alert(db: Session, alert: RiskAlert, *, user: User, action: str) -> RiskAlert:
    """Close an open risk alert, recording what was done (required). An alert on a
    closed case can still be closed: the follow-up of a risk does not end with the case."""
    action = (action or "").strip()
    if not action:
        raise FieldErrors({"action": _l("This field is required.")})
    result = db.execute(update(RiskAlert).where(RiskAlert.id == alert.id, RiskAlert.closed_at.is_(None))
                        .values(closed_at=utcnow(), closed_by=user.id, action_taken=action)
                        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.rollback()
        raise Conflict(alert.id)
    record(db, "followup.alert_closed", user=user, obj=alert, case_id=alert.case_id)
    db.commit()
    db.refresh(alert)
    return alert


def add_alert_note(db: Session, alert: RiskAlert, *, user: User, note: str) -> RiskAlertNote:
    """Add a note to a closed alert's record of what was done (someone closed it while
    this user was typing theirs): a row of its own (:class:`RiskAlertNote`) with the
    author, their name as it is now and the time; nothing recorded is changed. The alert
    row is locked first (SQLite: the database's write lock), so notes added at once are
    written one after the other and all kept, and the same note sent twice in a row by
    the same user (a double click) finds the first one as the alert's last note and is
    added once: that note is returned. The audit names no text."""
    note = (note or "").strip()
    if not note:
        raise FieldErrors({"note": _l("This field is required.")})
    if len(note) > ALERT_TEXT_MAX:
        raise FieldErrors({"note": _l("At most %(max)d characters.", max=ALERT_TEXT_MAX)})
    try:
        sqlite_write_lock(db)
        closed_at = db.execute(select(RiskAlert.closed_at).where(RiskAlert.id == alert.id)
                               .with_for_update()).scalar_one()
        if closed_at is None:
            raise AlertOpen(alert.id)
        last = db.exec(select(RiskAlertNote).where(RiskAlertNote.alert_id == alert.id)
                       .order_by(RiskAlertNote.id.desc()).limit(1)).first()
        if last is not None and last.author_id == user.id and last.text == note:
            db.rollback()  # ends the lock
            return last  # this very note is the last one added, by this user: sent twice
        added = RiskAlertNote(alert_id=alert.id, author_id=user.id, author_name=user.name, text=note)
        db.add(added)
        db.flush()
        record(db, "followup.alert_note_added", user=user, obj=alert, case_id=alert.case_id,
               detail={"note": added.id})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return added


def alert_closed_by(db: Session, alert: RiskAlert) -> User | None:
    return db.get(User, alert.closed_by) if alert.closed_by else None


# --- disbursements and attachments ------------------------------------------------

def over_line_message(approved: Decimal, paid: Decimal):
    return _l("This would exceed the approved amount for this line (%(approved)s approved, %(paid)s already "
              "paid). An approved amendment is needed.",
              approved=format_dkk(approved), paid=format_dkk(paid))


def format_local(amount: Decimal, currency: str) -> str:
    """A local-currency amount as the follow-up pages show it: ``100.000,00 NGN``."""
    return f"{format_amount(amount)} {currency}"


def over_line_in_local_message(line, typed: Decimal, typed_dkk: Decimal, paid: Decimal, left_local: Decimal):
    """:func:`over_line_message` for a line paid in local currency: the payment was typed
    in it, so the refusal says what the amount typed comes to in DKK and what may still be
    paid in the line's currency (``domain.followup.local_left``), and in DKK."""
    values = {"typed": format_local(typed, line.currency), "typed_dkk": format_dkk(typed_dkk),
              "approved": format_dkk(line.amount_dkk), "paid": format_dkk(paid)}
    if left_local > 0:
        return _l("This would exceed the approved amount for this line: %(typed)s comes to %(typed_dkk)s at the "
                  "approved rate, and of the %(approved)s approved, %(paid)s is already paid. %(left_dkk)s is left: "
                  "at most %(left_local)s can still be paid. Paying more needs an approved amendment.",
                  left_dkk=format_dkk(line.amount_dkk - paid), left_local=format_local(left_local, line.currency),
                  **values)
    return _l("This would exceed the approved amount for this line: %(typed)s comes to %(typed_dkk)s at the "
              "approved rate, and of the %(approved)s approved, %(paid)s is already paid. Nothing more can be "
              "paid in %(currency)s on this line. Paying more needs an approved amendment.",
              currency=line.currency, **values)


def _recorded_with(db: Session, case: Case, token: str | None, line_key: str, paid_on: date,
                   amount_local: Decimal | None, amount_dkk: Decimal | None) -> AlreadyRecorded | None:
    """What the form's token recorded already on this case, if anything."""
    if not token:
        return None
    done = db.exec(select(Disbursement).where(Disbursement.request_token == token,
                                              Disbursement.case_id == case.id)).first()
    if done is None:
        return None
    if done.exchange_rate is not None:  # converted: the local amount was what was typed
        amount_same = done.amount_local == amount_local
    else:
        amount_same = done.amount_dkk == amount_dkk and done.amount_local == amount_local
    return AlreadyRecorded(done, same=(done.line_key, done.paid_on) == (line_key, paid_on) and amount_same)


def _same_payment(db: Session, case: Case, line_key: str, paid_on: date, local: Decimal | None,
                  dkk: Decimal | None, *, converted: bool) -> Disbursement | None:
    """A payment of the case on the same line and day, of the same amount (the amount
    typed: in local currency on a converted line, else in DKK and, if given, locally)."""
    query = select(Disbursement).where(Disbursement.case_id == case.id, Disbursement.line_key == line_key,
                                        Disbursement.paid_on == paid_on)
    for done in db.exec(query.order_by(Disbursement.id)).all():
        if converted:
            if done.exchange_rate is not None and done.amount_local == local:
                return done
        elif done.exchange_rate is None and done.amount_dkk == dkk and done.amount_local == local:
            return done
    return None


def same_payment_message(done: Disbursement):
    return _l("A payment of %(amount)s on this budget line, paid on %(day)s, is already recorded, so nothing was "
              "recorded: sending the form again after going back would count it twice. If this is another "
              "payment, tick this box and send the form again.",
              amount=format_dkk(done.amount_dkk), day=format_day(done.paid_on))


def payment_date_errors(case: Case, paid_on: date | None) -> dict:
    """The rules a payment's date is held to, as :class:`FieldErrors` keys them: within
    the reintegration period after the return, and not in the future. The payment form's
    page asks for them too when the form itself has errors, so that all are shown at once."""
    errors: dict = {}
    if paid_on is None or case.actual_return is None:
        return errors
    table = rate_table_for(case.actual_return)
    end = period_end(case.actual_return, table) if table is not None else None
    where = outside_period(paid_on, case.actual_return, end)
    if where == BEFORE_RETURN:
        errors["paid_on"] = _l("The date is before the return (%(day)s).", day=format_day(case.actual_return))
    elif where == AFTER_END:
        errors["paid_on"] = _l("The date is after the end of the reintegration period (%(day)s).",
                               day=format_day(end))
    if paid_on > today():
        errors["paid_on"] = _l("The date cannot be in the future.")
    return errors


def paid_in_local(line) -> str | None:
    """The currency a budget line's payments are typed in when it is not DKK: a line
    approved in local currency at an approved rate takes the local amount and works out
    the DKK. None for a line paid in DKK (a local amount beside it is only a note)."""
    return line.currency if line.currency and line.exchange_rate else None


def local_currency(db: Session, case: Case) -> str | None:
    """The case's local currency: its partner organisation's, the currency the report
    form asks the monthly income in (a report does not store it)."""
    partner = db.get(Organisation, case.partner_id) if case.partner_id else None
    return partner.currency if partner else None


def record_disbursement(db: Session, case: Case, *, user: User, line_key: str, paid_on: date,
                        amount_local: Decimal | None, amount_dkk: Decimal | None, note: str | None,
                        files=(), token: str | None = None, same_files: list | None = None,
                        another: bool = False) -> Disbursement:
    """Record a cash instalment or an in-kind purchase on a line of the version in force.

    The date lies in the reintegration period and not in the future. When the line has a
    local currency, the DKK amount is the local amount at the rate frozen on the approved
    line, rounded half up to øre (a DKK amount typed as well must be that amount);
    otherwise the DKK amount is given, and a local amount typed as well is kept beside it
    in the case's local currency, without a rate. What has been paid on
    the line may never exceed the approved amount: more needs an approved amendment.

    ``token`` is the form's one-time token: a form sent again (double click, browser
    resubmit) records nothing more and raises :class:`AlreadyRecorded`. Payments on one
    case are serialised (``locks.lock_case``) before what has been paid is read, so two at
    once cannot both pass the check.

    A file chosen twice in the form is attached once; ``same_files``, when given, is told
    of it and of a file another payment of the case has too (:func:`_attach`).

    A payment the case has already, on the same line and day and of the same amount, is
    recorded only with ``another`` (the sender said it is a second payment): the browser's
    Back button shows the form again with what was typed in it but with a fresh token, and
    sent again it would count the one payment twice (a field error at ``another``)."""
    ensure_open(case)
    if case.status != wf.IN_FOLLOWUP or case.actual_return is None:
        raise FieldErrors({None: _l("Payments can be recorded once the return date is recorded.")})
    case = lock_case(db, case.id)
    try:
        ensure_open(case)  # closed while the form was open, or while this waited for the lock
    except CaseClosed:
        db.rollback()
        raise
    done = _recorded_with(db, case, token, line_key, paid_on, amount_local, amount_dkk)
    if done is not None:
        db.rollback()
        raise done
    version = version_in_force(db, case.id)
    from .status import lines_of

    lines = {line.line_key: line for line in lines_of(db, [version.id]).get(version.id, [])} if version else {}
    line = lines.get(line_key)
    if line is None:
        db.rollback()
        raise FieldErrors({"line_key": _l("Choose one of the lines of the approved plan.")})
    errors = payment_date_errors(case, paid_on)
    local, rate, currency = None, None, None
    if paid_in_local(line):
        field = "amount_local"
        if amount_local is None:
            errors[field] = _l("Enter the amount in %(currency)s.", currency=line.currency)
            dkk = None
        else:
            local, rate, currency = amount_local, line.exchange_rate, line.currency
            at_rate = paid_at_rate(db, case.id, line.line_key, line.exchange_rate)
            dkk = instalment_dkk(amount_local, line.exchange_rate, *at_rate)
            if dkk <= 0:
                errors[field] = _l("The amount is too small to record (less than 0.01 DKK).")
            elif amount_dkk is not None and amount_dkk != dkk:
                # The DKK amount of such a line is worked out, never typed: a different
                # one typed is not dropped in silence.
                errors["amount_dkk"] = _l(
                    "This line is paid in %(currency)s, so the amount in DKK is worked out at the approved rate: "
                    "%(dkk)s for the amount in %(currency)s you entered. Leave this field empty, or correct the "
                    "amount in %(currency)s.", currency=line.currency, dkk=format_dkk(dkk))
    else:
        field = "amount_dkk"
        dkk = amount_dkk
        if dkk is None:
            errors[field] = _l("Enter the amount in DKK.")
        if amount_local is not None:
            # A line approved in DKK has no rate: a local amount typed as well is kept as
            # paid, in the case's local currency, beside the DKK amount that counts.
            currency = line.currency or local_currency(db, case)
            if currency:
                local = amount_local
            else:
                errors["amount_local"] = _l(
                    "This line is in DKK and the case's partner has no local currency, so an amount in local "
                    "currency cannot be recorded. Clear this field (the note can say what was paid locally) "
                    "and enter the amount in DKK.")
    if dkk is not None and field not in errors:
        paid = disbursed_on_line(db, case.id, line.line_key)
        if over_line(line.amount_dkk, paid, dkk):
            if rate is not None:
                left = local_left(line.amount_dkk, paid, rate, *at_rate, approved_local=line.amount_local)
                errors[field] = over_line_in_local_message(line, local, dkk, paid, left)
            else:
                errors[field] = over_line_message(line.amount_dkk, paid)
    if not errors and not another:
        same = _same_payment(db, case, line.line_key, paid_on, local, dkk, converted=rate is not None)
        if same is not None:
            errors["another"] = same_payment_message(same)
    if errors:
        db.rollback()
        raise FieldErrors(errors)
    staged = _stage_all(files, "files")
    try:
        disbursement = Disbursement(case_id=case.id, line_key=line.line_key, plan_version_id=version.id,
                                    paid_on=paid_on, amount_local=local, currency=currency, exchange_rate=rate,
                                    amount_dkk=dkk, note=note or None, recorded_by=user.id,
                                    request_token=token or None)
        db.add(disbursement)
        try:
            db.flush()
        except IntegrityError:
            # The unique token: the same form recorded in the meantime (the case lock
            # makes this rare); answered like the check above.
            db.rollback()
            done = _recorded_with(db, case, token, line_key, paid_on, amount_local, amount_dkk)
            if done is None:
                raise
            raise done from None
        _added, staged = _attach(db, case, staged, user=user, kind="disbursement", target_id=disbursement.id,
                                 same_files=same_files)
        record(db, "followup.disbursement_recorded", user=user, obj=disbursement, case_id=case.id,
               detail={"line_key": line.line_key, "kind": line.kind, "amount_dkk": dkk, "amount_local": local,
                       "currency": currency, "exchange_rate": rate, "files": len(staged)})
    except BaseException:
        db.rollback()
        uploads.discard(staged)
        raise
    _commit_with_files(db, staged, files, "files")
    return disbursement


PAYMENT_REFUSED = "followup.payment_refused"


def tell_refused_payment(db: Session, case: Case, *, user: User, token: str | None, files: int) -> list[User]:
    """A payment sent after its case was closed is not recorded (a closed case cannot
    change), yet it was made in the field: DRC must not lose it. The DRC caseworker of
    the case (``drc_recipients``) is told by e-mail that a payment did not reach the tool,
    so that they ask the partner for it; the page tells the partner what to send them.
    The refusal is audited (the number of files only: nothing of the payment is stored).

    The same form sent again (its one-time ``token``) tells no one twice: the case row is
    locked first (``locks.lock_case``), then the audit is read for the token. Returns who was
    told (``[]`` if no one, this time). The caller's session must have nothing pending:
    this commits. A mail failure is logged and does not undo the audit."""
    try:
        case = lock_case(db, case.id)
        if token and db.exec(select(AuditEvent.id).where(
                AuditEvent.action == PAYMENT_REFUSED, AuditEvent.case_id == case.id,
                AuditEvent.detail.contains(json.dumps(token), autoescape=True)).limit(1)).first() is not None:
            db.rollback()  # ends the lock
            return []
        recipients = drc_recipients(db, case)
        record(db, PAYMENT_REFUSED, user=user, obj=case, case_id=case.id,
               detail={"token": token or None, "files": files, "notified": [u.id for u in recipients]})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    _mail_each(case, recipients, "refused payment", lambda link: (
        _("Payment not recorded for case %(reference)s", reference=case.reference),
        _("The partner organisation sent a payment for case %(reference)s after the case was closed, so it was "
          "not recorded. They have been asked to send you its details and receipt.\n\n"
          "Open the case in the reintegration tool:\n%(link)s\n\n"
          "This message contains no personal data. Do not reply with any.", reference=case.reference, link=link)))
    return recipients


def add_attachments(db: Session, case: Case, *, user: User, target: str, files,
                    same_files: list | None = None) -> list[Attachment]:
    """Attach files to a report (``report:<id>``) or a disbursement (``disbursement:<id>``)
    of this case: the attachments added. A file the report or payment has already, or one
    chosen twice, is not attached again; ``same_files``, when given, is told of it and of
    a file another report or payment of the case has too (:func:`_attach`). Writes on the
    case are serialised (``locks.lock_case``), so two sends of the same file at once attach it
    once, and a case closed meanwhile takes no file, nor a report dropped meanwhile."""
    ensure_open(case)
    kind, _sep, raw_id = (target or "").partition(":")
    target_id = plain_number(raw_id)
    model = {"report": FollowUpReport, "disbursement": Disbursement}.get(kind)
    row = db.get(model, target_id) if model and target_id else None
    if row is None or row.case_id != case.id:
        raise FieldErrors({"target": _l("Choose one of the options.")})
    staged = _stage_all(files, "files", optional=False)
    try:
        case = lock_case(db, case.id)
        ensure_open(case)  # closed while the files were being sent, or while this waited for the lock
        if db.exec(select(model.id).where(model.id == row.id)).first() is None:
            # A report not sent and without files is dropped when a changed return date no
            # longer asks for it (record_return): the form offers the case's reports again.
            raise FieldErrors({"target": _l("Choose one of the options.")})
        added, staged = _attach(db, case, staged, user=user, kind=kind, target_id=row.id, same_files=same_files)
        if added:
            db.flush()
            record(db, "followup.attachments_added", user=user, object_type=kind, object_id=row.id,
                   case_id=case.id, detail={"attachments": [a.id for a in added]})
    except BaseException:
        db.rollback()
        uploads.discard(staged)
        raise
    _commit_with_files(db, staged, files, "files", optional=False)
    return added


# --- closure ----------------------------------------------------------------------

def _close(db: Session, case: Case, *, user: User, reason: str, note: str | None, action: str,
           detail: dict | None = None) -> None:
    case.status = wf.CLOSED
    case.closure_reason = reason
    case.closure_note = note
    case.closed_at = utcnow()
    _touch(case)
    db.add(case)
    record(db, action, user=user, obj=case, case_id=case.id, detail={"reason": reason, **(detail or {})})


class AlertsUnconfirmed(Exception):
    """The case has open risk alerts the user did not confirm closing it over: nothing
    was written. ``open_ids``: the case's open alerts at the check; ``unseen``: those of
    them the form did not show (opened after it was, e.g. by a partner's report)."""

    def __init__(self, open_ids: list[int], unseen: list[int]) -> None:
        super().__init__(open_ids)
        self.open_ids = open_ids
        self.unseen = unseen


def open_alert_ids(db: Session, case_id: int) -> list[int]:
    return list(db.exec(select(RiskAlert.id).where(RiskAlert.case_id == case_id, RiskAlert.closed_at.is_(None))
                        .order_by(RiskAlert.id)).all())


def close_case(db: Session, case: Case, *, user: User, reason: str, note: str, seen_alerts=frozenset(),
               confirmed: bool = False) -> Case:
    """Close a case before the period ends: completed, the person withdrew, or contact
    was lost, with a note. A closed case is read-only.

    Open risk alerts do not block the closure (contact can be lost while an alert is
    open), but they must not be closed over unknowingly: while the case has any, the
    user must have ``confirmed`` closing it anyway, and the form must have shown every
    one of them (``seen_alerts``, their ids), else :class:`AlertsUnconfirmed` and nothing
    is written. The open alerts are read under the case lock (``locks.lock_case``), which a
    report opening an alert takes too: an alert opened after the form was shown is seen
    here, or comes after the closure (and is listed as an alert of a closed case). The
    alerts stay open for CMM and DRC; the audit names their ids (no text)."""
    ensure_open(case)
    if reason not in ("completed", "withdrew", "contact_lost"):
        raise FieldErrors({"reason": _l("Choose one of the options.")})
    if not (note or "").strip():
        raise FieldErrors({"note": _l("This field is required.")})
    case = lock_case(db, case.id)
    try:
        ensure_open(case)  # closed while the form was open, or while this waited for the lock
        open_ids = open_alert_ids(db, case.id)
        unseen = [alert_id for alert_id in open_ids if alert_id not in set(seen_alerts or ())]
        if open_ids and (unseen or not confirmed):
            raise AlertsUnconfirmed(open_ids, unseen)
    except (CaseClosed, AlertsUnconfirmed):
        db.rollback()  # ends the lock
        raise
    _close(db, case, user=user, reason=reason, note=note.strip(), action="followup.case_closed",
           detail={"open_alerts": open_ids})
    db.commit()
    return case


# --- reads ------------------------------------------------------------------------

def record_read(db: Session, case: Case, *, user: User, page: str) -> None:
    """Reads of a case are audited like changes."""
    record(db, "case.read", user=user, obj=case, case_id=case.id, detail={"page": page})
    db.commit()


def _last_event(db: Session, case: Case, *actions: str) -> AuditEvent | None:
    return db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action.in_(actions))
                   .order_by(AuditEvent.id.desc()).limit(1)).first()


def _last_done_by(db: Session, case: Case, *actions: str) -> tuple[User | None, object]:
    """Who did the last of ``actions`` on the case and when, from the audit trail;
    ``(None, None)`` if none was done."""
    return done_by(db, _last_event(db, case, *actions))


def return_saved_by(db: Session, case: Case) -> tuple[User | None, object]:
    """Who saved the case's return date last and when, from the audit trail (for the
    conflict page); ``(None, None)`` if it was never saved."""
    return _last_done_by(db, case, "followup.return_recorded")


CLOSURES = ("followup.case_closed", "followup.period_closed")


def closed_by(db: Session, case: Case) -> User | None:
    """Who closed the case (a caseworker, or the sender of the final report), from the
    audit trail (for the page of a report sent to the closed case); ``None`` if unknown.
    When is the case's own ``closed_at``."""
    return _last_done_by(db, case, *CLOSURES)[0]


def closure(db: Session, case: Case) -> AuditEvent | None:
    """The audit event that closed the case (its action says how: closed by a caseworker,
    or by the final report), for a page refusing a change to the closed case."""
    return _last_event(db, case, *CLOSURES)


def record_file_read(db: Session, attachment: Attachment, *, user: User) -> None:
    record(db, "attachment.read", user=user, obj=attachment, case_id=attachment.case_id)
    db.commit()


def record_export(db: Session, case: Case, *, user: User) -> None:
    record(db, "followup.summary_exported", user=user, obj=case, case_id=case.id)
    db.commit()

"""Retention and the data subject's rights: anonymisation on schedule, legal hold,
and the export of everything held about one person.

Decisions:
- A case is anonymised ``RETENTION_YEARS_AFTER_CLOSURE`` years after ``closed_at``,
  unless it is under legal hold. Anonymising keeps the rows and every number that
  statistics need (amounts, months, scores, countries, statuses, kinds) and removes
  what identifies or describes the person: names, exact dates of birth (the year
  stays, as 1 January), free text, attachments (files and rows).
- :data:`POLICY` classifies every text column of the case's tables as *clear* or
  *keep*; a test fails when a new text column is added without a decision.
- The audit trail is not rewritten (that would break the hash chain); audit details
  carry ids and keys, never names or free text. The same goes for the case links of
  events about many cases (``AuditEventCase``: ids only): kept, like the events they
  index. Cases are never deleted, so no link is left pointing at a missing case.
- The subject's export holds the case's audit events *and* the events about many cases
  that concern it (a list that showed the person, a batch export that held the case):
  who has seen the person's data is part of what is held about them. Other people's
  case ids in such an event are left out (``_audit_rows``).
- Files are deleted after the commit: a crash in between leaves unreferenced files,
  which ``flask uploads sweep`` removes; never a row pointing at a missing file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import unicodedata
import zipfile
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from . import audit
from .followup.operations import today as followup_today
from .followup.status import years
from .i18n import local_day, local_midnight
from .locks import lock_case
from .models import (Attachment, AuditEvent, BudgetLine, Case, Child, Comment, Decision, Disbursement,
                     FollowUpReport, PlanContributor, PlanVersion, RiskAlert, RiskAlertNote)
from .models._common import utcnow

ANONYMISED_NAME = "Anonymised"

# Per table: text columns cleared ("" where NOT NULL, else NULL) and those kept.
POLICY: dict[type[SQLModel], dict[str, tuple[str, ...]]] = {
    Case: {"clear": ("closure_note",),
           "keep": ("reference", "status", "person_sex", "nationality", "return_country", "closure_reason",
                    "plan_attention", "request_token")},
    Child: {"clear": ("first_name",), "keep": ("lives_in",)},
    PlanVersion: {"clear": ("activity_description", "activity_location", "realism", "social_support", "housing",
                            "health", "schooling", "risk_health", "risk_traffickers", "risk_management"),
                  "keep": ("status", "activity_kind", "rate_table_id", "content_sha256")},
    BudgetLine: {"clear": ("description",),
                 "keep": ("line_key", "kind", "category", "currency", "amount_local", "exchange_rate")},
    Comment: {"clear": ("body",), "keep": ("request_token",)},
    # The plan as approved holds the dates of birth and the free text: cleared, and an
    # anonymised case has no approval package any more (Hjemrejsestyrelsen archived it
    # at the decision).
    Decision: {"clear": ("reason", "plan_document"),
               "keep": ("outcome", "rate_table_id", "content_sha256", "rate_table_document", "reference_basis",
                        "return_country", "partner_name",
                        # The staff's names as at the decision (who decided, submitted,
                        # drafted, commented), not the person's: kept, like the user ids.
                        "decided_by_name", "submitted_by_name", "drafter_names", "comment_author_names")},
    FollowUpReport: {"clear": ("housing", "health", "schooling", "wellbeing", "notes", "answers"),
                     "keep": ("status", "contact_kind", "activity_status", "risk_indicators", "income_local",
                              "score_economic", "score_social", "score_psychosocial")},
    Disbursement: {"clear": ("note",),
                   "keep": ("line_key", "currency", "amount_local", "exchange_rate", "request_token")},
    RiskAlert: {"clear": ("action_taken",), "keep": ("indicators", "refused")},
    # The notes added to a closed alert's record of what was done: free text, cleared as
    # ``action_taken`` is, and with it the author's name as written (it stood in that
    # text before migration 0019); the author's user id stays, as ``closed_by`` does.
    RiskAlertNote: {"clear": ("text", "author_name"), "keep": ()},
}
DELETED = (Attachment,)  # files and rows removed outright


def _year_only(d: date | None) -> date | None:
    return None if d is None else date(d.year, 1, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def cutoff(today: date, years: int) -> datetime:
    """Cases closed before this moment are past retention: the start of the day ``years``
    before ``today``, in Denmark (``i18n.local_midnight``), so that the cases closed on one
    Danish day are anonymised on one day, those closed after midnight UTC too."""
    return local_midnight(_years_before(today, years))


def anonymised_from(closed_at: datetime, years: int) -> date:
    """The first day the retention run anonymises a case closed at ``closed_at`` (unless
    held): by the run's own rule (``cutoff``), from about the ``years``th anniversary of
    the Danish day it was closed on."""
    day = _years_before(local_day(closed_at), -years)
    while not closed_at < cutoff(day, years):
        day += timedelta(days=1)
    return day


def _due(today: date, years: int) -> tuple:
    """The conditions of a case due for anonymisation: closed before the cut-off, not
    under legal hold, not anonymised yet."""
    return (Case.status == "closed", Case.closed_at.is_not(None), Case.closed_at < cutoff(today, years),
            Case.legal_hold == False, Case.anonymised_at.is_(None))  # noqa: E712


def due_cases(db: Session, today: date, years: int) -> list[Case]:
    return list(db.exec(select(Case).where(*_due(today, years)).order_by(Case.id)).all())


def _lock_if_still_due(db: Session, case_id: int, today: date, years: int) -> Case | None:
    """Lock the case (``locks.lock_case``) and read it again: the case, if it is still
    due, else None with the lock given up. A legal hold set, or the case anonymised by
    another run, after the list of due cases was read stops it here: the hold's own
    write takes the case row too, so either it came first and is seen, or it waits for
    this anonymisation and then finds the case changed (a conflict, not a silent hold)."""
    case = lock_case(db, case_id)
    if db.exec(select(Case.id).where(Case.id == case_id, *_due(today, years))).first() is None:
        db.rollback()
        return None
    return case


def _clear(row: SQLModel) -> None:
    table = type(row).__table__
    for name in POLICY[type(row)]["clear"]:
        setattr(row, name, None if table.c[name].nullable else "")


def _versions(db: Session, case_id: int) -> list[PlanVersion]:
    return list(db.exec(select(PlanVersion).where(PlanVersion.case_id == case_id)).all())


def _alert_notes(db: Session, case_id: int) -> list[RiskAlertNote]:
    return list(db.exec(select(RiskAlertNote).join(RiskAlert, RiskAlert.id == RiskAlertNote.alert_id)
                        .where(RiskAlert.case_id == case_id).order_by(RiskAlertNote.id)).all())


def anonymise_case(db: Session, case: Case, upload_dir: Path, *, user=None) -> list[Path]:
    """Anonymise one case in the session (the caller commits, then deletes the
    returned files)."""
    # Budget lines of decided versions are frozen (approvals' flush guard); blanking
    # their descriptions is the one change allowed, so this session says so.
    db.info["allow_frozen_change"] = True
    case.person_name = ANONYMISED_NAME
    case.person_date_of_birth = _year_only(case.person_date_of_birth)
    _clear(case)
    case.anonymised_at = utcnow()
    case.revision = (case.revision or 0) + 1
    db.add(case)
    for child in db.exec(select(Child).where(Child.case_id == case.id)).all():
        child.date_of_birth = _year_only(child.date_of_birth)
        _clear(child)
        db.add(child)
    version_ids = []
    for version in _versions(db, case.id):
        version_ids.append(version.id)
        _clear(version)
        db.add(version)
    if version_ids:
        for model, column in ((BudgetLine, BudgetLine.plan_version_id), (Comment, Comment.plan_version_id),
                              (Decision, Decision.plan_version_id)):
            for row in db.exec(select(model).where(column.in_(version_ids))).all():
                _clear(row)
                db.add(row)
    for model in (FollowUpReport, Disbursement, RiskAlert):
        for row in db.exec(select(model).where(model.case_id == case.id)).all():
            _clear(row)
            db.add(row)
    for note in _alert_notes(db, case.id):
        _clear(note)
        db.add(note)
    files = []
    attachments = db.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
    for attachment in attachments:
        files.append(upload_dir / attachment.stored_name)
        db.delete(attachment)
    audit.record(db, "retention.anonymise", user=user, obj=case, case_id=case.id,
                 detail={"attachments_deleted": len(files)})
    return files


def run(db: Session, upload_dir: Path, today: date, years: int, *, user=None) -> list[str]:
    """Anonymise every case past retention; returns their references. Idempotent."""
    done = []
    for case_id in [case.id for case in due_cases(db, today, years)]:
        case = _lock_if_still_due(db, case_id, today, years)
        if case is None:
            continue
        files = anonymise_case(db, case, upload_dir, user=user)
        db.commit()
        for path in files:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        done.append(case.reference)
    return done


def set_legal_hold(db: Session, case: Case, hold: bool, *, user, seen_revision: int) -> bool:
    """Set or lift the legal hold with optimistic locking; False when someone else
    changed the case since ``seen_revision`` (nothing is changed then)."""
    from sqlalchemy import update

    result = db.execute(update(Case).where(Case.id == case.id, Case.revision == seen_revision)
                        .values(legal_hold=hold, revision=Case.revision + 1, updated_at=utcnow()))
    if result.rowcount != 1:
        db.rollback()
        return False
    audit.record(db, "case.legal_hold_set" if hold else "case.legal_hold_lifted", user=user, obj=case,
                 case_id=case.id)
    db.commit()
    return True


# --- the data subject's access request ------------------------------------------------

def _row(obj: SQLModel) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, (int, bool, type(None), str)) else v)
            for k, v in obj.model_dump().items()}


def subject_data(db: Session, case: Case) -> dict[str, Any]:
    """Everything held about the person of ``case``, as JSON-ready data."""
    versions = _versions(db, case.id)
    ids = [v.id for v in versions] or [-1]

    def rows(model, column, values):
        return [_row(r) for r in db.exec(select(model).where(column.in_(values)).order_by(model.id)).all()]

    return {
        "format": "reintegration-subject-export/1",
        "exported_at": utcnow().isoformat(),
        "case": _row(case),
        "children": rows(Child, Child.case_id, [case.id]),
        "plan_versions": [_row(v) for v in versions],
        "budget_lines": rows(BudgetLine, BudgetLine.plan_version_id, ids),
        "contributors": rows(PlanContributor, PlanContributor.plan_version_id, ids),
        "comments": rows(Comment, Comment.plan_version_id, ids),
        "decisions": rows(Decision, Decision.plan_version_id, ids),
        "followup_reports": _report_rows(db, case),
        "disbursements": rows(Disbursement, Disbursement.case_id, [case.id]),
        "risk_alerts": rows(RiskAlert, RiskAlert.case_id, [case.id]),
        "risk_alert_notes": [_row(note) for note in _alert_notes(db, case.id)],
        "attachments": rows(Attachment, Attachment.case_id, [case.id]),
        "audit_events": _audit_rows(db, case),
    }


def _report_rows(db: Session, case: Case) -> list[dict[str, Any]]:
    """The case's follow-up reports as stored, each with ``"state"``: what the pages show
    it as on the day of the export (``domain.followup.report_state``). A report never sent
    on a closed case is stored as ``"due"`` but is ``"not_required"``; the reader must not
    take it for a report still owed."""
    shown = {row.report.id: row.state for row in years(db, [case], followup_today())[case.id].reports}
    return [_row(r) | {"state": shown.get(r.id)}
            for r in db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                             .order_by(FollowUpReport.id)).all()]


EXPORT_LEAVES_OUT = {"ip", "prev_hash", "hash"}


def _audit_rows(db: Session, case: Case) -> list[dict[str, Any]]:
    """The case's audit events, oldest first: its own (``case_id``) and those about many
    cases linked to it (a list that showed the person, a batch export that held the
    case), found as the trail's case filter finds them. The other cases of a linked event
    are other people's: their ids are left out, and ``"cases"`` says how many there were
    (the stored event is unchanged; its hash is checked on the trail, not here)."""
    events = db.exec(audit.filtered(case_id=case.id).order_by(None).order_by(AuditEvent.id)).all()
    found = []
    for event in events:
        # Who saw or changed the case (user and organisation) and when, not where from: the
        # address is the staff member's own personal data (a partner officer's may say
        # where they are), and the hash chain is checked on the trail, not by the reader.
        row = {k: v for k, v in _row(event).items() if k not in EXPORT_LEAVES_OUT}
        named = audit.cases_named(event.detail)
        if event.case_id != case.id and named:
            row["detail"] = json.dumps(json.loads(event.detail) | {"cases": len(named)}, sort_keys=True)
        found.append(row)
    return found


MEMBER_NAME_BYTES = 200  # with "<id>-" before it, within the 255 bytes a file system takes


def _safe_member(name: str) -> str:
    """A file's name in the export: its letters (with their accents and vowel signs:
    Unicode letters, marks and digits), ``._-`` and spaces, nothing else; at most
    :data:`MEMBER_NAME_BYTES` in UTF-8, shortened before its extension, so that the export
    unpacks anywhere (Thai and Vietnamese take three bytes a letter)."""
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", name)
                      if unicodedata.category(ch)[0] in "LMN" or ch in "._- ").strip(" .")
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        stem, extension = cleaned, ""
    extension = "." + extension if extension else ""
    room = MEMBER_NAME_BYTES - len(extension.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return (stem + extension) if stem else "file" + extension


def write_subject_zip(db: Session, case: Case, upload_dir: Path, out) -> tuple[int, list[int]]:
    """Write ``data.json`` and ``files/<id>-<name>`` to a ZIP in ``out`` (a path or a
    binary file object). Returns the number of files included, and the ids of the
    attachments whose file the uploads folder does not hold (lost, or not restored with a
    backup): ``data.json`` names them (``files_not_found``), so that the export says what
    it lacks instead of leaving it out unsaid."""
    data = subject_data(db, case)
    with ExitStack() as files:
        # Opened before data.json is written: what it says is what the export holds, even
        # if a file is deleted meanwhile (an open file stays readable).
        opened = {}
        for item in data["attachments"]:
            path = upload_dir / item["stored_name"]
            try:
                opened[item["id"]] = files.enter_context(path.open("rb"))
            except (FileNotFoundError, IsADirectoryError):
                pass
        data["files_not_found"] = [item["id"] for item in data["attachments"] if item["id"] not in opened]
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
            for item in data["attachments"]:
                if item["id"] in opened:
                    source = opened[item["id"]]
                    member = zipfile.ZipInfo(f"files/{item['id']}-{_safe_member(item['original_name'])}",
                                             time.localtime(os.fstat(source.fileno()).st_mtime)[:6])
                    member.compress_type = zipfile.ZIP_DEFLATED
                    with zf.open(member, "w") as target:
                        shutil.copyfileobj(source, target)
    return len(opened), data["files_not_found"]


def record_subject_export(db: Session, case: Case, not_found: list[int], *, via: str, user=None, **detail) -> None:
    """Add the audit event of a subject export (``via`` "web" or "cli", and ``detail``
    such as the number of files) to the transaction; the ids of the attachments whose file
    was not found are named in it, as in the export's ``data.json``."""
    audit.record(db, "case.subject_export", user=user, obj=case, case_id=case.id,
                 detail={"via": via, **detail} | ({"files_not_found": not_found} if not_found else {}))


def subject_zip_bytes(db: Session, case: Case, upload_dir: Path) -> tuple[bytes, int, list[int]]:
    """``write_subject_zip`` into memory: the ZIP's bytes, the files held, the ids not found."""
    buffer = io.BytesIO()
    n, not_found = write_subject_zip(db, case, upload_dir, buffer)
    return buffer.getvalue(), n, not_found


def register_cli(app) -> None:
    import click
    from flask import current_app
    from flask.cli import AppGroup, with_appcontext

    from .auth.operations import KEEP_ATTEMPTS, forget_old_attempts
    from .i18n import local_today

    group = AppGroup("retention", help="Anonymise closed cases past the retention period.")

    def _session() -> Session:
        return Session(current_app.extensions["db_engine"], expire_on_commit=False)

    @group.command("run")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Run as if today were this date (YYYY-MM-DD).")
    def run_command(today):
        """Anonymise closed cases older than RETENTION_YEARS_AFTER_CLOSURE (not under legal hold),
        and delete sign-in steps older than 30 days."""
        years = int(current_app.config["RETENTION_YEARS_AFTER_CLOSURE"])
        day = today.date() if today else local_today()
        with _session() as db:
            done = run(db, Path(current_app.config["UPLOAD_DIR"]), day, years)
            forgotten = forget_old_attempts(db)
            db.commit()
        click.echo(f"Anonymised {len(done)} case(s)" + (": " + ", ".join(done) if done else ".")
                   + f" Deleted {forgotten} sign-in step(s) older than {KEEP_ATTEMPTS.days} days.")

    @click.command("subject-export")
    @with_appcontext
    @click.argument("reference")
    @click.option("-o", "--output", required=True, type=click.Path(),
                  help="A .zip file, or a folder (data.json and files/ are written into it).")
    def subject_export(reference, output):
        """Export everything held about the person of case REFERENCE (JSON plus files)."""
        with _session() as db:
            case = db.exec(select(Case).where(Case.reference == reference)).first()
            if case is None:
                raise click.ClickException(f"no case {reference!r}")
            upload_dir = Path(current_app.config["UPLOAD_DIR"])
            if output.lower().endswith(".zip"):
                n, not_found = write_subject_zip(db, case, upload_dir, output)
            else:
                buffer = io.BytesIO()
                n, not_found = write_subject_zip(db, case, upload_dir, buffer)
                Path(output).mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(buffer) as zf:
                    zf.extractall(output)
            record_subject_export(db, case, not_found, via="cli", files=n)
            db.commit()
        click.echo(f"Wrote the data of {reference} and {n} file(s) to {output}.")
        if not_found:
            click.echo(f"Not found in the uploads folder, so not in the export: the file(s) of attachment(s) "
                       f"{', '.join(map(str, not_found))} (named in data.json, files_not_found).", err=True)

    app.cli.add_command(group)
    app.cli.add_command(subject_export)

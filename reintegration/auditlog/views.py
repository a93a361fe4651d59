"""Audit trail page (``auditlog.index``, the menu's "Audit trail") and the per-case
data-protection page: legal hold and the data subject's export.

Reading the audit trail is itself audited (``audit.view``, ``audit.export``): who
looked at whose traces is part of the trace. Legal hold and the export are open to
DRC caseworkers (who run the case) and administrators (who answer access requests);
administrators see no case contents elsewhere, so these pages show only what the
task needs.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from .. import audit, retention
from ..access import allow, case_scope
from ..db import get_session
from ..i18n import format_when, gettext as _
from ..cases.labels import CASE_STATUS, changed_by_text, label
from ..cases.operations import last_change
from ..models import Case, User
from ..paging import read_page
from .forms import AuditFilterForm, LegalHoldForm

bp = Blueprint("auditlog", __name__)


def _filters(db, form: AuditFilterForm) -> dict:
    """The valid filters of the query string (invalid ones are shown at their field and ignored)."""
    users = db.exec(select(User).order_by(User.email)).all()
    form.user.choices = [("", _("Everyone"))] + [(str(u.id), f"{u.name} ({u.email})") for u in users]
    form.validate()
    values: dict = {}
    if form.user.data and str(form.user.data).isascii() and str(form.user.data).isdigit() \
            and len(str(form.user.data)) <= 9:
        values["user_id"] = int(form.user.data)
    if form.action.data and not form.action.errors:
        values["action"] = form.action.data.strip()
    if form.case.data and not form.case.errors:
        # References are made upper case (RT-2026-0001); one typed in lower case is the same
        # case. A reference that names no case says so: an empty trail must never read as
        # "nobody has seen this case" when the reference was mistyped.
        reference = form.case.data.strip().upper()
        case_id = db.exec(select(Case.id).where(Case.reference == reference)).first()
        values["case_id"] = case_id if case_id is not None else -1
        if case_id is None:
            form.case.errors.append(_("No case has the reference %(reference)s. Check the reference.",
                                      reference=reference))
    if form.date_from.data and not form.date_from.errors:
        values["date_from"] = form.date_from.data
    if form.date_to.data and not form.date_to.errors:
        values["date_to"] = form.date_to.data
    return values


def _logged(values: dict) -> dict:
    """The filters as recorded in the trail: the typed action filter only when it looks
    like an action name (free text could name a person, and the trail is permanent)."""
    logged = {k: str(v) for k, v in values.items()}
    if "action" in logged:
        logged["action"] = audit.loggable_action(logged["action"])
    return logged


@bp.get("/admin/audit")
@allow("admin")
def index():
    db = get_session()
    form = AuditFilterForm(request.args)
    values = _filters(db, form)
    stmt = audit.filtered(**values)
    # Counted up to a limit, then "more than N" (``paging``): the trail only grows, and
    # counting all of it made every view slower than the last.
    page = read_page(db, stmt, stmt.order_by(None), (form.page.data or 1) if not form.page.errors else 1,
                     int(current_app.config["PAGE_SIZE"]), int(current_app.config["LIST_COUNT_LIMIT"]))
    events = page.items
    emails = audit.user_emails(db)
    references = dict(db.exec(select(Case.id, Case.reference).where(
        Case.id.in_({e.case_id for e in events if e.case_id} or {-1}))).all())
    # An event about many cases is one row, which says how many (its detail names them).
    many = {e.id: len(named) for e in events if e.case_id is None and (named := audit.cases_named(e.detail))}
    audit.record(db, "audit.view", user=current_user, detail=_logged(values) | {"page": page.number})
    db.commit()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("auditlog/index.html", form=form, events=events, emails=emails,
                           references=references, many=many, page=page, args=args)


@bp.get("/admin/audit/export.csv")
@allow("admin")
def export():
    db = get_session()
    form = AuditFilterForm(request.args)
    values = _filters(db, form)
    out = io.StringIO()
    n = audit.write_csv(db.exec(audit.filtered(**values)), out, audit.user_emails(db))
    audit.record(db, "audit.export", user=current_user,
                 detail=_logged(values) | {"rows": n, "via": "web"})
    db.commit()
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-trail.csv",
                             "Cache-Control": "no-store"})


# --- data protection per case ----------------------------------------------------------

def _case_for_privacy(db, case_id: int) -> Case:
    """Caseworkers reach cases through ``case_scope``; administrators may reach any
    case here (and only here), for legal hold and access requests."""
    if current_user.role == "admin":
        case = db.get(Case, case_id)
    else:
        case = db.exec(select(Case).where(Case.id == case_id, case_scope(current_user))).first()
    if case is None:
        abort(404)
    return case


@bp.get("/cases/<int:case_id>/data-protection")
@allow("caseworker", "admin")
def case_privacy(case_id: int):
    db = get_session()
    case = _case_for_privacy(db, case_id)
    return render_template("auditlog/case_privacy.html", **_privacy_page(db, case))


def _privacy_page(db, case) -> dict:
    """What the data-protection page shows, its view recorded (and committed)."""
    years = int(current_app.config["RETENTION_YEARS_AFTER_CLOSURE"])
    due = retention.anonymised_from(case.closed_at, years) if case.closed_at else None
    audit.record(db, "case.privacy_view", user=current_user, obj=case, case_id=case.id)
    db.commit()
    return dict(case=case, years=years, due=due, status=label(CASE_STATUS, case.status),
                form=LegalHoldForm(formdata=None, revision=case.revision))


@bp.post("/cases/<int:case_id>/legal-hold")
@allow("caseworker", "admin")
def legal_hold(case_id: int):
    db = get_session()
    case = _case_for_privacy(db, case_id)
    form = LegalHoldForm()
    raw = str(form.revision.data or "")
    if not form.validate_on_submit() or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(400)
    hold = request.form.get("hold") == "on"
    seen = int(form.revision.data)
    if case.anonymised_at is not None:
        flash(_("The case is already anonymised."), "warning")
        return redirect(url_for("auditlog.case_privacy", case_id=case.id))
    if not retention.set_legal_hold(db, case, hold, user=current_user, seen_revision=seen):
        db.refresh(case)
        last = last_change(db, case)
        # The button sent twice (a double click): its first send did exactly this.
        resent = (case.legal_hold == hold and case.revision == seen + 1 and last is not None
                  and last.user_id == current_user.id
                  and last.action == ("case.legal_hold_set" if hold else "case.legal_hold_lifted"))
        if not resent:
            return _legal_hold_conflict(db, case, last)
    flash(_("Legal hold is on: the case will not be anonymised.") if hold
          else _("Legal hold is lifted."), "success")
    return redirect(url_for("auditlog.case_privacy", case_id=case.id))


def _legal_hold_conflict(db, case, last):
    """409: the case changed after the page was opened (a legal hold, an edit, ...).
    Nothing was changed; the page as it is now, saying who changed the case and when,
    and carrying the current revision, so that a second click is a deliberate choice."""
    by, _at = audit.done_by(db, last)
    changed = changed_by_text(last.action, by.name if by else _("Someone"),
                              format_when(last.at)) if last is not None else None
    page = _privacy_page(db, case)
    return render_template("auditlog/case_privacy.html", conflict=changed, **page), 409


@bp.get("/cases/<int:case_id>/subject-export.zip")
@allow("caseworker", "admin")
def subject_export(case_id: int):
    db = get_session()
    case = _case_for_privacy(db, case_id)
    data, _files, not_found = retention.subject_zip_bytes(db, case, Path(current_app.config["UPLOAD_DIR"]))
    retention.record_subject_export(db, case, not_found, via="web", user=current_user)
    db.commit()
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={case.reference}-subject-export.zip",
                             "Cache-Control": "private, no-store"})

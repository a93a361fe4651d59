"""Drafting a plan: the form, the live budget check, comments and submission.

Views validate, call an operation, flash and redirect; what a field is lives in
``forms.py``, the writes in ``operations.py``.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from .. import audit, uploads
from ..access import allow, case_scope, may_open, reader_time_zone
from ..audit import record
from ..cases.labels import changed_by_text
from ..db import get_session
from ..domain import budget, workflow
from ..followup import operations as followup_ops
from ..forms import form_error_items, plain_number
from ..i18n import format_moment, format_moment_day, gettext as _, local_today, ngettext
from ..models import Case, Organisation, PlanVersion, User
from . import decided, operations as ops, reading
from .display import (OUTCOME_LABELS, CheckView, case_change_texts, check_view, comment_rows, decision_summary,
                      line_rows, narrative_rows, status_label, typed_line_rows,
                      typed_narrative_rows, typed_spread_rows, violation_message)
from .forms import MAX_LINES, ActionForm, CommentForm, DiscardForm, ImportForm, PlanForm, typed
from .mapping import load_plan

bp = Blueprint("plans", __name__)

EDIT_ROLES = ("caseworker",)
READ_ROLES = ("caseworker", "cmm", "approver", "partner")
COMMENT_ROLES = ("caseworker", "cmm", "partner")
MAX_BLANK_ROWS = 20


def _tables():
    return current_app.extensions["rate_tables"]


def _today() -> date:
    return local_today()


def _flash_findings() -> None:
    """After a save or an import whose plan the budget check finds fault with: where the
    findings are (a household cap's belongs to no line)."""
    flash(_("The budget check has findings. They are listed under “Budget check”, and a line's own "
            "beside it."), "warning")


def _zone(db):
    """Where the signed-in reader reads this page's moments: a partner officer in their
    own zone, Danish staff in Danish time (``access.reader_time_zone``)."""
    return reader_time_zone(db, current_user)


def _version_or_404(db, case_id: int, version_id: int) -> tuple[PlanVersion, Case]:
    """The version, joined to a case the user may see; anything else answers 404."""
    row = db.exec(select(PlanVersion, Case).join(Case, Case.id == PlanVersion.case_id)
                  .where(PlanVersion.id == version_id, PlanVersion.case_id == case_id,
                         case_scope(current_user))).first()
    if row is None:
        abort(404)
    return row


def _version_or_discarded(db, case_id: int, version_id: int, *, typed: PlanForm | None = None,
                          comment: str | None = None):
    """``(version, case)`` as :func:`_version_or_404`; but a draft discarded meanwhile on a
    case the user may see answers 409 (raised as an HTTP exception with the page): who
    discarded it and when, and what was sent (the drafting ``typed`` form, or the
    ``comment``), kept in view to copy, rather than a 404 that loses it. A drafting form
    is also from the discarded draft when a new draft has come back under its id (SQLite
    reuses the highest id) and the form's revision is one the discarded draft had."""
    row = db.exec(select(PlanVersion, Case).join(Case, Case.id == PlanVersion.case_id)
                  .where(PlanVersion.id == version_id, PlanVersion.case_id == case_id,
                         case_scope(current_user))).first()
    if row is not None:
        seen = plain_number(typed.revision.data) if typed is not None else None
        # A form at the draft's own revision or later is not the discarded draft's (a new
        # draft under its id starts above it): only a form already behind is looked up.
        behind = seen is not None and seen < row[0].revision
        event = ops.discarded_record(db, case_id, version_id) if behind else None
        if event is None or seen > (ops.discarded_revision(event) or 0):
            return row
        case = row[1]
    else:
        case = db.exec(select(Case).where(Case.id == case_id, case_scope(current_user))).first()
        event = ops.discarded_record(db, case_id, version_id) if case is not None else None
    if event is None:
        abort(404)
    by, _at = audit.done_by(db, event)
    shown = None
    if typed is not None:
        typed.validate_for("save")  # reads every field; errors do not matter here
        shown = {"narrative": typed_narrative_rows(typed), "lines": typed_line_rows(typed)}
    page = render_template("plans/discarded.html", case=case, by=by.name if by else _("Someone"),
                           at=format_moment(event.at, _zone(db)), number=ops.discarded_number(event),
                           typed=shown, comment=comment)
    record(db, "case.read", user=current_user, obj=case, case_id=case.id, detail={"page": "plans.discarded"})
    db.commit()
    abort(Response(page, status=409))


def _partner_currency(db, case: Case) -> str | None:
    partner = db.get(Organisation, case.partner_id) if case.partner_id else None
    return partner.currency if partner else None


def _form_data(db, version: PlanVersion) -> dict:
    stored = load_plan(db, version)
    data = {name: getattr(version, name) for name in ops.NARRATIVE_FIELDS}
    data["activity_kind"] = data["activity_kind"] or ""
    data["revision"] = str(version.revision)
    data["lines"] = [{"line_key": line.line_key, "kind": line.kind, "category": line.category or "other",
                      "description": line.description, "month": line.month, "amount_dkk": line.amount_dkk,
                      "currency": line.currency, "amount_local": line.amount_local,
                      "exchange_rate": line.exchange_rate} for line in stored.lines]
    return data


def _stored_form(db, version: PlanVersion) -> PlanForm:
    """The drafting form filled from the saved version. A draft stored with more lines
    than a plan can have (``MAX_LINES``) still opens, every line shown, saying so."""
    data = _form_data(db, version)
    form = PlanForm(formdata=None, data=data, line_capacity=len(data["lines"]))
    if len(data["lines"]) > MAX_LINES:
        form.line_errors.append(_("The plan has %(n)d budget lines; a plan can have at most %(max)d. "
                                  "Remove lines before you save.", n=len(data["lines"]), max=MAX_LINES))
    return form


def _line_values(form: PlanForm) -> tuple[list[ops.LineValues], list, int, list[int]]:
    """The form's lines as values, the sub-form of each, how many could not be read
    (no usable amount or month yet: those are left out of the live check), and the
    number each line's row shows on the page ("Line 3": blank and unreadable rows above
    it count)."""
    values, entries, unreadable, numbers = [], [], 0, []
    for number, entry in enumerate(form.lines.entries, start=1):
        line = entry.form
        if line.is_blank():
            continue
        amount = line.amount_dkk.data
        if amount is None and not typed(line.amount_dkk):
            amount = ops.local_to_dkk(line.amount_local.data, line.exchange_rate.data)
        if amount is None or line.month.data is None:
            unreadable += 1
            continue
        values.append(ops.LineValues(kind=line.kind.data, month=line.month.data, amount_dkk=amount,
                                     category=line.category.data, description=line.description.data,
                                     currency=line.currency.data, amount_local=line.amount_local.data,
                                     exchange_rate=line.exchange_rate.data, line_key=line.line_key.data))
        entries.append(entry)
        numbers.append(number)
    return values, entries, unreadable, numbers


def _form_check(db, case: Case, form: PlanForm) -> CheckView:
    """The budget check of what the form holds now (saved or not)."""
    values, entries, unreadable, numbers = _line_values(form)
    keys = [value.line_key for value in values if value.line_key]  # so payments follow their lines
    check = ops.check_unsaved(db, case, form.narrative_values(), ops.prepare_lines(values, keys, None),
                              _tables(), _today())
    return check_view(check, line_ids=[entry.id for entry in entries], unreadable=unreadable, line_numbers=numbers)


# Check rules that restate what a line's own field refuses (a month outside 1 to 12, an
# amount not above zero): where the field already says so, the summary says it once.
_AS_THE_FIELD_SAYS = (budget.LINE_MONTH, budget.LINE_AMOUNT)


def _check_summary_items(form: PlanForm, checked: CheckView) -> list[dict]:
    """The budget check's errors for the page's error summary, less those that repeat
    an error already shown at the same field (the field's own words are kept). The
    line's own slot beside the fields leaves them out too."""
    at_fields = {item["id"] for item in form_error_items(form) if item["id"]}

    def repeats(finding) -> bool:
        return finding.rule in _AS_THE_FIELD_SAYS and finding.field in at_fields

    for row, findings in checked.by_line.items():
        checked.by_line[row] = [finding for finding in findings if not repeats(finding)]
    return [item for finding, item in zip(checked.errors, checked.summary_items) if not repeats(finding)]


def _render_edit(db, version: PlanVersion, case: Case, form: PlanForm, status: int = 200,
                 comment_form: CommentForm | None = None, discard_form: DiscardForm | None = None, **extra):
    """The drafting page (opened, or shown again with what was sent and its errors), its
    read recorded: everything it shows is read first, then the read's record commits the
    one transaction, and nothing reads after it. Only refusals that wrote nothing (or
    rolled back) come here, so the commit keeps the record only."""
    page = _edit_context(db, version, case, form, comment_form, discard_form)
    _record_read(db, version, case, "plans.edit")
    return render_template("plans/edit.html", **page, **extra), status


def _record_read(db, version: PlanVersion, case: Case, page: str) -> None:
    """Log that the user was shown the version's page (special-category data: every read
    of it is logged, a page shown again on a refused form too), and commit."""
    record(db, "case.read", user=current_user, obj=version, case_id=case.id, detail={"page": page})
    db.commit()


def _edit_context(db, version: PlanVersion, case: Case, form: PlanForm,
                  comment_form: CommentForm | None = None, discard_form: DiscardForm | None = None) -> dict:
    """What the drafting page shows, every read of it done here."""
    checked = _form_check(db, case, form)
    return dict(case=case, version=version, form=form, checked=checked,
                # An amendment is drafted mid-year: what each line has had paid out, which
                # it cannot go below (the check says so only once a line is lower).
                paid=ops.disbursed_by_key(db, case.id) if version.amends_id else {},
                check_summary=_check_summary_items(form, checked), drafting=True, restorable=True,
                decision=decision_summary(decided.decision_followed(db, version), _zone(db)),
                comments=comment_rows(db, version.id, _zone(db)),
                comment_form=comment_form or CommentForm(formdata=None),
                submit_form=ActionForm(formdata=None, data={"revision": str(version.revision)}),
                discard_form=discard_form or DiscardForm(formdata=None, data={"revision": str(version.revision)}),
                status_label=status_label(version.status))


def _frozen(db, version: PlanVersion, case: Case, attempted: str, form: PlanForm | None = None,
            file_name: str | None = None):
    """409 to a change posted to a version that is no longer a draft (submitted from
    another tab, or by a colleague, while the form was open). Nothing is saved, but what
    was sent stays in view: the drafting ``form``'s texts and lines as they were typed
    (read-only, to copy into a new version), or the name of the plan file chosen. Only
    opening its drafting page (a GET: nothing was tried) shows the version instead, see
    :func:`_read_only`."""
    ops.refuse_frozen(db, version, current_user, attempted)
    typed = None
    if form is not None:
        typed = {"narrative": typed_narrative_rows(form), "lines": typed_line_rows(form),
                 "spread": typed_spread_rows(form) if attempted == "spread_cash" else []}
    submitter = db.get(User, version.submitted_by) if version.submitted_by else None
    submitted = ({"name": submitter.name, "at": format_moment(version.submitted_at, _zone(db))}
                 if submitter is not None and version.submitted_at else None)
    case_closed = _case_closed(case, version)
    return render_template("plans/frozen.html", case=case, version=version, typed=typed, file_name=file_name,
                           status_label=status_label(version.status), case_closed=case_closed,
                           closed=_closed_by(db, case) if case_closed else None, attempted=attempted,
                           submitted=submitted), 409


def _closed_by(db, case: Case) -> dict | None:
    """Who closed the case and when, as the trail says (None if it does not)."""
    event = followup_ops.closure(db, case)
    if event is None:
        return None
    closer, at = audit.done_by(db, event)
    who = closer.name if closer is not None else _("Someone")
    # Whom to talk to: the caseworker who closed it (a final report closes the case at the
    # end of the period, and its sender is the partner's officer).
    return {"said": changed_by_text(event.action, who, format_moment(at, _zone(db))),
            "early": event.action == "followup.case_closed", "name": closer.name if closer is not None else None}


def _posted_action() -> str:
    """Which button sent the drafting form: save, add_line, remove_line (its row in the
    button's value, ``remove_line:<n>``), restore_line (the key of the removed paid line
    to put back, ``restore_line:<key>``) or spread_cash; anything else is a save."""
    action = request.form.get("action", "save")
    if action.startswith("remove_line:"):
        return "remove_line"
    if action.startswith("restore_line:"):
        return "restore_line"
    return action if action in ("save", "add_line", "spread_cash") else "save"


def _case_closed(case: Case, version: PlanVersion) -> bool:
    """A draft of a closed case: a closed case is read-only (``followup.close_case``), its
    draft too, though no one submitted it."""
    return case.status == workflow.CLOSED and version.status == workflow.DRAFT


def _changeable(case: Case, version: PlanVersion) -> bool:
    """The version can be changed on the drafting page: a draft of a case not closed."""
    return version.status == workflow.DRAFT and case.status != workflow.CLOSED


def _read_only(case: Case, version: PlanVersion):
    """Opening a page that changes a version no longer a draft (an old link, a bookmark):
    nothing was tried, so no refusal; the version's own page, with a plain note why."""
    if _case_closed(case, version):
        flash(_("The case is closed, so its plan can no longer be changed. This is version %(n)d as it stands.",
                n=version.number), "info")
        return redirect(url_for("plans.show", case_id=case.id, version_id=version.id))
    flash(_("Version %(n)d was submitted, so it cannot be edited. This is the version as it stands.",
            n=version.number) + " " +
          _("To change the plan, start a new version from the case page once a decision has been made."), "info")
    return redirect(url_for("plans.show", case_id=case.id, version_id=version.id))


@bp.post("/cases/<int:case_id>/plans")
@allow(*EDIT_ROLES)
def create(case_id: int):
    db = get_session()
    case = db.exec(select(Case).where(Case.id == case_id, case_scope(current_user))).first()
    if case is None:
        abort(404)
    if case.status == workflow.CLOSED:
        flash(_("The case is closed; no new plan version can be started."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    try:
        version = ops.create_draft(db, case, current_user, _tables(), _today())
    except ops.CaseClosed:  # closed after the check above
        flash(_("The case is closed; no new plan version can be started."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    except ops.OpenVersionExists as exists:
        if exists.version.status == workflow.DRAFT:
            flash(_("The case already has a draft. Continue it here."), "info")
            return redirect(url_for("plans.edit", case_id=case.id, version_id=exists.version.id))
        flash(_("Version %(n)d is awaiting a decision; a new version can be started after it.",
                n=exists.version.number), "warning")
        return redirect(url_for("plans.show", case_id=case.id, version_id=exists.version.id))
    if version.amends_id:
        flash(_("Version %(n)d is started as an amendment of the approved plan.", n=version.number), "success")
    else:
        flash(_("Version %(n)d of the plan is started.", n=version.number), "success")
    return redirect(url_for("plans.edit", case_id=case.id, version_id=version.id))


@bp.get("/cases/<int:case_id>/plans/<int:version_id>")
@allow(*READ_ROLES)
def show(case_id: int, version_id: int):
    db = get_session()
    version, case = _version_or_404(db, case_id, version_id)
    # Everything the page shows is read first; the read's record then commits the one
    # transaction, and nothing reads after it (a read would open a second transaction).
    return _render_show(db, version, case, CommentForm(formdata=None))


def _render_show(db, version: PlanVersion, case: Case, comment_form: CommentForm, status: int = 200):
    """The version's page, its read recorded after everything it shows is read."""
    page = _show_context(db, version, case, comment_form)
    _record_read(db, version, case, "plans.show")
    return render_template("plans/show.html", **page), status


def _show_context(db, version: PlanVersion, case: Case, comment_form: CommentForm) -> dict:
    """What the version's page shows, every read of it done here."""
    stored = load_plan(db, version)
    taken = decided.decision_on(db, version)
    # An approved version reads as it was approved, whatever changed on the case since;
    # any other version is checked against the case as it is now.
    approved = decided.as_approved(db, taken.decision if taken else None, stored, _tables())
    check = approved.check if approved else ops.check_version(db, stored, _tables(), _today())
    checked = check_view(check, line_ids=[f"line-{i}" for i in range(len(stored.lines))])
    submitter = db.get(User, version.submitted_by) if version.submitted_by else None
    # The day as the reader reads it: a partner officer abroad, in their own time.
    submitted = f"{submitter.name}, {format_moment_day(version.submitted_at, _zone(db))}" if submitter else None
    review_url = None
    # Not for a draft: nothing is there to approve yet (its review page offers no decision).
    if may_open(current_user.role, "approvals.review") and version.status != workflow.DRAFT:
        review_url = url_for("approvals.review", version_id=version.id)
    links = _related_links(version, case)
    can_comment = current_user.role in COMMENT_ROLES and version.status in ops.COMMENTABLE
    return dict(case=case, version=version, checked=checked, links=links,
                narrative=narrative_rows(version), lines=line_rows(stored.lines, checked),
                comments=comment_rows(db, version.id, _zone(db)), submitted=submitted, review_url=review_url,
                comment_form=comment_form if can_comment else None,
                status_label=status_label(version.status),
                decision=decision_summary(taken or decided.decision_followed(db, version), _zone(db)),
                as_approved=approved is not None, case_changes=case_change_texts(approved),
                drafting=version.status == workflow.DRAFT,
                can_edit=current_user.role in EDIT_ROLES and _changeable(case, version))


def _related_links(version: PlanVersion, case: Case) -> list[tuple[str, str]]:
    """Links to the other areas' pages about this version, for the roles those pages allow
    (no package for an anonymised case: it can no longer be made)."""
    links = []
    role = current_user.role
    if version.status in (workflow.APPROVED, workflow.SUPERSEDED) and may_open(role, "exports.package") \
            and case.anonymised_at is None:
        links.append((url_for("exports.package", version_id=version.id), _("Download the approval package")))
    if (version.amends_id or version.number > 1) and may_open(role, "approvals.changes"):
        links.append((url_for("approvals.changes", version_id=version.id), _("What changed since the earlier version")))
    return links


@bp.route("/cases/<int:case_id>/plans/<int:version_id>/edit", methods=["GET", "POST"])
@allow(*EDIT_ROLES)
def edit(case_id: int, version_id: int):
    db = get_session()
    if request.method == "POST":
        version, case = _version_or_discarded(db, case_id, version_id, typed=PlanForm())
    else:
        version, case = _version_or_404(db, case_id, version_id)
    if not _changeable(case, version):
        if request.method == "GET":
            return _read_only(case, version)
        return _frozen(db, version, case, _posted_action(),
                       form=PlanForm(line_capacity=len(load_plan(db, version).lines)))
    currency = _partner_currency(db, case)
    if request.method == "GET":
        form = _stored_form(db, version)
        blank = plain_number(request.args.get("blank")) or 0
        for _n in range(min(blank, MAX_BLANK_ROWS)):
            if not form.has_room_for_a_line():
                break
            form.lines.append_entry({"currency": currency})
        return _render_edit(db, version, case, form)  # read first: the record commits the one transaction

    stored_lines = load_plan(db, version).lines
    form = PlanForm(line_capacity=len(stored_lines))  # every row of a page opened with more lines
    action = _posted_action()
    if action == "remove_line":
        name = "lines-" + request.form.get("action", "").partition(":")[2]
        form.lines.entries = [entry for entry in form.lines.entries if entry.name != name]
    restored = None
    if action == "restore_line":
        # Only a line money was paid out on, which the draft lacks, is put back; anything
        # else posted (a made-up key, a line the draft holds) is refused, nothing saved.
        present = [line.line_key for line in stored_lines] + [entry.form.line_key.data for entry in form.lines.entries]
        restored = ops.restorable_line(db, version, request.form.get("action", "").partition(":")[2], present)
        if restored is None:
            form.validate_for(action)
            form.line_errors.append(_("That line cannot be put back: only a line money was paid out on, and which "
                                      "the plan no longer has, can be put back. Nothing was saved."))
            return _render_edit(db, version, case, form, status=422)
    if not form.validate_for(action):
        if action == "add_line":
            if form.has_room_for_a_line():
                form.lines.append_entry({"currency": currency})
            if len(form.kept_lines()) + 1 > MAX_LINES:
                form.refuse_line_count(len(form.kept_lines()) + 1)
        return _render_edit(db, version, case, form, status=422)

    kept = form.kept_lines()
    values = [ops.LineValues(kind=line.kind.data, month=line.month.data, amount_dkk=line.amount_dkk.data,
                             category=line.category.data, description=line.description.data,
                             currency=line.currency.data, amount_local=line.amount_local.data,
                             exchange_rate=line.exchange_rate.data, line_key=line.line_key.data) for line in kept]
    if action == "spread_cash":
        values += [ops.LineValues(kind="cash", month=month, amount_dkk=amount, category="allowance",
                                  description=_("Monthly cash instalment"))
                   for month, amount in ops.spread_cash(form.spread_total.data, form.spread_from.data,
                                                        form.spread_to.data)]
    existing = [line.line_key for line in stored_lines]
    if restored is not None:
        values.append(restored)  # at the end of the lines, with its key: the payments follow it
        existing.append(restored.line_key)
    lines = ops.prepare_lines(values, existing, currency)
    try:
        if action == "add_line":
            ops.refuse_too_many_lines(len(lines) + 1)  # the line to add must fit too
        check = ops.save_draft(db, version, seen_revision=plain_number(form.revision.data),
                               narrative=form.narrative_values(), lines=lines, user=current_user,
                               tables=_tables(), today=_today())
    except ops.PlanFrozen:
        return _frozen(db, version, case, action, form=form)
    except ops.PlanConflict as conflict:
        return _conflict(db, conflict.current, case, form)
    except ops.TooManyLines as refused:
        # Nothing is saved; the form keeps what the user typed, the error where they acted.
        form.refuse_line_count(refused.count, form.spread_to if action == "spread_cash" else None)
        return _render_edit(db, version, case, form, status=422)

    messages = {
        "save": _("The plan is saved."),
        "add_line": _("The plan is saved. A new line is added below."),
        "remove_line": _("The line is removed and the plan saved."),
        "spread_cash": _("The cash is spread over the months and the plan saved."),
        "restore_line": _("The paid line is put back as it is in the approved plan, at the end of the lines, and "
                          "the plan saved."),
    }
    flash(messages[action], "success")
    if not check.ok:
        _flash_findings()
    blank = min(len(form.lines.entries) - len(kept) + (1 if action == "add_line" else 0), MAX_BLANK_ROWS)
    anchor = "budget-lines" if action != "save" else None
    if action == "add_line" and blank:
        # The new line is the last row (the saved lines, then the blank rows): the page
        # opens there, so the next Tab is in it, not in line 1 of a long plan.
        anchor = f"lines-{len(lines) + blank - 1}"
    return redirect(url_for("plans.edit", case_id=case.id, version_id=version.id,
                            blank=blank or None, _anchor=anchor))


def _conflict(db, current: PlanVersion, case: Case, form: PlanForm, attempted: str = "save"):
    """409: someone else saved first. The user's input stays in the form, next to what
    the other person saved; saving again is a deliberate choice. ``attempted``: what was
    refused (a save, or a submit or discard, which had no input)."""
    stored = load_plan(db, current)
    form.revision.data = str(current.revision)
    return _render_edit(db, current, case, form, status=409, conflict={
        "editor": ops.last_editor(db, current), "at": format_moment(current.updated_at, _zone(db)),
        "narrative": narrative_rows(current), "lines": line_rows(stored.lines), "attempted": attempted})


@bp.post("/cases/<int:case_id>/plans/<int:version_id>/check")
@allow(*EDIT_ROLES)
def check(case_id: int, version_id: int):
    """The check panel for the posted, unsaved form: the live check's fragment."""
    db = get_session()
    _version, case = _version_or_404(db, case_id, version_id)
    form = PlanForm()
    form.validate_for("save")  # parses every field; errors only make lines unreadable
    return render_template("plans/_check.html", checked=_form_check(db, case, form), live=True, drafting=True,
                           restorable=True)


@bp.post("/cases/<int:case_id>/plans/<int:version_id>/comments")
@allow(*COMMENT_ROLES)
def comment(case_id: int, version_id: int):
    db = get_session()
    form = CommentForm()
    version, case = _version_or_discarded(db, case_id, version_id, comment=form.body.data or "")
    drafting = current_user.role in EDIT_ROLES and _changeable(case, version)
    target = url_for("plans.edit" if drafting else "plans.show", case_id=case.id, version_id=version.id,
                     _anchor="comments")
    try:
        # The form sent twice (a double click): its first send added the comment, even
        # if the version has been decided since.
        ops.refuse_comment_sent_twice(db, form.request_token.data)
        if version.status not in ops.COMMENTABLE:
            return _comment_refused(db, version_id, case_id, form.body.data)
        if not form.validate():
            # The page again (422), with the error at the comment field and the text kept.
            if drafting:
                return _render_edit(db, version, case, _stored_form(db, version), status=422, comment_form=form)
            return _render_show(db, version, case, form, status=422)
        ops.add_comment(db, version, current_user, form.body.data, token=form.request_token.data)
    except ops.CommentAlreadyAdded:
        flash(_("Your comment was already added by this form (it was sent twice). It is added once."), "info")
        return redirect(target)
    except ops.PlanFrozen:
        return _comment_refused(db, version_id, case_id, form.body.data)
    flash(_("Your comment is added."), "success")
    return redirect(target)


def _comment_refused(db, version_id: int, case_id: int, text: str | None):
    """409: the version was decided (or otherwise frozen) while the comment was typed.
    Nothing is stored; the version's page again, saying who decided what and when, with
    the comment's text kept read-only to copy, and where it can still go."""
    db.rollback()
    version, case = _version_or_404(db, case_id, version_id)
    db.refresh(version)
    taken = decided.decision_on(db, version)
    refused = {"text": text or "", "status": status_label(version.status), "number": version.number,
               "by": taken.decided_by if taken else None,
               "outcome": str(OUTCOME_LABELS.get(taken.decision.outcome, taken.decision.outcome)) if taken else None,
               "at": format_moment(taken.decision.decided_at, _zone(db)) if taken else None,
               "next": None}
    later = ops.next_commentable(db, version)
    if later is not None:
        refused["next"] = {"number": later.number, "url": url_for("plans.show", case_id=case.id, version_id=later.id,
                                                                  _anchor="comments")}
    page = _show_context(db, version, case, CommentForm(formdata=None))
    # The page shows the version again: its read is recorded with the refusal (one commit).
    record(db, "case.read", user=current_user, obj=version, case_id=case.id, detail={"page": "plans.show"})
    ops.refuse_frozen(db, version, current_user, "comment")
    return render_template("plans/show.html", comment_refused=refused, **page), 409


@bp.post("/cases/<int:case_id>/plans/<int:version_id>/submit")
@allow(*EDIT_ROLES)
def submit(case_id: int, version_id: int):
    db = get_session()
    version, case = _version_or_404(db, case_id, version_id)
    form = ActionForm()
    if not form.validate():
        abort(400)
    seen = plain_number(form.revision.data)
    if not _changeable(case, version):
        return _submitted_already(case, version, seen) or _frozen(db, version, case, "submit")
    try:
        ops.submit_version(db, version, seen_revision=seen, user=current_user, tables=_tables(), today=_today())
    except ops.SubmitRefused as refused:
        reasons = [violation_message(v) for v in refused.violations if v.code != "submit.has_errors"]
        reasons += [f.message for f in check_view(refused.check).findings if f.severity == "error"]
        flash(_("The plan was not submitted:") + " " + " ".join(reasons), "error")
        return redirect(url_for("plans.edit", case_id=case.id, version_id=version.id))
    except ops.PlanFrozen:
        return _submitted_already(case, version, seen) or _frozen(db, version, case, "submit")
    except ops.PlanConflict:
        return _action_conflict(db, case.id, version.id, "submit")
    flash(_("Version %(n)d is submitted for approval and can no longer be changed.", n=version.number), "success")
    return redirect(url_for("plans.show", case_id=case.id, version_id=version.id))


def _submitted_already(case: Case, version: PlanVersion, seen: int | None):
    """The submit form sent twice (a double click): its first send submitted the version
    (by this user, one revision on from the form's, nothing since). Said as done, not as
    a refusal; None for anything else."""
    if (version.status == workflow.SUBMITTED and version.submitted_by == current_user.id and seen is not None
            and version.revision == seen + 1):
        flash(_("Version %(n)d is submitted for approval and can no longer be changed.", n=version.number),
              "success")
        return redirect(url_for("plans.show", case_id=case.id, version_id=version.id))
    return None


def _action_conflict(db, case_id: int, version_id: int, attempted: str):
    """409 to a submit or discard from a page opened before someone saved the draft:
    nothing was done. The drafting page as saved now, saying who saved it and when, with
    what they saved; the buttons now carry the current revision, so trying again is a
    deliberate choice."""
    db.rollback()
    version, case = _version_or_404(db, case_id, version_id)
    db.refresh(version)
    return _conflict(db, version, case, _stored_form(db, version), attempted=attempted)


@bp.post("/cases/<int:case_id>/plans/<int:version_id>/discard")
@allow(*EDIT_ROLES)
def discard(case_id: int, version_id: int):
    """Discard a draft: the version, its lines, contributors and comments are deleted;
    the case's other versions stay. Only with the confirmation ticked."""
    db = get_session()
    version, case = _version_or_404(db, case_id, version_id)
    if not _changeable(case, version):
        return _frozen(db, version, case, "discard")
    form = DiscardForm()
    if not form.validate():
        return _render_edit(db, version, case, _stored_form(db, version), status=422, discard_form=form)
    number = version.number
    try:
        ops.discard_draft(db, version, seen_revision=plain_number(form.revision.data), user=current_user)
    except ops.PlanFrozen:
        return _frozen(db, version, case, "discard")
    except ops.PlanConflict:
        return _action_conflict(db, case.id, version_id, "discard")
    flash(_("Draft version %(n)d is discarded: its lines and comments are deleted. The case's other versions are "
            "unchanged, and a new version can be started.", n=number), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.get("/cases/<int:case_id>/plans/<int:version_id>/plan.json")
@allow(*READ_ROLES)
def export_json(case_id: int, version_id: int):
    """The version as a plan file (PLAN_FORMAT.md), as a download. An approved version
    (or one superseded since) is the plan file as approved, which the decision keeps: the
    case may have changed since (a child removed, a date corrected), and the file must
    still be the plan that was approved and pass the validation the page says it passed.
    A decision from before the decisions kept their plan file (migration 0009) gives the
    plan its approval package holds (``decided.approved_plan``): the version on the
    decision's reference date, not on the case's return date now (an actual return
    recorded since)."""
    db = get_session()
    version, case = _version_or_404(db, case_id, version_id)
    document, as_approved = decided.plan_file(db, version)
    record(db, "plan.export_json", user=current_user, obj=version, case_id=case.id,
           detail={"number": version.number, "lines": len(document["lines"]), "as_approved": as_approved})
    db.commit()
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    response = Response(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response.headers.set("Content-Disposition", "attachment", filename=f"{case.reference}-v{version.number}.json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/cases/<int:case_id>/plans/<int:version_id>/import", methods=["GET", "POST"])
@allow(*EDIT_ROLES)
def import_json(case_id: int, version_id: int):
    """Replace a draft's activity and budget lines with those of a plan file."""
    db = get_session()
    version, case = _version_or_404(db, case_id, version_id)
    if not _changeable(case, version):
        if request.method == "GET":
            return _read_only(case, version)
        return _frozen(db, version, case, "import_json", file_name=_chosen_file_name())
    if request.method == "GET":
        form = ImportForm(formdata=None, data={"revision": str(version.revision)})
        return _render_import(version, case, form)
    form = ImportForm()
    form.validate()  # CSRF is checked before the view; the fields are read below
    field, error, plan = reading.submitted_plan(form)
    if error is not None:
        field.errors = [error]
        return _render_import(version, case, form, status=422)
    stored = load_plan(db, version)
    differences = ops.case_differences(case, stored.children, plan)
    try:
        check = ops.import_plan(db, version, seen_revision=plain_number(form.revision.data), plan=plan,
                                user=current_user, tables=_tables(), today=_today(),
                                default_currency=_partner_currency(db, case))
    except ops.PlanFrozen:
        return _frozen(db, version, case, "import_json", file_name=_chosen_file_name())
    except ops.PlanConflict as conflict:
        form.revision.data = str(conflict.current.revision)
        editor = ops.last_editor(db, conflict.current)
        said = _("Someone saved the plan after you opened this page. Nothing was imported: "
                 "check their changes, then import again.")
        if editor is not None:
            said += " " + _("%(name)s saved it at %(time)s.", name=editor.name,
                            time=format_moment(conflict.current.updated_at, _zone(db)))
        form.plan_file.errors = [said]
        return _render_import(conflict.current, case, form, status=409)
    flash(ngettext("The plan file is imported: %(num)d budget line.", "The plan file is imported: %(num)d budget lines.",
                   len(plan.lines)), "success")
    if differences:
        named = "; ".join(reading.difference_text(*d) for d in differences)
        flash(_("The case's person and children are kept, and they differ from the file's, so the file's verdict "
                "may differ from the check here:") + " " + named + ".", "warning")
    if not check.ok:
        _flash_findings()
    return redirect(url_for("plans.edit", case_id=case.id, version_id=version.id))


def _chosen_file_name() -> str | None:
    """The name of the plan file posted for import, for a page that could not import it."""
    chosen = request.files.get("plan_file")
    return uploads.base_name(chosen.filename)[:80] if chosen is not None and chosen.filename else None


def _render_import(version: PlanVersion, case: Case, form: ImportForm, status: int = 200):
    return render_template("plans/import.html", case=case, version=version, form=form,
                           max_mb=reading.MAX_PLAN_FILE_BYTES // (1024 * 1024)), status

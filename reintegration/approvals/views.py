"""Approval pages: the queue, the review with the decision form, and the changes of a
version against the one before (or the approved version an amendment amends)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import allow
from ..cases.countries import country_name
from ..cases.labels import CASE_CHANGES, changed_by_text
from ..cases.operations import record_list_read
from ..db import get_session
from ..domain import workflow as wf
from ..domain.violation import Violation
from ..i18n import format_when, gettext as _, language, local_today
from ..plans.display import case_change_texts, decision_summary
from ..plans.findings import shown_findings
from . import operations as ops
from .forms import DecisionForm
from .labels import (ACTIVITY_LABELS, CATEGORY_LABELS, CHANGE_LABELS, FIELD_LABELS, KIND_LABELS, OUTCOME_LABELS,
                     SEEN_FIELD_LABELS, STATUS_LABELS, entitlement_label, label, shown_value, violation_message)

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

# Refusals that are about who is asking: the page answers 403. Others are about the plan.
AUTHORITY = {"decision.wrong_organisation", "decision.wrong_role", "decision.own_plan"}


def _tables():
    return current_app.extensions["rate_tables"]


@bp.app_errorhandler(ops.FrozenVersionError)
def _frozen(error: ops.FrozenVersionError):
    ops.record_frozen_attempt(get_session(), current_user, error)
    return render_template("errors/error.html", title=_("An approved plan cannot change"),
                           message=_("The budget lines of an approved version are final, exchange rates "
                                     "included. Draft an amendment instead. Nothing was saved.")), 409


@bp.get("/")
@allow("approver")
def queue():
    page = request.args.get("page", 1, type=int) or 1
    result = ops.queue(get_session(), current_user, _tables(), local_today(), page=page,
                       page_size=current_app.config["PAGE_SIZE"],
                       count_limit=current_app.config["APPROVAL_QUEUE_COUNT_LIMIT"])
    record_list_read(get_session(), user=current_user, page=request.endpoint,
                     case_ids=[row.case_id for row in result.items])
    return render_template("approvals/queue.html", page=result, country_name=country_name)


def _version_or_404(version_id: int):
    db = get_session()
    version = ops.visible_version_or_none(db, version_id, current_user)
    if version is None:
        abort(404)
    return db, version


def _diff_rows(comparison):
    """The diff as rows to show: no rules in the template."""
    if comparison.diff is None:
        return None
    lines = []
    for change in comparison.diff.lines:
        line = change.new or change.old
        fields = [(label(FIELD_LABELS, f.field), shown_value(f.field, f.old), shown_value(f.field, f.new))
                  for f in change.fields]
        lines.append({"change": change.change, "change_label": label(CHANGE_LABELS, change.change),
                      "description": line.description or label(KIND_LABELS, line.kind),
                      "old_amount": change.old.amount_dkk if change.old else None,
                      "new_amount": change.new.amount_dkk if change.new else None, "fields": fields})
    fields = [(label(FIELD_LABELS, f.field), shown_value(f.field, f.old), shown_value(f.field, f.new))
              for f in comparison.diff.fields]
    return {"base_number": comparison.base.number, "lines": lines, "fields": fields,
            "unchanged": comparison.diff.unchanged_lines, "has_changes": comparison.diff.has_changes}


def _review_context(db, version):
    data = ops.review(db, version, _tables(), local_today())
    check = data.check.budget
    version_fields = [(label(FIELD_LABELS, name), shown_value(name, getattr(version, name)))
                      for name in ("activity_kind", "activity_description", "activity_location",
                                   "expected_monthly_income", "activity_start_month", "realism", "social_support",
                                   "housing", "health", "schooling", "risk_health", "risk_traffickers",
                                   "risk_management")]
    allocation = [{"label": entitlement_label(e.key, e.child), "cap": e.cap, "used": e.used, "left": e.left,
                   "budgeted": e.budgeted, "over": e.over, "source": check.rate_table.source(e.figure, language())}
                  for e in (check.allocation.entries if check.allocation else ())]
    findings = shown_findings(check)  # a removed paid line among them (line.removed_disbursed)
    paid = data.paid
    lines = [{"kind": label(KIND_LABELS, line.kind), "category": label(CATEGORY_LABELS, line.category),
              "description": line.description, "month": line.month, "amount_dkk": line.amount_dkk,
              "currency": line.currency,
              "amount_local": shown_value("amount_local", line.amount_local) if line.amount_local is not None else "",
              "exchange_rate": shown_value("exchange_rate", line.exchange_rate) if line.exchange_rate is not None
              else "", "paid": paid.get(line.line_key)} for line in data.stored.lines]
    deciding = version.status == wf.SUBMITTED and current_user.role == "approver"
    barred = deciding and current_user.id in data.drafter_ids
    # What stops anyone approving, as the plan and case stand now (``ops.decide`` applies it too).
    not_approvable = [violation_message(v) for v in wf.approve_blockers(
        has_errors=data.check.has_errors, content_changed=not data.digest_matches,
        case_status=data.stored.case.status)] if deciding else []
    return {
        "version": version, "case": data.stored.case, "country": country_name(data.country),
        "case_changes": case_change_texts(data.as_approved),
        "data": data, "check": check, "lines": lines,
        "version_fields": version_fields, "allocation": allocation, "findings": findings,
        "diff": _diff_rows(data.comparison),
        "status_label": label(STATUS_LABELS, version.status),
        "outcome_label": label(OUTCOME_LABELS, data.decision.outcome) if data.decision else None,
        "activity_label": label(ACTIVITY_LABELS, version.activity_kind),
        "can_decide": deciding and not barred,
        "not_approvable": not_approvable,
        # The decision this version answers (sent back or rejected), with the points to fix.
        "answered": decision_summary(data.answers, None),
        # Four eyes: the form is not offered to whoever wrote the plan (deciding is refused too).
        "barred": violation_message(Violation("decision.own_plan")) if barred else None,
    }


@bp.get("/<int:version_id>")
@allow("approver")
def review(version_id: int):
    db, version = _version_or_404(version_id)
    # Everything the page shows is read first; the read's record then commits the one
    # transaction, and nothing reads after it (a read would open a second transaction).
    return _render_review(db, version, DecisionForm())


def _render_review(db, version, form: DecisionForm, status: int = 200, **extra):
    """The review page, its read recorded as ``case.read`` (the GET, and a decision
    refused with the page shown again): everything the page shows is read first, then
    the read's record commits, and nothing reads after it."""
    page = _review_context(db, version)
    # The form says what this page shows: deciding from it is deciding on what was read.
    form.seen.data = page["data"].seen.token
    if page["not_approvable"]:  # only the page's options: a post is checked by ops.decide in full
        form.action.choices = [choice for choice in form.action.choices if choice.value != wf.APPROVE]
    audit.record(db, "case.read", user=current_user, obj=version, case_id=version.case_id,
                 detail={"page": "approvals.review"})
    db.commit()
    return render_template("approvals/review.html", form=form, **extra, **page), status


@bp.post("/<int:version_id>/decide")
@allow("caseworker", "cmm", "approver", "partner", "admin")
def decide(version_id: int):
    """Every role may post here so that every crafted attempt is refused *and* audited by
    the operation; only an approver of Hjemrejsestyrelsen who did not draft it succeeds."""
    db = get_session()
    form = DecisionForm()
    if not form.validate():
        version = ops.visible_version_or_none(db, version_id, current_user)
        if version is None or current_user.role != "approver":
            action = form.action.data if form.action.data in wf.DECISIONS else "invalid"
            try:
                ops.decide(db, version_id, current_user, action, form.reason.data, _tables(), local_today())
            except ops.DecisionRefused as refused:
                codes = {v.code for v in refused.violations}
                abort(404 if "decision.not_found" in codes else 403)
            if version is None:  # refused above in every case known; never a page without its version
                abort(404)
        # The page comes back as the case is now: if that is not what the approver read, say so.
        # The error summary, which has the focus and is read first, says it too: else the
        # approver is sent straight to the missing field and decides on a case not read.
        changed = unseen_texts(ops.changes_since(db, version, form.seen.data))
        told = [{"id": None, "message": violation_message(Violation("decision.case_changed"))}] if changed else []
        return _render_review(db, version, form, 422, changed_since=changed or None, decision_errors=told)
    try:
        decision = ops.decide(db, version_id, current_user, form.action.data, form.reason.data, _tables(),
                              local_today(), seen=form.seen.data or "")
    except ops.DecidedAlready as done:  # the form sent twice: its first send took this decision
        decision = done.decision
    except ops.ChangedSinceSeen as changed:
        # Changed while the approver read: the page as it is now, saying who changed what and
        # when, with the decision chosen and the text typed kept, so deciding again is one click.
        version = ops.visible_version_or_none(db, version_id, current_user)
        return _render_review(db, version, form, 409, changed_since=unseen_texts(changed.changes),
                              decision_errors=[{"id": None, "message": violation_message(v)}
                                               for v in changed.violations])
    except ops.DecisionRefused as refused:
        codes = {v.code for v in refused.violations}
        if "decision.not_found" in codes:
            abort(404)
        if current_user.role != "approver":
            abort(403)
        version = ops.visible_version_or_none(db, version_id, current_user)
        errors = [{"id": None, "message": violation_message(v)} for v in refused.violations]
        status = 403 if codes & AUTHORITY else 409 if codes & {"decision.already_decided",
                                                                 "decision.not_submitted"} \
            else 400 if "decision.seen_missing" in codes else 422
        # Decided meanwhile: what this approver chose and wrote stays in view, read-only.
        unsent = None
        if codes & {"decision.already_decided", "decision.not_submitted"}:
            unsent = [(form.action.label.text, next((str(option.label.text) for option in form.action
                                                     if option.data == form.action.data), "")),
                      (form.reason.label.text, (form.reason.data or "").strip())]
        return _render_review(db, version, form, status, decision_errors=errors, unsent=unsent)
    flash({"approved": _("The plan is approved."), "sent_back": _("The plan is sent back to the caseworker."),
           "rejected": _("The plan is rejected.")}[decision.outcome], "success")
    return redirect(url_for("approvals.review", version_id=version_id))


def unseen_texts(changes: list[ops.UnseenChange]) -> list[str]:
    """Who changed what, and when, since the approver opened the review page."""
    texts = []
    for change in changes:
        who, at = change.by or _("Someone"), format_when(change.at) if change.at else "–"
        if change.kind == "payment":
            said, fields = _("%(name)s recorded a payment at %(time)s.", name=who, time=at), [_("Paid out")]
        elif change.kind == "comment":
            said, fields = _("%(name)s wrote a comment at %(time)s.", name=who, time=at), [_("Comments")]
        else:
            fields = [label(SEEN_FIELD_LABELS, name) for name in change.fields]
            said = changed_by_text(change.action or "case.update", who, at, fields)
            if change.action not in CASE_CHANGES:  # an edit's text names its fields already
                fields = []
        texts.append(said + " " + _("Changed: %(fields)s.", fields=", ".join(fields)) if fields else said)
    return texts


@bp.get("/<int:version_id>/changes")
@allow("caseworker", "cmm", "approver", "partner")
def changes(version_id: int):
    """What a version changes against the one before, or the approved version it amends."""
    db, version = _version_or_404(version_id)
    stored_lines = ops.version_lines(db, version.id)
    comparison = ops.compare(db, version, stored_lines)
    from ..models import Case

    case = db.get(Case, version.case_id)
    # Read first, then the read's record commits the view's one transaction.
    audit.record(db, "case.read", user=current_user, obj=version, case_id=version.case_id,
                 detail={"page": "approvals.changes"})
    db.commit()
    # Only an amendment not yet decided waits while the approved version stays in force
    # (as on the review page): once decided, the sentence would no longer be true.
    return render_template("approvals/changes.html", version=version, case=case, diff=_diff_rows(comparison),
                           amendment=version.amends_id is not None and version.status in wf.OPEN_PLAN_STATUSES)

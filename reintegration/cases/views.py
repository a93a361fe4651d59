"""Case pages: the list, a case, and creating and editing one."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import audit
from ..access import allow, may_open, reader_time_zone, visible_case_or_404
from ..db import get_session
from ..domain import workflow as wf
from ..domain.workflow import OPEN_PLAN_STATUSES
from ..forms import plain_number, shown_status
from ..i18n import format_day, format_when, gettext as _, local_today
from ..plans.decided import latest_decision
from ..plans.display import decision_summary
from ..plans.mapping import reference_date
from . import queries
from .countries import country_name
from .forms import MAX_CHILDREN, CaseFilterForm, CaseForm, case_form_data, rate_table_for
from .labels import (ATTENTION, CASE_STATUS, LIVES_IN, PLAN_STATUS, SEX, changed_by_text, inactive_partner_warning,
                     label, person_name)
from .operations import (AlreadyCreated, CaseConflict, create_case, last_change, record_list_read, record_read,
                         update_case)

bp = Blueprint("cases", __name__)
bp.add_app_template_filter(person_name, "person")  # {{ case | person }}: the name as pages show it

READERS = ("caseworker", "approver", "cmm", "partner")
_CHILD_KEY = re.compile(r"^children-(\d+)-(.+)$")


@bp.get("/cases")
@allow(*READERS)
def index():
    db = get_session()
    form = CaseFilterForm(request.args)
    countries, partners = queries.filter_choices(db, current_user)
    everything = [("", _("All"))]
    form.status.choices = everything + [(k, str(v)) for k, v in CASE_STATUS.items()]
    form.country.choices = everything + countries
    form.partner.choices = everything + partners
    form.validate()
    filters = queries.CaseFilters(
        q="" if form.q.errors else (form.q.data or "").strip(),
        status="" if form.status.errors else form.status.data or "",
        country="" if form.country.errors else form.country.data or "",
        partner=None if form.partner.errors or not form.partner.data else int(form.partner.data))
    page = queries.case_list(db, current_user, filters, request.args.get("page", 1, type=int),
                             current_app.config["PAGE_SIZE"], current_app.config["CASE_LIST_COUNT_LIMIT"])
    args = {k: v for k, v in (("q", filters.q), ("status", filters.status), ("country", filters.country),
                              ("partner", filters.partner)) if v}
    record_list_read(db, user=current_user, page=request.endpoint, case_ids=[row.case.id for row in page.items],
                     searched=bool(filters.q))
    return render_template("cases/index.html", filter_form=form, page=page, args=args,
                           status_label=lambda s: label(CASE_STATUS, s), attention_label=lambda a: label(ATTENTION, a),
                           country_name=country_name, can_create=current_user.role == "caseworker")


@bp.route("/cases/new", methods=["GET", "POST"])
@allow("caseworker")
def new():
    db = get_session()
    form = _case_form(db, data={"caseworker_id": str(current_user.id), "revision": "0"})
    if not _changed_child_rows() and form.validate_on_submit():
        try:
            case = create_case(db, form.case_input(), user=current_user, token=form.request_token.data)
        except AlreadyCreated as done:  # the form sent twice: its first send created the case
            flash(_("Case %(reference)s was already created by this form (it was sent twice). It is created "
                    "once.", reference=done.case.reference), "info")
            return redirect(url_for("cases.show", case_id=done.case.id))
        _flash_saved(db, case, _("Case %(reference)s is created.", reference=case.reference))
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None, conflict=None,
                           no_active_partner=_flag_country(form)), shown_status(form)


@bp.get("/cases/<int:case_id>")
@allow(*READERS)
def show(case_id: int):
    db = get_session()
    user = current_user._get_current_object()  # the proxy looks the user up on every use
    case, facts = _case_or_404(db, case_id, user)
    plans = queries.plan_rows(db, case.id)
    # Read in the same transaction, before the read's record commits it (a read after the
    # commit would open a second transaction); only where some version has been decided.
    decision = (decision_summary(latest_decision(db, case.id), reader_time_zone(db, user))
                if any(row.status not in OPEN_PLAN_STATUSES for row in plans) else None)
    # Logged in the same transaction as the reads, before anything is shown; if the
    # record cannot be committed, the page is not served.
    record_read(db, case, user=user)
    on = reference_date(case) or local_today()
    open_version = any(row.status in OPEN_PLAN_STATUSES for row in plans)
    return render_template(
        "cases/show.html", case=case, summary=_summary_rows(case, facts), reference_day=on,
        children=queries.child_rows(facts.children, on), warnings=_warnings(case, facts),
        plans=plans, plan_status=lambda s: label(PLAN_STATUS, s), lives_in=lambda s: label(LIVES_IN, s),
        decision=decision,
        plan_links=may_open(user.role, "plans.show"),
        can_start_plan=(may_open(user.role, "plans.create") and case.status != wf.CLOSED and not open_version),
        # The follow-up page of the user's role (a partner's is their portal), if any.
        followup_link=next((endpoint for endpoint in ("followup.case", "partner.case")
                            if may_open(user.role, endpoint)), None)
        if case.actual_return is not None or case.status in (wf.IN_FOLLOWUP, wf.CLOSED) else None,
        can_record_return=(may_open(user.role, "followup.record_return")
                           and case.status in (wf.CASE_APPROVED, wf.IN_FOLLOWUP)),
        can_edit=_editable(case) and may_open(user.role, "cases.edit"),
        privacy_link=may_open(user.role, "auditlog.case_privacy"))


def _case_or_404(db, case_id: int, user):
    found = queries.case_with_facts(db, case_id, user)
    if found is None:
        abort(404)
    return found


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@allow("caseworker")
def edit(case_id: int):
    db = get_session()
    case = visible_case_or_404(db, case_id, current_user)
    if not _editable(case):
        flash(_("A closed case cannot be changed."), "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    if request.method == "GET":
        record_read(db, case, user=current_user)
    data = case_form_data(case, queries.children_of(db, case.id))
    if request.method == "POST":
        del data["revision"]  # the revision the editor started from comes only from the form
    form = _case_form(db, data=data, case=case)
    if not _changed_child_rows() and form.validate_on_submit():
        seen = form.revision.data or ""
        try:
            update_case(db, case, plain_number(seen) or -1, form.case_input(), user=current_user,
                        tables=current_app.extensions["rate_tables"], today=local_today())
        except CaseConflict:
            return _conflict(db, case_id, form)
        _flash_saved(db, case, _("The case is saved."))
        return redirect(url_for("cases.show", case_id=case.id))
    shown = {"no_active_partner": _flag_country(form), "awaiting_version": queries.submitted_version(db, case.id)}
    if request.method == "POST":
        # Shown again (its own errors, a child row added or removed): the page shows the
        # stored case beside what was typed, a read like the GET's (nothing was written).
        record_read(db, case, user=current_user)
    return render_template("cases/form.html", form=form, case=case, conflict=None, **shown), shown_status(form)


# --- helpers ------------------------------------------------------------------------


def _case_form(db, data: dict, case=None) -> CaseForm:
    """The case form, from the request on POST (with child rows added or removed as
    asked) or from ``data`` on GET, with its choices filled in."""
    formdata = _child_rows_formdata(request.form) if request.method == "POST" else None
    form = CaseForm(formdata=formdata, data=data) if formdata is not None else CaseForm(data=data)
    queries.fill_choices(db, form, case)
    return form


def _changed_child_rows() -> bool:
    """Whether the user pressed "Add a child" or "Remove" rather than saving."""
    action = request.form.get("action", "") if request.method == "POST" else ""
    return action == "add_child" or action.startswith("remove_child:")


def _child_rows_formdata(posted) -> MultiDict:
    """The posted form with the child rows renumbered 0..n-1, and one row added or
    removed when the user pressed "Add a child" / "Remove". Typed input is kept."""
    action = posted.get("action", "")
    rows: dict[int, list[tuple[str, str]]] = {}
    rest = MultiDict()
    for key, value in posted.items(multi=True):
        match = _CHILD_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), []).append((match.group(2), value))
        else:
            rest.add(key, value)
    ordered = [rows[i] for i in sorted(rows)]
    if action.startswith("remove_child:"):
        position = plain_number(action.removeprefix("remove_child:"))
        if position is not None and position < len(ordered):
            del ordered[position]
    elif action == "add_child" and len(ordered) < MAX_CHILDREN:
        ordered.append([("date_of_birth", ""), ("lives_in", "home_country")])
    for i, fields in enumerate(ordered):
        for name, value in fields:
            rest.add(f"children-{i}-{name}", value)
    return rest


def _conflict(db, case_id: int, form: CaseForm):
    """Someone saved first: show their values beside the user's unsaved input (409).
    The form now carries the current revision, so saving again is a deliberate choice."""
    db.rollback()
    current, facts = _case_or_404(db, case_id, current_user)
    changed_by = _changed_by(db, current, form)
    record_read(db, current, user=current_user)  # the page shows the case as saved now
    form.revision.data = str(current.revision)
    return render_template("cases/form.html", form=form, case=current, conflict=_summary_rows(current, facts),
                           changed_by=changed_by,
                           conflict_children=queries.child_rows(facts.children,
                                                                reference_date(current) or local_today()),
                           lives_in=lambda s: label(LIVES_IN, s),
                           no_active_partner=_flag_country(form)), 409


def _changed_by(db, case, form: CaseForm) -> str | None:
    """Who changed the case last, when, and what, for the conflict page (None if the
    trail does not say): a change made elsewhere (a legal hold, the return date) moves
    the revision too, and the saved values shown may not show it."""
    event = last_change(db, case)
    if event is None:
        return None
    by, at = audit.done_by(db, event)
    fields = [str(form[name].label.text) for name in audit.changed_fields(event) if name in form]
    return changed_by_text(event.action, by.name if by else _("Someone"), format_when(at), fields)


def _flag_country(form: CaseForm) -> str | None:
    """The chosen country's name, when it has no active partner."""
    code = form.return_country.data
    if code and code in getattr(form, "countries_without_partner", set()):
        return country_name(code)
    return None


def _flash_saved(db, case, message: str) -> None:
    flash(message, "success")
    if queries.without_active_partner(db, case.return_country):
        flash(_("%(country)s has no active partner organisation. Find a partner before the plan is drafted.",
                country=country_name(case.return_country)), "warning")


def _editable(case) -> bool:
    return case.status != wf.CLOSED and case.anonymised_at is None


def _summary_rows(case, facts: queries.CaseFacts) -> list[tuple[str, str]]:
    period = ""
    if case.reflection_start:
        period = format_day(case.reflection_start) + " – " + format_day(case.reflection_end)
        if case.reflection_end:
            period += " " + _("(%(days)d days)", days=(case.reflection_end - case.reflection_start).days)
    return [
        (_("Case reference"), case.reference),
        (_("Status"), label(CASE_STATUS, case.status)),
        (_("Full name"), person_name(case)),
        (_("Date of birth"), format_day(case.person_date_of_birth)),
        (_("Sex"), label(SEX, case.person_sex)),
        (_("Nationality"), country_name(case.nationality)),
        (_("Unaccompanied minor"), _("Yes") if case.unaccompanied_minor else _("No")),
        (_("Country of return"), country_name(case.return_country)),
        (_("Partner organisation"), facts.partner_name),
        (_("CMM contact"), facts.cmm_contact_name),
        (_("Responsible caseworker"), facts.caseworker_name),
        (_("Reflection period"), period),
        (_("Planned return date"), format_day(case.planned_return)),
        (_("Return date"), format_day(case.actual_return)),
    ]


def _warnings(case, facts: queries.CaseFacts) -> list[str]:
    warnings = []
    if wf.partner_locked_out(partner_inactive=facts.partner_inactive, case_status=case.status):
        warnings.append(inactive_partner_warning(facts.partner_name))
    # Only while the plan is prepared: once it is approved, "before the plan is drafted"
    # is past (a case whose own partner is inactive is told so above).
    if case.status in (wf.PREPARING, wf.AWAITING_APPROVAL) and not facts.country_has_active_partner:
        warnings.append(_("%(country)s has no active partner organisation. Find a partner before the plan is drafted.",
                          country=country_name(case.return_country)))
    elif case.partner_id is None and case.status != wf.CLOSED:
        warnings.append(_("No partner organisation is chosen yet."))
    if case.reflection_start and case.reflection_end:
        table = rate_table_for(case.reflection_start)
        days = (case.reflection_end - case.reflection_start).days
        if table and days > table.reflection_days:
            warnings.append(_("The reflection period is extended: %(days)d days (normally %(normal)d, at most %(limit)d).",
                              days=days, normal=table.reflection_days, limit=table.reflection_max_days))
    return warnings



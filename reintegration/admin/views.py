"""The administrator's pages: accounts, organisations and the rate tables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import literal
from sqlmodel import select

from .. import audit
from ..access import allow
from ..approvals.labels import FIGURE_LABELS
from ..auth import mfa
from ..auth.operations import MAX_FAILURES_PER_ACCOUNT, WINDOW, sign_in_lock
from ..cases.countries import country_choices, country_name
from ..core.navigation import ROLE_LABELS
from ..db import get_session
from ..forms import shown_status
from ..i18n import format_when, gettext as _, lazy_gettext as _l, ngettext
from ..models import Organisation, User
from ..models.organisations import INACTIVE, ROLE_ORGANISATION
from ..paging import read_page
from . import operations as ops
from .forms import (LOCALES, ORGANISATION_KINDS, ORGANISATION_STATUSES, NewUserForm, OrganisationForm, PasswordForm,
                    TwoFactorResetForm, UserForm)

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Why a registry file is refused (``partners.REASONS``, the same codes and parameters).
REGISTRY_REASONS = {
    "not_toml": _l("not valid TOML: %(detail)s"),
    "missing": _l("missing or not text"),
    "invalid": _l("not valid: %(value)s"),
    "status": _l("must be one of %(choices)s: %(value)s"),
    "languages": _l("must be a list of language codes"),
    "not_table": _l("must be a table"),
    "not_text": _l("not text"),
    "too_long": _l("longer than %(limit)d characters"),
    "timezone": _l("not a time zone name (such as Africa/Lagos): %(value)s"),
}


@bp.get("/users")
@allow("admin")
def users():
    db = get_session()
    # Accounts are deactivated, never deleted: the list grows with the programme, so it is paged.
    page = _page(db, select(User, Organisation.name, (Organisation.status == INACTIVE).label("organisation_inactive"))
                 .join(Organisation, Organisation.id == User.organisation_id)
                 .order_by(User.active.desc(), Organisation.name, User.name, User.id),
                 select(literal(1)).select_from(User))
    return render_template("admin/users.html", page=page, role_label=lambda r: str(ROLE_LABELS.get(r, r)))


def _page(db, rows, counted):
    """The page the query string asks for (``page``) of an administrator's list."""
    return read_page(db, rows, counted, request.args.get("page", 1, type=int) or 1, current_app.config["PAGE_SIZE"],
                     current_app.config["LIST_COUNT_LIMIT"])


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def user_new():
    db = get_session()
    form = _with_user_choices(db, NewUserForm())
    if form.validate_on_submit():
        try:
            user = ops.create_user(db, organisation=db.get(Organisation, int(form.organisation_id.data)),
                                   email=form.email.data, name=form.name.data, role=form.role.data,
                                   password=form.password.data, locale=form.locale.data or None, actor=current_user)
        except (ops.AccountError, ops.PasswordPolicyError) as error:
            _field_error(form, error)
        else:
            flash(_("The account for %(name)s is created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), shown_status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def user_edit(user_id: int):
    db = get_session()
    user = _user_or_404(db, user_id)
    data = _user_data(user)
    if request.method == "POST":
        del data["fingerprint"]  # the values the editor started from come only from the form
    form = _with_user_choices(db, UserForm(data=data), user)
    if form.validate_on_submit():
        try:
            ops.update_user(db, user, actor=current_user, organisation=db.get(Organisation, int(form.organisation_id.data)),
                            email=form.email.data, name=form.name.data, role=form.role.data, locale=form.locale.data,
                            seen=form.fingerprint.data)
        except ops.EditConflict:
            return _user_conflict(db, user_id, form)
        except ops.AccountError as error:
            db.rollback()
            _field_error(form, error)
        except ops.AlreadySaved:  # the form sent twice: its first send saved these values
            flash(_("The account is saved."), "success")
            return redirect(url_for("admin.users"))
        else:
            flash(_("The account is saved."), "success")
            return redirect(url_for("admin.users"))
    return _user_page(user, form), shown_status(form)


@bp.post("/users/<int:user_id>/password")
@allow("admin")
def user_password(user_id: int):
    db = get_session()
    user = _user_or_404(db, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            ops.reset_password(db, user, form.password.data, actor=current_user,
                               seen_reset=request.form.get("seen_password", ""))
        except ops.PasswordPolicyError as error:
            form.password.errors.append(str(error))
        except ops.PasswordSetMeanwhile as meanwhile:
            # 409: never a password written back into a page; the field says to type it again.
            who = meanwhile.by.name if meanwhile.by else _("Someone")
            at = format_when(meanwhile.at) if meanwhile.at else ""
            form.password.errors.append(_(
                "%(who)s set a new password for this account at %(time)s, after you opened this page, so yours "
                "was not set. The user may have been told that one. To set yours instead, type it again.",
                who=who, time=at))
            return _user_page(user, _saved_user_form(db, user), password_form=form), 409
        except ops.AlreadyDone:  # the form sent twice: its first send set this password
            flash(_("The password of %(name)s is changed; their open sessions have ended.", name=user.name), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
        else:
            flash(_("The password of %(name)s is changed; their open sessions have ended.", name=user.name), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _user_page(user, _saved_user_form(db, user), password_form=form), shown_status(form)


@bp.post("/users/<int:user_id>/two-factor/reset")
@allow("admin")
def user_two_factor_reset(user_id: int):
    """For a user who lost both phone and recovery codes; never the administrator's own
    account (``operations.reset_two_factor`` says why)."""
    db = get_session()
    user = _user_or_404(db, user_id)
    form = TwoFactorResetForm()
    if not form.validate_on_submit():
        return _user_page(user, _saved_user_form(db, user), reset_form=form), shown_status(form)
    try:
        ops.reset_two_factor(db, user, actor=current_user, seen_change=request.form.get("seen_two_factor", ""))
    except ops.AccountError as error:
        db.rollback()
        flash(str(error), "error")
    except ops.TwoFactorChangedMeanwhile as meanwhile:
        # 409: the page is shown again as it is now, with the box to tick again unticked.
        form.confirm.data = False
        return _user_page(user, _saved_user_form(db, user), reset_form=form,
                          two_factor_conflict=_two_factor_changed(user, meanwhile)), 409
    except ops.AlreadyDone as done:  # the form sent twice: its first send did the reset
        flash(_("Two-factor sign-in for %(name)s was already reset by you at %(time)s. Nothing more was done.",
                name=user.name, time=format_when(done.at)), "info")
    else:
        flash(_("Two-factor sign-in for %(name)s is reset and their open sessions have ended. They set it up "
                "again when they next sign in.", name=user.name) if mfa.required_for(user)
              else _("Two-factor sign-in for %(name)s is reset and their open sessions have ended. They can set it "
                     "up again under Two-factor authentication.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _two_factor_changed(user: User, meanwhile: ops.TwoFactorChangedMeanwhile) -> str:
    """What changed the account's two-factor sign-in after the administrator opened its
    page, by whom and when, and why nothing was reset."""
    at, action = format_when(meanwhile.at), meanwhile.event.action
    if action == "admin.user_mfa_reset":
        who = meanwhile.by.name if meanwhile.by else _("An operator on the command line")
        said = _("%(who)s reset two-factor sign-in for this account at %(time)s.", who=who, time=at)
    elif action == "auth.mfa_enabled":  # the account's owner, signed in or signing in
        said = _("%(name)s set up two-factor sign-in at %(time)s.", name=user.name, time=at)
    elif action == "auth.mfa_disabled":
        said = _("%(name)s turned two-factor sign-in off at %(time)s.", name=user.name, time=at)
    else:
        said = _("%(name)s made new recovery codes at %(time)s.", name=user.name, time=at)
    return said + " " + _("That was after you opened this page, so nothing was reset. If the user still asks for a "
                          "reset, check again who is asking before you reset what is set up now.")


@bp.post("/users/<int:user_id>/sign-in-lock/lift")
@allow("admin")
def user_lift_lock(user_id: int):
    """For a user locked out by failed sign-in steps whom the administrator has helped."""
    db = get_session()
    user = _user_or_404(db, user_id)
    ops.lift_sign_in_lock(db, user, actor=current_user)
    flash(_("%(name)s can try to sign in again now.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@allow("admin")
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@allow("admin")
def user_activate(user_id: int):
    return _set_active(user_id, True)


@bp.get("/organisations")
@allow("admin")
def organisations():
    db = get_session()
    page = _page(db, select(Organisation).order_by(Organisation.kind, Organisation.country, Organisation.name,
                                                   Organisation.id),
                 select(literal(1)).select_from(Organisation))
    open_cases = ops.open_cases_followed(db, [org.id for org in page.items if org.is_partner])
    return render_template("admin/organisations.html", page=page, kind_label=dict(ORGANISATION_KINDS).get,
                           country_name=country_name, status_labels=dict(ORGANISATION_STATUSES),
                           open_cases=open_cases)


@bp.route("/organisations/new", methods=["GET", "POST"])
@allow("admin")
def organisation_new():
    return _organisation_page(None)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@allow("admin")
def organisation_edit(org_id: int):
    org = get_session().get(Organisation, org_id)
    if org is None:
        abort(404)
    return _organisation_page(org)


@bp.post("/organisations/registry")
@allow("admin")
def organisations_reload():
    try:
        loaded = ops.reload_partner_registry(get_session(), Path(current_app.config["PARTNERS_DIR"]),
                                             actor=current_user)
    except ops.RegistryFileError as error:
        flash(_("The partner registry is not loaded, and nothing is changed: the file %(file)s has an error at "
                "%(key)s (%(reason)s). Correct the file and load the registry again.",
                file=error.file, key=error.key, reason=str(REGISTRY_REASONS[error.code]) % error.params), "error")
        return redirect(url_for("admin.organisations"))
    flash(_("The partner registry is loaded: %(created)d new, %(updated)d changed.", created=loaded.created,
            updated=loaded.updated), "success")
    for org, count in loaded.left_open:
        flash(_now_inactive(org, count), "warning")
    return redirect(url_for("admin.organisations"))


@bp.get("/rates")
@allow("admin")
def rates():
    return render_template("admin/rates.html", tables=list(current_app.extensions["rate_tables"]),
                           figures=list(FIGURE_LABELS.items()), settings=_settings)




def _settings(table) -> list[tuple[str, str, str]]:
    return [
        ("period_months", _("Reintegration period"), _("%(n)d months after the return", n=table.period_months)),
        ("followup_months", _("Follow-up reports"),
         _("Months %(months)s after the return", months=", ".join(str(m) for m in table.followup_months))),
        ("overdue_after_days", _("Report overdue after"), _("%(n)d days", n=table.overdue_after_days)),
        ("reflection_days", _("Reflection period"), _("%(n)d days", n=table.reflection_days)),
        ("reflection_max_days", _("Reflection period, extended at most"), _("%(n)d days", n=table.reflection_max_days)),
    ]


# --- helpers ------------------------------------------------------------------------


def _user_or_404(db, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _with_user_choices(db, form, user: User | None = None):
    """The organisation and role choices: the organisations not inactive and, for an
    existing ``user`` of an inactive one, that one first, marked inactive. Left out, the
    form would show no organisation at all and refuse any other change to the account
    (a name, the language) until the user was moved (as the case form keeps a partner
    set inactive, ``cases.queries.fill_choices``)."""
    orgs = list(db.exec(select(Organisation).where(Organisation.status != INACTIVE)
                        .order_by(Organisation.kind, Organisation.name)).all())
    choices = [(str(o.id), o.name) for o in orgs]
    current = db.get(Organisation, user.organisation_id) if user is not None else None
    if current is not None and current.is_inactive:
        marked = _("(inactive)")
        choices.insert(0, (str(current.id), f"{current.name} {marked}"))
    form.organisation_id.choices = [("", _("Choose an organisation"))] + choices
    form.role.choices = [("", _("Choose a role"))] + [(role, str(ROLE_LABELS[role])) for role in ROLE_ORGANISATION]
    return form


def _field_error(form, error) -> None:
    field = getattr(form, getattr(error, "field", "password"), None) or form.password
    field.errors = list(field.errors) + [str(error)]


def _user_data(user: User) -> dict:
    return {"name": user.name, "email": user.email, "role": user.role, "organisation_id": str(user.organisation_id),
            "locale": user.locale, "fingerprint": ops.fingerprint(user)}


def _saved_user_form(db, user: User):
    """The account's edit form with its saved values, for a page that answers another form."""
    return _with_user_choices(db, UserForm(formdata=None, data=_user_data(user)), user)


def _saved_by(db, row, form) -> str | None:
    """Who saved ``row`` last, when, and which of the form's fields, for a conflict page
    (None if the trail does not say)."""
    event = ops.last_saved(db, row)
    if event is None:
        return None
    by, at = audit.done_by(db, event)
    who, at = (by.name if by else _("Someone")), format_when(at)
    if event.action == "admin.partners_reload":
        return _("%(name)s loaded the partner registry at %(time)s, which changed this organisation.",
                 name=who, time=at)
    said = _("%(name)s saved it at %(time)s.", name=who, time=at)
    labels = [str(form[name].label.text) for name in audit.changed_fields(event) if name in form]
    return said + " " + _("Changed: %(fields)s.", fields=", ".join(labels)) if labels else said


def _user_page(user: User, form, password_form=None, conflict=None, reset_form=None, saved_by=None,
               access_conflict=None, two_factor_conflict=None):
    failures, locked_until = sign_in_lock(get_session(), user)
    deactivation = ops.last_deactivation(get_session(), user) if not user.active else None
    password_reset = ops.last_password_reset(get_session(), user)
    two_factor_change = ops.last_two_factor_change(get_session(), user)
    organisation = get_session().get(Organisation, user.organisation_id)
    return render_template("admin/user_form.html", form=form, user=user, is_self=user.id == current_user.id,
                           inactive_organisation=organisation.name if organisation is not None
                           and organisation.is_inactive else None,
                           password_form=password_form or PasswordForm(formdata=None),
                           reset_form=reset_form or TwoFactorResetForm(formdata=None),
                           two_factor_required=mfa.required_for(user), conflict=conflict, saved_by=saved_by,
                           access_conflict=access_conflict, two_factor_conflict=two_factor_conflict,
                           seen_two_factor=two_factor_change.id if two_factor_change is not None else "",
                           seen_deactivation=deactivation.id if deactivation is not None else "",
                           seen_password=password_reset.id if password_reset is not None else "",
                           failures=failures,
                           locked_until=format_when(locked_until) if locked_until else None,
                           lock_limit=MAX_FAILURES_PER_ACCOUNT, lock_window=WINDOW // timedelta(minutes=1))


def _user_conflict(db, user_id: int, form):
    """Someone saved the account first: show the saved values above the editor's unsaved
    input (409). The form now carries the saved values' fingerprint, so saving again is a
    deliberate choice."""
    db.rollback()
    user = _user_or_404(db, user_id)
    form.fingerprint.data = ops.fingerprint(user)
    organisation = db.get(Organisation, user.organisation_id)
    saved = [(form.name.label.text, user.name), (form.email.label.text, user.email),
             (form.organisation_id.label.text, organisation.name if organisation else ""),
             (form.role.label.text, str(ROLE_LABELS.get(user.role, user.role))),
             (form.locale.label.text, dict(LOCALES).get(user.locale, user.locale))]
    return _user_page(user, form, conflict=saved, saved_by=_saved_by(db, user, form)), 409


def _set_active(user_id: int, active: bool):
    db = get_session()
    user = _user_or_404(db, user_id)
    try:
        ops.set_active(db, user, active, actor=current_user, seen_deactivation=request.form.get("seen_deactivation"))
    except ops.AccountError as error:
        db.rollback()
        flash(str(error), "error")
    except ops.DeactivatedMeanwhile as meanwhile:
        # 409: the page the click came from is shown again as it is now, saying why.
        who = meanwhile.by.name if meanwhile.by else _("Someone")
        at = format_when(meanwhile.at) if meanwhile.at else ""
        return _user_page(user, _saved_user_form(db, user), access_conflict=_(
            "%(who)s deactivated this account at %(time)s, after you opened this page, so it was not reactivated. "
            "Find out why before you reactivate it.", who=who, time=at)), 409
    except ops.AlreadyDone as done:
        who = done.by.name if done.by else _("someone")
        at = format_when(done.at) if done.at else ""
        flash(_("%(name)s was already reactivated by %(who)s at %(time)s. Nothing more was done.", name=user.name,
                who=who, time=at) if active
              else _("%(name)s was already deactivated by %(who)s at %(time)s. Nothing more was done.",
                     name=user.name, who=who, time=at), "info")
    else:
        flash(_("%(name)s can sign in again.", name=user.name) if active
              else _("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _organisation_page(org: Organisation | None):
    db = get_session()
    data = {name: getattr(org, name) or "" for name in ops.ORGANISATION_FIELDS} if org else {}
    if org is not None and request.method == "GET":  # on a save, only the form says what the editor saw
        data["fingerprint"] = ops.fingerprint(org)
    form = OrganisationForm(data=data)
    form.country.choices = [("", _("None"))] + list(country_choices())
    was_inactive = org is not None and org.is_inactive
    if form.validate_on_submit():
        try:
            saved = ops.save_organisation(db, org, form.values(), actor=current_user, seen=form.fingerprint.data)
        except ops.EditConflict:
            return _organisation_conflict(db, org.id, form)
        except ops.AccountError as error:
            db.rollback()
            _field_error(form, error)
        except ops.AlreadySaved:  # the form sent twice: its first send saved these values
            flash(_("%(name)s is saved.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
        else:
            _flash_organisation_saved(db, saved, was_inactive)
            return redirect(url_for("admin.organisations"))
    return (render_template("admin/organisation_form.html", form=form, org=org, open_cases=_open_cases(db, org)),
            shown_status(form))


def _open_cases(db, org: Organisation | None) -> int | None:
    """The open cases a partner follows (None for an organisation that is no partner)."""
    if org is None or org.id is None or not org.is_partner:
        return None
    return ops.open_cases_followed(db, [org.id]).get(org.id, 0)


def _flash_organisation_saved(db, org: Organisation, was_inactive: bool) -> None:
    """Saved; and if this save set a partner inactive while it follows open cases, how
    many: its officers can no longer sign in, so nobody reports on those cases or pays."""
    count = _open_cases(db, org) if org.is_inactive and not was_inactive else None
    if count:
        flash(_now_inactive(org, count), "warning")
    else:
        flash(_("%(name)s is saved.", name=org.name), "success")


def _now_inactive(org: Organisation, count: int) -> str:
    """A partner just set inactive (on its form, or by loading the registry) that follows
    ``count`` open cases."""
    return ngettext("%(name)s is now inactive, and its users cannot sign in. It follows %(num)d open case: "
                    "ask its caseworker to move it to another partner.",
                    "%(name)s is now inactive, and its users cannot sign in. It follows %(num)d open cases: "
                    "ask their caseworkers to move them to another partner.", count, name=org.name)


def _organisation_conflict(db, org_id: int, form):
    """As :func:`_user_conflict`, for an organisation."""
    db.rollback()
    org = db.get(Organisation, org_id)
    if org is None:
        abort(404)
    form.fingerprint.data = ops.fingerprint(org)
    shown = {"kind": dict(ORGANISATION_KINDS).get(org.kind, org.kind),
             "country": country_name(org.country) if org.country else "",
             "status": dict(ORGANISATION_STATUSES).get(org.status, org.status)}
    saved = [(form[name].label.text, str(shown.get(name, getattr(org, name) or "")))
             for name in ("kind", "code", "name", "country", "status", "languages", "currency", "timezone",
                          "contact_name", "contact_email", "contact_phone")]
    return render_template("admin/organisation_form.html", form=form, org=org, conflict=saved,
                           saved_by=_saved_by(db, org, form), open_cases=_open_cases(db, org)), 409

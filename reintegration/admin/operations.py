"""Accounts and organisations: the writes behind the admin pages and commands."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select
from werkzeug.security import check_password_hash

from ..audit import done_by, last_change, record
from ..auth import mfa
from ..auth.operations import hash_password, new_session_token
from ..db import sqlite_write_lock
from ..domain.workflow import CLOSED
from ..i18n import lazy_gettext as _l
from ..models import Case, Organisation, User
from ..models._common import utcnow
from ..models.organisations import INACTIVE, PARTNER, ROLE_ORGANISATION
from ..partners import RegistryError, load_registry

MIN_PASSWORD_LENGTH = 12
_COMMON = None


class PasswordPolicyError(ValueError):
    """The password is too short or too common. ``code`` names which."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        path = Path(__file__).with_name("common_passwords.txt")
        _COMMON = frozenset(line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines()
                            if line.strip() and not line.startswith("#"))
    return _COMMON


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    # White space around the password counts for nothing: "abc" and nine spaces is three
    # characters to guess.
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError("too_short", _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    # Compared without the white space around it and case-folded: "Password1234 " or
    # " password1234" is as guessable as "Password1234". The password itself is kept as
    # typed (the spaces are part of it at sign-in).
    folded = password.strip().casefold()
    if folded in _common_passwords() or folded.rstrip("0123456789!") in _common_passwords():
        raise PasswordPolicyError("common", _l("This password is on the list of common passwords. Choose another."))
    local = email.split("@")[0].strip().casefold()
    if local and len(local) >= 4 and local in folded:
        raise PasswordPolicyError("personal", _l("The password must not contain your e-mail address."))


def ensure_organisation(db: Session, *, kind: str, code: str, name: str, **values) -> Organisation:
    org = db.exec(select(Organisation).where(Organisation.code == code)).first()
    if org is None:
        org = Organisation(kind=kind, code=code, name=name, **values)
        db.add(org)
        db.commit()
    return org


class AccountError(ValueError):
    """A change refused because of one field's value; ``field`` names the form field."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


class EditConflict(Exception):
    """Someone saved the account or organisation after the editor opened it; nothing
    is changed."""


class AlreadySaved(Exception):
    """The edit form sent again (a double click, a resend) after its first send saved
    exactly these values: nothing more is written, and the save is reported done."""


USER_FIELDS = ("name", "email", "role", "organisation_id", "locale")


def fingerprint(row: User | Organisation) -> str:
    """A digest of the values an administrator edits, as stored. Users and organisations
    have no revision number: the edit form carries this instead, and a save whose
    fingerprint no longer matches the stored row is a conflict, not a lost update."""
    fields = USER_FIELDS if isinstance(row, User) else ORGANISATION_FIELDS
    values = {name: getattr(row, name) for name in fields}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _administrators(db: Session) -> list[int]:
    """The accounts that can administer (active administrators of an organisation that
    is not inactive), locked, always in the same order: every change that could take the
    last of them away takes these locks first, so two such changes wait for each other
    instead of both seeing the other administrator still there."""
    return list(db.exec(select(User.id).join(Organisation, Organisation.id == User.organisation_id)
                        .where(User.role == "admin", User.active == True,  # noqa: E712
                               Organisation.status != INACTIVE)
                        .order_by(User.id).with_for_update(key_share=True)).all())


def _locked(db: Session, row: User | Organisation, seen: str | None, *, sent: dict, actor: User) -> list[int]:
    """Lock the administrators, then read ``row`` afresh and locked; raise
    :class:`EditConflict` (and change nothing) when it no longer matches the fingerprint
    ``seen`` the editor started from, or :class:`AlreadySaved` when that is because this
    very form was saved already (:func:`_sent_already`). Returns the administrators' ids."""
    sqlite_write_lock(db)
    administrators = _administrators(db)
    db.exec(select(type(row)).where(type(row).id == row.id).with_for_update(key_share=True)
            .execution_options(populate_existing=True)).one()
    if not seen or fingerprint(row) != seen:
        resent = bool(seen) and _sent_already(db, row, sent, actor)
        db.rollback()
        raise AlreadySaved() if resent else EditConflict()
    return administrators


def _sent_already(db: Session, row: User | Organisation, sent: dict, actor: User) -> bool:
    """Whether a save refused as stale is the resend of one that went through: the row
    holds exactly the values sent, and its last change was this administrator's. Anything
    else (a change since, someone else's save) stays a conflict."""
    if any(getattr(row, name) != value for name, value in sent.items()):
        return False
    event = last_saved(db, row)
    return event is not None and event.user_id == actor.id and event.action != "admin.partners_reload"


def last_saved(db: Session, row: User | Organisation):
    """The audit event of the last change to the values an administrator edits on ``row``
    (its creation, an edit, or for an organisation a reload of the partner registry),
    for the conflict page; None if the trail has none."""
    kind = "user" if isinstance(row, User) else "organisation"
    return last_change(db, row, (f"admin.{kind}_create", f"admin.{kind}_update"),
                       also=("admin.partners_reload",) if kind == "organisation" else ())


def _keep_an_administrator(administrators: list[int], losing: set[int], field: str) -> None:
    """Refuse a change that takes the accounts ``losing`` away from ``administrators``
    (from :func:`_administrators`) and leaves none."""
    if losing & set(administrators) and not set(administrators) - losing:
        raise AccountError(field, _l("At least one active administrator must remain. Give another account the "
                                     "administrator role first."))


def _check_role(role: str, organisation: Organisation) -> None:
    if ROLE_ORGANISATION.get(role) != organisation.kind:
        raise AccountError("role", _l("This role does not belong in that organisation: choose an organisation of the matching kind."))


def _check_email_free(db: Session, email: str, user_id: int | None = None) -> None:
    other = db.exec(select(User.id).where(User.email == email)).first()
    if other is not None and other != user_id:
        raise AccountError("email", _l("Another account already uses this e-mail address."))


def create_user(db: Session, *, organisation: Organisation, email: str, name: str, role: str,
                password: str, locale: str | None = None, actor: User | None = None) -> User:
    """Create an account. The role must fit the organisation (an approver belongs to
    Hjemrejsestyrelsen, a partner officer to a partner, ...), the e-mail must be free and
    the password must pass :func:`check_password_policy`. With ``actor``, the creation is
    audited in the same transaction. Without an explicit ``locale`` a partner officer
    (abroad) gets English, everyone else Danish."""
    email = email.strip().lower()
    if not locale:
        locale = "en" if role == "partner" else "da"
    _check_role(role, organisation)
    check_password_policy(password, email=email, name=name)
    _check_email_free(db, email)
    user = User(organisation_id=organisation.id, email=email, name=name.strip(), role=role,
                password_hash=hash_password(password), locale=locale, session_token=new_session_token())
    db.add(user)
    db.flush()
    if actor is not None:
        record(db, "admin.user_create", user=actor, obj=user, detail={"role": role, "organisation": organisation.code})
    db.commit()
    return user


def update_user(db: Session, user: User, *, actor: User, organisation: Organisation, email: str, name: str,
                role: str, locale: str, seen: str | None) -> User:
    """Change an account's details, edited from the values with :func:`fingerprint`
    ``seen`` (else :class:`EditConflict`). A new role or organisation ends the user's
    sessions, so that they sign in again with exactly the access they now have.
    Administrators cannot change their own role or organisation (another administrator
    can), and the last active administrator keeps the role."""
    email, name = email.strip().lower(), name.strip()
    administrators = _locked(db, user, seen, actor=actor, sent={
        "email": email, "name": name, "role": role, "organisation_id": organisation.id, "locale": locale})
    if user.id == actor.id and role != user.role:
        raise AccountError("role", _l("You cannot change the role of your own account. Another administrator can."))
    if user.id == actor.id and organisation.id != user.organisation_id:
        raise AccountError("organisation_id", _l("You cannot move your own account to another organisation. "
                                                 "Another administrator can."))
    _check_role(role, organisation)
    if role != "admin" or organisation.status == INACTIVE:
        _keep_an_administrator(administrators, {user.id}, "role")
    _check_email_free(db, email, user.id)
    access_changed = (role, organisation.id) != (user.role, user.organisation_id)
    changed = [k for k, v in (("email", email), ("name", name), ("role", role),
                              ("organisation_id", organisation.id), ("locale", locale)) if getattr(user, k) != v]
    user.email, user.name, user.role, user.organisation_id, user.locale = email, name, role, organisation.id, locale
    if access_changed:
        user.session_token = new_session_token()
    db.add(user)
    record(db, "admin.user_update", user=actor, obj=user, detail={"fields": changed})
    db.commit()
    return user


class AlreadyDone(Exception):
    """The account is already in the state asked for (a click sent twice, or another
    administrator did it first); nothing is changed. ``by`` and ``at``: who did it and
    when, from the trail (None if it does not say)."""

    def __init__(self, by: User | None, at) -> None:
        super().__init__("already done")
        self.by, self.at = by, at


class DeactivatedMeanwhile(AlreadyDone):
    """A reactivation from a page opened before the account's latest deactivation (by
    ``by`` at ``at``): whoever deactivated it may have had a reason the page did not
    show, so nothing is changed."""


def last_deactivation(db: Session, user: User):
    """The audit event of the account's latest deactivation (None if never): the
    reactivate form carries its id, so that a reactivation answers that deactivation."""
    return last_change(db, user, ("admin.user_deactivate",))


def set_active(db: Session, user: User, active: bool, *, actor: User, seen_deactivation: str | None = None) -> User:
    """Deactivate (or reactivate) an account. Deactivating also changes the session
    token, which ends every session the user has open.

    The account is read afresh under a lock: one already in the state asked for is left
    as it is (:class:`AlreadyDone`: no second record, no new session token). A
    reactivation must name the deactivation it answers (``seen_deactivation``, the id of
    :func:`last_deactivation` when the page was opened); after a later one it is refused
    (:class:`DeactivatedMeanwhile`) rather than silently undoing it."""
    if not active and user.id == actor.id:
        raise AccountError("active", _l("You cannot deactivate your own account."))
    sqlite_write_lock(db)
    administrators = _administrators(db) if not active else []
    db.exec(select(User).where(User.id == user.id).with_for_update(key_share=True)
            .execution_options(populate_existing=True)).one()
    if user.active == active:
        done = done_by(db, last_change(db, user, ("admin.user_activate", "admin.user_deactivate")))
        db.rollback()
        raise AlreadyDone(*done)
    if active:
        latest = last_deactivation(db, user)
        if latest is not None and str(latest.id) != (seen_deactivation or ""):
            done = done_by(db, latest)
            db.rollback()
            raise DeactivatedMeanwhile(*done)
    else:
        _keep_an_administrator(administrators, {user.id}, "active")
    user.active = active
    if not active:
        user.session_token = new_session_token()
    db.add(user)
    record(db, "admin.user_activate" if active else "admin.user_deactivate", user=actor, obj=user)
    db.commit()
    return user


class PasswordSetMeanwhile(AlreadyDone):
    """A new password from a page opened before another one was set (by ``by`` at
    ``at``): the user may have been told that one, so nothing is changed."""


def last_password_reset(db: Session, user: User):
    """The audit event of the account's latest password reset (None if never): the
    password form carries its id, so that a new password answers the one it replaces."""
    return last_change(db, user, ("admin.user_password_reset",))


def reset_password(db: Session, user: User, password: str, *, actor: User, seen_reset: str | None = "") -> User:
    """Give an account a new password (checked against the policy). Open sessions end
    and any sign-in lock is lifted.

    ``seen_reset`` is the id of :func:`last_password_reset` when the form was opened
    ("" if none): after a later reset the new password is refused
    (:class:`PasswordSetMeanwhile`), unless that reset was this very form sent twice
    (this administrator's, to this password: :class:`AlreadyDone`, nothing written)."""
    check_password_policy(password, email=user.email, name=user.name)
    sqlite_write_lock(db)
    db.exec(select(User).where(User.id == user.id).with_for_update(key_share=True)
            .execution_options(populate_existing=True)).one()
    latest = last_password_reset(db, user)
    if latest is not None and str(latest.id) != (seen_reset or ""):
        done = done_by(db, latest)
        resent = latest.user_id == actor.id and check_password_hash(user.password_hash, password)
        db.rollback()
        raise AlreadyDone(*done) if resent else PasswordSetMeanwhile(*done)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    user.sign_in_lock_lifted_at = utcnow()
    db.add(user)
    record(db, "admin.user_password_reset", user=actor, obj=user)
    db.commit()
    return user


def lift_sign_in_lock(db: Session, user: User, *, actor: User) -> User:
    """Let a user locked out by failed sign-in steps try again at once, for instance
    after an administrator has checked who is phoning. The failed steps so far no longer
    count towards the account's lock; they stay recorded. A lock on the address they sign
    in from (many accounts tried from one place) is not lifted."""
    user.sign_in_lock_lifted_at = utcnow()
    db.add(user)
    record(db, "admin.user_lock_lifted", user=actor, obj=user)
    db.commit()
    return user


# What changes an account's enrolment: the user's own (set up, turned off, new recovery
# codes) and an administrator's or the command line's reset.
TWO_FACTOR_CHANGES = ("auth.mfa_enabled", "auth.mfa_disabled", "auth.recovery_codes_renewed",
                      "admin.user_mfa_reset")


class TwoFactorChangedMeanwhile(AlreadyDone):
    """A two-factor reset from a page opened before the account's enrolment changed
    (``event``, the trail's record of the change: done by ``by`` at ``at``): the user
    may have just set up a phone they hold, so nothing is reset."""

    def __init__(self, event, by: User | None, at) -> None:
        super().__init__(by, at)
        self.event = event


def last_two_factor_change(db: Session, user: User):
    """The audit event of the latest change to the account's two-factor enrolment (None
    if the trail has none): the reset form carries its id, so that a reset answers the
    enrolment the administrator saw."""
    return last_change(db, user, TWO_FACTOR_CHANGES)


def reset_two_factor(db: Session, user: User, *, actor: User | None, seen_change: str | None = None) -> User:
    """Clear an account's two-factor sign-in (authenticator key and recovery codes) for a
    user who has lost both their phone and their recovery codes, and end every session
    they have open. At their next sign-in they enrol again: where their role requires two
    factors, the sign-in leads to enrolment; otherwise they may enrol when they choose.

    ``actor`` is the administrator doing it, or None for the command line
    (``flask reset-two-factor``), recorded as ``"via": "cli"``.

    An administrator cannot reset their own two-factor sign-in here. A signed-in
    administrator has passed their second factor (or their role does not require one, and
    they can turn it off themselves with a code), so they have no lost factor to recover;
    what a self-reset would add is a way for whoever holds their session (a stolen
    cookie, an unlocked computer) to remove the second factor and enrol their own, turning
    a session into lasting access to the account. Another administrator, or the operator
    on the command line, does it after checking who is asking.

    ``seen_change`` is the id of :func:`last_two_factor_change` when the page was opened
    ("" if none; None on the command line, which shows no page): after a later change the
    reset is refused (:class:`TwoFactorChangedMeanwhile`), unless that change was this
    very reset sent twice (this administrator's: :class:`AlreadyDone`, nothing written)."""
    if actor is not None and user.id == actor.id:
        raise AccountError("confirm", _l("You cannot reset your own two-factor sign-in. Another administrator can."))
    sqlite_write_lock(db)
    db.exec(select(User).where(User.id == user.id).with_for_update(key_share=True)
            .execution_options(populate_existing=True)).one()
    latest = last_two_factor_change(db, user) if seen_change is not None else None
    if latest is not None and str(latest.id) != seen_change:
        done = done_by(db, latest)
        resent = (latest.action == "admin.user_mfa_reset" and actor is not None and latest.user_id == actor.id
                  and not user.mfa_enabled)
        db.rollback()
        raise AlreadyDone(*done) if resent else TwoFactorChangedMeanwhile(latest, *done)
    if not user.mfa_enabled:
        raise AccountError("confirm", _l("Two-factor sign-in is not set up for this account: there is nothing to "
                                         "reset."))
    mfa.disable(db, user)
    user.session_token = new_session_token()
    user.sign_in_lock_lifted_at = utcnow()
    db.add(user)
    record(db, "admin.user_mfa_reset", user=actor, obj=user, detail={"via": "web" if actor is not None else "cli"})
    db.commit()
    return user


ORGANISATION_FIELDS = ("kind", "code", "name", "country", "languages", "currency", "timezone", "contact_name",
                       "contact_email", "contact_phone", "status")


def save_organisation(db: Session, org: Organisation | None, values: dict, *, actor: User,
                      seen: str | None = None) -> Organisation:
    """Create an organisation (``org`` None) or change one, edited from the values with
    :func:`fingerprint` ``seen`` (else :class:`EditConflict`). The code is unique; the
    kind of an organisation that has users or cases cannot change, because their roles
    and the partner of each case depend on it."""
    administrators = _locked(db, org, seen, sent=values, actor=actor) if org is not None else []
    code_owner = db.exec(select(Organisation.id).where(Organisation.code == values["code"])).first()
    if code_owner is not None and (org is None or code_owner != org.id):
        raise AccountError("code", _l("Another organisation already has this code."))
    if org is not None and values["kind"] != org.kind and db.exec(
            select(User.id).where(User.organisation_id == org.id).limit(1)).first() is not None:
        raise AccountError("kind", _l("The organisation has users whose roles depend on its kind. Move them first."))
    if org is not None and values["kind"] != org.kind and db.exec(
            select(Case.id).where(Case.partner_id == org.id).limit(1)).first() is not None:
        raise AccountError("kind", _l("Cases have this organisation as their partner, so its kind cannot change."))
    if org is not None and org.id == actor.organisation_id and values["status"] == INACTIVE:
        # Its users, this administrator among them, could no longer sign in.
        raise AccountError("status", _l("You cannot make your own organisation inactive: you would lose access."))
    if org is not None and values["status"] == INACTIVE:
        members = set(db.exec(select(User.id).where(User.organisation_id == org.id)).all())
        _keep_an_administrator(administrators, members, "status")
    action = "admin.organisation_create" if org is None else "admin.organisation_update"
    if org is None:
        org = Organisation(**values)
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(org, k) != v)
        for key, value in values.items():
            setattr(org, key, value)
    db.add(org)
    db.flush()
    record(db, action, user=actor, obj=org, detail={"fields": changed})
    db.commit()
    return org


def open_cases_followed(db: Session, org_ids) -> dict[int, int]:
    """How many open (not closed) cases each organisation of ``org_ids`` follows as their
    partner, in one grouped query (index ``ix_case_partner_id_status_id``); one that follows
    none is left out. Set inactive, its officers can no longer sign in, so these cases get
    no reports or payments until they are moved to another partner."""
    ids = [org_id for org_id in org_ids if org_id is not None]
    if not ids:
        return {}
    rows = db.exec(select(Case.partner_id, func.count(Case.id))
                   .where(Case.partner_id.in_(ids), Case.status != CLOSED)
                   .group_by(Case.partner_id)).all()
    return {partner_id: count for partner_id, count in rows}


class RegistryFileError(ValueError):
    """A registry file is not valid: ``file`` (its name), ``key`` (the entry, or
    "(file)" when the file cannot be read as TOML), and the reason's ``code`` and
    ``params`` (``partners.REASONS``). Nothing is loaded."""

    def __init__(self, file: str, key: str, code: str, params: dict):
        super().__init__(f"{file}: {key}: {code}")
        self.file, self.key, self.code, self.params = file, key, code, params


@dataclass(frozen=True)
class RegistryLoad:
    created: int
    updated: int
    # The partners this load set inactive that follow open cases, with how many each:
    # their officers can no longer sign in, so nobody reports on those cases or pays.
    left_open: list[tuple[Organisation, int]]


def load_partners(db: Session, directory: Path) -> RegistryLoad:
    """``partners.load_registry``, and which partners it set inactive while they follow
    open cases (the organisation form warns of the same when it sets one inactive)."""
    before = dict(db.exec(select(Organisation.id, Organisation.status).where(Organisation.kind == PARTNER)).all())
    created, updated = load_registry(db, directory)
    now_inactive = [org for org in db.exec(select(Organisation).where(Organisation.kind == PARTNER,
                                                                      Organisation.status == INACTIVE)).all()
                    if before.get(org.id, INACTIVE) != INACTIVE]
    counts = open_cases_followed(db, [org.id for org in now_inactive])
    return RegistryLoad(created, updated, [(org, counts[org.id]) for org in now_inactive if counts.get(org.id)])


def reload_partner_registry(db: Session, directory: Path, *, actor: User) -> RegistryLoad:
    """Load ``partners/*.toml`` again (:func:`load_partners`). Every file is read before
    anything is written: one invalid file raises :class:`RegistryFileError` and changes
    nothing."""
    try:
        loaded = load_partners(db, directory)
    except RegistryError as error:
        db.rollback()
        raise RegistryFileError(error.path.name, error.key, error.code, error.params) from error
    record(db, "admin.partners_reload", user=actor, detail={"created": loaded.created, "updated": loaded.updated})
    db.commit()
    return loaded

"""Accounts and organisations: the writes behind the admin pages and commands."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..auth.operations import hash_password, new_session_token
from ..models import Organisation, User
from ..models.organisations import ROLE_ORGANISATION

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
        _COMMON = frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                            if line.strip() and not line.startswith("#"))
    return _COMMON


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError("too_short", _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.rstrip("0123456789!") in _common_passwords():
        raise PasswordPolicyError("common", _l("This password is on the list of common passwords. Choose another."))
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        raise PasswordPolicyError("personal", _l("The password must not contain your e-mail address."))


def ensure_organisation(db: Session, *, kind: str, code: str, name: str, **values) -> Organisation:
    org = db.exec(select(Organisation).where(Organisation.code == code)).first()
    if org is None:
        org = Organisation(kind=kind, code=code, name=name, **values)
        db.add(org)
        db.commit()
    return org


def create_user(db: Session, *, organisation: Organisation, email: str, name: str, role: str,
                password: str, locale: str = "da") -> User:
    """Create an account. The role must fit the organisation (an approver belongs to
    Hjemrejsestyrelsen, a partner officer to a partner, ...)."""
    if ROLE_ORGANISATION.get(role) != organisation.kind:
        raise ValueError(f"role {role!r} does not belong in a {organisation.kind!r} organisation")
    check_password_policy(password, email=email, name=name)
    user = User(organisation_id=organisation.id, email=email.strip().lower(), name=name.strip(), role=role,
                password_hash=hash_password(password), locale=locale, session_token=new_session_token())
    db.add(user)
    db.commit()
    return user

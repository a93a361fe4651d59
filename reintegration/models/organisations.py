"""Organisations (DRC, CMM, Hjemrejsestyrelsen, partners) and their users."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from ._common import utcnow

# A partner organisation in a country of return: follows cases, has a registry file.
PARTNER = "partner"
ORGANISATION_KINDS = ("drc", "cmm", "hjemrejsestyrelsen", PARTNER, "admin")
ROLES = ("caseworker", "cmm", "approver", "partner", "admin")
# Which organisation kind each role belongs to.
ROLE_ORGANISATION = {
    "caseworker": "drc",
    "cmm": "cmm",
    "approver": "hjemrejsestyrelsen",
    "partner": "partner",
    "admin": "admin",
}


# An organisation's status. A prospective partner may be chosen for a case but is not
# yet counted as one that works in its country; an inactive organisation's users can
# neither sign in nor stay signed in.
ACTIVE, PROSPECTIVE, INACTIVE = "active", "prospective", "inactive"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    # Stable key; for partners, the registry file's name (partners/<code>.toml).
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=2, index=True)  # ISO 3166-1 alpha-2
    languages: str | None = Field(default=None, max_length=200)  # comma-separated codes
    currency: str | None = Field(default=None, max_length=3)  # ISO 4217
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=50)
    status: str = Field(default=ACTIVE, max_length=16)  # ACTIVE | PROSPECTIVE | INACTIVE
    # A partner's IANA time zone ("Africa/Lagos"): the partner portal shows times in it.
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_partner(self) -> bool:
        return self.kind == PARTNER

    @property
    def is_inactive(self) -> bool:
        return self.status == INACTIVE


class User(UserMixin, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    password_hash: str = Field(max_length=255)
    locale: str = Field(default="da", max_length=5)
    active: bool = Field(default=True)
    # Two-factor authentication (TOTP); recovery codes are stored hashed, as JSON.
    totp_secret: str | None = Field(default=None, max_length=64)
    mfa_enabled: bool = Field(default=False)
    recovery_codes: str | None = Field(default=None)
    # Bumped to end every existing session (sign-out everywhere, password change).
    session_token: str = Field(default="", max_length=64)
    # When an administrator last lifted the account's sign-in lock: failed sign-in steps
    # before it no longer count towards the lock (``auth.operations.throttled``).
    sign_in_lock_lifted_at: datetime | None = Field(default=None)
    last_login_at: datetime | None = Field(default=None)
    password_changed_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def get_id(self) -> str:
        """The session holds id and session token: a new token ends old sessions."""
        return f"{self.id}:{self.session_token}"

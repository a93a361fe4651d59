"""The audit trail (hash-chained) and sign-in attempts (for throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ._common import utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    organisation_id: int | None = None
    action: str = Field(max_length=64, index=True)  # e.g. case.read, plan.submit, auth.login
    object_type: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    case_id: int | None = Field(default=None, index=True)
    detail: str | None = None  # JSON
    ip: str | None = Field(default=None, max_length=45)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LoginAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=45, index=True)
    success: bool = False

"""The audit trail (hash-chained) and sign-in attempts (for throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
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


class AuditEventCase(SQLModel, table=True):
    """A case an event concerns among many (a list page that showed the case's person, a
    batch export that held the case): the trail's case filter finds the event by its own
    ``case_id`` or by a row here. An *index* of the event's chained ``detail``, which names
    the same cases (``"cases": [ids]``): the chain protects that list, and ``audit.verify``
    checks these rows against it (see ``audit.record_for_cases``). Written in the event's
    transaction, never changed; ids only, so retention leaves them as it leaves the trail.
    No foreign keys, as on ``AuditEvent``: the trail stands on its own, and ``verify``
    reports a link row without its event (a key would cost each list view a lookup per row)."""

    __table_args__ = (
        # The case filter: the events of one case, an index-only scan.
        Index("ix_auditeventcase_case_id_event_id", "case_id", "event_id"),
    )

    event_id: int = Field(primary_key=True)
    case_id: int = Field(primary_key=True)


class LoginAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=45, index=True)
    success: bool = False

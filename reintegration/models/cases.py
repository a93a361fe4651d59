"""A case: one person offered a prepared return, and their children."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ._common import utcnow

CASE_STATUSES = ("preparing", "awaiting_approval", "approved", "in_followup", "closed")
# Trigram (pg_trgm GIN) indexes serving the case list's text search on PostgreSQL
# (migration 0003). Not declared below, since the models also build SQLite schemas;
# Alembic's comparison skips them by name (reintegration.migrate.include_object).
POSTGRESQL_SEARCH_INDEXES = ("ix_case_reference_trgm", "ix_case_person_name_trgm")


class Case(SQLModel, table=True):
    # Paged lists walk these in order with LIMIT: the case list per status bucket
    # (newest change first), the partner portal's case lists.
    # ``plan_attention`` (migration 0002) lets the caseworker's "sent back" and "draft has
    # errors" buckets be read the same way.
    __table_args__ = (Index("ix_case_status_updated_at_id", "status", "updated_at", "id"),
                      Index("ix_case_partner_id_status_id", "partner_id", "status", "id"),
                      Index("ix_case_status_plan_attention_updated_at_id", "status", "plan_attention", "updated_at", "id"),
                      Index("ix_case_plan_attention_updated_at_id", "plan_attention", "updated_at", "id"),
                      # The follow-up overview's cases in follow-up, by return date (migration 0020).
                      Index("ix_case_status_actual_return_reference", "status", "actual_return", "reference"))
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)  # e.g. RT-2026-0001
    status: str = Field(default="preparing", max_length=32, index=True)
    # What the case's plans ask of the caseworker: "sent_back" (the newest version that is
    # not a draft was sent back: no later version submitted yet), "draft_errors" (a draft
    # fails the budget check), or None. Kept by database triggers on planversion
    # (migrations 0002 and 0022), so every writer keeps it right; never set by code.
    plan_attention: str | None = Field(default=None, max_length=16)
    person_name: str = Field(max_length=200)
    person_date_of_birth: date
    person_sex: str | None = Field(default=None, max_length=16)  # female | male | other
    nationality: str | None = Field(default=None, max_length=2)  # ISO 3166-1 alpha-2
    unaccompanied_minor: bool = Field(default=False)
    return_country: str = Field(max_length=2, index=True)
    partner_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    caseworker_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    cmm_contact_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    reflection_start: date | None = None
    reflection_end: date | None = None
    planned_return: date | None = None
    actual_return: date | None = Field(default=None, index=True)
    closed_at: datetime | None = None
    closure_reason: str | None = Field(default=None, max_length=32)
    closure_note: str | None = None
    legal_hold: bool = Field(default=False)
    anonymised_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    # Optimistic locking: every edit states the revision it started from.
    revision: int = Field(default=1)
    # The one-time token of the form that created the case: the new-case form sent twice
    # (a double click, a resend) creates one case (migration 0015). NULL for cases made
    # otherwise (in code, imports, before the migration).
    request_token: str | None = Field(default=None, max_length=64, unique=True, index=True)


class Child(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    position: int = 0
    first_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date
    lives_in: str = Field(max_length=16)  # denmark | home_country

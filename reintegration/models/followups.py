"""The reintegration year: follow-up reports, disbursements, attachments, risk alerts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ..db_types import ExactDecimal, Kroner
from ._common import utcnow


class FollowUpReport(SQLModel, table=True):
    # The partner portal's due list: a partner's due reports by due date; the follow-up
    # overview's overdue reports, by due date (migration 0020).
    __table_args__ = (Index("ix_followupreport_partner_id_status_due_date_id", "partner_id", "status", "due_date",
                            "id"),
                      Index("ix_followupreport_status_due_date_id", "status", "due_date", "id"))
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    # The case's partner organisation, for that index. Kept by database triggers from
    # ``case.partner_id`` (migration 0007): set whenever a report is written, whatever the
    # writer gave, and carried along when the case changes partner. Never set by code;
    # an object loaded or added in this session may hold an older value.
    partner_id: int | None = None
    due_month: int  # month after return: 1, 3, 6, 12
    due_date: date = Field(index=True)
    final: bool = False
    status: str = Field(default="due", max_length=16, index=True)  # due | submitted
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = None
    contact_date: date | None = None
    contact_kind: str | None = Field(default=None, max_length=32)  # visit | phone | video | office
    activity_status: str | None = Field(default=None, max_length=16)  # running | delayed | changed | failed
    monthly_income: Decimal | None = Field(default=None, sa_type=Kroner)
    income_local: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    housing: str | None = None
    health: str | None = None
    schooling: str | None = None
    wellbeing: str | None = None
    # Answers to the programme's economic/social/psychosocial questions, as JSON,
    # and a score per dimension computed from them.
    answers: str | None = None
    score_economic: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    score_social: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    score_psychosocial: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    # Re-trafficking risk indicators present, comma-separated keys (empty: none).
    risk_indicators: str = Field(default="", max_length=200)
    notes: str | None = None
    revision: int = Field(default=1)


class Disbursement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    line_key: str = Field(max_length=36, index=True)
    plan_version_id: int = Field(foreign_key="planversion.id")  # the version in force
    paid_on: date
    amount_local: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    currency: str | None = Field(default=None, max_length=3)
    exchange_rate: Decimal | None = Field(default=None, sa_type=ExactDecimal)  # frozen at approval
    amount_dkk: Decimal = Field(sa_type=Kroner)
    note: str | None = None
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    # The one-time token of the form that recorded it: the same form sent twice (double
    # click, browser resubmit) records one payment. NULL for payments recorded in code.
    request_token: str | None = Field(default=None, max_length=64, unique=True, index=True)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    followup_id: int | None = Field(default=None, foreign_key="followupreport.id", index=True)
    disbursement_id: int | None = Field(default=None, foreign_key="disbursement.id", index=True)
    stored_name: str = Field(max_length=64, unique=True)  # generated; never the client's name
    original_name: str = Field(max_length=255)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: int = Field(foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class RiskAlert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    followup_id: int | None = Field(default=None, foreign_key="followupreport.id")
    indicators: str = Field(max_length=200)
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None, index=True)
    closed_by: int | None = Field(default=None, foreign_key="user.id")
    action_taken: str | None = None
    # Why the report send that raised it was refused ("submitted": a colleague submitted
    # the report first; "case_closed"; "not_open_yet": a final report sent before its day);
    # None when a submitted report raised it. Its signs are then not in the report it is
    # linked to (migration 0013).
    refused: str | None = Field(default=None, max_length=16)


class RiskAlertNote(SQLModel, table=True):
    """A note added to a closed risk alert's record of what was done
    (``followup.operations.add_alert_note``: the text of a user whose close came second).
    The closer's own text stays in ``RiskAlert.action_taken``. The author's name is kept
    as it was when the note was written (an account renamed later does not rewrite who
    wrote it); ``created_at`` is UTC, shown in the reader's language and Danish time.

    Notes moved out of ``action_taken`` by migration 0019 have no ``author_id`` (the old
    text named the author only by name); a block it could not read has no author at all
    and the alert's ``closed_at`` as its time, its text kept as it was."""
    id: int | None = Field(default=None, primary_key=True)  # the order the notes were added in
    alert_id: int = Field(foreign_key="riskalert.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    text: str

"""Plan versions with their activity and budget lines; comments and decisions.

A version is edited only while it is a draft (or sent back). Submitting freezes it;
a decision is final for that version. An amendment is a new version of the same case.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..db_types import ExactDecimal, Kroner
from ._common import utcnow


OPEN_AMENDMENT = "amends_id IS NOT NULL AND status IN ('draft', 'submitted')"


class PlanVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_planversion_case_number"),
                      # Versions by status with their case, index-only (re-validation, counts).
                      Index("ix_planversion_status_check_ok_case_id", "status", "check_ok", "case_id"),
                      # The approval queue: submitted versions, oldest first, LIMIT (migration 0002).
                      Index("ix_planversion_status_submitted_at_id", "status", "submitted_at", "id"),
                      # The open amendments' cases, whose payments the re-validation reads
                      # (migration 0010): few, among tens of thousands of open versions.
                      Index("ix_planversion_open_amendment_case_id", "case_id",
                            sqlite_where=text(OPEN_AMENDMENT), postgresql_where=text(OPEN_AMENDMENT)))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    number: int = 1
    status: str = Field(default="draft", max_length=16, index=True)
    # The approved version this one amends, if it is an amendment.
    amends_id: int | None = Field(default=None, foreign_key="planversion.id")
    activity_kind: str | None = Field(default=None, max_length=32)
    activity_description: str | None = None
    activity_location: str | None = Field(default=None, max_length=200)
    expected_monthly_income: Decimal | None = Field(default=None, sa_type=Kroner)
    activity_start_month: int | None = None
    realism: str | None = None  # what makes the activity realistic
    social_support: str | None = None
    housing: str | None = None
    health: str | None = None
    schooling: str | None = None
    risk_health: str | None = None
    risk_traffickers: str | None = None  # debt to or fear of traffickers
    risk_management: str | None = None
    # The rate table the version was last checked against.
    rate_table_id: str | None = Field(default=None, max_length=32)
    rate_table_version: int | None = None
    check_ok: bool | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = Field(default=None, index=True)
    # SHA-256 of the canonical plan JSON, fixed at submission and checked at decision.
    content_sha256: str | None = Field(default=None, max_length=64)
    revision: int = Field(default=1)  # optimistic locking
    # The summary of the version's budget lines (``domain.budget.LineSummary``; amounts in
    # øre), kept by database triggers on budgetline (migration 0006) whichever code writes
    # the lines. Never written by the app; read them as columns of a query (an object
    # loaded before its lines were saved still holds the old values).
    line_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    lines_cash_ore: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))
    lines_in_kind_ore: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))
    lines_lowest_ore: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    lines_first_month: int | None = None
    lines_last_month: int | None = None


class BudgetLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="planversion.id", index=True)
    # Stable across versions, so disbursements follow a line through amendments.
    line_key: str = Field(max_length=36, index=True)
    position: int = 0
    kind: str = Field(max_length=16)  # cash | in_kind
    category: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=500)
    month: int
    amount_dkk: Decimal = Field(sa_type=Kroner)
    currency: str | None = Field(default=None, max_length=3)
    amount_local: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    exchange_rate: Decimal | None = Field(default=None, sa_type=ExactDecimal)  # DKK per 1 local unit


class PlanContributor(SQLModel, table=True):
    """Everyone who drafted or edited a version: none of them may decide on it."""

    __table_args__ = (UniqueConstraint("plan_version_id", "user_id", name="uq_plancontributor_version_user"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="planversion.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="planversion.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    body: str
    created_at: datetime = Field(default_factory=utcnow)
    # The one-time token of the comment form that added it: the form sent twice (a double
    # click, a resend) adds one comment (migration 0016). NULL for comments added otherwise
    # (without the form's page, before the migration).
    request_token: str | None = Field(default=None, max_length=64, unique=True, index=True)


class Decision(SQLModel, table=True):
    """The decision on one version. The unique version id makes it exactly one,
    even when two approvers press the button at the same moment."""

    id: int | None = Field(default=None, primary_key=True)
    plan_version_id: int = Field(foreign_key="planversion.id", unique=True)
    outcome: str = Field(max_length=16)  # approved | sent_back | rejected
    reason: str | None = None  # points to fix, or the reason for rejection
    decided_by: int = Field(foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow, index=True)
    rate_table_id: str = Field(max_length=32)
    rate_table_version: int
    content_sha256: str = Field(max_length=64)
    # The reference date the decision checked the plan on (the planned or actual return
    # date then, else the day of deciding), so the approval package always says the same.
    reference_date: date | None = None
    # The plan document (PLAN_FORMAT.md, JSON) as approved: what ``content_sha256`` was
    # taken of and what the approval package shows, whatever changes on the case later.
    plan_document: str | None = None
    # The rate table file as it read at the decision (``RateTable.document``): the
    # package's caps and allocation come from it, whatever correction the file gets later.
    rate_table_document: str | None = None
    # What ``reference_date`` was: the actual or the planned return date, or none (the
    # day of deciding); the package's follow-up schedule says so (``mapping.return_basis``).
    reference_basis: str | None = Field(default=None, max_length=16)
    # The country of return and the partner organisation's name when decided: the package
    # names them as they were (a case moved to another partner later changes no archive).
    # None on decisions from before migration 0012, whose package reads the case.
    return_country: str | None = Field(default=None, max_length=2)
    partner_name: str | None = Field(default=None, max_length=200)
    # The names of the people the decision concerns, as they were when it was taken
    # (migration 0018): the approval package says who decided, who submitted, who drafted
    # (everyone the four-eyes rule barred: ``approvals.operations.drafter_ids``, a JSON
    # list) and who wrote each comment the approver read (a JSON object, comment id to name),
    # whatever an account is renamed to later. None on decisions from before the migration
    # that it could not fill; the package then reads the user table.
    decided_by_name: str | None = Field(default=None, max_length=200)
    submitted_by_name: str | None = Field(default=None, max_length=200)
    drafter_names: str | None = None
    comment_author_names: str | None = None

"""Persistence: SQLModel tables, one module per area.

Every table is imported here so that ``SQLModel.metadata`` is complete for Alembic.
Money columns use :class:`reintegration.db_types.Kroner` (integer øre), never floats.
"""

from sqlmodel import SQLModel

# Deterministic constraint names, so migrations can name what they alter.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from .organisations import Organisation, User  # noqa: E402
from .cases import Case, Child  # noqa: E402
from .plans import BudgetLine, Comment, Decision, PlanContributor, PlanVersion  # noqa: E402
from .followups import Attachment, Disbursement, FollowUpReport, RiskAlert, RiskAlertNote  # noqa: E402
from .audit import AuditEvent, AuditEventCase, LoginAttempt  # noqa: E402

metadata = SQLModel.metadata

__all__ = [
    "Attachment", "AuditEvent", "AuditEventCase", "BudgetLine", "Case", "Child", "Comment", "Decision",
    "Disbursement", "FollowUpReport", "LoginAttempt", "Organisation", "PlanContributor",
    "PlanVersion", "RiskAlert", "RiskAlertNote", "User", "metadata",
]

"""What changed between two versions of a plan: budget lines matched by their stable
``line_key`` (added, removed, changed with old and new values) and the activity and text
fields of the version. Pure: it reads attributes of whatever it is given (stored models
or anything shaped like them), so the review page, the amendment view and the tests all
share one definition of "changed".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"

# Compared in this order, and shown in it.
LINE_FIELDS = ("kind", "category", "description", "month", "amount_dkk", "currency", "amount_local",
               "exchange_rate")
VERSION_FIELDS = ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
                  "activity_start_month", "realism", "social_support", "housing", "health", "schooling",
                  "risk_health", "risk_traffickers", "risk_management")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class LineChange:
    key: str
    change: str  # ADDED | REMOVED | CHANGED
    old: Any  # the line in the earlier version, None when added
    new: Any  # the line in the later version, None when removed
    fields: tuple[FieldChange, ...] = ()  # what changed, for CHANGED

    @property
    def amount_delta(self) -> Decimal:
        """New amount minus old amount (a removed line counts as going to zero)."""
        old = self.old.amount_dkk if self.old is not None else Decimal("0.00")
        new = self.new.amount_dkk if self.new is not None else Decimal("0.00")
        return new - old


@dataclass(frozen=True)
class VersionDiff:
    lines: tuple[LineChange, ...]
    fields: tuple[FieldChange, ...]
    unchanged_lines: int

    @property
    def has_changes(self) -> bool:
        return bool(self.lines or self.fields)

    def count(self, change: str) -> int:
        return sum(1 for line in self.lines if line.change == change)


def _same(old: Any, new: Any) -> bool:
    """Equal values; a blank text equals no text, and 12.5 equals 12.50."""
    if isinstance(old, str) and not old.strip():
        old = None
    if isinstance(new, str) and not new.strip():
        new = None
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old.compare_total(new) == 0 or old == new
    return old == new


def field_changes(old: Any, new: Any, fields: Sequence[str]) -> tuple[FieldChange, ...]:
    changes = []
    for name in fields:
        before, after = getattr(old, name, None), getattr(new, name, None)
        if not _same(before, after):
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def diff_lines(old_lines: Sequence[Any], new_lines: Sequence[Any]) -> tuple[tuple[LineChange, ...], int]:
    """Line changes in the order of the later version, then the removed lines in the order
    of the earlier one; and how many lines stayed the same."""
    old_by_key = {line.line_key: line for line in old_lines}
    new_keys = {line.line_key for line in new_lines}
    changes: list[LineChange] = []
    unchanged = 0
    for line in new_lines:
        before = old_by_key.get(line.line_key)
        if before is None:
            changes.append(LineChange(line.line_key, ADDED, None, line))
            continue
        fields = field_changes(before, line, LINE_FIELDS)
        if fields:
            changes.append(LineChange(line.line_key, CHANGED, before, line, fields))
        else:
            unchanged += 1
    for line in old_lines:
        if line.line_key not in new_keys:
            changes.append(LineChange(line.line_key, REMOVED, line, None))
    return tuple(changes), unchanged


def diff_versions(old_version: Any, old_lines: Sequence[Any], new_version: Any,
                  new_lines: Sequence[Any]) -> VersionDiff:
    """Everything that changed from ``old_version`` to ``new_version``."""
    lines, unchanged = diff_lines(old_lines, new_lines)
    return VersionDiff(lines=lines, fields=field_changes(old_version, new_version, VERSION_FIELDS),
                       unchanged_lines=unchanged)

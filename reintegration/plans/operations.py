"""Writes on plan versions: start a draft, save it, comment, submit. Each function
commits its change together with the audit record; reads that the check needs
(disbursements, the unsaved form's check) live here too, so views stay thin.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import audit
from ..audit import done_by, last_change, record
from ..db import sqlite_write_lock
from ..domain import workflow
from ..domain.budget import ACTIVITY_KINDS, CASH, IN_KIND, BudgetCheck, Plan
from ..domain.money import CENT, at_most_decimals, dkk, has_more_decimals_than, has_more_than_two_decimals
from ..domain.planfile import PlanFormatError
from ..domain.rates import RateTables
from ..domain.violation import Violation
from ..domain.workflow import CaseClosed
from ..models import (AuditEvent, BudgetLine, Case, Child, Comment, Decision, Disbursement, PlanContributor,
                      PlanVersion)
from ..models._common import utcnow
from ..faults import checkpoint
from ..locks import lock_case
from ..forms import MAX_TEXT
from .forms import CATEGORY_LABELS, MAX_DKK, MAX_LINES, MAX_LOCAL, MAX_RATE, clean_text
from .mapping import StoredPlan, check_stored, content_sha256, load_plan, paid_lines_as_paid, reference_date

# The texts and activity copied into a new version and saved from the form.
NARRATIVE_FIELDS = ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
                    "activity_start_month", "realism", "social_support", "housing", "health", "schooling",
                    "risk_health", "risk_traffickers", "risk_management")
LINE_FIELDS = ("kind", "category", "description", "month", "amount_dkk", "currency", "amount_local",
               "exchange_rate")
# A version in one of these may be followed by a new draft (copying it).
FOLLOWED_BY_DRAFT = (workflow.RETURNED, workflow.REJECTED, workflow.APPROVED)
COMMENTABLE = (workflow.DRAFT, workflow.SUBMITTED)
# What a stored month can hold (a 32-bit column in PostgreSQL).
MAX_MONTH = 2**31 - 1
_CURRENCY = re.compile(r"[A-Z]{3}")


class PlanConflict(Exception):
    """Someone saved the version since the user opened it; ``current`` is what they saved."""

    def __init__(self, current: PlanVersion):
        super().__init__(f"plan version {current.id} is at revision {current.revision}")
        self.current = current


class PlanFrozen(Exception):
    """The version is no longer a draft; nothing on it may change."""

    def __init__(self, version: PlanVersion):
        super().__init__(f"plan version {version.id} is {version.status}")
        self.version = version


class CommentAlreadyAdded(Exception):
    """The comment form that sent this token added its comment already (a double click,
    a resend); ``comment`` is that comment. Nothing more was added."""

    def __init__(self, comment: Comment):
        super().__init__(f"comment {comment.id} was added by this form")
        self.comment = comment


class OpenVersionExists(Exception):
    """The case already has a draft or a submitted version."""

    def __init__(self, version: PlanVersion):
        super().__init__(f"case {version.case_id} has open version {version.id}")
        self.version = version


class TooManyLines(Exception):
    """A draft would hold ``count`` budget lines, more than a plan can have (``limit``);
    nothing is written."""

    def __init__(self, count: int):
        super().__init__(f"{count} budget lines, at most {MAX_LINES}")
        self.count = count
        self.limit = MAX_LINES


class SubmitRefused(Exception):
    """Submission rules say no (``violations``); ``check`` is the budget check that says why."""

    def __init__(self, violations: list[Violation], check: BudgetCheck):
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations
        self.check = check


@dataclass
class LineValues:
    """One budget line as the form gives it; ``amount_dkk`` may be computed from the
    local amount and the exchange rate (:func:`prepare_lines`)."""

    kind: str
    month: int | None
    amount_dkk: Decimal | None = None
    category: str | None = None
    description: str | None = None
    currency: str | None = None
    amount_local: Decimal | None = None
    exchange_rate: Decimal | None = None
    line_key: str | None = None


# --- pure helpers ------------------------------------------------------------------

def local_to_dkk(amount_local: Decimal | None, exchange_rate: Decimal | None) -> Decimal | None:
    """DKK = local amount × rate (DKK per local unit), rounded half up to øre."""
    if amount_local is None or exchange_rate is None:
        return None
    return dkk(amount_local * exchange_rate)


def spread_cash(total: Decimal, first_month: int, last_month: int) -> list[tuple[int, Decimal]]:
    """Equal monthly cash instalments from ``first_month`` to ``last_month``.

    Exact: the instalments add up to ``total``; the øre that do not divide evenly go on
    the last instalment."""
    if first_month > last_month:
        raise ValueError("first month after last month")
    months = list(range(first_month, last_month + 1))
    total_ore = int((total / CENT).to_integral_exact())
    each, remainder = divmod(total_ore, len(months))
    amounts = [Decimal(each) * CENT for _ in months]
    amounts[-1] = Decimal(each + remainder) * CENT
    return list(zip(months, amounts))


def refuse_too_many_lines(count: int) -> None:
    """:class:`TooManyLines` when a draft would hold more than ``MAX_LINES`` budget lines:
    the drafting form can show no more (and a draft beyond it could not be opened)."""
    if count > MAX_LINES:
        raise TooManyLines(count)


def prepare_lines(lines: Iterable[LineValues], existing_keys: Iterable[str], default_currency: str | None
                  ) -> list[LineValues]:
    """Fill in what the server decides: DKK from local amount × rate when DKK is empty,
    the partner's currency when a local amount has none, and the line keys (an existing
    line keeps its key; a new or unknown one gets a fresh uuid4)."""
    known = set(existing_keys)
    used: set[str] = set()
    prepared = []
    for line in lines:
        key = line.line_key if line.line_key in known and line.line_key not in used else str(uuid.uuid4())
        used.add(key)
        amount = line.amount_dkk if line.amount_dkk is not None else local_to_dkk(line.amount_local,
                                                                                    line.exchange_rate)
        currency = line.currency or (default_currency if line.amount_local is not None else None)
        prepared.append(LineValues(kind=line.kind if line.kind in (CASH, IN_KIND) else IN_KIND, month=line.month,
                                   amount_dkk=amount, category=line.category or None,
                                   description=line.description or None, currency=currency,
                                   amount_local=line.amount_local, exchange_rate=line.exchange_rate,
                                   line_key=key))
    return prepared


def import_category(category: str | None) -> str | None:
    """A file's category as the tool keeps it: a category it does not know is "other"."""
    category = clean_text(category) or None
    return category if category is None or category in CATEGORY_LABELS else "other"


def importable_plan(plan: Plan) -> Plan:
    """``plan`` if the tool can keep it as a draft, else :class:`PlanFormatError` naming the
    field. A file may hold what the budget check flags (month 13, a zero amount), but not
    what no draft can hold: amounts are kept in whole øre, and the form's limits apply."""
    if len(plan.lines) > MAX_LINES:
        raise PlanFormatError("lines", f"at most {MAX_LINES} lines", "too_many_lines", max=MAX_LINES,
                              count=len(plan.lines))
    if plan.activity is not None and len(plan.activity.description) > MAX_TEXT:
        raise PlanFormatError("activity.description", f"at most {MAX_TEXT} characters", "too_long", max=MAX_TEXT)
    for index, line in enumerate(plan.lines):
        path = f"lines[{index}]"
        if has_more_than_two_decimals(line.amount_dkk):
            # The budget check's line.amount finding; the tool keeps amounts in whole øre.
            raise PlanFormatError(f"{path}.amount_dkk", f"more than two decimals (line.amount): "
                                                        f"'{line.amount_dkk}'", "decimals", value=line.amount_dkk)
        if abs(line.amount_dkk) > MAX_DKK:
            # The form's limit; far beyond it, the stored totals of 200 lines overflow.
            raise PlanFormatError(f"{path}.amount_dkk", f"must be from -{MAX_DKK} to {MAX_DKK}: "
                                                        f"'{line.amount_dkk}'", "range", low=-MAX_DKK, high=MAX_DKK,
                                  value=line.amount_dkk)
        if not -MAX_MONTH <= line.month <= MAX_MONTH:
            raise PlanFormatError(f"{path}.month", f"out of range: {line.month}", "range", low=-MAX_MONTH,
                                  high=MAX_MONTH, value=line.month)
        for name, limit in (("description", 500), ("category", 64)):
            text = getattr(line, name)
            if text is not None and len(text) > limit:
                raise PlanFormatError(f"{path}.{name}", f"at most {limit} characters", "too_long", max=limit)
        if line.currency is not None and not _CURRENCY.fullmatch(clean_text(line.currency).upper()):
            raise PlanFormatError(f"{path}.currency", f"not a three-letter code such as NGN: '{line.currency[:10]}'",
                                  "currency", value=line.currency[:10])
        for name, limit, decimals in (("amount_local", MAX_LOCAL, 2), ("exchange_rate", MAX_RATE, 6)):
            # Read by the value, as `validate` reads amount_dkk: "0.004500000" is a rate of
            # four decimals (kept as "0.004500"), "0.0045001" has seven.
            number = getattr(line, name)
            if number is not None and not (0 <= number <= limit and not has_more_decimals_than(number, decimals)):
                raise PlanFormatError(f"{path}.{name}", f"must be from 0 to {limit} with at most {decimals} "
                                                        f"decimals: '{number}'", "range_decimals", high=limit,
                                      decimals=decimals, value=number)
        computed = local_to_dkk(line.amount_local, line.exchange_rate)
        if computed is not None and computed != line.amount_dkk:
            # The caps count the DKK amount: a file whose DKK is not what its local amount
            # and rate say would be checked on one figure and paid out on another. The
            # drafting form refuses the same (plans.forms).
            raise PlanFormatError(f"{path}.amount_dkk", f"must be amount_local x exchange_rate, {computed:f}: "
                                                        f"'{line.amount_dkk}'", "local_mismatch",
                                  computed=f"{computed:f}", value=line.amount_dkk)
    return plan


def case_differences(case: Case, children: Iterable[Child], plan: Plan) -> list[tuple[str, object, object]]:
    """Where the plan's person, children and reference date differ from the case, as
    ``(what, in the plan, on the case)``: ``date_of_birth`` and ``reference_date`` (dates;
    the case's is None without a return date), ``unaccompanied_minor`` (true or false),
    ``children`` (``(date of birth, lives_in)`` pairs, in order). An imported plan file is
    compared with the case, and so is the plan a decision kept (``decided``)."""
    differences: list[tuple[str, object, object]] = []
    if plan.person.date_of_birth != case.person_date_of_birth:
        differences.append(("date_of_birth", plan.person.date_of_birth, case.person_date_of_birth))
    if plan.person.unaccompanied_minor != bool(case.unaccompanied_minor):
        differences.append(("unaccompanied_minor", plan.person.unaccompanied_minor, bool(case.unaccompanied_minor)))
    in_plan = tuple(sorted((c.date_of_birth, c.lives_in) for c in plan.children))
    on_case = tuple(sorted((c.date_of_birth, c.lives_in) for c in children))
    if in_plan != on_case:
        differences.append(("children", in_plan, on_case))
    case_date = reference_date(case)
    if plan.reference_date is not None and plan.reference_date != case_date:
        differences.append(("reference_date", plan.reference_date, case_date))
    return differences


# --- reads -------------------------------------------------------------------------

def versions_for_case(db: Session, case_id: int) -> list[PlanVersion]:
    """The case's plan versions, newest first."""
    return list(db.exec(select(PlanVersion).where(PlanVersion.case_id == case_id)
                        .order_by(PlanVersion.number.desc())).all())


def disbursed_by_key(db: Session, case_id: int) -> dict[str, Decimal]:
    """What has been paid out per line key on the case (money paid stays paid)."""
    rows = db.exec(select(Disbursement.line_key, Disbursement.amount_dkk).where(Disbursement.case_id == case_id))
    paid: dict[str, Decimal] = {}
    for key, amount in rows:
        paid[key] = paid.get(key, Decimal("0.00")) + amount
    return paid


def restorable_line(db: Session, version: PlanVersion, line_key: str, present_keys: Iterable[str]
                    ) -> LineValues | None:
    """The paid line ``line_key`` to put back into the draft ``version`` (which lacks it),
    as it is in the version being amended: key, kind, category, description, month,
    amounts, currency and rate. ``None`` (nothing to put back) unless money has been paid
    out on that key on the case and the draft does not hold it (``present_keys``: its
    saved lines' and the form's keys). Should the version being amended not hold it, the
    case's newest other version that does is used."""
    if not line_key or line_key in set(present_keys):
        return None
    if disbursed_by_key(db, version.case_id).get(line_key, Decimal("0.00")) <= 0:
        return None
    rows = db.exec(select(BudgetLine, PlanVersion).join(PlanVersion, PlanVersion.id == BudgetLine.plan_version_id)
                   .where(PlanVersion.case_id == version.case_id, PlanVersion.id != version.id,
                          BudgetLine.line_key == line_key)
                   .order_by(PlanVersion.number.desc(), BudgetLine.position, BudgetLine.id)).all()
    if not rows:
        return None
    line = next((line for line, holder in rows if holder.id == version.amends_id), rows[0][0])
    return LineValues(line_key=line.line_key, **{name: getattr(line, name) for name in LINE_FIELDS})


def _line_identity(line) -> tuple:
    """What makes two lines the same budget line for an import: kind, category,
    description and month (amounts may differ)."""
    return (line.kind, line.category or None, line.description or None, line.month)


def keep_known_keys(lines: list[LineValues], known: Iterable[BudgetLine]) -> list[LineValues]:
    """The imported ``lines`` (keys already given) with the keys of the ``known`` lines
    (those of the version being amended) where a line is one of them, so the payments on
    a line follow it through an export and import. The rule: a line takes the key of a
    known line with the same kind, category, description and month; one that is equal in
    every field (amounts, currency and rate too) is preferred, then the first in order.
    Each known key goes to one line at most; any other line keeps its fresh key."""
    known = list(known)
    taken: set[int] = set()
    kept = [None] * len(lines)

    def equal(line: LineValues, row: BudgetLine) -> bool:
        return _line_identity(line) == _line_identity(row) and all(
            getattr(line, name) == getattr(row, name) for name in ("amount_dkk", "currency", "amount_local",
                                                                   "exchange_rate"))

    for same in (equal, lambda line, row: _line_identity(line) == _line_identity(row)):
        for index, line in enumerate(lines):
            if kept[index] is not None:
                continue
            match = next((i for i, row in enumerate(known) if i not in taken and same(line, row)), None)
            if match is not None:
                taken.add(match)
                kept[index] = known[match].line_key
    return [LineValues(**{**line.__dict__, "line_key": key}) if key is not None else line
            for line, key in zip(lines, kept)]


def check_version(db: Session, stored: StoredPlan, tables: RateTables, today: date) -> BudgetCheck:
    """The drafting check (and submission's): the budget rules, counting what has been
    paid on the case, so an amendment may neither lower a paid line below what was paid,
    nor remove it, nor change its kind."""
    paid = disbursed_by_key(db, stored.case.id)
    if not paid:
        return check_stored(stored, tables, today)
    as_paid = paid_lines_as_paid(db, stored.case.id)
    return check_stored(stored, tables, today, paid, {key: description for key, (_, description) in as_paid.items()},
                        {key: kind for key, (kind, _) in as_paid.items()})


def check_unsaved(db: Session, case: Case, narrative: dict, lines: list[LineValues], tables: RateTables,
                  today: date) -> BudgetCheck:
    """The check of what the form holds, without saving anything: transient rows go
    through the same mapping as stored ones, so the live check and the saved check
    can never disagree."""
    children = tuple(db.exec(select(Child).where(Child.case_id == case.id).order_by(Child.position, Child.id)))
    kind = narrative.get("activity_kind")
    version = PlanVersion(case_id=case.id, activity_kind=kind if kind in ACTIVITY_KINDS else None,
                          activity_description=narrative.get("activity_description"))
    rows = tuple(BudgetLine(plan_version_id=0, line_key=line.line_key or "", kind=line.kind, month=line.month,
                            amount_dkk=line.amount_dkk, category=line.category, description=line.description)
                 for line in lines)
    return check_version(db, StoredPlan(case, children, version, rows), tables, today)


def last_editor(db: Session, version: PlanVersion):
    """Who saved the version last, from the audit trail (for the conflict page)."""
    return done_by(db, last_change(db, version, ("plan.update", "plan.create", "plan.import_json")))[0]


# --- writes ------------------------------------------------------------------------

def _add_contributor(db: Session, version_id: int, user_id: int) -> None:
    exists = db.exec(select(PlanContributor.id).where(PlanContributor.plan_version_id == version_id,
                                                      PlanContributor.user_id == user_id)).first()
    if exists is None:
        db.add(PlanContributor(plan_version_id=version_id, user_id=user_id))


def _store_check(version: PlanVersion, check: BudgetCheck) -> None:
    version.rate_table_id = check.rate_table.id if check.rate_table else None
    version.rate_table_version = check.rate_table.version if check.rate_table else None
    version.check_ok = check.ok


def recheck_open_versions(db: Session, case_id: int, tables: RateTables, today: date) -> list[PlanVersion]:
    """Check the case's draft and submitted versions again, as drafting does, and store
    the result, in the caller's transaction: a change to the case (children, return
    date, unaccompanied minor) moves the caps. Only the check's record changes, not the
    content, revision or digest of a version (as in the re-validation)."""
    versions = db.exec(select(PlanVersion).where(PlanVersion.case_id == case_id,
                                                 PlanVersion.status.in_(workflow.OPEN_PLAN_STATUSES))
                       .order_by(PlanVersion.number)).all()
    for version in versions:
        _store_check(version, check_version(db, load_plan(db, version), tables, today))
        db.add(version)
    return list(versions)


def _replace_lines(db: Session, version_id: int, lines: Iterable[LineValues]) -> int:
    db.execute(delete(BudgetLine).where(BudgetLine.plan_version_id == version_id))
    count = 0
    for position, line in enumerate(lines):
        db.add(BudgetLine(plan_version_id=version_id, line_key=line.line_key or str(uuid.uuid4()),
                          position=position, **{name: getattr(line, name) for name in LINE_FIELDS}))
        count += 1
    return count


def create_draft(db: Session, case: Case, user, tables: RateTables, today: date) -> PlanVersion:
    """Start a new draft version of the case's plan.

    If the latest version was sent back, rejected or approved, the draft starts as a copy
    of it (activity, texts and lines, each line keeping its ``line_key``); a draft after
    an approved version is an amendment of it (``amends_id``). Refused
    (``workflow.start_violations``) with :class:`CaseClosed` on a closed case, and with
    :class:`OpenVersionExists` while a draft or submitted version is open.

    The case is locked first (``locks.lock_case``) and read afresh: a case closed after
    the page checked it, or while this waited for the lock, gets no new version."""
    case = lock_case(db, case.id)
    versions = versions_for_case(db, case.id)
    open_version = next((v for v in versions if v.status in workflow.OPEN_PLAN_STATUSES), None)
    violations = workflow.start_violations(case.status, open_version.status if open_version else None)
    if violations:
        db.rollback()
        if violations[0].code == "start.case_closed":
            raise CaseClosed(case.id)
        raise OpenVersionExists(open_version)
    latest = versions[0] if versions else None
    base = latest if latest is not None and latest.status in FOLLOWED_BY_DRAFT else None
    amends_id = None
    if base is not None:
        amends_id = base.id if base.status == workflow.APPROVED else base.amends_id
    version = PlanVersion(case_id=case.id, number=(latest.number + 1) if latest else 1, status=workflow.DRAFT,
                          amends_id=amends_id, created_by=user.id,
                          **({name: getattr(base, name) for name in NARRATIVE_FIELDS} if base else {}))
    db.add(version)
    try:
        db.flush()
    except IntegrityError:
        # Someone else started a version at the same moment: theirs is the open one.
        db.rollback()
        current = versions_for_case(db, case.id)
        raise OpenVersionExists(current[0]) from None
    if base is not None:
        base_lines = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == base.id)
                             .order_by(BudgetLine.position, BudgetLine.id)).all()
        _replace_lines(db, version.id, [LineValues(line_key=line.line_key,
                                                   **{name: getattr(line, name) for name in LINE_FIELDS})
                                        for line in base_lines])
    _add_contributor(db, version.id, user.id)
    gone = discarded_record(db, case.id, version.id)
    if gone is not None:
        # SQLite gives a new row the id of the highest row deleted before it, so a draft
        # discarded and started again can come back under the same id (and URL). Its
        # revisions start above the ones the discarded draft reached: a page still open on
        # that draft is then refused as stale, never saved into this one.
        version.revision = max(version.revision, (discarded_revision(gone) or 0) + 1)
    db.flush()
    _store_check(version, check_version(db, load_plan(db, version), tables, today))
    record(db, "plan.create", user=user, obj=version, case_id=case.id,
           detail={"number": version.number, "copied_from": base.id if base else None, "amends": amends_id})
    db.commit()
    return version


def _claim_draft(db: Session, version: PlanVersion, seen_revision: int | None, values: dict) -> None:
    """Write ``values`` on the version if it is still a draft at ``seen_revision`` (and
    move its revision on); otherwise roll back and raise :class:`PlanFrozen` (also when
    the case was closed meanwhile: a closed case is read-only, its draft too) or
    :class:`PlanConflict`. The case is locked first (``locks.lock_case``): writing a
    version's check (or deleting the version) updates its case too (the planversion
    trigger of migration 0002), so the case must come before the version."""
    case = lock_case(db, version.case_id)
    if case.status == workflow.CLOSED:  # closed after the page checked it: read-only now
        db.rollback()
        db.refresh(version)
        raise PlanFrozen(version)
    result = db.execute(update(PlanVersion)
                        .where(PlanVersion.id == version.id, PlanVersion.revision == (seen_revision or -1),
                               PlanVersion.status == workflow.DRAFT)
                        .values(revision=PlanVersion.revision + 1, updated_at=utcnow(), **values)
                        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.rollback()
        db.refresh(version)
        if version.status != workflow.DRAFT:
            raise PlanFrozen(version)
        raise PlanConflict(version)


def save_draft(db: Session, version: PlanVersion, *, seen_revision: int | None, narrative: dict,
               lines: list[LineValues], user, tables: RateTables, today: date) -> BudgetCheck:
    """Save the drafting form: the activity and texts, and the budget lines, which replace
    the version's lines in the same transaction.

    Optimistic locking: the save applies only if the version is still a draft at
    ``seen_revision``; otherwise nothing is written and :class:`PlanConflict` (someone
    saved in between) or :class:`PlanFrozen` (it was submitted) is raised. The saving
    user becomes a contributor (four eyes), and the rate table the version was checked
    against is stored on it. More than ``MAX_LINES`` lines: :class:`TooManyLines`, and
    nothing is written."""
    lines = list(lines)
    refuse_too_many_lines(len(lines))
    values = {name: narrative.get(name) for name in NARRATIVE_FIELDS}
    try:
        _claim_draft(db, version, seen_revision, values)
    except PlanConflict as conflict:
        if not _saved_already(db, conflict.current, seen_revision, values, lines, user):
            raise
        # The same form sent twice (a double click): its first send saved exactly this.
        return check_version(db, load_plan(db, conflict.current), tables, today)
    return _write_lines_and_check(db, version, lines, user=user, tables=tables, today=today, action="plan.update")


def _saved_already(db: Session, current: PlanVersion, seen_revision: int | None, narrative: dict,
                   lines: list[LineValues], user, action: str = "plan.update") -> bool:
    """Whether a save refused as a conflict is the resend of a save that went through:
    the version is one revision past the form's, that revision was this user's save of
    the drafting form, and the version holds exactly what the form sends (its texts, and
    its lines in order; a line new in the form has no key yet, so only its content is
    compared). Anything else (a change since, someone else's save) stays a conflict."""
    if seen_revision is None or current.revision != seen_revision + 1 \
            or audit.saved_revision(db, action, current, user) != current.revision:
        return False
    if any(getattr(current, name) != value for name, value in narrative.items()):
        return False
    stored = load_plan(db, current).lines
    keys = {line.line_key for line in stored}
    return len(stored) == len(lines) and all(
        (sent.line_key == kept.line_key or sent.line_key not in keys)
        and all(getattr(sent, name) == getattr(kept, name) for name in LINE_FIELDS)
        for sent, kept in zip(lines, stored))


def _write_lines_and_check(db: Session, version: PlanVersion, lines, *, user, tables: RateTables, today: date,
                           action: str) -> BudgetCheck:
    """The second half of every draft write (after the draft is claimed): replace the
    lines, record the editor as a contributor, check, store the check, audit, commit."""
    count = _replace_lines(db, version.id, lines)
    _add_contributor(db, version.id, user.id)
    db.flush()
    db.refresh(version)
    check = check_version(db, load_plan(db, version), tables, today)
    _store_check(version, check)
    record(db, action, user=user, obj=version, case_id=version.case_id,
           detail={"revision": version.revision, "lines": count, "check_ok": check.ok})
    db.commit()
    return check


def _kept(number: Decimal | None, places: int) -> Decimal | None:
    """A file's local amount or rate as the draft keeps it (what the form shows and takes
    back): at most ``places`` decimals written (:func:`importable_plan` checked the value)."""
    return None if number is None else at_most_decimals(number, places)


def import_plan(db: Session, version: PlanVersion, *, seen_revision: int | None, plan: Plan, user,
                tables: RateTables, today: date, default_currency: str | None = None) -> BudgetCheck:
    """Replace a draft's activity (kind and description) and budget lines with those of a
    plan file (:func:`importable_plan` first). The lines get new line keys, except, in
    an amendment, a line that is a line of the version amended (:func:`keep_known_keys`);
    the other texts of the draft stay. The person and children of the file are not imported: the
    case is their source of truth. Same locking, contributor and check as :func:`save_draft`."""
    refuse_too_many_lines(len(plan.lines))
    activity = plan.activity
    narrative = {"activity_kind": activity.kind if activity else None,
                 "activity_description": (clean_text(activity.description) or None) if activity else None}
    values = [LineValues(kind=line.kind, month=line.month, amount_dkk=line.amount_dkk,
                         category=import_category(line.category), description=clean_text(line.description),
                         currency=clean_text(line.currency).upper() if line.currency else None,
                         amount_local=_kept(line.amount_local, 2), exchange_rate=_kept(line.exchange_rate, 6))
              for line in plan.lines]
    lines = prepare_lines(values, (), default_currency)
    if version.amends_id is not None:
        # An amendment: a line of the file that is a line of the approved version keeps
        # its key, so the money paid on it still follows it (keep_known_keys).
        lines = keep_known_keys(lines, db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.amends_id)
                                               .order_by(BudgetLine.position, BudgetLine.id)).all())
    try:
        _claim_draft(db, version, seen_revision, narrative)
    except PlanConflict as conflict:
        if not _saved_already(db, conflict.current, seen_revision, narrative, lines, user, action="plan.import_json"):
            raise
        # The same file sent twice (a double click): its first send imported exactly this.
        return check_version(db, load_plan(db, conflict.current), tables, today)
    return _write_lines_and_check(db, version, lines, user=user, tables=tables, today=today,
                                  action="plan.import_json")


def discard_draft(db: Session, version: PlanVersion, *, seen_revision: int | None, user) -> dict:
    """Delete a draft version: its budget lines, contributors and comments, then the
    version; the case's other versions are untouched, and a new version can be started.
    Same locking as :func:`save_draft`: only a draft still at ``seen_revision``, else
    :class:`PlanFrozen` (submitted meanwhile) or :class:`PlanConflict` (saved meanwhile),
    and nothing is deleted. Recorded as ``plan.draft_discarded``; returns what the
    record says (number, revision, lines, comments)."""
    _claim_draft(db, version, seen_revision, {})
    version_id, case_id, number = version.id, version.case_id, version.number
    # What references a version: budget lines, contributors, comments (all removed here),
    # decisions and disbursements (never on a draft: refused rather than lost), and a
    # later version's amends_id (only ever an approved version).
    held = db.exec(select(func.count()).select_from(Disbursement).where(Disbursement.plan_version_id == version_id)
                   ).one() + db.exec(select(func.count()).select_from(Decision)
                                     .where(Decision.plan_version_id == version_id)).one()
    if held:
        db.rollback()
        db.refresh(version)
        raise PlanFrozen(version)
    lines = db.exec(select(func.count()).select_from(BudgetLine).where(BudgetLine.plan_version_id == version_id)).one()
    comments = comment_count(db, version_id)
    detail = {"number": number, "revision": (seen_revision or 0) + 1, "lines": lines, "comments": comments,
              "amends": version.amends_id}
    for model in (Comment, PlanContributor, BudgetLine):
        db.execute(delete(model).where(model.plan_version_id == version_id))
    db.execute(delete(PlanVersion).where(PlanVersion.id == version_id, PlanVersion.status == workflow.DRAFT)
               .execution_options(synchronize_session=False))
    record(db, "plan.draft_discarded", user=user, object_type="planversion", object_id=version_id, case_id=case_id,
           detail=detail)
    db.commit()
    db.expunge(version)
    return detail


def discarded_record(db: Session, case_id: int, version_id: int):
    """The audit event of the discard of the case's draft ``version_id``, if it was one."""
    return db.exec(select(AuditEvent).where(AuditEvent.action == "plan.draft_discarded",
                                            AuditEvent.object_type == "planversion",
                                            AuditEvent.object_id == str(version_id),
                                            AuditEvent.case_id == case_id)
                   .order_by(AuditEvent.id.desc()).limit(1)).first()


def discarded_number(event) -> int | None:
    """The number of the discarded version, from its record."""
    return _recorded_int(event, "number")


def discarded_revision(event) -> int | None:
    """The revision the discarded draft had reached, from its record: a page showing
    that revision or an earlier one was a page of the discarded draft."""
    return _recorded_int(event, "revision")


def _recorded_int(event, key: str) -> int | None:
    try:
        value = json.loads(event.detail or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def next_commentable(db: Session, version: PlanVersion) -> PlanVersion | None:
    """The case's newest version after ``version`` that still takes comments, if any."""
    return db.exec(select(PlanVersion).where(PlanVersion.case_id == version.case_id,
                                             PlanVersion.number > version.number,
                                             PlanVersion.status.in_(COMMENTABLE))
                   .order_by(PlanVersion.number.desc()).limit(1)).first()


def refuse_frozen(db: Session, version: PlanVersion, user, attempted: str) -> None:
    """Record an attempt to change a version that is no longer a draft."""
    record(db, "plan.frozen_edit_refused", user=user, obj=version, case_id=version.case_id,
           detail={"status": version.status, "attempted": attempted})
    db.commit()


def refuse_comment_sent_twice(db: Session, token: str | None) -> None:
    """:class:`CommentAlreadyAdded` if a comment was added with the form's one-time
    ``token`` already (the same form sent again); nothing otherwise."""
    if token:
        done = db.exec(select(Comment).where(Comment.request_token == token)).first()
        if done is not None:
            db.rollback()
            raise CommentAlreadyAdded(done)


def add_comment(db: Session, version: PlanVersion, user, body: str, *, token: str | None = None) -> Comment:
    """A comment on a draft or submitted version (CMM, partner, caseworker). The status
    is read again under the version's row lock (SQLite: the write lock), so a decision
    taken while the comment was typed refuses it (:class:`PlanFrozen`) rather than
    adding it to a decided version. ``token`` is the comment form's one-time token: if a
    comment was added with it already, :class:`CommentAlreadyAdded` names that comment
    and nothing is added (the unique index decides between two sends at one moment)."""
    refuse_comment_sent_twice(db, token)
    if version.status not in COMMENTABLE:
        raise PlanFrozen(version)
    sqlite_write_lock(db)
    # None: the draft was discarded meanwhile (the view then finds no version).
    status = db.exec(select(PlanVersion.status).where(PlanVersion.id == version.id).with_for_update()).first()
    if status not in COMMENTABLE:
        db.rollback()
        raise PlanFrozen(version)
    comment = Comment(plan_version_id=version.id, author_id=user.id, body=body, request_token=token or None)
    db.add(comment)
    try:
        db.flush()
    except IntegrityError:  # the same token, sent at the same moment, added its comment first
        db.rollback()
        refuse_comment_sent_twice(db, token)
        raise
    record(db, "plan.comment", user=user, obj=comment, case_id=version.case_id,
           detail={"plan_version_id": version.id})
    db.commit()
    return comment


def submit_version(db: Session, version: PlanVersion, *, seen_revision: int | None, user, tables: RateTables,
                   today: date) -> PlanVersion:
    """Submit a draft for approval and freeze it.

    Refused (:class:`SubmitRefused`) by the workflow's submit rules: only a draft, and
    only without an error finding; a draft of a case closed meanwhile is
    :class:`PlanFrozen`, as a draft submitted meanwhile is. The digest of what is
    decided on (``content_sha256``) is fixed now; the case awaits approval.

    The case is locked first (``locks.lock_case``) and the version read afresh, so the
    check counts every payment committed before the submission: a payment meanwhile
    waits for it (and the approver's check counts that one)."""
    lock_case(db, version.case_id)
    db.refresh(version)
    if version.status != workflow.DRAFT:  # submitted (or decided) by someone else meanwhile
        db.rollback()
        raise PlanFrozen(version)
    stored = load_plan(db, version)
    if stored.case.status == workflow.CLOSED:  # closed after the page was opened: not a rule to fix
        db.rollback()
        raise PlanFrozen(version)
    check = check_version(db, stored, tables, today)
    violations = workflow.submit_violations(version.status, has_errors=not check.ok, case_status=stored.case.status)
    if violations:
        db.rollback()
        raise SubmitRefused(violations, check)
    if seen_revision is not None and seen_revision != version.revision:
        db.rollback()
        raise PlanConflict(version)
    checkpoint("plans.submit.checked")  # concurrency tests act here, between check and commit
    new_status = workflow.transition(version.status, workflow.SUBMIT)
    digest = content_sha256(stored)
    now = utcnow()
    table = check.rate_table
    result = db.execute(update(PlanVersion)
                        .where(PlanVersion.id == version.id, PlanVersion.revision == version.revision,
                               PlanVersion.status == workflow.DRAFT)
                        .values(status=new_status, submitted_by=user.id, submitted_at=now, content_sha256=digest,
                                revision=PlanVersion.revision + 1, updated_at=now, check_ok=check.ok,
                                rate_table_id=table.id if table else None,
                                rate_table_version=table.version if table else None)
                        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.rollback()
        db.refresh(version)
        if version.status != workflow.DRAFT:
            raise PlanFrozen(version)
        raise PlanConflict(version)
    in_force = db.exec(select(PlanVersion.id).where(PlanVersion.case_id == version.case_id,
                                                    PlanVersion.status == workflow.APPROVED)).first() is not None
    # The case moves on only if it still has the status it was read with: a case closed
    # meanwhile is never reopened by a submission.
    moved = db.execute(update(Case).where(Case.id == version.case_id, Case.status == stored.case.status)
                       .values(status=workflow.case_status_after(stored.case.status, workflow.SUBMIT,
                                                                 approved_in_force=in_force), updated_at=now)
                       .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.rollback()
        db.refresh(version)
        raise PlanConflict(version)
    _add_contributor(db, version.id, user.id)
    db.flush()
    db.refresh(version)
    record(db, "plan.submit", user=user, obj=version, case_id=version.case_id,
           detail={"number": version.number, "content_sha256": digest,
                   "rate_table": f"{version.rate_table_id}/{version.rate_table_version}"})
    checkpoint("plans.submit")  # crash tests stop the process here (no-op otherwise)
    db.commit()
    return version


def comment_count(db: Session, version_id: int) -> int:
    return db.exec(select(func.count()).select_from(Comment).where(Comment.plan_version_id == version_id)).one()

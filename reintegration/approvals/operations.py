"""Approval by Hjemrejsestyrelsen: the queue, the review, the decision, and the guard that
keeps approved budget lines (and so their frozen exchange rates) from ever changing.

Reads return plain dataclasses for the views; :func:`decide` is the one write. The rules
themselves live in :func:`reintegration.domain.workflow.decision_violations`; this module
gathers the facts they need (who drafted, what the check says now, whether the content
still matches the digest fixed at submission) and records the outcome and the audit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import String, cast, event, func, literal, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import True_
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from .. import audit
from ..access import case_scope
from ..db_types import Kroner
from ..domain import workflow as wf
from ..domain.budget import ERROR, LINE_REMOVED_DISBURSED, BudgetCheck, household_caps, is_minor_on
from ..domain.planfile import parse_iso_date
from ..domain.rates import RateTables
from ..domain.violation import Violation
from ..cases.operations import REVISION_CHANGES, last_change
from ..models import (BudgetLine, Case, Comment, Decision, Disbursement, Organisation, PlanContributor, PlanVersion,
                      User)
from ..paging import Counted, Page, count_cap
from ..plans.decided import (APPROVED, REJECTED, SENT_BACK, AsApproved, DecisionTaken, as_approved, decision_followed,
                             decision_on, partner_name)
from ..plans.mapping import (StoredPlan, check_stored, content_sha256, decided_document, load_plan, paid_lines_as_paid,
                             return_basis)
from .diff import VersionDiff, diff_versions
from ..faults import checkpoint
from ..i18n import local_day
from ..locks import lock_case

ZERO = Decimal("0.00")
# The budget lines of a version with an approval decision (approved, or superseded since)
# may never change again: what was approved stays provable. The decision record is what
# freezes, so the guard asks for it rather than for the status.
APPROVED_OUTCOME = APPROVED
REMOVED_DISBURSED = LINE_REMOVED_DISBURSED


# --- what has been paid -------------------------------------------------------------


def disbursed_by_key(db: Session, case_id: int) -> dict[str, Decimal]:
    """What has been paid out on each budget line of the case, by ``line_key`` (DKK).

    Line keys are stable across versions, so this is what an amendment may not go below.
    """
    total = type_coerce(func.sum(Disbursement.amount_dkk), Kroner)
    rows = db.exec(select(Disbursement.line_key, total).where(Disbursement.case_id == case_id)
                   .group_by(Disbursement.line_key)).all()
    return {key: Decimal(amount) for key, amount in rows if amount is not None}


@dataclass(frozen=True)
class RemovedPaidLine:
    """A line the amendment drops although money was paid on it: an error, because what
    was paid stays paid (the line may be lowered to what was paid, not removed)."""

    line_key: str
    description: str | None
    paid: Decimal


@dataclass(frozen=True)
class ApprovalCheck:
    """The budget check of a version as the approver sees it: the domain check, counting
    what has been paid on each line, as the drafting check does; ``removed_paid`` lists
    its ``line.removed_disbursed`` findings, the paid lines the version removed."""

    budget: BudgetCheck
    removed_paid: tuple[RemovedPaidLine, ...]

    @property
    def ok(self) -> bool:
        return self.budget.ok

    @property
    def has_errors(self) -> bool:
        return not self.ok

    @property
    def error_rules(self) -> list[str]:
        return [f.rule for f in self.budget.findings if f.severity == ERROR]


def check_version(db: Session, stored: StoredPlan, tables: RateTables, today: date,
                  base_lines: tuple[BudgetLine, ...] = ()) -> ApprovalCheck:
    """Check ``stored`` now, counting the disbursements of its case.

    ``base_lines`` (the lines of the version it amends) name the removed lines; without
    them a removed paid line is still found, described by its key only.
    """
    paid = disbursed_by_key(db, stored.case.id)
    described = {line.line_key: line.description for line in base_lines}
    kinds = {key: kind for key, (kind, _) in paid_lines_as_paid(db, stored.case.id).items()} if paid else None
    check = check_stored(stored, tables, today, disbursed_by_key=paid, descriptions=described, kinds_by_key=kinds)
    removed = tuple(RemovedPaidLine(f.params["key"], f.params["description"], f.limit) for f in check.findings
                    if f.rule == REMOVED_DISBURSED)
    return ApprovalCheck(check, removed)


# --- the queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    version_id: int
    version_number: int
    amendment: bool
    case_id: int
    case_reference: str
    person_name: str
    country: str
    partner: str | None
    submitted_at: datetime | None
    days_waiting: int
    cash: Decimal
    in_kind: Decimal
    total: Decimal
    cash_cap: Decimal | None
    total_cap: Decimal | None

    @property
    def over_cap(self) -> bool:
        return (self.cash_cap is not None and self.cash > self.cash_cap) or (
            self.total_cap is not None and self.total > self.total_cap)


def _caps(tables: RateTables, ref: date, child_dobs: str | None) -> tuple[Decimal | None, Decimal | None]:
    table = tables.for_date(ref)
    if table is None:
        return None, None
    dobs = [parse_iso_date(text[:10]) for text in (child_dobs or "").split(",") if text]
    caps = household_caps(table, sum(1 for dob in dobs if is_minor_on(dob, ref)))
    return caps.cash, caps.total


def queue(db: Session, user, tables: RateTables, today: date, page: int = 1, page_size: int = 25,
          count_limit: int = 1000) -> Page:
    """Submitted versions, oldest first, with totals against the household caps.

    One query for the rows and one to count them. The count stops at ``count_limit``
    (or at the end of the page asked for, if that is further) and the page then says
    "more than N", as the case list does (``paging``): counting a queue of 15,000 read all of it on
    every view (issue #8: the queue's page grew with the queue, 1.44 from 1,000 to
    250,000 cases), while any queue a person works through is still counted exactly.
    The totals are the version's own (kept with its lines, migration 0006); the
    children's birth dates are a correlated subquery in the select list, so the database
    works them out only for the page's rows (after ORDER BY ... LIMIT), not for every
    plan in the system.
    """
    from ..models import Child

    cash_total = type_coerce(PlanVersion.lines_cash_ore, Kroner)
    in_kind_total = type_coerce(PlanVersion.lines_in_kind_ore, Kroner)
    dobs = (select(func.aggregate_strings(cast(Child.date_of_birth, String), ","))
            .where(Child.case_id == Case.id).scalar_subquery())
    scope = case_scope(user)
    conditions = (PlanVersion.status == wf.SUBMITTED, scope)
    page, limit = count_cap(page, page_size, count_limit)
    waiting = select(literal(1)).select_from(PlanVersion)
    if not isinstance(scope, True_):  # a scope that sees every case needs no join to count
        waiting = waiting.join(Case, Case.id == PlanVersion.case_id)
    counted = db.exec(select(func.count()).select_from(waiting.where(*conditions).limit(limit).subquery())).one()
    found = Counted(counted, limit, page_size)
    page = min(page, found.pages)
    rows = db.exec(
        select(PlanVersion.id, PlanVersion.number, PlanVersion.amends_id, PlanVersion.submitted_at,
               Case.id, Case.reference, Case.person_name, Case.return_country, Case.actual_return,
               Case.planned_return, Organisation.name, cash_total, in_kind_total, dobs)
        .join(Case, Case.id == PlanVersion.case_id)
        .outerjoin(Organisation, Organisation.id == Case.partner_id)
        .where(*conditions)
        .order_by(PlanVersion.submitted_at.asc(), PlanVersion.id.asc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    items = []
    for (version_id, number, amends_id, submitted_at, case_id, ref, name, country, actual, planned, partner,
         cash, in_kind, dobs) in rows:
        cash, in_kind = Decimal(cash or ZERO), Decimal(in_kind or ZERO)
        cash_cap, total_cap = _caps(tables, actual or planned or today, dobs)
        waited = (today - local_day(submitted_at)).days if submitted_at else 0  # days in Denmark
        items.append(QueueRow(version_id, number, amends_id is not None, case_id, ref, name, country, partner,
                              submitted_at, max(0, waited), cash, in_kind, cash + in_kind, cash_cap, total_cap))
    return found.page(items, page)


# --- the review ---------------------------------------------------------------------


def visible_version_or_none(db: Session, version_id: int, user) -> PlanVersion | None:
    """The version, if its case is one ``user`` may see (else None: the view answers 404)."""
    return db.exec(select(PlanVersion).join(Case, Case.id == PlanVersion.case_id)
                   .where(PlanVersion.id == version_id, case_scope(user))).first()


def base_version(db: Session, version: PlanVersion) -> PlanVersion | None:
    """What a version is compared with: the approved version it amends, else the version
    just before it."""
    if version.amends_id is not None:
        return db.get(PlanVersion, version.amends_id)
    return db.exec(select(PlanVersion).where(PlanVersion.case_id == version.case_id,
                                             PlanVersion.number < version.number)
                   .order_by(PlanVersion.number.desc()).limit(1)).first()


def version_lines(db: Session, version_id: int) -> tuple[BudgetLine, ...]:
    return tuple(db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version_id)
                         .order_by(BudgetLine.position, BudgetLine.id)).all())


@dataclass(frozen=True)
class Comparison:
    base: PlanVersion | None
    diff: VersionDiff | None


def compare(db: Session, version: PlanVersion, lines: tuple[BudgetLine, ...]) -> Comparison:
    """The version against its base (see :func:`base_version`)."""
    base = base_version(db, version)
    if base is None:
        return Comparison(None, None)
    return Comparison(base, diff_versions(base, version_lines(db, base.id), version, lines))


@dataclass(frozen=True)
class CommentView:
    author: str
    body: str
    created_at: datetime
    organisation: str | None = None  # the author's: CMM's risk notes read apart from the partner's


@dataclass(frozen=True)
class Review:
    stored: StoredPlan
    check: ApprovalCheck
    comparison: Comparison
    comments: list[CommentView]
    decision: Decision | None
    decider: str | None
    contributors: list[str]  # the names of ``drafter_ids``
    digest_matches: bool
    in_force: PlanVersion | None  # the approved version of the case, if another one
    drafter_ids: frozenset[int]  # who may not decide it (``drafter_ids``)
    # An approved (or since superseded) version as approved: ``check`` is its check, and
    # ``country`` and ``partner`` are as decided; None for any other version, whose check,
    # country and partner are the case's now.
    as_approved: AsApproved | None
    country: str
    partner: str | None
    paid: dict[str, Decimal]  # what has been paid on each line key of the case (``disbursed_by_key``)
    seen: Seen  # what the decision form says the page showed (``decide``)
    # For a version not decided yet, the decision that sent back or rejected the version
    # before it (``plans.decided.decision_followed``): the points it was to fix, which the
    # approver checks against what changed.
    answers: DecisionTaken | None = None


def review(db: Session, version: PlanVersion, tables: RateTables, today: date) -> Review:
    """Everything the approver reads before deciding, or reads again after.

    A version not approved is checked as it stands today, counting what has been paid;
    an approved one shows the check it was approved with (``plans.decided``), whatever
    changed on the case since."""
    stored = load_plan(db, version)
    comparison = compare(db, version, stored.lines)
    taken = decision_on(db, version)
    decision = taken.decision if taken else None
    approved = as_approved(db, decision, stored, tables)
    if approved is not None:
        check = ApprovalCheck(approved.check, ())  # approving refused any paid line removed
    else:
        base_lines = version_lines(db, comparison.base.id) if comparison.base else ()
        check = check_version(db, stored, tables, today, base_lines)
    rows = db.exec(select(Comment.id, Comment.body, Comment.created_at, User.name, Organisation.name)
                   .join(User, User.id == Comment.author_id)
                   .outerjoin(Organisation, Organisation.id == User.organisation_id)
                   .where(Comment.plan_version_id == version.id).order_by(Comment.created_at, Comment.id)).all()
    comments = [CommentView(name, body, at, organisation) for _id, body, at, name, organisation in rows]
    paid = disbursed_by_key(db, version.case_id)
    # The people the four-eyes rule bars from deciding: this version's and the earlier ones'.
    barred = drafter_ids(db, version)
    contributors = list(db.exec(select(User.name).where(User.id.in_(barred)).order_by(User.name)).all())
    in_force = db.exec(select(PlanVersion).where(PlanVersion.case_id == version.case_id,
                                                 PlanVersion.status == wf.APPROVED,
                                                 PlanVersion.id != version.id)).first()
    digest_ok = version.content_sha256 is not None and version.content_sha256 == content_sha256(stored)
    country, partner = ((approved.return_country, approved.partner_name) if approved
                        else (stored.case.return_country, partner_name(db, stored.case)))
    return Review(stored, check, comparison, comments, decision, taken.decided_by if taken else None, contributors,
                  digest_ok, in_force, frozenset(barred), approved, country, partner, paid,
                  seen_now(stored, paid, [row[0] for row in rows]),
                  decision_followed(db, version) if taken is None else None)


# --- what the approver saw ----------------------------------------------------------

# What the review page shows that can change while the version stays submitted (the
# version's own content cannot: its digest guards it), in the order the decision form
# carries them. The case's fields by their names on the case: the person's name, and
# what the rate check on the page depends on (date of birth, unaccompanied minor,
# children, return dates), the country and the partner; then what has been paid on the
# lines and the comments. Not on the page, so a change to them does not stop a decision:
# sex, nationality, reflection period, contacts, the legal hold, the case's status (a
# closed case refuses approving by itself) and an administrator renaming the partner
# organisation (the case's partner is fingerprinted by its id, not by its name).
SEEN_CASE_FIELDS = ("person_name", "person_date_of_birth", "unaccompanied_minor", "children", "return_country",
                    "partner_id", "planned_return", "actual_return")
SEEN_PARTS = SEEN_CASE_FIELDS + ("paid", "comments")
# The changes to a case the review page shows (the trail's actions): all but the legal hold.
SHOWN_CASE_CHANGES = tuple(action for action in REVISION_CHANGES if not action.startswith("case.legal_hold"))
_PART_CHARS = 12
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Seen:
    """What a review page showed of the parts that can change under a submitted version
    (``SEEN_PARTS``): a short fingerprint of each, so that a change is named by the part
    it touched. The decision form carries it as ``token``."""

    parts: tuple[str, ...]

    @property
    def token(self) -> str:
        return ".".join(self.parts)

    @classmethod
    def parse(cls, text: str | None) -> Seen | None:
        """The form's token read back; None if it is missing or not one a page gives."""
        parts = (text or "").strip().split(".")
        if len(parts) != len(SEEN_PARTS) or any(len(part) != _PART_CHARS or not set(part) <= _HEX
                                                for part in parts):
            return None
        return cls(tuple(parts))

    def changed(self, now: Seen) -> tuple[str, ...]:
        """The parts (``SEEN_PARTS``) that differ in ``now``."""
        return tuple(name for name, then, later in zip(SEEN_PARTS, self.parts, now.parts) if then != later)


def _fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str).encode("utf-8")).hexdigest()[:_PART_CHARS]


def seen_now(stored: StoredPlan, paid: dict[str, Decimal], comment_ids) -> Seen:
    """What the review page of ``stored`` shows now of ``SEEN_PARTS``: ``paid`` by line
    key (:func:`disbursed_by_key`), ``comment_ids`` the version's comments."""
    case = stored.case
    values = {name: getattr(case, name) for name in SEEN_CASE_FIELDS if name != "children"}
    values["children"] = [(child.date_of_birth, child.lives_in) for child in stored.children]
    values["paid"] = sorted((key, f"{amount:.2f}") for key, amount in paid.items())
    values["comments"] = sorted(comment_ids)
    return Seen(tuple(_fingerprint(values[name]) for name in SEEN_PARTS))


def comment_ids(db: Session, version_id: int) -> list[int]:
    return list(db.exec(select(Comment.id).where(Comment.plan_version_id == version_id)).all())


def seen_token(db: Session, version: PlanVersion) -> str:
    """What the review page of ``version`` would carry in its decision form now."""
    return seen_now(load_plan(db, version), disbursed_by_key(db, version.case_id), comment_ids(db, version.id)).token


def changes_since(db: Session, version: PlanVersion, seen: str | None) -> list[UnseenChange]:
    """What changed since the review page that carried ``seen`` (read only, nothing
    refused or recorded): for a decision form refused for its own errors, whose page comes
    back showing the case as it is now. Empty if nothing changed or ``seen`` is unreadable."""
    then = Seen.parse(seen)
    changed = then.changed(Seen.parse(seen_token(db, version))) if then is not None else ()
    return unseen_changes(db, db.get(Case, version.case_id), version, changed) if changed else []


@dataclass(frozen=True)
class UnseenChange:
    """A change the approver did not see: ``kind`` "case" (``action`` the trail's, or None
    if the trail does not say; ``fields`` the ``SEEN_CASE_FIELDS`` that differ),
    "payment" or "comment"; who made it (None if unknown) and when."""

    kind: str
    by: str | None
    at: datetime | None
    action: str | None = None
    fields: tuple[str, ...] = ()


def unseen_changes(db: Session, case: Case, version: PlanVersion, changed: tuple[str, ...]) -> list[UnseenChange]:
    """Who made the changes in ``changed`` (``Seen.changed``) and when: the case's last
    change the page shows (``cases.operations.last_change``), the case's last payment, the
    version's last comment."""
    changes = []
    fields = tuple(name for name in changed if name in SEEN_CASE_FIELDS)
    if fields:
        event = last_change(db, case, SHOWN_CASE_CHANGES)
        by, at = audit.done_by(db, event)
        changes.append(UnseenChange("case", by.name if by else None, at or case.updated_at,
                                    event.action if event else None, fields))
    if "paid" in changed:
        payment = db.exec(select(Disbursement.recorded_at, User.name).join(User, User.id == Disbursement.recorded_by)
                          .where(Disbursement.case_id == case.id).order_by(Disbursement.id.desc()).limit(1)).first()
        changes.append(UnseenChange("payment", payment[1] if payment else None, payment[0] if payment else None))
    if "comments" in changed:
        comment = db.exec(select(Comment.created_at, User.name).join(User, User.id == Comment.author_id)
                          .where(Comment.plan_version_id == version.id).order_by(Comment.id.desc()).limit(1)).first()
        changes.append(UnseenChange("comment", comment[1] if comment else None, comment[0] if comment else None))
    return changes


# --- the decision -------------------------------------------------------------------

OUTCOMES = {wf.APPROVE: APPROVED_OUTCOME, wf.SEND_BACK: SENT_BACK, wf.REJECT: REJECTED}


class DecisionRefused(Exception):
    """The decision was not taken; ``violations`` say why (codes for the web layer)."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(", ".join(v.code for v in violations))


class ChangedSinceSeen(DecisionRefused):
    """Refused as ``decision.case_changed``: the case, its payments or the version's
    comments changed after the approver's review page showed them; ``changes`` say who
    changed what, and when."""

    def __init__(self, violations: list[Violation], changes: list[UnseenChange]) -> None:
        super().__init__(violations)
        self.changes = changes


# Refusals about who decides and whether the version is still to be decided: they stand
# whatever the approver saw. The others (the budget check, the digest, a closed case)
# may follow from the change the approver did not see, so that change is said first.
BEFORE_SEEN = frozenset({"decision.unknown_action", "decision.not_submitted", "decision.wrong_organisation",
                         "decision.own_plan", "decision.wrong_role", "decision.already_decided"})


class DecidedAlready(Exception):
    """The decision form sent twice (a double click, a resend): its first send took
    exactly this decision, ``decision``. Nothing more is recorded."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.id)
        self.decision = decision


def _same_decision_sent_again(db: Session, version_id: int, user, action: str, reason: str | None) -> None:
    """:class:`DecidedAlready` if the version's decision is this user's, with this
    outcome and reason (the same form sent again); nothing otherwise."""
    taken = db.exec(select(Decision).where(Decision.plan_version_id == version_id)).first()
    if taken is not None and taken.decided_by == user.id and taken.outcome == OUTCOMES.get(action) \
            and (taken.reason or None) == reason:
        db.rollback()
        raise DecidedAlready(taken)


def drafter_ids(db: Session, version: PlanVersion) -> set[int]:
    """Everyone who drafted, edited or submitted the version or any earlier version of
    the case's plan: none of them may decide it.

    A new version starts as a copy of the one before it (or of the approved version it
    amends), so whoever wrote an earlier version wrote part of this one, even if someone
    else resubmits it unchanged. Every earlier version of the case counts, not only the
    ones this version was copied from: simple to reason about, and the stricter reading.
    """
    so_far = (PlanVersion.case_id == version.case_id, PlanVersion.number <= version.number)
    ids = set(db.exec(select(PlanContributor.user_id).where(
        PlanContributor.plan_version_id.in_(select(PlanVersion.id).where(*so_far)))).all())
    for created_by, submitted_by in db.exec(select(PlanVersion.created_by, PlanVersion.submitted_by)
                                            .where(*so_far)).all():
        ids.update(i for i in (created_by, submitted_by) if i is not None)
    return ids


def _refuse(db: Session, user, version: PlanVersion | None, action: str, violations: list[Violation],
            version_id: int, **detail) -> DecisionRefused:
    """Record the refused attempt in its own transaction, and return the exception to
    raise; ``detail`` adds to the record (no free text about the person)."""
    db.rollback()
    audit.record(db, "approval.refused", user=user, object_type="planversion", object_id=version_id,
                 case_id=version.case_id if version else None,
                 detail={"action": action, "violations": [v.code for v in violations], **detail})
    db.commit()
    return DecisionRefused(violations)


def decide(db: Session, version_id: int, user, action: str, reason: str | None, tables: RateTables,
           today: date, now: datetime | None = None, seen: str | None = None) -> Decision:
    """Approve, send back or reject a submitted version, or refuse with the reasons.

    Everything is checked again here, on the server, whatever the form showed: the
    decider's role and organisation, four eyes (no drafter, editor or submitter of this
    or any earlier version of the case's plan, see :func:`drafter_ids`), the
    status, the budget check as it stands today (counting what has been paid), and that
    the content still has the digest fixed at submission. All of it is read with the
    case locked (``locks.lock_case``), so no payment commits between the check and the
    decision; a refusal rolls back (letting the case go) before it is recorded. Exactly one decision per
    version: a second one, even at the same moment, hits the unique version id (or the
    status guard) and is refused as ``decision.already_decided``. Every decision and every
    refusal is audited.

    Approving supersedes the case's earlier approved version and freezes this one's lines
    (their exchange rates included). The case becomes "approved", or stays "in_followup"
    once the person has returned. Sending back or rejecting puts the case back to
    "preparing" unless an earlier approved version is still in force (an amendment).

    What I approve is what I saw: ``seen`` is the decision form's token of what the
    review page showed (:class:`Seen`). If the case, its payments or the version's
    comments changed since in a way the page shows, the decision is refused as
    ``decision.case_changed`` (:class:`ChangedSinceSeen`, naming who changed what); a
    token missing or not one a page gives is refused as ``decision.seen_missing``. The
    web form always sends it; None is for callers with no page (the demo data, tests of
    the rules), which are not checked so.
    """
    now = now or datetime.now(timezone.utc)
    reason = (reason or "").strip() or None
    version = db.exec(select(PlanVersion).join(Case, Case.id == PlanVersion.case_id)
                      .where(PlanVersion.id == version_id, case_scope(user))).first()
    if version is None:
        raise _refuse(db, user, None, action, [Violation("decision.not_found")], version_id)
    # The case first (``locks``), then everything the decision depends on is read afresh
    # under its lock: a payment on the case waits until the decision is committed (and is
    # then checked against it) instead of slipping in between the check and the commit.
    lock_case(db, version.case_id)
    # Then the version's row (``locks``: case first, then its versions): a comment, which
    # locks only the version, is either in what is compared with ``seen`` or refused. FOR NO
    # KEY UPDATE, as the status guard's UPDATE takes it: rows that only refer to the version
    # (a decision) are not held up by it.
    version = db.exec(select(PlanVersion).where(PlanVersion.id == version.id).with_for_update(key_share=True)
                      .execution_options(populate_existing=True)).one()
    stored = load_plan(db, version)
    base = base_version(db, version)
    check = check_version(db, stored, tables, today, version_lines(db, base.id) if base else ())
    digest = content_sha256(stored)
    organisation = db.get(Organisation, user.organisation_id)
    drafters = drafter_ids(db, version)
    checkpoint("approvals.decide.checked")  # concurrency tests act here, between check and commit
    violations = wf.decision_violations(
        decider_user_id=user.id, decider_org_kind=organisation.kind if organisation else "",
        drafter_user_ids=drafters, has_errors=check.has_errors, status=version.status,
        action=action, decider_role=user.role,
        content_changed=version.status == wf.SUBMITTED and version.content_sha256 != digest,
        reason_given=reason is not None, case_status=stored.case.status)
    _same_decision_sent_again(db, version.id, user, action, reason)
    already = db.exec(select(Decision.id).where(Decision.plan_version_id == version.id)).first()
    if already is not None:
        violations = [Violation("decision.already_decided")]
    if seen is not None and not {v.code for v in violations} & BEFORE_SEEN:
        _refuse_unseen_changes(db, user, version, stored, action, seen)
    if violations:
        raise _refuse(db, user, version, action, violations, version_id)

    table = check.budget.rate_table
    decision = Decision(plan_version_id=version.id, outcome=OUTCOMES[action], reason=reason, decided_by=user.id,
                        decided_at=now, rate_table_id=table.id if table else (version.rate_table_id or "none"),
                        rate_table_version=table.version if table else (version.rate_table_version or 0),
                        content_sha256=digest, reference_date=check.budget.reference_date,
                        plan_document=(decided_document(stored, check.budget.reference_date)
                                       if action == wf.APPROVE else None),
                        rate_table_document=((table.document or None) if table and action == wf.APPROVE
                                             else None),
                        reference_basis=return_basis(stored.case.actual_return, stored.case.planned_return),
                        return_country=stored.case.return_country,
                        partner_name=partner_name(db, stored.case),
                        **names_at_decision(db, version, user, drafters))
    try:
        db.add(decision)
        db.flush()
        # The status guard: only a version still submitted moves on.
        moved = db.exec(update(PlanVersion)
                        .where(PlanVersion.id == version.id, PlanVersion.status == wf.SUBMITTED)
                        .values(status=wf.transition(wf.SUBMITTED, action), revision=PlanVersion.revision + 1)
                        .execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            raise IntegrityError("status guard", None, Exception("version no longer submitted"))
        db.refresh(version)
        superseded = _move_case(db, stored.case, version, action)
        audit.record(db, f"approval.{OUTCOMES[action]}", user=user, obj=version, case_id=version.case_id,
                     detail={"decision": OUTCOMES[action], "content_sha256": digest,
                             "rate_table": decision.rate_table_id, "rate_table_version": decision.rate_table_version,
                             "superseded": superseded,
                             # The reason is free text about the person: it stays on the Decision
                             # row (anonymised by retention), the permanent trail gets its length.
                             "reason_chars": len(reason) if reason else 0})
        checkpoint("approvals.decide")  # crash tests stop the process here (no-op otherwise)
        db.commit()
    except IntegrityError:
        db.rollback()
        _same_decision_sent_again(db, version.id, user, action, reason)  # two sends at the same moment
        raise _refuse(db, user, version, action, [Violation("decision.already_decided")], version_id) from None
    return decision


def _refuse_unseen_changes(db: Session, user, version: PlanVersion, stored: StoredPlan, action: str,
                           seen: str) -> None:
    """Refuse (and audit) a decision taken on a page that showed something other than
    the case now (:func:`decide`); nothing if the page showed the case as it is."""
    then = Seen.parse(seen)
    if then is None:
        raise _refuse(db, user, version, action, [Violation("decision.seen_missing")], version.id)
    changed = then.changed(seen_now(stored, disbursed_by_key(db, version.case_id), comment_ids(db, version.id)))
    if changed:
        changes = unseen_changes(db, stored.case, version, changed)  # read before the refusal rolls back
        violations = [Violation("decision.case_changed", {"parts": list(changed)})]
        _refuse(db, user, version, action, violations, version.id, changed=list(changed))
        raise ChangedSinceSeen(violations, changes)


def name_order(name: str) -> tuple[str, str]:
    """How the drafters' names are listed: alphabetically, whatever the case of a letter
    (migration 0018 sorts the names it fills in the same way)."""
    return name.casefold(), name


def names_at_decision(db: Session, version: PlanVersion, decider, drafters: set[int]) -> dict[str, str | None]:
    """The ``Decision`` fields naming the people as they are called at the decision
    (migration 0018): who decides, who submitted the version, who drafted it (``drafters``,
    the people the four-eyes rule bars: a JSON list, alphabetical) and who wrote each of
    its comments, all read by the approver before deciding (comments on a decided version
    are refused): a JSON object, comment id to name. The approval package names them so,
    whatever an account is renamed to later."""
    comments = db.exec(select(Comment.id, Comment.author_id).where(Comment.plan_version_id == version.id)).all()
    ids = set(drafters) | {author for _id, author in comments} | (
        {version.submitted_by} if version.submitted_by is not None else set())
    names = dict(db.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return {
        "decided_by_name": decider.name,
        "submitted_by_name": names.get(version.submitted_by) if version.submitted_by is not None else None,
        "drafter_names": json.dumps(sorted((names[i] for i in drafters if i in names), key=name_order),
                                    ensure_ascii=False),
        "comment_author_names": json.dumps({str(comment_id): names[author] for comment_id, author in comments
                                            if author in names}, ensure_ascii=False, sort_keys=True),
    }


def _move_case(db: Session, case: Case, version: PlanVersion, action: str) -> list[int]:
    """The case's status after the decision; returns the ids of superseded versions."""
    others = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == wf.APPROVED,
                                               PlanVersion.id != version.id)).all()
    superseded = []
    if action == wf.APPROVE:
        for other in others:
            other.status = wf.transition(other.status, wf.SUPERSEDE)
            other.revision += 1
            db.add(other)
            superseded.append(other.id)
    case.status = wf.case_status_after(case.status, action, approved_in_force=bool(others))
    case.updated_at = datetime.now(timezone.utc)
    case.revision += 1
    db.add(case)
    return superseded


# --- approved lines never change ----------------------------------------------------


class FrozenVersionError(Exception):
    """An attempt to change a budget line of a version that was approved (it may be
    superseded since)."""

    def __init__(self, version_ids: set[int]) -> None:
        self.version_ids = sorted(version_ids)
        super().__init__(f"budget lines of decided versions {self.version_ids} cannot change")


ALLOW_FROZEN_CHANGE = "allow_frozen_change"
"""``session.info[ALLOW_FROZEN_CHANGE] = True`` lets one session change frozen lines: only
for anonymisation under the retention rules, which must blank descriptions of old plans."""


def _frozen_ids(session: OrmSession, version_ids: set[int]) -> set[int]:
    if not version_ids:
        return set()
    with session.no_autoflush:
        return set(session.execute(select(Decision.plan_version_id)
                                   .where(Decision.plan_version_id.in_(version_ids),
                                          Decision.outcome == APPROVED_OUTCOME)).scalars())


def _guard_flush(session: OrmSession, _context, _instances) -> None:
    if session.info.get(ALLOW_FROZEN_CHANGE):
        return
    touched = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, BudgetLine) and (obj in session.new or obj in session.deleted
                                            or session.is_modified(obj, include_collections=False)):
            touched.add(obj.plan_version_id)
    frozen = _frozen_ids(session, {i for i in touched if i is not None})
    if frozen:
        raise FrozenVersionError(frozen)


def _guard_bulk(state) -> None:
    """Bulk ``UPDATE``/``DELETE`` of budget lines: refused if any targeted row is frozen."""
    if not (state.is_update or state.is_delete) or state.session.info.get(ALLOW_FROZEN_CHANGE):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not BudgetLine:
        return
    query = select(BudgetLine.plan_version_id).join(Decision, Decision.plan_version_id == BudgetLine.plan_version_id) \
        .where(Decision.outcome == APPROVED_OUTCOME)
    if state.statement.whereclause is not None:
        query = query.where(state.statement.whereclause)
    frozen = set(state.session.execute(query).scalars())
    if frozen:
        raise FrozenVersionError(frozen)


def install_frozen_guard() -> None:
    """Refuse, in every session, any change to the lines of an approved version."""
    if not event.contains(OrmSession, "before_flush", _guard_flush):
        event.listen(OrmSession, "before_flush", _guard_flush)
        event.listen(OrmSession, "do_orm_execute", _guard_bulk)


def record_frozen_attempt(db: Session, user, error: FrozenVersionError) -> None:
    """Audit a refused change to an approved version, in a fresh transaction."""
    db.rollback()
    versions = db.exec(select(PlanVersion).where(PlanVersion.id.in_(error.version_ids))).all()
    for version in versions:
        audit.record(db, "plan.frozen_change_refused", user=user, obj=version, case_id=version.case_id,
                     detail={"status": version.status})
    db.commit()


install_frozen_guard()

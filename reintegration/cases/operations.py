"""Writes on cases: create one with a fresh reference, and edit one safely.

Each operation adds its audit event to the same transaction and commits, so a case
and the record of who changed it are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import audit
from ..audit import record, record_for_cases
from ..domain.rates import RateTables
from ..i18n import local_today
from ..faults import checkpoint
from ..models import AuditEvent, Case, Child, User
from ..models._common import utcnow
from ..plans.operations import recheck_open_versions

REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class ChildInput:
    first_name: str | None
    date_of_birth: date
    lives_in: str  # denmark | home_country


@dataclass(frozen=True)
class CaseInput:
    person_name: str
    person_date_of_birth: date
    person_sex: str | None
    nationality: str | None
    unaccompanied_minor: bool
    return_country: str
    partner_id: int | None
    cmm_contact_id: int | None
    caseworker_id: int | None
    reflection_start: date | None
    reflection_end: date | None
    planned_return: date | None
    children: tuple[ChildInput, ...] = ()

    def case_values(self) -> dict:
        values = asdict(self)
        values.pop("children")
        return values


class AlreadyCreated(Exception):
    """The new-case form that sent this token created a case already (a double click, a
    resend); ``case`` is that case. Nothing more was created."""

    def __init__(self, case: Case):
        super().__init__(f"case {case.reference} was created by this form")
        self.case = case


class CaseConflict(Exception):
    """Someone saved the case after the editor loaded it; nothing was written."""


def next_reference(db: Session, year: int) -> str:
    """The next free reference of the year, ``RT-2026-0001`` onwards."""
    prefix = f"RT-{year}-"
    last = db.exec(select(Case.reference).where(Case.reference.startswith(prefix))
                   .order_by(func.length(Case.reference).desc(), Case.reference.desc()).limit(1)).first()
    number = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{number:04d}"


def create_case(db: Session, data: CaseInput, *, user: User, today: date | None = None,
                token: str | None = None) -> Case:
    """Store a new case with its children and return it.

    The reference is the year's next number. Two caseworkers creating a case at the same
    moment may pick the same one; the unique constraint refuses the second, which then
    takes the following number. ``token`` is the form's one-time token: if a case was
    created with it already, :class:`AlreadyCreated` names that case and nothing is added
    (the unique constraint decides between two sends at the same moment).
    """
    year = (today or local_today()).year  # the year in Denmark: a case made at 00:30 on 1 January is of the new year
    for _attempt in range(REFERENCE_ATTEMPTS):
        _refuse_used_token(db, token)
        values = data.case_values()
        values["caseworker_id"] = values["caseworker_id"] or user.id
        case = Case(reference=next_reference(db, year), status="preparing", request_token=token, **values)
        db.add(case)
        try:
            db.flush()
        except IntegrityError:  # the reference taken meanwhile, or the token
            db.rollback()
            continue
        _add_children(db, case.id, data.children)
        record(db, "case.create", user=user, obj=case, case_id=case.id, detail={"reference": case.reference})
        checkpoint("cases.create")
        db.commit()
        return case
    raise RuntimeError("no free case reference after several attempts")


def _refuse_used_token(db: Session, token: str | None) -> None:
    if token:
        done = db.exec(select(Case).where(Case.request_token == token)).first()
        if done is not None:
            db.rollback()
            raise AlreadyCreated(done)


def update_case(db: Session, case: Case, seen_revision: int, data: CaseInput, *, user: User, tables: RateTables,
                today: date) -> Case:
    """Save an edit made from ``seen_revision``. If the case has been saved since,
    raise :class:`CaseConflict` and change nothing.

    The children, the return dates and the unaccompanied-minor flag decide the caps, so
    the case's open plan versions are checked again (against ``tables`` on ``today``)
    and their stored result saved with the edit."""
    old = {key: getattr(case, key) for key in data.case_values()}
    old_children = _children_tuple(db, case.id)
    result = db.execute(
        update(Case).where(Case.id == case.id, Case.revision == seen_revision)
        .values(**data.case_values(), revision=Case.revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.rollback()
        db.refresh(case)
        if _saved_already(db, case, seen_revision, data, user):
            return case  # the same form sent twice (a double click): its first send saved exactly this
        raise CaseConflict()
    db.execute(delete(Child).where(Child.case_id == case.id))
    _add_children(db, case.id, data.children)
    db.refresh(case)  # the check reads the case as edited
    recheck_open_versions(db, case.id, tables, today)
    changed = sorted(key for key, value in data.case_values().items() if old[key] != value)
    if old_children != data.children:
        changed.append("children")
    record(db, "case.update", user=user, obj=case, case_id=case.id,
           detail={"fields": changed, "revision": seen_revision + 1})
    checkpoint("cases.update")
    db.commit()
    db.refresh(case)
    return case


def _saved_already(db: Session, case: Case, seen_revision: int, data: CaseInput, user: User) -> bool:
    """Whether an edit refused as a conflict is the resend of a save that went through:
    the case is one revision past the form's, that revision was this user's edit, and
    the case holds exactly the values and children the form sends. Anything else (a
    change since, someone else's save) stays a conflict."""
    if case.revision != seen_revision + 1 or audit.saved_revision(db, "case.update", case, user) != case.revision:
        return False
    return (all(getattr(case, key) == value for key, value in data.case_values().items())
            and _children_tuple(db, case.id) == tuple(data.children))


# What moves a case's revision (so makes an open edit form stale), as the trail names it.
REVISION_CHANGES = ("case.create", "case.update", "followup.return_recorded", "case.legal_hold_set",
                    "case.legal_hold_lifted", "followup.case_closed", "followup.period_closed",
                    "retention.anonymise")


def last_change(db: Session, case: Case, actions: Iterable[str] = REVISION_CHANGES):
    """The audit event of the case's last change that moved its revision (an edit, the
    return date, a legal hold, its closure, its anonymisation), for the conflict page;
    None if none.
    ``actions`` narrows the changes looked at (the approval's conflict page leaves out
    the legal hold, which its page does not show). Each of them is recorded with the
    case's id, so the trail is searched by its index on ``case_id``, not through every
    edit of every case."""
    return db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                            AuditEvent.action.in_(tuple(actions)))
                   .order_by(AuditEvent.id.desc()).limit(1)).first()


def record_read(db: Session, case: Case, *, user: User) -> None:
    """Log that ``user`` opened the case (special-category data: every read is logged)."""
    record(db, "case.read", user=user, obj=case, case_id=case.id)
    db.commit()


def record_list_read(db: Session, *, user: User, page: str, case_ids: Iterable[int], searched: bool = False) -> None:
    """Log that ``user`` saw a list naming these cases' people (a search too): every read
    of a person's data is logged, and a list shows their names. One event naming the
    cases, linked to each so the trail's case filter finds it under every case shown
    (``audit.record_for_cases``). Ids only, never the search text (the trail keeps no
    free text about a person)."""
    record_for_cases(db, "case_list.read", case_ids, user=user, detail={"page": page, "searched": searched})
    db.commit()


def _add_children(db: Session, case_id: int, children: tuple[ChildInput, ...]) -> None:
    for position, child in enumerate(children):
        db.add(Child(case_id=case_id, position=position, first_name=child.first_name,
                     date_of_birth=child.date_of_birth, lives_in=child.lives_in))
    db.flush()


def _children_tuple(db: Session, case_id: int) -> tuple[ChildInput, ...]:
    rows = db.exec(select(Child).where(Child.case_id == case_id).order_by(Child.position, Child.id)).all()
    return tuple(ChildInput(first_name=c.first_name, date_of_birth=c.date_of_birth, lives_in=c.lives_in) for c in rows)

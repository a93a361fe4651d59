"""Reads for the case pages. Every query on cases goes through ``case_scope``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache

from sqlalchemy import and_, bindparam, func, literal, or_, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..access import case_scope, scope_for, scope_key
from ..domain import workflow as wf
from ..domain.budget import is_minor_on
from ..domain.money import from_ore
from ..i18n import gettext as _
from ..models import Case, Child, Organisation, PlanVersion, User
from ..models.cases import CASE_STATUSES
from ..models.organisations import ACTIVE, INACTIVE, PARTNER, PROSPECTIVE
from ..paging import Counted, Page, count_cap
from ..partners import countries_without_active_partner
from .countries import country_choices, country_name

# What needs attention first, per role. The caseworker first sees the cases whose plans
# ask something of them (``Case.plan_attention``, kept by database triggers: migration
# 0002), then each role its case statuses in order; the rest come last.
SENT_BACK = "sent_back"
DRAFT_ERRORS = "draft_errors"
ATTENTION_ORDER = {
    "caseworker": ((SENT_BACK, DRAFT_ERRORS), ("preparing", "approved", "in_followup", "awaiting_approval")),
    "approver": ((), ("awaiting_approval", "approved", "in_followup", "preparing")),
    "cmm": ((), ("preparing", "in_followup", "awaiting_approval", "approved")),
}
OTHER_ROLES = ((), ("in_followup", "approved", "preparing", "awaiting_approval"))


def attention_buckets(role: str) -> list[tuple[str | None, object]]:
    """The attention order for ``role`` as disjoint buckets ``(key, condition)``, most
    urgent first: a plan key (SENT_BACK, DRAFT_ERRORS), then a case status each, then
    the rest (key ``None``). Within a bucket the order is newest change first. Every
    condition is an equality on indexed case columns, so each bucket is read as one
    index range scan with LIMIT (``ix_case_status_plan_attention_updated_at_id``,
    ``ix_case_plan_attention_updated_at_id``, ``ix_case_status_updated_at_id``)
    instead of ranking every matching case."""
    plan_keys, statuses = ATTENTION_ORDER.get(role, OTHER_ROLES)
    buckets: list[tuple[str | None, object]] = [(key, Case.plan_attention == key) for key in plan_keys]
    calm = (Case.plan_attention.is_(None),) if plan_keys else ()
    buckets += [(status, and_(Case.status == status, *calm)) for status in statuses]
    buckets.append((None, and_(Case.status.notin_(statuses), *calm)))
    return buckets


@dataclass(frozen=True)
class CaseRow:
    case: Case
    partner_name: str | None
    attention: str | None  # SENT_BACK, DRAFT_ERRORS, or None


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    country: str = ""
    partner: int | None = None


TRIGRAM = 3  # pg_trgm indexes text in runs of three characters


def text_matches(q: str):
    """Cases whose reference or name contains ``q``, whatever the letter case.

    On PostgreSQL a term of three characters or more is found through the trigram
    indexes (migration 0003) with ILIKE. A shorter term has no trigram to look up, and
    PostgreSQL would walk the whole trigram index for it; it is matched on ``lower(...)``
    instead, which no trigram index serves, so the list walks its ordered index until
    the page is full (a short term matches many cases). Both ways find the same cases;
    % _ and / are plain text."""
    if len(q) >= TRIGRAM:
        return or_(Case.reference.icontains(q, autoescape=True), Case.person_name.icontains(q, autoescape=True))
    term = q.lower()
    return or_(func.lower(Case.reference).contains(term, autoescape=True),
               func.lower(Case.person_name).contains(term, autoescape=True))


FEW_MATCHES = 100  # a search this narrow is read once, by id, rather than once per bucket


def _searched(db: Session, user: User, q: str):
    """The condition for the search ``q``. A term that a few cases match (looking one
    case up by its reference or name, the usual search) is looked up once in the trigram
    indexes and the buckets then read those cases by id, instead of each bucket asking
    the indexes again; a term that many cases match stays a condition, which the
    buckets' ordered indexes serve with LIMIT."""
    matches = text_matches(q)
    if len(q) < TRIGRAM:
        return matches
    if db.get_bind().dialect.name == "postgresql":
        # Plan each search statement for its own term, even once psycopg has prepared it:
        # one generic plan cannot suit both a rare term (the trigram index) and a common
        # one (the ordered index, cut by LIMIT). For this transaction only.
        db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    few = db.exec(select(Case.id).where(case_scope(user), matches).limit(FEW_MATCHES + 1)).all()
    return Case.id.in_(few) if len(few) <= FEW_MATCHES else matches


def case_list(db: Session, user: User, filters: CaseFilters, number: int, size: int,
              count_limit: int) -> Page:
    """One page of the cases ``user`` may see, most in need of attention first.

    Matches are counted exactly up to ``count_limit`` (or to the end of the page asked
    for, if that is further); beyond it the page says "more than N". So the cost of a
    page does not grow with the number of cases (issue #8: 1,000 or 250,000 cases),
    while any caseload a person can page through is still counted exactly. Each
    attention bucket is counted and read with LIMIT along an index; no query per row.
    """
    conditions = [case_scope(user)]
    if filters.q:
        conditions.append(_searched(db, user, filters.q))
    if filters.status:
        conditions.append(Case.status == filters.status)
    if filters.country:
        conditions.append(Case.return_country == filters.country)
    if filters.partner:
        conditions.append(Case.partner_id == filters.partner)

    number, limit = count_cap(number, size, count_limit)
    buckets = attention_buckets(user.role)
    sizes, counted = [], 0
    for key, cond in buckets:
        if counted >= limit or (filters.status and key in CASE_STATUSES and key != filters.status):
            sizes.append(0)  # counted enough, or a bucket of another status than the filter's
            continue
        matching = select(literal(1)).select_from(Case).where(*conditions, cond).limit(limit - counted).subquery()
        n = db.exec(select(func.count()).select_from(matching)).one()
        sizes.append(n)
        counted += n
    found = Counted(counted, limit, size)
    number = min(number, found.pages)

    # Walk the buckets in order; only the (at most two or three) buckets the page
    # overlaps are read, each ordered by an index and cut by LIMIT.
    skip, wanted, items = (number - 1) * size, size, []
    for (key, cond), bucket_size in zip(buckets, sizes):
        if wanted <= 0:
            break
        if skip >= bucket_size:
            skip -= bucket_size
            continue
        statement = (select(Case, Organisation.name)
                     .outerjoin(Organisation, Organisation.id == Case.partner_id)
                     .where(*conditions, cond)
                     .order_by(Case.updated_at.desc(), Case.id.desc())
                     .offset(skip).limit(wanted))
        rows = db.exec(statement).all()
        shown = key if key in (SENT_BACK, DRAFT_ERRORS) else None
        items.extend(CaseRow(case, partner_name, shown) for case, partner_name in rows)
        wanted -= len(rows)
        skip = 0
    return found.page(items, number)


def filter_choices(db: Session, user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The country and partner choices of the list filters, from the small
    organisation registry (never a scan of the case table): the partner
    organisations the user can meet on their cases (a partner officer: their own)
    and the countries those partners work in."""
    statement = select(Organisation.id, Organisation.name, Organisation.country).where(Organisation.kind == PARTNER)
    if user.role == "partner":
        statement = statement.where(Organisation.id == user.organisation_id)
    partners = db.exec(statement.order_by(Organisation.name, Organisation.id)).all()
    names = dict(country_choices())
    countries = {country for _pid, _name, country in partners if country}
    return (sorted(((c, names.get(c, c)) for c in countries), key=lambda pair: pair[1]),
            [(str(pid), name) for pid, name, _country in partners])


def fill_choices(db: Session, form, case: Case | None = None) -> None:
    """Set the case form's partner and people choices from the registry and accounts:
    the active and prospective partners and the active people, and for an existing
    ``case`` also those it has now, marked inactive if they are. A choice the form does
    not offer would be saved as "none": a partner set inactive, or a CMM contact who
    left, would silently drop off the case when anything else on it is corrected."""
    partners = list(db.exec(select(Organisation).where(Organisation.kind == PARTNER,
                                                       Organisation.status.in_((ACTIVE, PROSPECTIVE)))
                            .order_by(Organisation.country, Organisation.name)).all())
    if case is not None and case.partner_id and all(p.id != case.partner_id for p in partners):
        current = db.get(Organisation, case.partner_id)
        if current is not None:
            partners.insert(0, current)
    form.partner_id.choices = [("", _("No partner yet"))] + [(str(p.id), partner_label(p)) for p in partners]
    form.partner_countries = {str(p.id): p.country for p in partners}
    form.cmm_contact_id.choices = [("", _("None yet"))] + _people(db, "cmm", case.cmm_contact_id if case else None)
    form.caseworker_id.choices = [("", _("Choose a caseworker"))] + _people(db, "caseworker",
                                                                            case.caseworker_id if case else None)
    flagged = countries_without_active_partner(db, [code for code, _name in country_choices()])
    form.return_country.choices = [("", _("Choose a country"))] + [
        (code, _("%(country)s (no active partner)", country=name) if code in flagged else name)
        for code, name in country_choices()]
    form.countries_without_partner = flagged


def partner_label(partner: Organisation) -> str:
    label = f"{partner.name} – {country_name(partner.country)}"
    if partner.status == PROSPECTIVE:
        label += " " + _("(prospective)")
    elif partner.status != ACTIVE or not partner.is_partner:
        label += " " + _("(inactive)")
    return label


def _people(db: Session, role: str, current: int | None = None) -> list[tuple[str, str]]:
    """The active users of ``role``, and the ``current`` one first if not among them:
    marked inactive, or no longer in the role (an account moved to another role keeps its
    id on the case until someone chooses another)."""
    rows = db.exec(select(User.id, User.name).where(User.role == role, User.active == True)  # noqa: E712
                   .order_by(User.name)).all()
    people = [(str(uid), name) for uid, name in rows]
    if current is not None and all(uid != current for uid, _name in rows):
        user = db.get(User, current)
        if user is not None:
            mark = _("(inactive)") if not user.active else _("(no longer in this role)")
            people.insert(0, (str(user.id), f"{user.name} {mark}"))
    return people


def submitted_version(db: Session, case_id: int) -> int | None:
    """The number of the case's plan version awaiting a decision, if one does. It was
    submitted with the case's dates and children as they were: changing them changes
    what the approver would approve, so the approver must send it back."""
    return db.exec(select(PlanVersion.number).where(PlanVersion.case_id == case_id,
                                                    PlanVersion.status == wf.SUBMITTED)).first()


def children_of(db: Session, case_id: int) -> list[Child]:
    return list(db.exec(select(Child).where(Child.case_id == case_id).order_by(Child.position, Child.id)).all())


@dataclass(frozen=True)
class ChildRow:
    child: Child
    age: int
    minor: bool


def child_rows(children: list[Child], on: date) -> list[ChildRow]:
    """Each child with their age on ``on`` (the reference date of the plan)."""
    return [ChildRow(c, _age(c.date_of_birth, on), is_minor_on(c.date_of_birth, on)) for c in children]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A plan version as the case page lists it."""

    id: int
    number: int
    status: str
    check_ok: bool | None
    cash: Decimal
    in_kind: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.in_kind


def plan_rows(db: Session, case_id: int) -> list[PlanRow]:
    """The case's plan versions with their cash and in-kind totals (each version keeps
    its lines' totals, migration 0006), in one query of plain rows."""
    rows = db.connection().execute(_plan_rows_statement(), {"case_id": case_id}).all()
    return [PlanRow(vid, number, status, ok, from_ore(cash), from_ore(in_kind))
            for vid, number, status, ok, cash, in_kind in rows]


@cache
def _plan_rows_statement():
    # Built once, the case a parameter: SQLAlchemy walks a new statement object for its
    # cache key on every execution.
    return (select(PlanVersion.id, PlanVersion.number, PlanVersion.status, PlanVersion.check_ok,
                   PlanVersion.lines_cash_ore, PlanVersion.lines_in_kind_ore)
            .where(PlanVersion.case_id == bindparam("case_id")).order_by(PlanVersion.number))


@dataclass(frozen=True)
class CaseFacts:
    """What the case page shows beside the case's own columns, read with it."""

    partner_name: str | None
    cmm_contact_name: str | None
    caseworker_name: str | None
    country_has_active_partner: bool
    children: tuple[Child, ...] = ()
    partner_inactive: bool = False  # the case's own partner organisation is set inactive


def case_with_facts(db: Session, case_id: int, user) -> tuple[Case, CaseFacts] | None:
    """The case ``user`` may see, with the names of its partner organisation and people,
    whether its country of return has an active partner, and its children (in
    ``children_of``'s order): one query, a row per child (``None`` when the case does not
    exist or is not the user's to see)."""
    rows = db.exec(_case_facts_statement(*scope_key(user)), params={"case_id": case_id}).all()
    if not rows:
        return None
    found, partner_name, cmm_name, caseworker_name, has_active, partner_status, _child = rows[0]
    children = tuple(row[-1] for row in rows if row[-1] is not None)
    return found, CaseFacts(partner_name, cmm_name, caseworker_name, bool(has_active), children,
                            partner_inactive=partner_status == INACTIVE)


@lru_cache(maxsize=1024)
def _case_facts_statement(role: str | None, organisation_id: int | None):
    # One statement per scope key, kept: SQLAlchemy derives a statement's cache key by
    # walking it (aliases, the subquery, every column of the case) once per statement
    # *object*, so a statement made for each request cost the case page more than running
    # it did (issue #8). The case comes as a parameter.
    return _case_facts_base().where(Case.id == bindparam("case_id"), scope_for(role, organisation_id))


@cache
def _case_facts_base():
    # The children come in the same statement, joined: a case has a handful at most, and
    # a second query cost the case page a round trip and an ORM execution (issue #8).
    partner, cmm, caseworker, active = (aliased(Organisation), aliased(User), aliased(User),
                                        aliased(Organisation))
    has_partner = (select(active.id).where(active.kind == PARTNER, active.status == ACTIVE,
                                           active.country == Case.return_country).exists())
    return (select(Case, partner.name, cmm.name, caseworker.name, has_partner, partner.status, Child)
            .outerjoin(partner, partner.id == Case.partner_id)
            .outerjoin(cmm, cmm.id == Case.cmm_contact_id)
            .outerjoin(caseworker, caseworker.id == Case.caseworker_id)
            .outerjoin(Child, Child.case_id == Case.id)
            .order_by(Child.position, Child.id))


def without_active_partner(db: Session, country: str) -> bool:
    return bool(countries_without_active_partner(db, [country]))


"""The partner portal's three lists, each one statement that reads an index in order
with a LIMIT, so a page costs the same whatever the number of cases (issue #8).

Each statement is made once per organisation and kept: SQLAlchemy derives a statement's
cache key by walking it once per statement *object*, which cost more than running it
(as ``cases.queries._case_facts_statement``). The page comes as parameters: ``offset``,
``limit`` and, for the open cases, ``upto`` (= offset + limit). The case lists carry
the partner's case scope (``access.scope_for``) as every list does; the due reports are
checked against it in Python (:func:`only_own`)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, union_all
from sqlmodel import select

from ..access import scope_for
from ..domain import workflow as wf
from ..models import Case, FollowUpReport

# Open cases: those in follow-up first, then those approved and waiting for the return.
OPEN_STATUSES = (wf.IN_FOLLOWUP, wf.CASE_APPROVED)
# Cases in preparation: the plan is being drafted, then awaits Hjemrejsestyrelsen.
PREPARING_STATUSES = (wf.PREPARING, wf.AWAITING_APPROVAL)


def page_params(number: int, size: int) -> dict[str, int]:
    """The parameters of page ``number`` (from 1) of ``size`` rows, one more read to know
    whether a next page exists (a statement ignores those it does not name)."""
    offset = (number - 1) * size
    return {"offset": offset, "limit": size + 1, "upto": offset + size + 1}


@lru_cache(maxsize=1024)
def due_reports(organisation_id: int):
    """The partner's due reports of cases not closed, by due date, with their case:
    ``ix_followupreport_partner_id_status_due_date_id`` (migration 0007) in order.

    Chosen by the report's partner, which the database keeps equal to its case's; the
    case's own partner is checked by :func:`only_own`, not here: PostgreSQL takes the
    two conditions for independent, expects a fraction of the rows and plans a parallel
    scan that costs 15 times the page (6.4 ms against 0.44 ms at 250,000 cases)."""
    return (select(FollowUpReport, Case).join(Case, Case.id == FollowUpReport.case_id)
            .where(FollowUpReport.partner_id == organisation_id, FollowUpReport.status == "due",
                   Case.status != wf.CLOSED)
            .order_by(FollowUpReport.due_date, FollowUpReport.id)
            .offset(bindparam("offset")).limit(bindparam("limit")))


def only_own(rows: list, organisation_id: int) -> list:
    """The rows of :func:`due_reports` whose case is the partner's: all of them, as long
    as the database keeps each report's partner (migration 0007's triggers). Were one
    ever wrong, another partner's case is left out rather than shown."""
    return [(report, case) for report, case in rows if case.partner_id == organisation_id]


@lru_cache(maxsize=1024)
def open_cases(organisation_id: int):
    """The partner's open cases, in follow-up before approved, newest first.

    One ordered range of ``ix_case_partner_id_status_id`` per status, each cut at the
    rows a page can need, and ordered again outside: the same rows in the same order as
    ``status IN (...) ORDER BY status DESC, id DESC``, which PostgreSQL reads by walking
    the index backward from the partner's last status and dropping every case still in
    preparation on the way (1,495 of them for the bench partner at 250,000 cases)."""
    return _newest_in(organisation_id, OPEN_STATUSES)


@lru_cache(maxsize=1024)
def preparing_cases(organisation_id: int):
    """The partner's cases whose plan is being drafted or awaits approval (the partner
    co-drafts it), being drafted before awaiting approval, newest first; read as
    :func:`open_cases` is, one range of the index per status."""
    return _newest_in(organisation_id, PREPARING_STATUSES)


def _newest_in(organisation_id: int, statuses: tuple[str, ...]):
    """The partner's cases in ``statuses`` (listed in descending order), by status
    descending, newest first, one page (``offset``, ``limit``, ``upto``)."""
    assert list(statuses) == sorted(statuses, reverse=True), "the outer order must match the statuses' order"
    upto = bindparam("upto")
    newest = []
    for status in statuses:
        part = (select(Case.id).where(Case.partner_id == organisation_id, Case.status == status)
                .order_by(Case.id.desc()).limit(upto).subquery())
        newest.append(select(part.c.id))
    wanted = union_all(*newest).subquery()
    return (select(Case).join(wanted, wanted.c.id == Case.id)
            .where(scope_for("partner", organisation_id))
            .order_by(Case.status.desc(), Case.id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


@lru_cache(maxsize=1024)
def closed_cases(organisation_id: int):
    """The partner's closed cases, newest first (reference only)."""
    return (select(Case.id, Case.reference).where(scope_for("partner", organisation_id), Case.status == wf.CLOSED)
            .order_by(Case.id.desc()).offset(bindparam("offset")).limit(bindparam("limit")))

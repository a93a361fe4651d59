"""Reading the reintegration year: the version in force, money per line, the report
timeline, overdue reports and open alerts, for one case or across the visible cases.

Queries are batched per list (not per case), so the overview stays a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BigInteger, and_, case as when, false, func, literal, null, or_, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..access import case_scope
from ..approvals.operations import APPROVED_OUTCOME
from ..domain import workflow as wf
from ..domain.followup import (DUE, OVERDUE, add_months, last_day_in_time, month_of, period_end, planned_so_far,
                               report_state, spending_position)
from ..domain.rates import RateTable
from ..i18n import local_day
from ..models import (Attachment, BudgetLine, Case, Decision, Disbursement, FollowUpReport, Organisation, PlanVersion,
                      RiskAlert, RiskAlertNote, User)
from ..models.organisations import INACTIVE
from ..paging import Counted, Page, count_cap, read_page

ZERO = Decimal("0.00")


def rate_table_for(day: date | None) -> RateTable | None:
    """The rate table (with the programme settings) valid on ``day``."""
    if day is None:
        return None
    return current_app.extensions["rate_tables"].for_date(day)


def versions_in_force(db: Session, case_ids) -> dict[int, PlanVersion]:
    """The version in force per case: its latest approved version."""
    found: dict[int, PlanVersion] = {}
    if not case_ids:
        return found
    rows = db.exec(select(PlanVersion).where(PlanVersion.case_id.in_(list(case_ids)),
                                             PlanVersion.status == wf.APPROVED)
                   .order_by(PlanVersion.case_id, PlanVersion.number)).all()
    for version in rows:
        found[version.case_id] = version  # the highest number wins
    return found


def version_in_force(db: Session, case_id: int) -> PlanVersion | None:
    return versions_in_force(db, [case_id]).get(case_id)


def lines_of(db: Session, version_ids) -> dict[int, list[BudgetLine]]:
    by_version: dict[int, list[BudgetLine]] = defaultdict(list)
    if version_ids:
        for line in db.exec(select(BudgetLine).where(BudgetLine.plan_version_id.in_(list(version_ids)))
                            .order_by(BudgetLine.position, BudgetLine.id)).all():
            by_version[line.plan_version_id].append(line)
    return by_version


def disbursed_by_case_and_key(db: Session, case_ids) -> dict[int, dict[str, Decimal]]:
    """What has been paid out, per case and budget line key (across all versions)."""
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if case_ids:
        rows = db.exec(select(Disbursement.case_id, Disbursement.line_key, Disbursement.amount_dkk)
                       .where(Disbursement.case_id.in_(list(case_ids)))).all()
        for case_id, key, amount in rows:
            result[case_id][key] = result[case_id].get(key, ZERO) + amount
    return result


def disbursed_on_line(db: Session, case_id: int, line_key: str) -> Decimal:
    amounts = db.exec(select(Disbursement.amount_dkk).where(Disbursement.case_id == case_id,
                                                            Disbursement.line_key == line_key)).all()
    return sum(amounts, ZERO)


def paid_at_rate(db: Session, case_id: int, line_key: str, exchange_rate: Decimal) -> tuple[Decimal, Decimal]:
    """What the line's payments in local currency at ``exchange_rate`` came to: local and
    DKK (for ``domain.followup.instalment_dkk``). Summed here: local amounts and rates are
    stored as exact text (``db_types.ExactDecimal``), and a line has a few payments."""
    rows = db.exec(select(Disbursement.amount_local, Disbursement.exchange_rate, Disbursement.amount_dkk)
                   .where(Disbursement.case_id == case_id, Disbursement.line_key == line_key,
                          Disbursement.amount_local.is_not(None))).all()
    at_rate = [(local, dkk) for local, rate, dkk in rows if rate == exchange_rate]
    return sum((local for local, _dkk in at_rate), ZERO), sum((dkk for _local, dkk in at_rate), ZERO)


@dataclass
class ReportRow:
    report: FollowUpReport
    state: str  # domain.followup.report_state: submitted | overdue | due | not_required (a closed case)
    overdue: bool
    # The day its case was closed, for a report not required: in Danish time, or in the
    # partner's zone on the partner's pages (:func:`case_rows`).
    closed_on: date | None = None
    # For a report still due whose due date has passed (the grace period): the last day it
    # is in time (``domain.followup.last_day_in_time``), so that "due 28 Nov" read on
    # 6 Dec says until when, and does not read as overdue.
    send_by: date | None = None

    @property
    def to_send(self) -> bool:
        """Whether the report is still asked for: due or overdue."""
        return self.state in (DUE, OVERDUE)


@dataclass
class LineRow:
    line: BudgetLine
    disbursed: Decimal
    remaining: Decimal
    exceeded: bool


@dataclass
class CaseYear:
    """Everything the follow-up pages show about one case's year."""

    case: Case
    table: RateTable | None
    version: PlanVersion | None
    lines: list[LineRow] = field(default_factory=list)
    reports: list[ReportRow] = field(default_factory=list)
    budget_total: Decimal = ZERO
    disbursed_total: Decimal = ZERO
    # What the lines planned up to and including the current month (``planned_to_date``)
    # and for the months already past (``planned_past``): "over plan" compares the
    # payments with the first, "under plan" with the second
    # (``domain.followup.planned_so_far``).
    planned_to_date: Decimal = ZERO
    planned_past: Decimal = ZERO
    month: int | None = None
    position: str | None = None  # over | under | on_plan
    period_end: date | None = None

    @property
    def next_due(self) -> ReportRow | None:
        return next((row for row in self.reports if row.to_send), None)

    @property
    def overdue(self) -> list[ReportRow]:
        return [row for row in self.reports if row.overdue]

    @property
    def closed(self) -> bool:
        return self.case.status == wf.CLOSED


def report_rows(reports, table: RateTable | None, today: date, *, closed: bool = False,
                closed_on: date | None = None) -> list[ReportRow]:
    """The reports as the timeline shows them (``domain.followup.report_state``). On a
    closed case (``closed``, on ``closed_on``) a report never sent is ``not_required``:
    nothing can be sent any more, so it is neither due nor overdue (and counts in no
    overdue list)."""
    rows = []
    for report in sorted(reports, key=lambda r: r.due_month):
        state = report_state(report.status, report.due_date, today, table, case_closed=closed)
        send_by = (last_day_in_time(report.due_date, table)
                   if state == DUE and table is not None and today > report.due_date else None)
        rows.append(ReportRow(report, state, state == OVERDUE, closed_on if closed else None, send_by))
    return rows


def case_rows(case: Case, reports, today: date, *, zone: ZoneInfo | None = None) -> list[ReportRow]:
    """The reports of ``case`` as :func:`report_rows` shows them: with the rate table of
    its return, and closed, the day it was closed, in Danish time or as read in ``zone``
    (the partner portal's: ``access.reader_time_zone``)."""
    return report_rows(reports, rate_table_for(case.actual_return), today, closed=case.status == wf.CLOSED,
                       closed_on=closed_on(case, zone))


def danish_day(moment: datetime | None) -> date | None:
    """The day a stored moment (UTC) fell on in Danish time (``i18n.local_day``), if any."""
    return local_day(moment) if moment is not None else None


def closed_on(case: Case, zone: ZoneInfo | None = None) -> date | None:
    """The day the case was closed, if it was: in Danish time, or in ``zone``."""
    if case.status != wf.CLOSED or case.closed_at is None:
        return None
    return local_day(case.closed_at, zone)


def years(db: Session, cases, today: date, *, zone: ZoneInfo | None = None) -> dict[int, CaseYear]:
    """The year of each case, in a fixed number of queries; days of closure in Danish
    time, or in ``zone`` (:func:`case_rows`)."""
    cases = list(cases)
    ids = [c.id for c in cases]
    versions = versions_in_force(db, ids)
    lines = lines_of(db, [v.id for v in versions.values()])
    paid = disbursed_by_case_and_key(db, ids)
    reports: dict[int, list[FollowUpReport]] = defaultdict(list)
    if ids:
        for report in db.exec(select(FollowUpReport).where(FollowUpReport.case_id.in_(ids))).all():
            reports[report.case_id].append(report)
    result = {}
    for case in cases:
        table = rate_table_for(case.actual_return)
        version = versions.get(case.id)
        year = CaseYear(case, table, version)
        case_paid = paid.get(case.id, {})
        planned_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in lines.get(version.id, []) if version else []:
            disbursed = case_paid.get(line.line_key, ZERO)
            year.lines.append(LineRow(line, disbursed, line.amount_dkk - disbursed, disbursed > line.amount_dkk))
            year.budget_total += line.amount_dkk
            planned_by_month[line.month] += line.amount_dkk
        year.disbursed_total = sum(case_paid.values(), ZERO)
        year.reports = case_rows(case, reports.get(case.id, []), today, zone=zone)
        if case.actual_return and table:
            year.period_end = period_end(case.actual_return, table)
            month = month_of(case.actual_return, max(today, case.actual_return))
            year.month = min(month, table.period_months)
            planned = planned_so_far(planned_by_month, year.month)
            year.planned_to_date, year.planned_past = planned.to_date, planned.past
            year.position = spending_position(planned_by_month, year.disbursed_total, year.month)
        result[case.id] = year
    return result


def line_name(line: BudgetLine) -> str:
    """A line's short name: its description, else its category or kind."""
    return line.description or line.category or line.kind


def line_number(line: BudgetLine) -> int:
    """A line's number as the budget lists it, from 1."""
    return line.position + 1


def line_names(year: CaseYear) -> dict[str, str]:
    """A short name per line key of the version in force (for payment lists)."""
    return {row.line.line_key: line_name(row.line) for row in year.lines}


def line_numbers(year: CaseYear) -> dict[str, int]:
    """The number per line key of the version in force (:func:`line_number`)."""
    return {row.line.line_key: line_number(row.line) for row in year.lines}


def line_label(db: Session, case: Case, line_key: str) -> tuple[int | None, str]:
    """The number and short name of a line of the version in force (a paid line is
    never removed, so a payment's line is there)."""
    version = version_in_force(db, case.id)
    for line in lines_of(db, [version.id]).get(version.id, []) if version else []:
        if line.line_key == line_key:
            return line_number(line), line_name(line)
    return None, ""


def inactive_partner_name(db: Session, case: Case) -> str | None:
    """The name of the case's partner organisation while it is inactive and the case is
    open (its officers cannot sign in, so no report or payment of theirs can come), else
    None."""
    partner = db.get(Organisation, case.partner_id) if case.partner_id is not None else None
    if partner is None or not wf.partner_locked_out(partner_inactive=partner.status == INACTIVE,
                                                    case_status=case.status):
        return None
    return partner.name


def first_approved_on(db: Session, case_id: int) -> date | None:
    """The day (in Danish time) a plan of the case was first approved, if one was."""
    decided = db.exec(select(func.min(Decision.decided_at))
                      .join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                      .where(PlanVersion.case_id == case_id, Decision.outcome == APPROVED_OUTCOME)).one()
    return danish_day(decided)


def latest_versions(db, case_ids) -> dict:
    """The newest plan version of each of ``case_ids`` (a page of cases already in the
    reader's scope: the partner's own, or the one case of DRC's follow-up page) as a row
    of ``id``, ``number``, ``status`` and ``submitted_at``: the one being drafted or
    decided, or the one in force. One statement for the page, by
    ``uq_planversion_case_number``."""
    found: dict = {}
    if case_ids:
        for version in db.exec(select(PlanVersion.case_id, PlanVersion.id, PlanVersion.number, PlanVersion.status,
                                      PlanVersion.submitted_at)
                               .where(PlanVersion.case_id.in_(list(case_ids)))
                               .order_by(PlanVersion.case_id, PlanVersion.number)).all():
            found[version.case_id] = version  # the highest number wins
    return found


def amendment_awaiting_decision(db: Session, case_id: int, in_force: PlanVersion | None):
    """The case's amendment that awaits Hjemrejsestyrelsen's decision, if one does: its
    newest version (:func:`latest_versions`, as the partner's case page reads it), when
    that is submitted and newer than the version in force ``in_force``; a row of ``id``,
    ``number``, ``status`` and ``submitted_at``. None otherwise (no amendment, one still
    being drafted or sent back, or a first plan awaiting approval)."""
    newest = latest_versions(db, [case_id]).get(case_id)
    if newest is None or in_force is None or newest.status != wf.SUBMITTED or newest.number <= in_force.number:
        return None
    return newest


def case_year(db: Session, case: Case, today: date, *, zone: ZoneInfo | None = None) -> CaseYear:
    return years(db, [case], today, zone=zone)[case.id]


def alerts_of(db: Session, case_id: int) -> list[tuple[RiskAlert, FollowUpReport | None, str | None]]:
    """The case's alerts, open ones first, each with the report whose signs raised it
    (which month's report to read; none for an alert not raised from a report) and the
    name of who closed it (none while it is open), in the one statement."""
    closer = aliased(User)
    return list(db.exec(select(RiskAlert, FollowUpReport, closer.name)
                        .outerjoin(FollowUpReport, FollowUpReport.id == RiskAlert.followup_id)
                        .outerjoin(closer, closer.id == RiskAlert.closed_by)
                        .where(RiskAlert.case_id == case_id)
                        .order_by(RiskAlert.closed_at.is_not(None), RiskAlert.opened_at.desc())).all())


def open_alerts_of(db: Session, case_id: int) -> list[tuple[RiskAlert, FollowUpReport | None]]:
    """The case's open alerts, oldest first, each with the report whose signs raised it
    (for the close-case form: what the caseworker closes the case over)."""
    return list(db.exec(select(RiskAlert, FollowUpReport)
                        .outerjoin(FollowUpReport, FollowUpReport.id == RiskAlert.followup_id)
                        .where(RiskAlert.case_id == case_id, RiskAlert.closed_at.is_(None))
                        .order_by(RiskAlert.opened_at, RiskAlert.id)).all())


def alert_notes_of(db: Session, case_id: int) -> dict[int, list[RiskAlertNote]]:
    """The notes added to the case's closed alerts, per alert id, in the order they were
    added, in one statement whatever the number of alerts."""
    found: dict[int, list[RiskAlertNote]] = defaultdict(list)
    for note in db.exec(select(RiskAlertNote).join(RiskAlert, RiskAlert.id == RiskAlertNote.alert_id)
                        .where(RiskAlert.case_id == case_id).order_by(RiskAlertNote.alert_id, RiskAlertNote.id)):
        found[note.alert_id].append(note)
    return dict(found)


def disbursements_of(db: Session, case_id: int) -> list[Disbursement]:
    return list(db.exec(select(Disbursement).where(Disbursement.case_id == case_id)
                        .order_by(Disbursement.paid_on, Disbursement.id)).all())


def attachments_of(db: Session, case_id: int) -> dict[tuple[str, int], list[Attachment]]:
    """Attachments of a case keyed by ("report", id) or ("disbursement", id)."""
    found: dict[tuple[str, int], list[Attachment]] = defaultdict(list)
    for item in db.exec(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)).all():
        if item.followup_id:
            found[("report", item.followup_id)].append(item)
        if item.disbursement_id:
            found[("disbursement", item.disbursement_id)].append(item)
    return found


@dataclass(frozen=True)
class FilePlace:
    """Another report (``month``, and whether it is ``submitted``) or payment (``paid_on``,
    ``amount_dkk``) of the case to which the same file (the same content) is attached."""

    kind: str  # "report" | "disbursement"
    id: int
    month: int | None = None
    submitted: bool = False
    paid_on: date | None = None
    amount_dkk: Decimal | None = None


@dataclass
class CaseFiles:
    """A case's attachments keyed by ("report", id) or ("disbursement", id), as
    :func:`attachments_of`, and for each attachment (by id) the other reports, or the
    other payments, to which the same file is attached: a receipt used twice."""

    by_target: dict[tuple[str, int], list[Attachment]]
    elsewhere: dict[int, list[FilePlace]]


def case_files(db: Session, case_id: int) -> CaseFiles:
    """The case's attachments and where else in the case each one's file is attached
    (:class:`CaseFiles`), in one statement. A file is compared with the case's own
    attachments only, and a report's with other reports', a payment's with other
    payments' (a payment's receipt in the report of its month is no second use)."""
    found: dict[tuple[str, int], list[Attachment]] = defaultdict(list)
    places: dict[str, dict[tuple[str, int], FilePlace]] = defaultdict(dict)
    rows = db.exec(select(Attachment, FollowUpReport.due_month, FollowUpReport.status, Disbursement.paid_on,
                          Disbursement.amount_dkk)
                   .outerjoin(FollowUpReport, FollowUpReport.id == Attachment.followup_id)
                   .outerjoin(Disbursement, Disbursement.id == Attachment.disbursement_id)
                   .where(Attachment.case_id == case_id).order_by(Attachment.id)).all()
    for item, month, report_status, paid_on, amount_dkk in rows:
        if item.followup_id:
            found[("report", item.followup_id)].append(item)
            places[item.sha256][("report", item.followup_id)] = FilePlace(
                "report", item.followup_id, month=month, submitted=report_status == "submitted")
        if item.disbursement_id:
            found[("disbursement", item.disbursement_id)].append(item)
            places[item.sha256][("disbursement", item.disbursement_id)] = FilePlace(
                "disbursement", item.disbursement_id, paid_on=paid_on, amount_dkk=amount_dkk)
    elsewhere: dict[int, list[FilePlace]] = {}
    for (kind, target_id), items in found.items():
        for item in items:
            others = [place for key, place in places[item.sha256].items() if key[0] == kind and key[1] != target_id]
            if others:
                elsewhere[item.id] = sorted(others, key=lambda p: (p.month or 0, p.paid_on or date.min, p.id))
    return CaseFiles(found, elsewhere)


@dataclass
class Overview:
    """The overview's four lists, each one page (``paging.Page``) with its own page number."""

    open_alerts: Page  # items: (RiskAlert, Case, FollowUpReport | None)
    overdue: Page  # items: (ReportRow, Case)
    off_plan: Page  # items: CaseYear
    cases: Page  # items: CaseYear

    @property
    def case_ids(self) -> set[int]:
        """The cases the page shows, in any of its lists."""
        return ({case.id for _alert, case, _report in self.open_alerts.items}
                | {case.id for _row, case in self.overdue.items}
                | {year.case.id for year in self.off_plan.items} | {year.case.id for year in self.cases.items})


@dataclass(frozen=True)
class OverviewPages:
    """The page asked for of each list (any number: out of range is the nearest page)."""

    open_alerts: int = 1
    overdue: int = 1
    off_plan: int = 1
    cases: int = 1


def _followed(user):
    """The cases in follow-up ``user`` may see."""
    return and_(case_scope(user), Case.status == wf.IN_FOLLOWUP)


def _return_in(table: RateTable):
    return and_(Case.actual_return >= table.valid_from, Case.actual_return <= table.valid_to)


def overdue_condition(tables, today: date):
    """Reports overdue on ``today`` (``domain.followup.is_overdue`` with the table valid on
    the case's return date; none without one), as a SQL condition on the report and its case."""
    return or_(false(), *(and_(_return_in(t), FollowUpReport.due_date < today - timedelta(days=t.overdue_after_days))
                          for t in tables))


def month_bounds(today: date, months: int) -> list[date]:
    """``bounds[k]``, for k = 0..months: the first return date ``r`` for which
    ``add_months(r, k) >= today``. As ``add_months`` never decreases with ``r``, month
    ``k + 1`` of the period has begun on ``today`` (``domain.followup.month_of``) exactly
    when the return date is before ``bounds[k]``: a date comparison the database makes."""
    bounds = []
    for k in range(months + 1):
        day = add_months(today, -k) - timedelta(days=5)  # before the bound (see the test)
        while add_months(day, k) < today:
            day += timedelta(days=1)
        bounds.append(day)
    return bounds


def _month_now(tables, today: date):
    """The month of the period a case in follow-up is in on ``today``, at most the
    period's last (``CaseYear.month``), as a SQL expression on the case; NULL without a
    rate table valid on its return date (no position is worked out then)."""
    whens = []
    for t in tables:
        bounds = month_bounds(today, t.period_months)
        within = _return_in(t)
        whens += [(and_(within, Case.actual_return < bounds[k]), k + 1) for k in range(t.period_months - 1, 0, -1)]
        whens.append((within, 1))
    return when(*whens, else_=None) if whens else null()


def _off_plan_cases(user, tables, today: date):
    """The cases in follow-up whose money is over or under plan on ``today``
    (``domain.followup.spending_position`` as :func:`years` works it out), ordered by
    return date, as one statement: the month each case is in, then the lines of its
    version in force summed up to and before that month, and its payments summed, in the
    database. Its cost grows with the cases in follow-up (every case's money is looked
    at), not with the page."""
    ore = lambda column: type_coerce(column, BigInteger)  # noqa: E731 (øre, as stored)
    followed = (select(Case.id.label("case_id"), _month_now(tables, today).label("month"))
                .where(_followed(user), Case.actual_return.is_not(None)).subquery())
    later = aliased(PlanVersion)
    newer_approved = (select(later.id).where(later.case_id == PlanVersion.case_id, later.status == wf.APPROVED,
                                             later.number > PlanVersion.number).exists())
    planned = (select(PlanVersion.case_id.label("case_id"),
                      func.sum(when((BudgetLine.month <= followed.c.month, ore(BudgetLine.amount_dkk)),
                                    else_=0)).label("now"),
                      func.sum(when((BudgetLine.month < followed.c.month, ore(BudgetLine.amount_dkk)),
                                    else_=0)).label("past"))
               .join(followed, followed.c.case_id == PlanVersion.case_id)
               .join(BudgetLine, BudgetLine.plan_version_id == PlanVersion.id)
               .where(PlanVersion.status == wf.APPROVED, ~newer_approved)
               .group_by(PlanVersion.case_id).subquery())
    paid = (select(Disbursement.case_id.label("case_id"), func.sum(ore(Disbursement.amount_dkk)).label("paid"))
            .join(followed, followed.c.case_id == Disbursement.case_id)
            .group_by(Disbursement.case_id).subquery())
    paid_total, planned_now, planned_past = (func.coalesce(paid.c.paid, 0), func.coalesce(planned.c.now, 0),
                                             func.coalesce(planned.c.past, 0))
    return (select(Case.id).join(followed, followed.c.case_id == Case.id)
            .outerjoin(planned, planned.c.case_id == Case.id).outerjoin(paid, paid.c.case_id == Case.id)
            .where(followed.c.month.is_not(None), or_(paid_total > planned_now, paid_total < planned_past))
            .order_by(Case.actual_return, Case.reference))


def _cases_by_id(db: Session, ids: list[int]) -> list[Case]:
    found = {case.id: case for case in db.exec(select(Case).where(Case.id.in_(ids or [-1]))).all()}
    return [found[case_id] for case_id in ids if case_id in found]


def _off_plan_page(db: Session, user, tables, today: date, number: int, size: int, count_limit: int) -> Page:
    """One page of :func:`_off_plan_cases`, from one run of it: the ids in order up to
    the count's cap (``paging.count_cap``) give both the count and the page, where a
    count and a page read apart would sum every case's money twice."""
    number, cap = count_cap(number, size, count_limit)
    ids = list(db.exec(_off_plan_cases(user, tables, today).limit(cap)).all())
    found = Counted(len(ids), cap, size)
    number = min(number, found.pages)
    return found.page(_cases_by_id(db, ids[(number - 1) * size:number * size]), number)


def overview(db: Session, user, today: date, tables, pages: OverviewPages = OverviewPages(), size: int = 25,
             count_limit: int = 1000) -> Overview:
    """Across the cases ``user`` may see, one page of each list: open risk alerts (also on
    closed cases), oldest first; overdue reports, by due date; cases whose money is over
    or under plan and the cases being followed, by return date. Each list is read a page
    at a time and counted up to ``count_limit`` (``paging``), so the page does not grow
    with the programme; the years (money, reports) are worked out for the cases shown."""
    def page(rows, counted, number: int) -> Page:
        return read_page(db, rows, counted, number, size, count_limit)

    open_alert = (case_scope(user), RiskAlert.closed_at.is_(None))
    alerts = page(select(RiskAlert, Case, FollowUpReport).join(Case, Case.id == RiskAlert.case_id)
                  .outerjoin(FollowUpReport, FollowUpReport.id == RiskAlert.followup_id).where(*open_alert)
                  .order_by(RiskAlert.opened_at, RiskAlert.id),
                  select(literal(1)).select_from(RiskAlert).join(Case, Case.id == RiskAlert.case_id)
                  .where(*open_alert), pages.open_alerts)
    late = (_followed(user), FollowUpReport.status == "due", overdue_condition(tables, today))
    overdue = page(select(FollowUpReport, Case).join(Case, Case.id == FollowUpReport.case_id).where(*late)
                   .order_by(FollowUpReport.due_date, Case.actual_return, Case.reference, FollowUpReport.due_month),
                   select(literal(1)).select_from(FollowUpReport).join(Case, Case.id == FollowUpReport.case_id)
                   .where(*late), pages.overdue)
    money = _off_plan_page(db, user, tables, today, pages.off_plan, size, count_limit)
    followed = page(select(Case).where(_followed(user)).order_by(Case.actual_return, Case.reference),
                    select(literal(1)).select_from(Case).where(_followed(user)), pages.cases)
    by_case = years(db, {case.id: case for case in money.items + followed.items}.values(), today)
    return Overview(alerts, _with_items(overdue, [(ReportRow(report, "overdue", True), case)
                                                  for report, case in overdue.items]),
                    _with_items(money, [by_case[case.id] for case in money.items]),
                    _with_items(followed, [by_case[case.id] for case in followed.items]))


def _with_items(page: Page, items: list) -> Page:
    return Page(items, page.number, page.pages, page.total, page.more)

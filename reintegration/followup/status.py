"""Reading the reintegration year: the version in force, money per line, the report
timeline, overdue reports and open alerts, for one case or across the visible cases.

Queries are batched per list (not per case), so the overview stays a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..access import case_scope
from ..approvals.operations import APPROVED_OUTCOME
from ..domain import workflow as wf
from ..domain.followup import is_overdue, month_of, period_end, spending_position
from ..domain.rates import RateTable
from ..models import (Attachment, BudgetLine, Case, Decision, Disbursement, FollowUpReport, PlanVersion, RiskAlert,
                      RiskAlertNote, User)

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
    state: str  # submitted | overdue | due | not_sent (a closed case)
    overdue: bool


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
    planned_to_date: Decimal = ZERO
    month: int | None = None
    position: str | None = None  # over | under | on_plan
    period_end: date | None = None

    @property
    def next_due(self) -> ReportRow | None:
        return next((row for row in self.reports if row.state in ("due", "overdue")), None)

    @property
    def overdue(self) -> list[ReportRow]:
        return [row for row in self.reports if row.overdue]

    @property
    def closed(self) -> bool:
        return self.case.status == wf.CLOSED


def report_rows(reports, table: RateTable | None, today: date, *, closed: bool = False) -> list[ReportRow]:
    """The reports as the timeline shows them. On a closed case a report never sent is
    ``not_sent``: nothing can be sent any more, so it is neither due nor overdue (and
    counts in no overdue list)."""
    rows = []
    for report in sorted(reports, key=lambda r: r.due_month):
        if report.status == "submitted":
            rows.append(ReportRow(report, "submitted", False))
        elif closed:
            rows.append(ReportRow(report, "not_sent", False))
        else:
            overdue = table is not None and is_overdue(report.due_date, today, table)
            rows.append(ReportRow(report, "overdue" if overdue else "due", overdue))
    return rows


def years(db: Session, cases, today: date) -> dict[int, CaseYear]:
    """The year of each case, in a fixed number of queries."""
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
        year.reports = report_rows(reports.get(case.id, []), table, today, closed=case.status == wf.CLOSED)
        if case.actual_return and table:
            year.period_end = period_end(case.actual_return, table)
            month = month_of(case.actual_return, max(today, case.actual_return))
            year.month = min(month, table.period_months)
            year.planned_to_date = sum((a for m, a in planned_by_month.items() if m <= year.month), ZERO)
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


def first_approved_on(db: Session, case_id: int) -> date | None:
    """The day (in Danish time) a plan of the case was first approved, if one was."""
    decided = db.exec(select(func.min(Decision.decided_at))
                      .join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                      .where(PlanVersion.case_id == case_id, Decision.outcome == APPROVED_OUTCOME)).one()
    if decided is None:
        return None
    if decided.tzinfo is None:  # SQLite hands the UTC time back naive
        decided = decided.replace(tzinfo=timezone.utc)
    return decided.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def case_year(db: Session, case: Case, today: date) -> CaseYear:
    return years(db, [case], today)[case.id]


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
    open_alerts: list[tuple[RiskAlert, Case, FollowUpReport | None]]
    overdue: list[tuple[ReportRow, Case]]
    off_plan: list[CaseYear]
    cases: list[CaseYear]


def followup_cases(db: Session, user, statuses=(wf.IN_FOLLOWUP,)) -> list[Case]:
    return list(db.exec(select(Case).where(case_scope(user), Case.status.in_(statuses))
                        .order_by(Case.actual_return, Case.reference)).all())


def overview(db: Session, user, today: date) -> Overview:
    """Across the cases ``user`` may see: open risk alerts (also on closed cases),
    overdue reports, money over or under plan, and the cases being followed."""
    alerts = db.exec(select(RiskAlert, Case, FollowUpReport).join(Case, Case.id == RiskAlert.case_id)
                     .outerjoin(FollowUpReport, FollowUpReport.id == RiskAlert.followup_id)
                     .where(case_scope(user), RiskAlert.closed_at.is_(None))
                     .order_by(RiskAlert.opened_at)).all()
    cases = followup_cases(db, user)
    by_case = years(db, cases, today)
    overdue = [(row, year.case) for year in by_case.values() for row in year.overdue]
    overdue.sort(key=lambda item: item[0].report.due_date)
    off_plan = [year for year in by_case.values() if year.position in ("over", "under")]
    return Overview(list(alerts), overdue, off_plan, list(by_case.values()))


def open_alert_count(db: Session, case_id: int) -> int:
    return db.exec(select(func.count()).select_from(RiskAlert)
                   .where(RiskAlert.case_id == case_id, RiskAlert.closed_at.is_(None))).one()

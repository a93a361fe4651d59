"""The batch export for finance: every version approved in a date range, one row per
budget line, in one workbook. Each version is listed in full, so each row also says which
version it amends and whether it is still in force or was superseded by a later approved
version: adding up the rows in force counts no budget twice.

Memory stays flat however many plans there are: rows stream from a server-side cursor
(``yield_per``) straight into an openpyxl write-only workbook, which writes each row to a
temporary file as it comes and never holds the sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import BinaryIO

from flask import has_request_context
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import BigInteger, String, case, func, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..approvals.labels import CATEGORY_LABELS, KIND_LABELS, label
from ..cases.countries import country_name
from ..domain.money import from_ore
from ..i18n import gettext as _, local_day_bounds
from ..models import BudgetLine, Case, Decision, Organisation, PlanVersion
from .workbook import BOLD, MONEY, RATE, clean_text, naive_utc, text_cell

CHUNK = 2000  # rows fetched per round trip
WIDTHS = (16, 9, 20, 30, 16, 10, 16, 40, 8, 14, 10, 16, 14, 10, 24)


def approved_in(date_from: date, date_to: date):
    start, end = local_day_bounds(date_from, date_to)  # days as the app shows decisions: Danish days
    return (Decision.outcome == "approved", Decision.decided_at >= start, Decision.decided_at < end)


def count_lines(db: Session, date_from: date, date_to: date) -> int:
    """How many rows the batch will have (for the progress bar): one per budget line, and
    one for a version approved without any."""
    return db.exec(select(func.count()).select_from(Decision)
                   .outerjoin(BudgetLine, BudgetLine.plan_version_id == Decision.plan_version_id)
                   .where(*approved_in(date_from, date_to))).one()


def headers() -> list[str]:
    # The columns finance had keep their places; the last two say which rows to add up
    # (a version and its later approved amendment are both listed, each in full).
    return [_("Case"), _("Version"), _("Decided (UTC)"), _("Partner"), _("Country"), _("Kind"), _("Category"),
            _("Description"), _("Month"), _("Amount (DKK)"), _("Currency"), _("Local amount"), _("Exchange rate"),
            _("Amends version"), _("In force or superseded")]


def write_batch(db: Session, date_from: date, date_to: date, out: str | BinaryIO,
                progress: Callable[[int], None] | None = None, lang: str | None = None,
                cases: set[int] | None = None) -> int:
    """Write the batch workbook of versions approved from ``date_from`` to ``date_to``
    (inclusive, days in Danish time, as the app shows decisions) to ``out`` (a path or a
    binary file); returns the number of rows (budget lines, and one per version approved
    without any). ``progress(n)`` is called with the rows written since its last call.
    The id of every case written is added to ``cases`` (for the audit trail). Headings are
    in ``lang`` (``da``/``en``), else the current locale; outside a request Danish. Needs
    an app context."""
    if lang is None and not has_request_context():
        lang = "da"
    with force_locale(lang) if lang else nullcontext():
        return _write(db, date_from, date_to, out, progress, set() if cases is None else cases)


def kind_labels() -> dict[str, str]:
    """The kind of a line as the workbook names it, in the current language."""
    return {key: label(KIND_LABELS, key) for key in KIND_LABELS}


def category_labels() -> dict[str, str]:
    """The category of a line as the workbook names it, in the current language (a
    category the tool does not know is written as it is)."""
    return {key: label(CATEGORY_LABELS, key) for key in CATEGORY_LABELS}


def as_decided():
    """The partner's name and the country of return as the decision kept them, in SQL, by
    the approval package's rule (``package.gather``): a decision from before migration
    0012 kept neither (its country is NULL) and reads the case as it is now; a later one
    kept both, and a NULL partner name there means the case had no partner then. Needs
    ``Decision``, ``Case`` and the case's partner ``Organisation`` (outer) in the query."""
    kept = Decision.return_country.is_not(None)
    return (case((kept, Decision.partner_name), else_=Organisation.name),
            func.coalesce(Decision.return_country, Case.return_country))


def lines_query(date_from: date, date_to: date):
    """The workbook's rows, in order: one per budget line of the versions approved in the
    range, and one with no line (no kind, no amount) for a version approved without any
    lines, so that no approved version, an amendment that ends the budget included, is
    missing. Plain Core columns (no ORM loading), money as raw øre and exact decimals as raw
    text, made Decimals by the writer: the rows are the export's only reading. Partner and
    country as decided (``as_decided``). Then the number of the version this one amends,
    and of the next approved version of the case (``None`` while this one is in force),
    found in the query, once per case; last, the case's id, which is no cell: the audit
    trail names the cases written."""
    amended = aliased(PlanVersion)
    in_range = (select(PlanVersion.case_id).join(Decision, Decision.plan_version_id == PlanVersion.id)
                .where(*approved_in(date_from, date_to)))
    # Every approved version of the cases in the range, whenever approved, with the next
    # approved one: a version approved later than ``date_to`` supersedes too.
    approved = (select(PlanVersion.id.label("version_id"),
                       func.lead(PlanVersion.number).over(partition_by=PlanVersion.case_id,
                                                          order_by=PlanVersion.number).label("superseded_by"))
                .join(Decision, Decision.plan_version_id == PlanVersion.id)
                .where(Decision.outcome == "approved", PlanVersion.case_id.in_(in_range))
                .subquery("approved"))
    partner, country = as_decided()
    return (select(Case.reference, PlanVersion.number, Decision.decided_at, partner, country,
                   BudgetLine.kind, BudgetLine.category, BudgetLine.description, BudgetLine.month,
                   type_coerce(BudgetLine.amount_dkk, BigInteger), BudgetLine.currency,
                   type_coerce(BudgetLine.amount_local, String), type_coerce(BudgetLine.exchange_rate, String),
                   amended.number, approved.c.superseded_by, PlanVersion.case_id)
            .join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
            .join(approved, approved.c.version_id == PlanVersion.id)
            .outerjoin(amended, amended.id == PlanVersion.amends_id)
            .join(Case, Case.id == PlanVersion.case_id)
            .outerjoin(Organisation, Organisation.id == Case.partner_id)
            .outerjoin(BudgetLine, BudgetLine.plan_version_id == PlanVersion.id)
            .where(*approved_in(date_from, date_to))
            .order_by(Decision.decided_at, Decision.id, BudgetLine.position, BudgetLine.id))


def _write(db: Session, date_from: date, date_to: date, out: str | BinaryIO,
           progress: Callable[[int], None] | None, cases: set[int]) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Approved budget lines"))
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    header = []
    for text in headers():
        cell = WriteOnlyCell(ws, value=text)
        cell.font = BOLD
        header.append(cell)
    ws.append(header)

    kinds, categories = kind_labels(), category_labels()
    countries: dict[str | None, str] = {}  # code -> name, looked up once per country
    in_force = _("In force")
    standing: dict[int, str] = {}  # superseding version number -> its words
    query = lines_query(date_from, date_to).execution_options(yield_per=CHUNK)
    # One styled cell per formatted column, reused: append() writes the row at once, so
    # only the value changes from row to row (no cell objects or style look-ups per row).
    # The moment goes in as a plain datetime: openpyxl gives it its own date-and-time
    # format, as cheaply as for any other value.
    dkk_cell, local_cell, rate_cell = (_styled(ws, f) for f in (MONEY, MONEY, RATE))
    written = pending = 0
    last_decided = moment = None
    case_written = cases.add
    rows = chain.from_iterable(db.connection().execute(query).partitions(CHUNK))
    for (ref, number, decided_at, partner, country, kind, category, description, month, ore, currency, local,
         rate, amends, superseded_by, case_id) in rows:
        if decided_at != last_decided:  # the lines of one decision share its moment
            last_decided, moment = decided_at, naive_utc(decided_at)
        if ore is not None:
            dkk_cell.value = from_ore(ore)
        if local is not None:
            local_cell.value = Decimal(local)
        if rate is not None:
            rate_cell.value = Decimal(rate)
        if country not in countries:
            countries[country] = clean_text(country_name(country))
        if superseded_by is None:
            status = in_force
        elif (status := standing.get(superseded_by)) is None:
            status = standing[superseded_by] = _("Superseded by version %(n)d", n=superseded_by)
        ws.append([text_cell(ws, ref), number, moment, text_cell(ws, partner or ""), countries[country],
                   text_cell(ws, kinds.get(kind, kind)), text_cell(ws, categories.get(category, category) or ""),
                   text_cell(ws, description or ""), month, dkk_cell if ore is not None else None,
                   text_cell(ws, currency or ""),
                   local_cell if local is not None else None, rate_cell if rate is not None else None,
                   amends, status])
        case_written(case_id)
        written += 1
        pending += 1
        if progress and pending == CHUNK:
            progress(pending)
            pending = 0
    if progress and pending:
        progress(pending)
    wb.save(out)
    return written


def _styled(ws, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    return cell


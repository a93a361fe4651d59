"""The final summary of a case's year as an .xlsx workbook: spent against approved per
line, outcome scores over time, and risk alerts with the notes added to them. Names not
the person (the case reference identifies the case); the staff who added notes are named
as authors, as the follow-up page names them."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ..cases.labels import CASE_STATUS, label
from ..domain.followup import RISK_INDICATORS
from ..exports.workbook import MOMENT, cleaned, naive_utc, text_not_formula
from ..i18n import gettext as _
from .forms import ACTIVITY_STATUSES, CLOSURE_REASONS, REFUSED_ALERT_LABELS, RISK_LABELS, report_state_label
from .status import CaseYear, line_numbers

def _sheet(workbook, title: str, header: list[str], rows) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(cleaned(list(row)))
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


def workbook_bytes(year: CaseYear, alerts, disbursements, alert_notes=None) -> bytes:
    """``alert_notes``: the notes added to the alerts, per alert id (``status.alert_notes_of``)."""
    alert_notes = alert_notes or {}
    case = year.case
    statuses = dict(ACTIVITY_STATUSES)
    book = Workbook()
    book.remove(book.active)
    _sheet(book, _("Case"), [_("Field"), _("Value")], [
        (_("Case"), case.reference),
        (_("Status"), label(CASE_STATUS, case.status)),
        (_("Return date"), case.actual_return),
        (_("End of period"), year.period_end),
        (_("Closed (UTC)"), naive_utc(case.closed_at) if case.closed_at else None),
        (_("Reason for closure"), label(CLOSURE_REASONS, case.closure_reason) or None),
        (_("Approved plan version"), year.version.number if year.version else None),
        (_("Approved in total (DKK)"), year.budget_total),
        (_("Paid out in total (DKK)"), year.disbursed_total),
    ])
    numbers = line_numbers(year)
    _sheet(book, _("Budget"), [_("Line"), _("Kind"), _("Description"), _("Month"), _("Approved (DKK)"),
                               _("Paid out (DKK)"), _("Remaining (DKK)")],
           [(numbers[row.line.line_key], _("Cash") if row.line.kind == "cash" else _("In-kind"),
             row.line.description, row.line.month, row.line.amount_dkk, row.disbursed, row.remaining)
            for row in year.lines])
    # A payment's line as the Budget sheet names it: its number and description.
    descriptions = {row.line.line_key: row.line.description for row in year.lines}
    _sheet(book, _("Payments"), [_("Date"), _("Line"), _("Description"), _("Local amount"), _("Currency"),
                                 _("Exchange rate"), _("DKK")],
           [(d.paid_on, numbers.get(d.line_key), descriptions.get(d.line_key), d.amount_local, d.currency,
             d.exchange_rate, d.amount_dkk) for d in disbursements])
    # "Status" as the follow-up page says it: a report never sent on a closed case is not
    # required (since the day it was closed), never due or overdue.
    _sheet(book, _("Outcomes"), [_("Month"), _("Due"), _("Status"), _("Submitted (UTC)"), _("Contact date"),
                                 _("Income activity"), _("Economic score"), _("Social score"),
                                 _("Psychosocial score"), _("Risk indicators")],
           [(row.report.due_month, row.report.due_date, report_state_label(row.state, row.closed_on, row.send_by),
             naive_utc(row.report.submitted_at) if row.report.submitted_at else None, row.report.contact_date,
             str(statuses.get(row.report.activity_status, "")) or None, row.report.score_economic,
             row.report.score_social, row.report.score_psychosocial,
             "; ".join(str(RISK_LABELS[k]) for k in RISK_INDICATORS if k in (row.report.risk_indicators or "").split(",")))
            for row in year.reports])
    # "Month": the month of the report whose signs raised the alert, as on the Outcomes sheet.
    _sheet(book, _("Risk alerts"), [_("Opened (UTC)"), _("Month"), _("Indicators"), _("Where the signs were marked"),
                                     _("Closed (UTC)"), _("What was done")],
           [(naive_utc(a.opened_at), report.due_month if report else None,
             "; ".join(str(RISK_LABELS.get(k, k)) for k in a.indicators.split(",")),
             str(REFUSED_ALERT_LABELS.get(a.refused, a.refused)) if a.refused else _("In the submitted report"),
             naive_utc(a.closed_at) if a.closed_at else None, a.action_taken)
            for a, report, _closer in alerts])
    # The notes added after what the closer recorded, one row each, under the alert's
    # opening time as the Risk alerts sheet gives it, in the order of that sheet. A note
    # whose author the old record did not say (migration 0019) has no author nor time
    # here either; a note blanked by anonymisation is left out.
    _sheet(book, _("Alert notes"), [_("Alert opened (UTC)"), _("Added (UTC)"), _("Author"), _("Note")],
           [(naive_utc(a.opened_at), naive_utc(note.created_at) if note.author_name else None, note.author_name,
             note.text)
            for a, _report, _closer in alerts for note in alert_notes.get(a.id, ()) if note.text])
    # Text as typed: "- 2 bags of rice" stays that, never "'- 2 bags of rice", and text
    # beginning with "=" is a text cell, not a formula (exports.workbook).
    text_not_formula(book)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, datetime):
                    cell.number_format = MOMENT
                elif cell.data_type == "n" and cell.value is not None and not isinstance(cell.value, int):
                    cell.number_format = "#,##0.00########"
    out = BytesIO()
    book.save(out)
    return out.getvalue()

"""Spreadsheet helpers shared by the approval package and the batch export: print set-up,
header style, money format, and a deterministic repack of an openpyxl file.

openpyxl stamps the time of saving twice: in ``docProps/core.xml`` (``modified``) and in
each zip entry's date. :func:`deterministic_xlsx` rewrites both from a fixed moment, so
the same workbook always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

MONEY = "#,##0.00"
RATE = "0.000000"
DAY = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm:ss"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def clean_text(value: str) -> str:
    """``value`` without the control characters a worksheet cannot hold (openpyxl refuses
    them with ``IllegalCharacterError``; tab and line breaks stay). Stored text may carry
    them: a pasted description, a partner name from the registry or a plan file."""
    if value.isprintable():  # the common case, checked in C
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def cleaned(values: list) -> list:
    """A row's values with every text cleaned (:func:`clean_text`)."""
    return [clean_text(v) if isinstance(v, str) else v for v in values]


def naive_utc(moment: datetime) -> datetime:
    """Spreadsheets know no time zones: UTC, without the zone, to the second."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    moment = naive_utc(moment)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2)
    return max(stamp, ZIP_EPOCH)


def format_sheet(ws: Worksheet, widths: list[int], header_rows: int = 1) -> None:
    """Landscape, fit to one page wide, header rows repeated on every page and bold."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
        ws.freeze_panes = ws.cell(row=header_rows + 1, column=1)
        for row in ws.iter_rows(min_row=header_rows, max_row=header_rows):
            for cell in row:
                cell.font = BOLD
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def table_sheet(wb: Workbook, title: str, headers: list[str], rows: list[list], widths: list[int],
                formats: dict[int, str] | None = None, wrap: tuple[int, ...] = (), first: bool = False) -> Worksheet:
    """A sheet with a bold header row and one row per item (text cleaned, see
    :func:`clean_text`); ``formats`` maps a 0-based column to its number format."""
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(cleaned(headers))
    for values in rows:
        ws.append(cleaned(values))
    for column, number_format in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = number_format
    for column in wrap:
        for (cell,) in ws.iter_rows(min_row=1, min_col=column + 1, max_col=column + 1):
            cell.alignment = WRAP
    format_sheet(ws, widths)
    return ws


def text_not_formula(wb: Workbook) -> None:
    """Every cell holding text that begins with "=" keeps it as text. openpyxl stores such
    text as a formula, which a spreadsheet runs on opening (``=HYPERLINK(...)`` in a name
    or a budget line's description, typed by anyone who drafts a plan or imports a plan
    file); the workbooks here hold values only."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def text_cell(ws: Worksheet, value: str | None):
    """``value`` for a write-only sheet's row: cleaned (:func:`clean_text`), and, when a
    spreadsheet would take it for a formula, in a cell that keeps it as text (see
    :func:`text_not_formula`)."""
    if value is None:
        return value
    value = clean_text(value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def deterministic_xlsx(wb: Workbook, moment: datetime) -> bytes:
    """The workbook's bytes, identical for identical content: created and modified are
    ``moment``, and every zip entry carries ``moment`` as its time. Text is never stored
    as a formula (:func:`text_not_formula`)."""
    text_not_formula(wb)
    fixed = naive_utc(moment)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl sets "modified" to now while saving; rewritten below
    wb.properties.modified = fixed
    core = tostring(wb.properties.to_tree())
    return repack(raw.getvalue(), moment, {"docProps/core.xml": core})


def repack(data: bytes, moment: datetime, replace: dict[str, bytes] | None = None) -> bytes:
    """The same zip entries in the same order, with fixed times and permissions."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = replace.get(info.filename, source.read(info.filename))
            target.writestr(fixed_info(info.filename, moment), content)
    return out.getvalue()


def fixed_info(name: str, moment: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=zip_time(moment))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the permissions below mean the same everywhere
    info.external_attr = (0o100644 << 16)
    return info

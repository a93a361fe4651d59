"""Reading a plan file posted to a draft's import page: the file or the pasted text, read
as ``validate`` reads it (PLAN_FORMAT.md), or why it cannot be (the message, shown at the
field it came from); and how a case fact the file states differently is named."""

from __future__ import annotations

import json

from ..domain.planfile import JSONConstantError, PlanFormatError, json_constant, json_object, parse_plan
from ..i18n import gettext as _
from . import operations as ops
from .display import plan_format_message
from .forms import ImportForm

MAX_PLAN_FILE_BYTES = 1024 * 1024


def submitted_plan(form: ImportForm):
    """``(field, error, plan)``: the field the plan came from, and either why it is not a
    plan file (the error, shown at that field) or the plan parsed from it."""
    upload = form.plan_file.data
    has_file = bool(upload is not None and getattr(upload, "filename", None))
    text = form.plan_text.data or ""
    if has_file and text.strip():
        return form.plan_text, _("Give either a file or pasted text, not both."), None
    if not has_file and not text.strip():
        return form.plan_file, _("Choose a plan file or paste the plan's JSON."), None
    field = form.plan_file if has_file else form.plan_text
    raw = upload.stream.read(MAX_PLAN_FILE_BYTES + 1) if has_file else text.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_PLAN_FILE_BYTES:
        return field, _("The plan is larger than %(size)s MB.", size=MAX_PLAN_FILE_BYTES // (1024 * 1024)), None
    if not raw.strip():
        return field, _("The file is empty."), None
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return field, _("The file is not UTF-8 text."), None
    try:
        # As validate reads it: a name given twice, or NaN, is refused.
        data = json.loads(decoded, object_pairs_hook=json_object, parse_constant=json_constant)
    except RecursionError:
        return field, _("Not JSON: nested too deeply."), None
    except json.JSONDecodeError as error:  # where, not the parser's own English words
        return field, _("Not JSON: the text cannot be read at line %(line)d, column %(column)d.",
                        line=error.lineno, column=error.colno), None
    except JSONConstantError as error:
        return field, _("Not JSON: %(word)s is not a number in JSON.", word=error.word), None
    except ValueError as error:  # e.g. an integer with thousands of digits
        return field, _("Not JSON: %(error)s", error=str(error)[:200]), None
    try:
        plan = ops.importable_plan(parse_plan(data))
    except PlanFormatError as error:
        return field, plan_format_message(error), None
    return field, None, plan


def difference_text(what: str, in_file, on_case) -> str:
    label = {"date_of_birth": _("date of birth"), "unaccompanied_minor": _("unaccompanied minor"),
             "children": _("children"), "reference_date": _("reference date")}[what]
    return _("%(what)s: %(file)s in the file, %(case)s on the case", what=label, file=_as_in_a_file(in_file),
             case=_as_in_a_file(on_case))


def _as_in_a_file(value) -> str:
    """A value of ``case_differences`` as a plan file writes it (PLAN_FORMAT.md)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):  # the children
        return ", ".join(f"{born.isoformat()} ({lives_in})" for born, lives_in in value) or "-"
    return value.isoformat()

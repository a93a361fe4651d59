"""Plan files: the JSON exchange format ``reintegration-plan/1`` (PLAN_FORMAT.md).

``parse_plan`` refuses anything that is not a plan, with a ``PlanFormatError`` naming the
field (``lines[2].amount_dkk``). A file that is a plan but breaks a budget rule parses:
a blank activity description, a missing activity or an amount of ``12.345`` are findings
of ``check_plan``, not format errors. ``null`` for an optional field counts as absent.
Keys the format does not know are ignored. A name given twice in an object of the plan
is refused when the JSON was decoded with ``json_object`` (the ``validate`` command and
the web import do): readers differ on which of the two values counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from .budget import (
    ACTIVITY_KINDS,
    CHILD_RESIDENCES,
    LINE_KINDS,
    Activity,
    BudgetCheck,
    BudgetLine,
    Child,
    Finding,
    Plan,
    Person,
)
from .money import fmt_plain, has_more_than_two_decimals, parse_plain

PLAN_FORMAT = "reintegration-plan/1"
_ROOT = "plan"  # the field named when the document itself is not an object

_T = TypeVar("_T")
_Convert = Callable[[Any, str], _T]


class PlanFormatError(ValueError):
    """The data is not a plan; ``field`` is the path of the offending field.

    ``message`` is the contract's English (the ``validate`` command prints it); ``code``
    and ``params`` say the same for a reader in another language (the web import)."""

    def __init__(self, field: str, message: str, code: str | None = None, **params: Any) -> None:
        self.field = field
        self.message = message
        self.code = code
        self.params = params
        super().__init__(f"{field}: {message}")


class _DecodedObject(dict):
    """A JSON object as ``json_object`` decoded it: the last value of each name, as
    ``json.loads`` keeps, and the first name the object gives twice, if any."""

    __slots__ = ("given_twice",)


def json_object(pairs: list[tuple[str, Any]]) -> dict:
    """``object_pairs_hook`` for ``json.loads`` of a plan file. RFC 8259 leaves an object
    with a name twice to the reader (Python keeps the last value, other readers the first
    or refuse it), so a file that shows a reviewer one amount could pass with another;
    ``parse_plan`` refuses it at the name."""
    decoded = _DecodedObject(pairs)
    decoded.given_twice = None
    if len(decoded) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                decoded.given_twice = key
                break
            seen.add(key)
    return decoded


class JSONConstantError(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: words ``json.loads`` takes, JSON does not."""

    def __init__(self, word: str) -> None:
        self.word = word
        super().__init__(f"{word} is not allowed")


def json_constant(word: str) -> None:
    """``parse_constant`` for ``json.loads`` of a plan file: a file with ``NaN`` is not
    JSON, wherever it stands (the ``validate`` command and the web import agree)."""
    raise JSONConstantError(word)


def parse_plan(data: Any) -> Plan:
    """A ``Plan`` from decoded JSON, or ``PlanFormatError`` on the first fault found."""
    root = _object(data, _ROOT)
    _get(root, "", "format", _one_of((PLAN_FORMAT,)))
    person = _get(root, "", "person", _object)
    return Plan(
        reference_date=_get(root, "", "reference_date", _date, required=False),
        person=Person(
            date_of_birth=_get(person, "person", "date_of_birth", _date),
            unaccompanied_minor=_get(person, "person", "unaccompanied_minor", _boolean, required=False) or False,
        ),
        children=tuple(
            _child(item, f"children[{index}]")
            for index, item in enumerate(_get(root, "", "children", _list, required=False) or ())
        ),
        activity=_get(root, "", "activity", _activity, required=False),
        lines=tuple(
            _line(item, f"lines[{index}]")
            for index, item in enumerate(_get(root, "", "lines", _list, required=False) or ())
        ),
    )


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan in the file format; ``parse_plan(plan_to_json(plan)) == plan``."""
    data: dict[str, Any] = {"format": PLAN_FORMAT}
    if plan.reference_date is not None:
        data["reference_date"] = plan.reference_date.isoformat()
    data["person"] = {
        "date_of_birth": plan.person.date_of_birth.isoformat(),
        "unaccompanied_minor": plan.person.unaccompanied_minor,
    }
    data["children"] = [
        {"date_of_birth": child.date_of_birth.isoformat(), "lives_in": child.lives_in} for child in plan.children
    ]
    if plan.activity is not None:
        data["activity"] = {"kind": plan.activity.kind, "description": plan.activity.description}
    data["lines"] = [_line_to_json(line) for line in plan.lines]
    return data


def check_to_json(check: BudgetCheck, message_for: Callable[[Finding], str]) -> dict[str, Any]:
    """The result of a check in the output format; ``message_for`` words each finding."""
    return {
        "ok": check.ok,
        "rate_table": check.rate_table.id if check.rate_table else None,
        "reference_date": check.reference_date.isoformat(),
        "provider": check.provider,
        "minor_children": check.minor_children,
        "caps": {"cash": fmt_plain(check.caps.cash), "total": fmt_plain(check.caps.total)} if check.caps else None,
        "totals": {
            "cash": fmt_plain(check.totals.cash),
            "in_kind": fmt_plain(check.totals.in_kind),
            "total": fmt_plain(check.totals.total),
        },
        "findings": [_finding_to_json(finding, message_for(finding)) for finding in check.findings],
    }


def parse_iso_date(text: str) -> date:
    """A calendar date written exactly ``YYYY-MM-DD``; ``ValueError`` otherwise.

    ``date.fromisoformat`` alone also takes ``20260601`` and week dates.
    """
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not _ascii_digits(text[:4] + text[5:7] + text[8:]):
        raise ValueError("not an ISO date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO date") from None


def _date(value: Any, path: str) -> date:
    text = _string(value, path, "an ISO date string")
    try:
        return parse_iso_date(text)
    except ValueError as error:
        raise PlanFormatError(path, f"{error}: {_shown(text)}", "date", value=_shown(text)) from None


def _child(value: Any, path: str) -> Child:
    child = _object(value, path)
    return Child(
        date_of_birth=_get(child, path, "date_of_birth", _date),
        lives_in=_get(child, path, "lives_in", _one_of(CHILD_RESIDENCES)),
    )


def _activity(value: Any, path: str) -> Activity:
    activity = _object(value, path)
    return Activity(
        kind=_get(activity, path, "kind", _one_of(ACTIVITY_KINDS)),
        description=_get(activity, path, "description", _string),
    )


def _line(value: Any, path: str) -> BudgetLine:
    line = _object(value, path)
    return BudgetLine(
        kind=_get(line, path, "kind", _one_of(LINE_KINDS)),
        amount_dkk=_get(line, path, "amount_dkk", _decimal),
        month=_get(line, path, "month", _integer),
        category=_get(line, path, "category", _string, required=False),
        description=_get(line, path, "description", _string, required=False),
        currency=_get(line, path, "currency", _string, required=False),
        amount_local=_get(line, path, "amount_local", _decimal, required=False),
        exchange_rate=_get(line, path, "exchange_rate", _decimal, required=False),
    )


def _line_to_json(line: BudgetLine) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": line.kind, "amount_dkk": _amount_text(line.amount_dkk), "month": line.month}
    for key in ("category", "description", "currency"):
        if (text := getattr(line, key)) is not None:
            data[key] = text
    for key in ("amount_local", "exchange_rate"):
        if (number := getattr(line, key)) is not None:
            data[key] = format(number, "f")  # exactly as held: rates have many decimals
    return data


def _amount_text(amount: Decimal) -> str:
    """Two decimals, unless that would change the amount (an amount in error stays as is)."""
    return format(amount, "f") if has_more_than_two_decimals(amount) else fmt_plain(amount)


def _finding_to_json(finding: Finding, message: str) -> dict[str, Any]:
    data: dict[str, Any] = {"rule": finding.rule, "severity": finding.severity}
    if finding.limit is not None:
        data["limit"] = fmt_plain(finding.limit)
    if finding.actual is not None:
        data["actual"] = fmt_plain(finding.actual)
    if finding.line is not None:
        data["line"] = finding.line
    if finding.child is not None:
        data["child"] = finding.child
    data["message"] = message
    return data


def _get(data: dict, parent: str, key: str, convert: _Convert[_T], *, required: bool = True) -> _T | None:
    path = f"{parent}.{key}" if parent else key
    if key not in data:
        if required:
            raise PlanFormatError(path, "missing", "missing")
        return None
    value = data[key]
    if value is None and not required:
        return None
    return convert(value, path)


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _wrong_type(path, "an object", value)
    if (key := getattr(value, "given_twice", None)) is not None:
        field = key if path == _ROOT else f"{path}.{key}"
        raise PlanFormatError(field, "given twice in the file", "duplicate")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise _wrong_type(path, "a list", value)
    return value


def _string(value: Any, path: str, expected: str = "a string") -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, expected, value)
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(path, "true or false", value)
    return value


def _integer(value: Any, path: str) -> int:
    if type(value) is not int:  # bool is an int subclass, but not a month
        raise _wrong_type(path, "an integer", value)
    return value


def _decimal(value: Any, path: str) -> Decimal:
    text = _string(value, path, "a decimal string")
    try:
        return parse_plain(text)
    except ValueError as error:
        raise PlanFormatError(path, f"{error}: {_shown(text)}", "decimal", value=_shown(text)) from None


def _one_of(choices: tuple[str, ...]) -> _Convert[str]:
    expected = choices[0] if len(choices) == 1 else "one of " + ", ".join(choices)

    def convert(value: Any, path: str) -> str:
        if value not in choices:  # also refuses non-strings: no choice equals them
            raise PlanFormatError(path, f"must be {expected}: {_shown(value)}", "choice",
                                  choices=", ".join(choices), value=_shown(value))
        return value

    return convert


def _wrong_type(path: str, expected: str, value: Any) -> PlanFormatError:
    return PlanFormatError(path, f"must be {expected}, not {_shown(value)}", "type", expected=expected,
                           value=_shown(value))


def _shown(value: Any, limit: int = 40) -> str:
    """A given value as an error message quotes it: JSON words, strings quoted, kept short."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[:limit] + "…")
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()

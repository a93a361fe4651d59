"""What the plan pages show, computed in Python so templates stay free of rules and
totals: the check panel's rows, the findings placed beside what caused them, labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlmodel import select

from ..domain import budget
from ..domain.budget import BudgetCheck
from ..domain.planfile import PlanFormatError
from ..domain.violation import Violation
from ..cases.countries import country_name
from ..cases.labels import LIVES_IN, label as case_label
from ..i18n import (format_amount, format_day, format_dkk, format_moment, format_moment_day, format_rate, gettext as _,
                    language, lazy_gettext as _l)
from ..models import Comment, Organisation, PlanVersion, User
from . import decided
from .findings import ShownFinding, shown_findings
from .forms import ACTIVITY_LABELS, CATEGORY_LABELS, LINE_KIND_LABELS

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "returned": _l("Sent back for changes"),
    "rejected": _l("Rejected"),
    "superseded": _l("Superseded by an amendment"),
}
# The rate-table figures, by key, as the rates page, the check and the package name them.
FIGURE_LABELS = {
    "adult_total": _l("Support per adult, cash and in kind together"),
    "cash_non_provider": _l("Cash, person who is not a provider"),
    "cash_provider": _l("Cash, person who is a provider"),
    "child_in_kind": _l("Per minor child, in kind to the project"),
    "child_cash": _l("Per minor child, cash"),
}
# The entitlements of the budget check, by ``budget`` key: the drafting page, the review
# page and the package name them alike.
ENTITLEMENT_LABELS = {
    budget.ADULT_CASH: _l("Adult, cash"),
    budget.ADULT_TOTAL: _l("Adult, cash and in-kind"),
    budget.CHILD_IN_KIND: _l("Child %(n)d, in-kind"),
    budget.CHILD_CASH: _l("Child %(n)d, cash"),
}
STATUS_TAGS = {"draft": "info", "submitted": "warning", "approved": "success", "rejected": "error"}
# A decision's outcome (``Decision.outcome``), and what its reason is to the reader.
OUTCOME_LABELS = {decided.APPROVED: _l("Approved"), decided.SENT_BACK: _l("Sent back for changes"),
                  decided.REJECTED: _l("Rejected")}
REASON_LABELS = {decided.APPROVED: _l("Reason"), decided.SENT_BACK: _l("Points to fix"),
                 decided.REJECTED: _l("Reason for the rejection")}
# The facts of a case that an approved check rests on (``decided.CaseChange.what``).
CASE_FACT_LABELS = {
    "date_of_birth": _l("Date of birth"),
    "unaccompanied_minor": _l("Unaccompanied minor"),
    "children": _l("Children"),
    "reference_date": _l("Reference date"),
    "return_country": _l("Country of return"),
    "partner": _l("Partner"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def violation_message(violation: Violation) -> str:
    if violation.code == "submit.not_draft":
        return _("Only a draft can be submitted; this version is %(status)s.",
                 status=status_label(str(violation.params.get("status"))))
    if violation.code == "submit.has_errors":
        return _("The budget check has errors.")
    if violation.code == "submit.case_closed":
        return _("The case is closed, so no plan can be submitted on it.")
    return violation.code


@dataclass
class CheckView:
    """The check panel: the domain's check with findings in the reader's language."""

    check: BudgetCheck
    findings: list[ShownFinding]
    line_ids: list[str]
    unreadable: int = 0
    by_line: dict[str, list[ShownFinding]] = field(default_factory=dict)
    allocation: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[ShownFinding]:
        return [f for f in self.findings if f.severity == budget.ERROR]

    @property
    def summary_items(self) -> list[dict]:
        """Error findings for the page's error summary, each linked to its cause."""
        return [{"id": f.field or "plan-check", "message": f.message} for f in self.errors]

    def line_id(self, finding: ShownFinding) -> str | None:
        return self.line_ids[finding.line] if finding.line is not None and finding.line < len(self.line_ids) else None


def check_view(check: BudgetCheck, line_ids: list[str] | None = None, unreadable: int = 0,
               line_numbers: list[int] | None = None) -> CheckView:
    """``line_ids[i]`` names the row of the check's line ``i``: ``lines-3`` (a form row,
    whose amount and month fields the findings link to) or ``line-3`` (a table row);
    ``line_numbers[i]`` is the number that row shows ("Line 4"), if not ``i + 1``."""
    line_ids = list(line_ids or [])

    def field_for_line(index: int, rule: str) -> str | None:
        if index >= len(line_ids):
            return None
        base = line_ids[index]
        if not base.startswith("lines-"):
            return base
        if rule == budget.LINE_MONTH:
            return f"{base}-month"
        return f"{base}-kind" if rule == budget.LINE_KIND_DISBURSED else f"{base}-amount_dkk"

    findings = shown_findings(check, field_for_line, line_numbers)
    view = CheckView(check=check, findings=findings, line_ids=line_ids, unreadable=unreadable)
    for finding in findings:
        row = view.line_id(finding)
        if row:
            view.by_line.setdefault(row, []).append(finding)
    if check.allocation is not None:
        for entry in check.allocation.entries:
            view.allocation.append({"label": entitlement_label(entry.key, entry.child), "cap": entry.cap,
                                    "used": entry.used, "budgeted": entry.budgeted, "over": entry.over,
                                    "left": entry.left, "figure": figure_label(entry.figure),
                                    "source": check.rate_table.source(entry.figure, language())})
    return view


def entitlement_label(key: str, child: int | None) -> str:
    text = ENTITLEMENT_LABELS.get(key)
    if text is None:
        return key
    return str(text) % {"n": child + 1} if child is not None else str(text)


def figure_label(figure: str) -> str:
    return str(FIGURE_LABELS.get(figure, figure))


def line_rows(lines, checked: CheckView | None = None) -> list[dict]:
    """Stored lines as table rows, with the findings that belong beside each."""
    rows = []
    for index, line in enumerate(lines):
        local = ""
        if line.amount_local is not None:
            local = f"{format_amount(line.amount_local)} {line.currency or ''}".strip()
        rows.append(_line_row(index, line.kind, line.category, line.description, line.month,
                              format_dkk(line.amount_dkk), local, format_rate(line.exchange_rate),
                              checked.by_line.get(f"line-{index}", []) if checked else []))
    return rows


def typed_line_rows(form) -> list[dict]:
    """The lines of a posted drafting form as table rows, as they were typed (read, not
    judged: they need not be valid), for a page that could not save them. Blank rows are
    left out."""
    rows = []
    for entry in form.lines.entries:
        line = entry.form
        if line.is_blank():
            continue
        local = as_typed(line.amount_local)
        local = f"{local} {as_typed(line.currency)}".strip() if local else ""
        rows.append(_line_row(len(rows), as_typed(line.kind), as_typed(line.category), as_typed(line.description),
                              as_typed(line.month), as_typed(line.amount_dkk), local, as_typed(line.exchange_rate)))
    return rows


def as_typed(field) -> str:
    """What was posted in a field, as typed (empty if nothing was)."""
    return str(field.raw_data[0]).strip() if field.raw_data else ""


def _line_row(index: int, kind, category, description, month, amount_dkk: str, local: str, rate: str,
              findings=()) -> dict:
    """One row of ``plans/_lines_table.html``; a kind or category the labels do not know
    is shown as it is."""
    return {"id": f"line-{index}", "number": index + 1, "kind": str(LINE_KIND_LABELS.get(kind, kind)),
            "category": str(CATEGORY_LABELS.get(category, category or "")), "description": description or "",
            "month": month, "amount_dkk": amount_dkk, "local": local, "exchange_rate": rate,
            "findings": list(findings)}


def narrative_rows(version: PlanVersion) -> dict[str, list[tuple[str, str]]]:
    """The plan's texts as (label, value) rows, grouped as on the drafting page."""
    kind = ACTIVITY_LABELS.get(version.activity_kind) if version.activity_kind else None
    income = format_dkk(version.expected_monthly_income) if version.expected_monthly_income is not None else None
    return _narrative_groups({name: getattr(version, name) for name in NARRATIVE_GROUPS["activity"]
                              + NARRATIVE_GROUPS["support"] + NARRATIVE_GROUPS["risks"]}
                             | {"activity_kind": str(kind) if kind else None, "expected_monthly_income": income})


def typed_narrative_rows(form) -> dict[str, list[tuple[str, str]]]:
    """The texts of a posted drafting form as they were typed (need not be valid), grouped
    as ``narrative_rows``, for a page that could not save them."""
    shown = {name: as_typed(form[name]) for group in NARRATIVE_GROUPS.values() for name in group}
    kind = ACTIVITY_LABELS.get(shown["activity_kind"])
    return _narrative_groups(shown | {"activity_kind": str(kind) if kind else shown["activity_kind"]})


def typed_spread_rows(form) -> list[tuple[str, str]]:
    """The cash to spread over months, as typed, for a page that could not add it: empty
    when nothing was typed in those fields."""
    rows = [(str(form[name].label.text), as_typed(form[name])) for name in form.SPREAD]
    return rows if any(value for _label, value in rows) else []


# The plan's texts, grouped as on the drafting page.
NARRATIVE_GROUPS = {
    "activity": ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
                 "activity_start_month", "realism"),
    "support": ("social_support", "housing", "health", "schooling"),
    "risks": ("risk_health", "risk_traffickers", "risk_management"),
}


def _narrative_groups(shown: dict) -> dict[str, list[tuple[str, str]]]:
    labels = {
        "activity_kind": _("Kind of activity"), "activity_description": _("Description of the activity"),
        "activity_location": _("Location"), "expected_monthly_income": _("Expected monthly income, DKK"),
        "activity_start_month": _("Start month after the return"),
        "realism": _("What makes the activity realistic"), "social_support": _("Social support needs"),
        "housing": _("Housing"), "health": _("Health"), "schooling": _("Schooling of children"),
        "risk_health": _("Health risks"), "risk_traffickers": _("Debt to or fear of traffickers"),
        "risk_management": _("How the risks are managed"),
    }
    return {group: [(labels[name], shown.get(name)) for name in names] for group, names in NARRATIVE_GROUPS.items()}


def decision_summary(taken: decided.DecisionTaken | None, zone: ZoneInfo | None) -> dict | None:
    """A decision as the plan and case pages show it: a title and (label, value) rows,
    the day decided as the reader reads it, in ``zone`` (``access.reader_time_zone``)."""
    if taken is None:
        return None
    decision = taken.decision
    return {"title": _("Decision on version %(n)d", n=taken.version_number),
            "rows": [(_("Decision"), str(OUTCOME_LABELS.get(decision.outcome, decision.outcome))),
                     (_("Decided by"), taken.decided_by), (_("Decided"), format_moment_day(decision.decided_at, zone)),
                     (str(REASON_LABELS.get(decision.outcome, _("Reason"))), decision.reason)]}


def case_change_texts(approved: decided.AsApproved | None) -> list[str]:
    """What changed on the case since the version was approved, one sentence a fact."""
    if approved is None:
        return []
    return [_("%(what)s: %(approved)s when approved, %(now)s now", what=str(CASE_FACT_LABELS[change.what]),
              approved=_case_fact(change.what, change.approved), now=_case_fact(change.what, change.now))
            for change in approved.changes]


def _case_fact(what: str, value) -> str:
    if what == "children":
        return ", ".join(f"{format_day(born)} ({case_label(LIVES_IN, lives_in)})" for born, lives_in in value) \
            or _("no children")
    if what == "return_country":
        return country_name(value) or "–"
    if what == "partner":
        return value or _("no partner")
    if what == "unaccompanied_minor":
        return _("Yes") if value else _("No")
    if value is None:  # a reference date
        return _("no return date")
    return format_day(value)


def comment_rows(db, version_id: int, zone: ZoneInfo | None) -> list[dict]:
    rows = db.exec(select(Comment, User, Organisation).join(User, User.id == Comment.author_id)
                   .join(Organisation, Organisation.id == User.organisation_id)
                   .where(Comment.plan_version_id == version_id).order_by(Comment.created_at, Comment.id)).all()
    return [{"id": c.id, "author": u.name, "organisation": o.name, "body": c.body,
             "at": format_moment(c.created_at, zone)} for c, u, o in rows]


def _file_value(value: str) -> str:
    """A value from the file as a message quotes it: an object or a list is named in words
    (``PlanFormatError``'s English), said here in the reader's language; any other value
    as the file has it (a string quoted, so never mistaken for these words)."""
    return _expected(value) if value in ("an object", "a list") else value


def _expected(phrase: str) -> str:
    return {"an object": _("an object"), "a list": _("a list"), "a string": _("text"),
            "true or false": _("true or false"), "an integer": _("a whole number"),
            "a decimal string": _("an amount written as text, such as \"12500.50\""),
            "an ISO date string": _("a date written as text, such as \"2026-03-01\"")}.get(phrase, phrase)


def plan_format_message(error: PlanFormatError) -> str:
    """Why a plan file cannot be imported, in the reader's language. The field is named by
    its path in the file (``lines[2].amount_dkk``), as PLAN_FORMAT.md names it; a value
    from the file is quoted as the file has it."""
    p = error.params
    where = error.field
    if error.code == "missing":
        text = _("%(field)s is missing.", field=where)
    elif error.code == "type":
        text = _("%(field)s must be %(expected)s; the file has %(value)s.", field=where,
                 expected=_expected(p["expected"]), value=_file_value(p["value"]))
    elif error.code == "choice":
        text = _("%(field)s must be one of %(choices)s; the file has %(value)s.", field=where,
                 choices=p["choices"], value=_file_value(p["value"]))
    elif error.code == "decimal":
        text = _("%(field)s is not an amount such as \"12500.50\" (a point before the øre, no thousands "
                 "separators): %(value)s.", field=where, value=p["value"])
    elif error.code == "date":
        text = _("%(field)s is not a date such as \"2026-03-01\": %(value)s.", field=where, value=p["value"])
    elif error.code == "decimals":
        text = _("%(field)s has more than two decimals: %(value)s.", field=where, value=p["value"])
    elif error.code == "range":
        text = _("%(field)s must be from %(low)s to %(high)s: %(value)s.", field=where, low=p["low"],
                 high=p["high"], value=p["value"])
    elif error.code == "range_decimals":
        text = _("%(field)s must be from 0 to %(high)s with at most %(decimals)d decimals: %(value)s.",
                 field=where, high=p["high"], decimals=p["decimals"], value=p["value"])
    elif error.code == "too_long":
        text = _("%(field)s is longer than %(max)d characters.", field=where, max=p["max"])
    elif error.code == "too_many_lines":
        text = _("The file has %(count)d budget lines; a plan can have at most %(max)d.", count=p["count"],
                 max=p["max"])
    elif error.code == "local_mismatch":
        text = _("%(field)s must be amount_local times exchange_rate, rounded to øre (%(computed)s); the file has "
                 "%(value)s. Correct the amount, or the local amount or the rate.", field=where,
                 computed=p["computed"], value=p["value"])
    elif error.code == "duplicate":
        text = _("%(field)s is given twice in the file; give it once.", field=where)
    elif error.code == "currency":
        text = _("%(field)s is not a three-letter currency code such as NGN: %(value)s.", field=where,
                 value=p["value"])
    else:  # a fault without a code: the contract's own words
        text = f"{where}: {error.message}"
    return _("The plan file cannot be imported. %(reason)s", reason=text)


"""The approval package: one ZIP per approved version, for the archive.

It holds the workbook (summary, plan and activity, budget lines, rate check, follow-up
schedule, decision trail, the comments the approver read), the plan file (PLAN_FORMAT.md,
with the reference date the decision used, so ``python -m reintegration validate`` gives
the app's verdict on any later day), a printable HTML page for signature, and
``manifest.json`` with the SHA-256 of every file and the decision's particulars.

Exporting the same version twice gives the same bytes: everything is computed from what
was decided (the reference date, the rate table, the time of the decision, the names of
who decided, submitted, drafted and commented as they were then: migration 0018), never
from the time of exporting; file order, zip times and permissions are fixed. The person's
name is the one exception: it is read from the case, so a corrected spelling shows (an
anonymised case has no package at all).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import render_template
from flask_babel import force_locale
from openpyxl import Workbook
from sqlmodel import Session, select

from ..approvals.operations import drafter_ids, name_order
from ..approvals.labels import (ACTIVITY_LABELS, CATEGORY_LABELS, FIELD_LABELS, KIND_LABELS, OUTCOME_LABELS,
                                FIGURE_LABELS, entitlement_label, label, shown_value)
from ..cases.countries import country_name
from ..domain import budget as rules
from ..domain.budget import BudgetCheck
from ..domain.followup import schedule
from ..domain.planfile import plan_to_json
from ..domain.rates import RateTables
from ..i18n import format_amount, gettext as _, language, lazy_gettext as _l
from ..models import Case, Comment, Decision, PlanVersion, User
from ..plans.decided import approved_decision, as_approved
from ..plans.findings import shown_findings
from ..plans.mapping import RETURN_ACTUAL, RETURN_NONE, RETURN_PLANNED, StoredPlan, load_plan
from .workbook import (BOLD, DAY, MOMENT, MONEY, RATE, clean_text, cleaned, deterministic_xlsx, fixed_info, naive_utc,
                       table_sheet)

PACKAGE_FORMAT = "reintegration-approval-package/1"
LANGUAGES = ("da", "en")
NARRATIVE = ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
             "activity_start_month", "realism", "social_support", "housing", "health", "schooling", "risk_health",
             "risk_traffickers", "risk_management")

# The words for the rate check, in the reader's language: a finding's rule and its
# severity (the rate-table figure a cap comes from: ``labels.FIGURE_LABELS``).
RULE_LABELS = {
    rules.RATES_NONE: _l("Rate table"),
    rules.ACTIVITY_MISSING: _l("Income-generating activity"),
    rules.LINE_AMOUNT: _l("Amount of a line"),
    rules.LINE_MONTH: _l("Month of a line"),
    rules.LINE_BELOW_DISBURSED: _l("Line below what was paid out"),
    rules.LINE_REMOVED_DISBURSED: _l("Removed line with payments"),
    rules.LINE_KIND_DISBURSED: _l("Type of a line with payments"),
    rules.CASH_MAX: _l("Cash rate"),
    rules.TOTAL_MAX: _l("Household cap"),
    rules.CHILD_NOT_MINOR: _l("Minor children"),
}
SEVERITY_LABELS = {rules.ERROR: _l("Error"), rules.WARNING: _l("Warning")}

# Which date the follow-up schedule counts from: the return date the decision's
# reference date was (``Decision.reference_basis``, migration 0011).
ACTUAL_RETURN, PLANNED_RETURN, NO_RETURN = RETURN_ACTUAL, RETURN_PLANNED, RETURN_NONE


class Anonymised(LookupError):
    """The case was anonymised when its retention ended: the plan as approved (with the
    person's dates of birth) is gone, so no package can be made any more; the one made
    at the decision is in Hjemrejsestyrelsen's archive."""


class NotApproved(LookupError):
    """The version has no approval, so there is no package."""


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes
    manifest: dict


@dataclass(frozen=True)
class TrailEntry:
    number: int
    drafted_by: tuple[str, ...]
    submitted_at: datetime | None
    submitted_by: str | None
    outcome: str
    decided_by: str
    decided_at: datetime
    reason: str | None
    rate_table: str
    content_sha256: str


@dataclass(frozen=True)
class CommentEntry:
    """A comment on the approved version, read by the approver before deciding."""

    author: str
    written_at: datetime
    text: str


@dataclass(frozen=True)
class PackageData:
    stored: StoredPlan
    decision: Decision
    approver: str
    partner: str | None
    check: BudgetCheck
    document: dict
    trail: list[TrailEntry]
    amends_number: int | None
    comments: list[CommentEntry]

    @property
    def entry(self) -> TrailEntry:
        """The approved version's line of the trail."""
        return self.trail[-1]


def gather(db: Session, version: PlanVersion, tables: RateTables) -> PackageData:
    """Everything the package shows, as it stood at the decision."""
    decision = approved_decision(db, version.id)
    if decision is None:
        raise NotApproved(version.id)
    stored = load_plan(db, version)
    if stored.case.anonymised_at is not None:
        raise Anonymised(version.id)
    # The plan and the rate table as approved, and the country and partner as decided: a
    # later change to the case changes neither the caps shown nor the plan file.
    approved = as_approved(db, decision, stored, tables)
    rows = db.exec(select(PlanVersion, Decision).join(Decision, Decision.plan_version_id == PlanVersion.id)
                   .where(PlanVersion.case_id == version.case_id, PlanVersion.number <= version.number)
                   .order_by(PlanVersion.number)).all()
    trail = [trail_entry(db, v, d) for v, d in rows]
    amends = db.get(PlanVersion, version.amends_id) if version.amends_id else None
    return PackageData(stored, decision, trail[-1].decided_by, approved.partner_name, approved.check,
                       plan_to_json(approved.plan), trail, amends.number if amends else None,
                       comments_read(db, version, decision))


def _names_now(db: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(db.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def trail_entry(db: Session, version: PlanVersion, decision: Decision) -> TrailEntry:
    """One decision of the trail, naming the people as they were called at the decision
    (migration 0018). A decision recorded without the names (none is, since: only a row
    written by hand) names them as they are called now."""
    if decision.drafter_names is not None:
        drafted = tuple(json.loads(decision.drafter_names))
        submitted_by, decided_by = decision.submitted_by_name, decision.decided_by_name or ""
    else:
        drafters = drafter_ids(db, version)
        names = _names_now(db, drafters | {version.submitted_by, decision.decided_by})
        drafted = tuple(sorted((names[i] for i in drafters if i in names), key=name_order))
        submitted_by, decided_by = names.get(version.submitted_by), names.get(decision.decided_by, "")
    return TrailEntry(version.number, drafted, version.submitted_at, submitted_by, decision.outcome, decided_by,
                      decision.decided_at, decision.reason,
                      f"{decision.rate_table_id} v{decision.rate_table_version}", decision.content_sha256)


def comments_read(db: Session, version: PlanVersion, decision: Decision) -> list[CommentEntry]:
    """The comments on the version, oldest first: all of them were there before the
    decision (a decided version takes no more comments), so the approver read them. Each
    names its author as at the decision (``Decision.comment_author_names``, migration
    0018), or as now for a decision recorded without the names."""
    rows = db.exec(select(Comment.id, Comment.author_id, Comment.body, Comment.created_at)
                   .where(Comment.plan_version_id == version.id).order_by(Comment.created_at, Comment.id)).all()
    if decision.comment_author_names is not None:
        authors = json.loads(decision.comment_author_names)
        return [CommentEntry(authors[str(i)], at, body) for i, _author, body, at in rows if str(i) in authors]
    names = _names_now(db, {author for _i, author, _body, _at in rows})
    return [CommentEntry(names.get(author, ""), at, body) for _i, author, body, at in rows]


def base_name(case: Case, version: PlanVersion) -> str:
    return f"{case.reference}-v{version.number}"


def build(db: Session, version: PlanVersion, tables: RateTables, lang: str = "da") -> Package:
    """The package of an approved version in ``lang`` (``da`` or ``en``); ``NotApproved``
    if the version was never approved."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}: {lang!r}")
    data = gather(db, version, tables)
    name = base_name(data.stored.case, version)
    moment = data.decision.decided_at
    basis = data.decision.reference_basis
    with force_locale(lang):
        files = [
            (f"{name}.xlsx", workbook_bytes(data, moment, basis)),
            (f"{name}.json", (json.dumps(data.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
            (f"{name}.html", render_template("exports/package.html", d=data, lang=lang,
                                             rows=[(k, shown(v)) for k, v in summary_rows(data)],
                                             trail=[(t.number, ", ".join(t.drafted_by),
                                                     shown(t.submitted_at) if t.submitted_at else "",
                                                     t.submitted_by or "", label(OUTCOME_LABELS, t.outcome),
                                                     t.decided_by, shown(t.decided_at), t.reason or "")
                                                    for t in data.trail],
                                             comments=[(c.author, shown(c.written_at), c.text)
                                                       for c in data.comments],
                                             narrative=narrative_rows(data), lines=page_line_rows(data),
                                             caps=cap_rows(data), findings=finding_rows(data))
             .encode("utf-8")),
        ]
    manifest = {
        "format": PACKAGE_FORMAT,
        "case_reference": data.stored.case.reference,
        "version": version.number,
        "rate_table": {"id": data.decision.rate_table_id, "version": data.decision.rate_table_version},
        "decision": data.decision.outcome,
        "approver": data.approver,
        "decided_at": naive_utc(moment).isoformat() + "Z",
        "drafted_by": list(data.entry.drafted_by),
        "submitted_by": data.entry.submitted_by,
        "submitted_at": naive_utc(data.entry.submitted_at).isoformat() + "Z" if data.entry.submitted_at else None,
        "comments": [{"author": c.author, "written_at": naive_utc(c.written_at).isoformat() + "Z", "text": c.text}
                     for c in data.comments],
        "reference_date": data.document["reference_date"],
        "content_sha256": data.decision.content_sha256,
        "language": lang,
        "files": [{"name": file_name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
                  for file_name, content in files],
    }
    files.append(("manifest.json", (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
                  .encode("utf-8")))
    return Package(f"{name}.zip", zip_files(files, moment), manifest)


def zip_files(files: list[tuple[str, bytes]], moment: datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(fixed_info(name, moment), content)
    return out.getvalue()


# --- what the files show (in the current locale) ------------------------------------


def shown(value) -> str:
    """A summary value as text for the printable page."""
    if isinstance(value, datetime):
        return naive_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_amount(value)
    return str(value)


def summary_rows(d: PackageData) -> list[tuple[str, object]]:
    case, version, check = d.stored.case, d.stored.version, d.check
    return [
        (_("Case"), case.reference),
        (_("Person"), case.person_name),
        # As approved (the plan the decision kept), like the caps: a corrected date after
        # the decision does not change an archived package.
        (_("Date of birth"), date.fromisoformat(d.document["person"]["date_of_birth"])),
        (_("Country of return"), country_name(d.decision.return_country or case.return_country)),
        (_("Partner"), d.partner or ""),
        (_("Version"), version.number),
        (_("Amends version"), d.amends_number or ""),
        (_("Activity"), label(ACTIVITY_LABELS, version.activity_kind)),
        (_("Reference date"), check.reference_date),
        (_("Rate table"), f"{d.decision.rate_table_id} v{d.decision.rate_table_version}"),
        (_("Provider"), _("Yes") if check.provider else _("No")),
        (_("Minor children"), check.minor_children),
        (_("Cash (DKK)"), check.totals.cash),
        (_("In-kind (DKK)"), check.totals.in_kind),
        (_("Total (DKK)"), check.totals.total),
        (_("Cash cap (DKK)"), check.caps.cash if check.caps else ""),
        (_("Household cap (DKK)"), check.caps.total if check.caps else ""),
        (_("Drafted by"), ", ".join(d.entry.drafted_by)),
        (_("Submitted by"), d.entry.submitted_by or ""),
        (_("Decision"), label(OUTCOME_LABELS, d.decision.outcome)),
        (_("Approved by"), d.approver),
        (_("Decided (UTC)"), naive_utc(d.decision.decided_at)),
        (_("SHA-256 of the approved content"), d.decision.content_sha256),
    ]


def narrative_rows(d: PackageData) -> list[tuple[str, str]]:
    return [(label(FIELD_LABELS, name), shown_value(name, getattr(d.stored.version, name))) for name in NARRATIVE]


# The plan's fields a workbook holds as numbers: an amount and a month.
NUMERIC_NARRATIVE = ("expected_monthly_income", "activity_start_month")


def narrative_cells(d: PackageData) -> list[list]:
    """The workbook's rows of :func:`narrative_rows`, the amount and the month as numbers."""
    version = d.stored.version
    return [[field, getattr(version, name) if name in NUMERIC_NARRATIVE and getattr(version, name) is not None
             else value] for name, (field, value) in zip(NARRATIVE, narrative_rows(d))]


def line_rows(d: PackageData) -> list[list]:
    return [[index, label(KIND_LABELS, line.kind), label(CATEGORY_LABELS, line.category) if line.category else "",
             line.description or "", line.month,
             line.amount_dkk, line.currency or "", line.amount_local, line.exchange_rate]
            for index, line in enumerate(d.stored.lines, start=1)]


def page_line_rows(d: PackageData) -> list[list]:
    """``line_rows`` for the printable page: the local amount and the exchange rate in
    the page's language, as the approval page shows them."""
    return [row[:7] + [shown_value("amount_local", row[7]) if row[7] is not None else "",
                       shown_value("exchange_rate", row[8]) if row[8] is not None else ""]
            for row in line_rows(d)]


def cap_rows(d: PackageData) -> list[list]:
    """Entitlement, cap, what the budget puts on it and what is left: negative by what the
    budget puts beyond the cap (the cash above the cash rate), so each row agrees with
    the totals."""
    entries = d.check.allocation.entries if d.check.allocation else ()
    return [[entitlement_label(e.key, e.child), e.cap, e.budgeted, e.cap - e.budgeted, label(FIGURE_LABELS, e.figure),
             d.check.rate_table.source(e.figure, language())] for e in entries]


def finding_rows(d: PackageData) -> list[list[str]]:
    """The rate check's findings: message, severity, rule and source, in words."""
    return [[f.message, label(SEVERITY_LABELS, f.severity), label(RULE_LABELS, f.rule), f.source or ""]
            for f in shown_findings(d.check)]


def schedule_rows(d: PackageData, basis: str | None) -> tuple[list[list], str]:
    """The follow-up schedule as decided, and the note that says what it counts from.
    No dates without a return date: the reports then fall due from the actual return."""
    table, day = d.check.rate_table, d.check.reference_date
    due = schedule(day, table) if table else []
    rows = [[r.month, r.due if basis != NO_RETURN else None, _("Yes") if r.final else _("No")] for r in due]
    if basis == ACTUAL_RETURN:
        note = _("Counted from the actual return date %(date)s, recorded when the plan was decided.",
                 date=day.isoformat())
    elif basis == PLANNED_RETURN:
        note = _("Counted from the planned return date %(date)s, as it stood when the plan was decided. The "
                 "reports fall due counted from the actual return date once it is recorded.", date=day.isoformat())
    elif basis == NO_RETURN:
        note = _("The case had no return date when the plan was decided, so no dates are given: each report "
                 "falls due the given number of months after the actual return.")
    else:  # decided before the decision kept what its reference date was (migration 0011)
        note = _("Counted from the decision's reference date %(date)s: the return date known when the plan was "
                 "decided, or the day of deciding if none was known.", date=day.isoformat())
    return rows, note


def workbook_bytes(d: PackageData, moment: datetime, basis: str | None) -> bytes:
    wb = Workbook()
    wb.properties.creator = "reintegration"
    wb.properties.title = clean_text(f"{d.stored.case.reference} v{d.stored.version.number}")
    summary = table_sheet(wb, _("Summary"), [_("Field"), _("Value")], [list(r) for r in summary_rows(d)],
                          [34, 70], first=True)
    for (label_cell, value_cell) in summary.iter_rows(min_row=2):
        if isinstance(value_cell.value, datetime):
            value_cell.number_format = MOMENT
        elif hasattr(value_cell.value, "isoformat"):
            value_cell.number_format = DAY
        elif not isinstance(value_cell.value, (int, str)):
            value_cell.number_format = MONEY
    plan_sheet = table_sheet(wb, _("Plan and activity"), [_("Field"), _("Value")], narrative_cells(d), [34, 90],
                             wrap=(1,))
    for (_label_cell, value_cell) in plan_sheet.iter_rows(min_row=2):
        if isinstance(value_cell.value, Decimal):
            value_cell.number_format = MONEY
    table_sheet(wb, _("Budget lines"),
                ["#", _("Kind"), _("Category"), _("Description"), _("Month"), _("Amount (DKK)"), _("Currency"),
                 _("Local amount"), _("Exchange rate")],
                line_rows(d), [5, 12, 18, 44, 8, 16, 10, 16, 14], formats={5: MONEY, 7: MONEY, 8: RATE}, wrap=(3,))
    check_sheet = table_sheet(wb, _("Rate check"),
                              [_("Entitlement"), _("Cap (DKK)"), _("Used (DKK)"), _("Left (DKK)"), _("Rule"),
                               _("Source")], cap_rows(d), [24, 14, 14, 14, 18, 90],
                              formats={1: MONEY, 2: MONEY, 3: MONEY}, wrap=(5,))
    findings = finding_rows(d)
    if findings:
        check_sheet.append([])
        check_sheet.append([_("Finding"), _("Severity"), "", "", _("Rule"), _("Source")])
        for cell in check_sheet[check_sheet.max_row]:
            cell.font = BOLD
        for message, severity, rule, source in findings:
            check_sheet.append(cleaned([message, severity, "", "", rule, source]))
    due, note = schedule_rows(d, basis)
    follow = table_sheet(wb, _("Follow-up schedule"), [_("Month after return"), _("Due"), _("Final report")],
                         due, [20, 14, 14], formats={1: DAY})
    follow.append([])
    follow.append(cleaned([note]))
    table_sheet(wb, _("Decision trail"),
                [_("Version"), _("Drafted by"), _("Submitted (UTC)"), _("Submitted by"), _("Decision"),
                 _("Decided by"), _("Decided (UTC)"), _("Reason"), _("Rate table"), _("SHA-256")],
                [[t.number, ", ".join(t.drafted_by), naive_utc(t.submitted_at) if t.submitted_at else "",
                  t.submitted_by or "", label(OUTCOME_LABELS, t.outcome), t.decided_by, naive_utc(t.decided_at),
                  t.reason or "", t.rate_table, t.content_sha256] for t in d.trail],
                [9, 30, 20, 20, 20, 20, 20, 40, 16, 66], formats={2: MOMENT, 6: MOMENT}, wrap=(1, 7))
    # The comments the approver read before deciding, as written (text stays text:
    # ``deterministic_xlsx`` keeps a comment beginning with "=" from becoming a formula).
    table_sheet(wb, _("Comments"), [_("Written by"), _("Written (UTC)"), _("Comment")],
                [[c.author, naive_utc(c.written_at), c.text] for c in d.comments], [24, 20, 90],
                formats={1: MOMENT}, wrap=(2,))
    return deterministic_xlsx(wb, moment)

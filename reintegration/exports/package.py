"""The approval package: one ZIP per approved version, for the archive.

It holds the workbook (summary, plan and activity, budget lines, rate check, follow-up
schedule, decision trail), the plan file (PLAN_FORMAT.md, with the reference date the
decision used, so ``python -m reintegration validate`` gives the app's verdict on any
later day), a printable HTML page for signature, and ``manifest.json`` with the SHA-256 of
every file and the decision's particulars.

Exporting the same version twice gives the same bytes: everything is computed from what
was decided (the reference date, the rate table, the time of the decision), never from
the time of exporting; file order, zip times and permissions are fixed.
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

from ..approvals.labels import (ACTIVITY_LABELS, CATEGORY_LABELS, FIELD_LABELS, KIND_LABELS, OUTCOME_LABELS,
                                entitlement_label, label, shown_value)
from ..cases.countries import country_name
from ..domain.budget import BudgetCheck, check_plan
from ..domain.followup import schedule
from ..domain.planfile import parse_plan, plan_to_json
from ..domain.rates import RateTables
from ..i18n import format_amount, gettext as _
from ..models import Case, Decision, Organisation, PlanVersion, User
from ..plans.findings import shown_findings
from ..plans.mapping import StoredPlan, decided_plan, load_plan
from .workbook import BOLD, DAY, MOMENT, MONEY, RATE, deterministic_xlsx, fixed_info, naive_utc, table_sheet

PACKAGE_FORMAT = "reintegration-approval-package/1"
LANGUAGES = ("da", "en")
NARRATIVE = ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
             "activity_start_month", "realism", "social_support", "housing", "health", "schooling", "risk_health",
             "risk_traffickers", "risk_management")


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
    submitted_at: datetime | None
    submitted_by: str | None
    outcome: str
    decided_by: str
    decided_at: datetime
    reason: str | None
    rate_table: str
    content_sha256: str


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


def approved_decision(db: Session, version_id: int) -> Decision | None:
    return db.exec(select(Decision).where(Decision.plan_version_id == version_id,
                                          Decision.outcome == "approved")).first()


def gather(db: Session, version: PlanVersion, tables: RateTables) -> PackageData:
    """Everything the package shows, as it stood at the decision."""
    decision = approved_decision(db, version.id)
    if decision is None:
        raise NotApproved(version.id)
    stored = load_plan(db, version)
    if decision.plan_document:
        # The plan as approved: a later change to the case (a child added, a date
        # corrected) changes neither the caps shown nor the plan file.
        plan = parse_plan(json.loads(decision.plan_document))
    else:  # decided before the decision kept its plan (migration 0009)
        plan = decided_plan(stored, decision.reference_date or decision.decided_at.date())
    check = check_plan(plan, tables, plan.reference_date)
    trail = []
    rows = db.exec(select(PlanVersion, Decision).join(Decision, Decision.plan_version_id == PlanVersion.id)
                   .where(PlanVersion.case_id == version.case_id, PlanVersion.number <= version.number)
                   .order_by(PlanVersion.number)).all()
    user_ids = {d.decided_by for _v, d in rows} | {v.submitted_by for v, _d in rows if v.submitted_by}
    names = dict(db.exec(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    for v, d in rows:
        trail.append(TrailEntry(v.number, v.submitted_at, names.get(v.submitted_by), d.outcome,
                                names.get(d.decided_by, ""), d.decided_at, d.reason,
                                f"{d.rate_table_id} v{d.rate_table_version}", d.content_sha256))
    partner = db.get(Organisation, stored.case.partner_id) if stored.case.partner_id else None
    amends = db.get(PlanVersion, version.amends_id) if version.amends_id else None
    return PackageData(stored, decision, names.get(decision.decided_by, ""), partner.name if partner else None,
                       check, plan_to_json(plan), trail, amends.number if amends else None)


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
    with force_locale(lang):
        files = [
            (f"{name}.xlsx", workbook_bytes(data, moment)),
            (f"{name}.json", (json.dumps(data.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
            (f"{name}.html", render_template("exports/package.html", d=data, lang=lang,
                                             rows=[(k, shown(v)) for k, v in summary_rows(data)],
                                             trail=[(t.number, label(OUTCOME_LABELS, t.outcome), t.decided_by,
                                                     shown(t.decided_at), t.reason or "") for t in data.trail],
                                             narrative=narrative_rows(data), lines=line_rows(data),
                                             caps=cap_rows(data), findings=shown_findings(data.check))
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
        (_("Country of return"), country_name(case.return_country)),
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
        (_("Decision"), label(OUTCOME_LABELS, d.decision.outcome)),
        (_("Approved by"), d.approver),
        (_("Decided (UTC)"), naive_utc(d.decision.decided_at)),
        (_("SHA-256 of the approved content"), d.decision.content_sha256),
    ]


def narrative_rows(d: PackageData) -> list[tuple[str, str]]:
    return [(label(FIELD_LABELS, name), shown_value(name, getattr(d.stored.version, name))) for name in NARRATIVE]


def line_rows(d: PackageData) -> list[list]:
    return [[index, label(KIND_LABELS, line.kind), label(CATEGORY_LABELS, line.category) if line.category else "",
             line.description or "", line.month,
             line.amount_dkk, line.currency or "", line.amount_local, line.exchange_rate]
            for index, line in enumerate(d.stored.lines, start=1)]


def cap_rows(d: PackageData) -> list[list]:
    entries = d.check.allocation.entries if d.check.allocation else ()
    return [[entitlement_label(e.key, e.child), e.cap, e.used, e.left, e.figure, e.source] for e in entries]


def workbook_bytes(d: PackageData, moment: datetime) -> bytes:
    wb = Workbook()
    wb.properties.creator = "reintegration"
    wb.properties.title = f"{d.stored.case.reference} v{d.stored.version.number}"
    summary = table_sheet(wb, _("Summary"), [_("Field"), _("Value")], [list(r) for r in summary_rows(d)],
                          [34, 70], first=True)
    for (label_cell, value_cell) in summary.iter_rows(min_row=2):
        if isinstance(value_cell.value, datetime):
            value_cell.number_format = MOMENT
        elif hasattr(value_cell.value, "isoformat"):
            value_cell.number_format = DAY
        elif not isinstance(value_cell.value, (int, str)):
            value_cell.number_format = MONEY
    table_sheet(wb, _("Plan and activity"), [_("Field"), _("Value")], [list(r) for r in narrative_rows(d)],
                [34, 90], wrap=(1,))
    table_sheet(wb, _("Budget lines"),
                ["#", _("Kind"), _("Category"), _("Description"), _("Month"), _("Amount (DKK)"), _("Currency"),
                 _("Local amount"), _("Exchange rate")],
                line_rows(d), [5, 12, 18, 44, 8, 16, 10, 16, 14], formats={5: MONEY, 7: MONEY, 8: RATE}, wrap=(3,))
    check_sheet = table_sheet(wb, _("Rate check"),
                              [_("Entitlement"), _("Cap (DKK)"), _("Used (DKK)"), _("Left (DKK)"), _("Rule"),
                               _("Source")], cap_rows(d), [24, 14, 14, 14, 18, 90],
                              formats={1: MONEY, 2: MONEY, 3: MONEY}, wrap=(5,))
    findings = shown_findings(d.check)
    if findings:
        check_sheet.append([])
        check_sheet.append([_("Finding"), _("Severity"), "", "", _("Rule"), _("Source")])
        for cell in check_sheet[check_sheet.max_row]:
            cell.font = BOLD
        for f in findings:
            check_sheet.append([f.message, f.severity, "", "", f.rule, f.source or ""])
    table = d.check.rate_table
    due = schedule(d.check.reference_date, table) if table else []
    follow = table_sheet(wb, _("Follow-up schedule"), [_("Month after return"), _("Due"), _("Final report")],
                         [[r.month, r.due, _("Yes") if r.final else _("No")] for r in due], [20, 14, 14],
                         formats={1: DAY})
    follow.append([])
    follow.append([_("Counted from the return date %(date)s (the planned date when decided).",
                     date=d.check.reference_date.isoformat())])
    table_sheet(wb, _("Decision trail"),
                [_("Version"), _("Submitted (UTC)"), _("Submitted by"), _("Decision"), _("Decided by"),
                 _("Decided (UTC)"), _("Reason"), _("Rate table"), _("SHA-256")],
                [[t.number, naive_utc(t.submitted_at) if t.submitted_at else "", t.submitted_by or "",
                  label(OUTCOME_LABELS, t.outcome), t.decided_by, naive_utc(t.decided_at), t.reason or "",
                  t.rate_table, t.content_sha256] for t in d.trail],
                [9, 20, 20, 20, 20, 20, 40, 16, 66], formats={1: MOMENT, 5: MOMENT}, wrap=(6,))
    return deterministic_xlsx(wb, moment)

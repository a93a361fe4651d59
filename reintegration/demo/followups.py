"""Demo follow-up: two returned cases with reports, payments with receipts, one overdue
report and one open risk alert, written through the same operations as the pages.

Runs after the approvals step and uses the versions it approved. If fewer than two
approved demo versions exist (say the approvals step is not installed), it approves
submitted ones itself with a Decision by approver@hjem.demo, always leaving at least one
submitted version in the approval queue. Dates are relative to the day of loading.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from sqlmodel import Session, select

from ..approvals.operations import drafter_ids, names_at_decision
from ..audit import record
from ..domain import workflow as wf
from ..domain.followup import add_months, period_end
from ..followup import operations as ops
from ..followup.questions import current as current_questions
from ..followup.status import lines_of
from ..models import Case, Decision, FollowUpReport, PlanVersion, User
from .cases import returned_on

# Who returned: (lines paid up to this month, the reports to submit: (month, risk
# indicators)). The day each returned is the cases step's (cases.returned_on): their
# reflection period and planned return were set before it.
RETURNS = {
    # Money on plan; the month-6 report is left overdue; the month-9 restock is left for
    # the partner officer to pay (she returned 250 days ago: month 9 of her year).
    "Blessing Okoro": (8, [(1, ()), (3, ())]),
    "Malee Srisuk": (2, [(1, ("debt_to_trafficker", "threats"))]),  # under plan; the open risk alert
}
PREFERRED = tuple(RETURNS)  # only these: another case's dates are those of a return still ahead


@dataclass
class DemoFile:
    """An upload made in code (what a browser would send)."""

    filename: str
    data: bytes

    @property
    def stream(self):
        return io.BytesIO(self.data)


def tiny_png(title: str = "") -> bytes:
    """A valid 1×1 grey PNG; ``title`` (a ``tEXt`` chunk) says what it stands for, so that
    the demo's photos are different files, as real photos are (CMM's payments table notes
    a file attached twice by its content)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    text = chunk(b"tEXt", b"Title\x00" + title.encode("latin-1")) if title else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + text + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF saying ``text`` (ASCII)."""
    stream = f"BT /F1 14 Tf 40 760 Td ({text}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _approved_cases(db: Session, app: Flask) -> list[Case]:
    """Demo cases with an approved version (approving submitted ones if needed)."""
    def approved(name):
        return db.exec(select(Case).join(PlanVersion, PlanVersion.case_id == Case.id)
                       .where(Case.person_name == name, PlanVersion.status == wf.APPROVED)).first()

    cases = [c for c in (approved(name) for name in PREFERRED) if c is not None]
    submitted = db.exec(select(PlanVersion).where(PlanVersion.status == wf.SUBMITTED)).all()
    approver = db.exec(select(User).where(User.email == "approver@hjem.demo")).one()
    tables = app.extensions["rate_tables"]
    for name in PREFERRED:
        if len(cases) >= len(RETURNS) or len(submitted) <= 1:
            break
        version = next((v for v in submitted
                        if db.get(Case, v.case_id).person_name == name), None)
        if version is None:
            continue
        table = tables.get(version.rate_table_id) if version.rate_table_id else tables.latest()
        version.status = wf.APPROVED
        db.add(version)
        db.add(Decision(plan_version_id=version.id, outcome="approved", decided_by=approver.id,
                        reason="Approved (demo data).", rate_table_id=table.id, rate_table_version=table.version,
                        content_sha256=version.content_sha256 or "0" * 64,
                        **names_at_decision(db, version, approver, drafter_ids(db, version))))
        case = db.get(Case, version.case_id)
        case.status = wf.CASE_APPROVED
        db.add(case)
        record(db, "plan.approved", user=approver, obj=version, case_id=case.id, detail={"demo": True})
        db.commit()
        submitted = [v for v in submitted if v.id != version.id]
        cases.append(case)
    return cases[: len(RETURNS)]


def _answer(question, doing_well: bool) -> str:
    """A plausible answer: second best when doing well, second worst when not."""
    scored = sorted((o for o in question.options if o.score is not None), key=lambda o: o.score)
    if len(scored) < 3:
        return scored[-1 if doing_well else 0].key
    return scored[-2 if doing_well else 1].key


def load(db: Session, app: Flask) -> str:
    questions = current_questions()
    cases = _approved_cases(db, app)
    if not cases:
        return "Demo follow-up: no approved plans to follow up."
    approver = db.exec(select(User).where(User.email == "approver@hjem.demo")).one()
    caseworker = db.exec(select(User).where(User.email == "caseworker@drc.demo")).one()
    today = date.today()
    payments = alerts = 0
    tables = app.extensions["rate_tables"]
    for case in cases:
        paid_up_to, submissions = RETURNS[case.person_name]
        partner = db.exec(select(User).where(User.role == "partner", User.organisation_id == case.partner_id)).first()
        returned = returned_on(case.person_name, today, tables)
        table = tables.for_date(returned) or tables.latest()
        returned = max(returned, table.valid_from)
        if case.caseworker_id is None:
            case.caseworker_id = caseworker.id
        ops.record_return(db, case, returned, seen_revision=case.revision, user=approver)
        db.refresh(case)
        if partner is None:
            continue
        version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == wf.APPROVED)
                          .order_by(PlanVersion.number.desc())).first()
        lines = lines_of(db, [version.id]).get(version.id, [])
        # Pay the lines planned so far (up to ``paid_up_to``), each with a receipt or photo.
        for i, line in enumerate(line for line in lines if line.month <= paid_up_to):
            paid_on = min(today, add_months(returned, line.month - 1) + timedelta(days=3 + i % 20))
            if paid_on > period_end(returned, table):
                continue
            local = line.amount_local if line.currency and line.exchange_rate else None
            files = [DemoFile(f"receipt-{i + 1}.pdf", tiny_pdf(f"Receipt {i + 1} {case.reference}"))] if i % 2 == 0 \
                else [DemoFile(f"photo-{i + 1}.png", tiny_png(f"Photo {i + 1} {case.reference}"))]
            ops.record_disbursement(db, case, user=partner, line_key=line.line_key, paid_on=paid_on,
                                    amount_local=local, amount_dkk=None if local else line.amount_dkk,
                                    note="Demo payment", files=files)
            payments += 1
        for month, risks in submissions:
            report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id,
                                                          FollowUpReport.due_month == month)).one()
            answers = {q.key: _answer(q, doing_well=not risks) for q in questions.questions}
            data = ops.ReportInput(
                contact_date=min(today, report.due_date - timedelta(days=3)), contact_kind="visit",
                activity_status="running" if not risks else "delayed", income_local=Decimal("85000"),
                monthly_income=None, housing="Rents two rooms near the shop.", health="Takes her medication.",
                schooling="The children go to school.",
                wellbeing="Feels safer than at the last visit." if not risks else "Anxious; has received calls.",
                notes=None, answers=answers, risk_indicators=risks)
            alert = ops.submit_report(db, case, report, report.revision, data, user=partner, questions=questions,
                                      files=[DemoFile("visit-photo.png", tiny_png(f"Visit, month {month}, {case.reference}"))])
            alerts += alert is not None
    return (f"Demo follow-up: {len(cases)} returned cases, {payments} payments with receipts, "
            f"{alerts} open risk alert(s), overdue reports included.")

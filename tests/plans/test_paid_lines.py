"""What was paid stays paid: an amendment that drops a budget line money was paid out on
is an error for the drafting check, the live check and submission, as for the approver."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent, PlanVersion
from reintegration.plans import operations as ops
from reintegration.plans.mapping import load_plan
from support import approved_plan_and_amendment

APPROVED = [("cash-1", "cash", "4515.00", "Monthly allowance"), ("kit-1", "in_kind", "8000.00", "Sewing machines")]
# Keeps the cash, drops the paid in-kind line, adds 30,000 kr. in-kind: 34,515 kr. is
# within the caps, but the household would get 42,515 kr. with what was paid.
DROPPED = [("cash-1", "cash", "4515.00", "Monthly allowance"), ("rent-1", "in_kind", "30000.00", "Workshop rent")]
TODAY = date(2026, 5, 1)


@pytest.fixture
def dropped(auth, db, make_case):
    """An approved plan with 8,000 kr. paid on its in-kind line, and a draft amendment
    that drops that line; the caseworker is logged in."""
    user = auth.login("caseworker", locale="en")
    case = make_case(planned_return=date(2026, 6, 1))
    first, amendment = approved_plan_and_amendment(db, case, approved=APPROVED, paid={"kit-1": "8000.00"},
                                                   amendment=DROPPED, recorded_by=user.id)
    return case, user, first, amendment


def test_the_drafting_check_finds_the_removed_paid_line(app, db, dropped):
    case, _user, _first, amendment = dropped
    tables = app.extensions["rate_tables"]
    check = ops.check_version(db, load_plan(db, amendment), tables, TODAY)
    assert not check.ok
    [finding] = [f for f in check.findings if f.severity == "error"]
    assert (finding.rule, finding.limit) == ("line.removed_disbursed", 8000)
    assert finding.params["description"] == "Sewing machines"  # as it read when paid

    # The live check of the form (unsaved lines) says the same.
    narrative = {"activity_kind": "business", "activity_description": "Tailoring workshop"}
    lines = [ops.LineValues(kind=kind, month=1, amount_dkk=Decimal(amount), description=description, line_key=key)
             for key, kind, amount, description in DROPPED]
    live = ops.check_unsaved(db, case, narrative, lines, tables, TODAY)
    assert [f.rule for f in live.findings if f.severity == "error"] == ["line.removed_disbursed"]

    # Keeping the paid line (lowered to what was paid, no lower) within the caps is fine.
    kept = [lines[0], ops.LineValues(kind="in_kind", month=1, amount_dkk=Decimal("8000.00"), line_key="kit-1"),
            ops.LineValues(kind="in_kind", month=1, amount_dkk=Decimal("27485.00"), line_key="rent-1")]
    assert ops.check_unsaved(db, case, narrative, kept, tables, TODAY).ok


def test_the_finding_reads_as_the_approver_reads_it(app, db, dropped):
    from flask_babel import force_locale

    from reintegration.plans.findings import message

    _case, _user, _first, amendment = dropped
    check = ops.check_version(db, load_plan(db, amendment), app.extensions["rate_tables"], TODAY)
    [finding] = check.findings
    with app.test_request_context("/"):
        danish = message(finding, check).replace("\xa0", " ")
        with force_locale("en"):
            english = message(finding, check).replace("\xa0", " ")
    assert english == "A removed line (Sewing machines) had DKK 8,000.00 paid out on it; lower it to what was " \
                      "paid instead of removing it."
    assert danish.startswith("En fjernet linje (Sewing machines) har fået udbetalt 8.000,00 kr.")


def test_submitting_the_amendment_is_refused(app, db, dropped):
    _case, user, _first, amendment = dropped
    with pytest.raises(ops.SubmitRefused) as refused:
        ops.submit_version(db, amendment, seen_revision=amendment.revision, user=user,
                           tables=app.extensions["rate_tables"], today=TODAY)
    assert [v.code for v in refused.value.violations] == ["submit.has_errors"]
    assert [f.rule for f in refused.value.check.findings] == ["line.removed_disbursed"]
    db.expire_all()
    stored = db.get(PlanVersion, amendment.id)
    assert (stored.status, stored.submitted_at, stored.content_sha256) == ("draft", None, None)


def test_the_submit_button_leaves_the_amendment_a_draft(auth, db, dropped):
    case, _user, _first, amendment = dropped
    response = auth.post(f"/cases/{case.id}/plans/{amendment.id}/submit", {"revision": str(amendment.revision)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{amendment.id}/edit")
    db.expire_all()
    assert db.get(PlanVersion, amendment.id).status == "draft"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.submit")).all() == []


def test_the_approver_check_counts_the_removed_line_once(app, db, dropped):
    from reintegration.approvals import operations as approvals

    _case, _user, first, amendment = dropped
    check = approvals.check_version(db, load_plan(db, amendment), app.extensions["rate_tables"], TODAY,
                                    approvals.version_lines(db, first.id))
    assert check.has_errors and check.error_rules == ["line.removed_disbursed"]
    assert [(r.line_key, r.description, r.paid) for r in check.removed_paid] == [("kit-1", "Sewing machines", 8000)]

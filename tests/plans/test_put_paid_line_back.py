"""A paid line removed from an amendment can be put back (the drafting page's button
beside the line.removed_disbursed finding), and importing the approved version's plan
file into an amendment keeps the paid lines' keys: an amendment that dropped a paid
line is never stuck."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.models import AuditEvent, BudgetLine, Disbursement, PlanVersion
from reintegration.plans import operations as ops

from plan_helpers import base_form, edit_url, stored_lines


def _amendment_without_the_paid_line(auth, db, returned_case):
    """The audit's reproduction: a returned case with an approved plan, 3,000 DKK paid on
    its in-kind line, an amendment saved without that line. Returns the case, the
    approved version, the amendment and the paid line."""
    user = auth.login("caseworker", locale="en")
    case = returned_case()
    approved = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    paid_line = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == approved.id,
                                                 BudgetLine.kind == "in_kind")).one()
    db.add(Disbursement(case_id=case.id, line_key=paid_line.line_key, plan_version_id=approved.id,
                        paid_on=date.today() - timedelta(days=5), amount_dkk=Decimal("3000.00"),
                        recorded_by=user.id))
    db.commit()
    response = auth.post(f"/cases/{case.id}/plans")
    assert response.status_code == 302
    amendment = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == "draft")
                        ).one()
    assert amendment.amends_id == approved.id
    cash = next(line for line in stored_lines(db, amendment) if line.kind == "cash")
    form = base_form(amendment, [{"kind": "cash", "category": "allowance", "description": cash.description,
                                  "month": str(cash.month), "amount_dkk": "4515.00", "line_key": cash.line_key}])
    assert auth.post(edit_url(amendment), form).status_code == 302
    db.expire_all()
    amendment = db.get(PlanVersion, amendment.id)
    assert paid_line.line_key not in [line.line_key for line in stored_lines(db, amendment)]
    return case, approved, amendment, paid_line


def test_the_stuck_amendment_is_refused_then_the_line_is_put_back_and_it_submits(auth, db, client, returned_case):
    case, _approved, amendment, paid_line = _amendment_without_the_paid_line(auth, db, returned_case)
    submit = f"/cases/{case.id}/plans/{amendment.id}/submit"
    response = auth.post(submit, {"revision": str(amendment.revision)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "paid out on it" in page and db.get(PlanVersion, amendment.id).status == "draft"

    # The drafting page offers the button beside the finding, as a button of the drafting form.
    button = re.search(r'<button type="submit" form="plan-form" name="action" value="restore_line:([^"]+)"[^>]*>'
                       r'([^<]+)</button>', page)
    assert button and button.group(1) == paid_line.line_key
    assert "Put the line" in button.group(2) and paid_line.description in button.group(2)

    # Pressing it saves what the form holds, plus the line as it is in the approved version.
    cash = next(line for line in stored_lines(db, amendment) if line.kind == "cash")
    form = base_form(amendment, [{"kind": "cash", "category": "allowance", "description": cash.description,
                                  "month": str(cash.month), "amount_dkk": "4515.00", "line_key": cash.line_key}],
                     action=f"restore_line:{paid_line.line_key}")
    response = auth.post(edit_url(amendment), form)
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    lines = stored_lines(db, amendment)
    restored = lines[-1]
    assert [(r.line_key, r.kind, r.category, r.description, r.month, r.amount_dkk, r.currency, r.amount_local,
             r.exchange_rate) for r in [restored]] == [
        (paid_line.line_key, paid_line.kind, paid_line.category, paid_line.description, paid_line.month,
         paid_line.amount_dkk, paid_line.currency, paid_line.amount_local, paid_line.exchange_rate)]
    db.expire_all()
    amendment = db.get(PlanVersion, amendment.id)
    assert amendment.check_ok is True
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.update")).all()

    response = auth.post(submit, {"revision": str(amendment.revision)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{amendment.id}")
    db.expire_all()
    assert db.get(PlanVersion, amendment.id).status == "submitted"


@pytest.mark.parametrize("which", ["unpaid", "unknown", "present", "empty"])
def test_only_a_removed_paid_line_can_be_put_back(auth, db, returned_case, which):
    case, approved, amendment, paid_line = _amendment_without_the_paid_line(auth, db, returned_case)
    cash = next(line for line in stored_lines(db, amendment) if line.kind == "cash")
    rows = [{"kind": "cash", "category": "allowance", "description": cash.description, "month": str(cash.month),
             "amount_dkk": "4515.00", "line_key": cash.line_key}]
    key = {"unpaid": cash.line_key, "unknown": "no-such-key", "present": paid_line.line_key, "empty": ""}[which]
    if which == "present":  # a forged row holding the key already
        rows.append({"kind": "in_kind", "category": "equipment", "description": "Forged", "month": "2",
                     "amount_dkk": "3000.00", "line_key": paid_line.line_key})
    before = [(line.line_key, line.amount_dkk) for line in stored_lines(db, amendment)]
    response = auth.post(edit_url(amendment), base_form(amendment, rows, action=f"restore_line:{key}"))
    assert response.status_code == 422
    assert "That line cannot be put back" in response.get_data(as_text=True)
    assert [(line.line_key, line.amount_dkk) for line in stored_lines(db, amendment)] == before
    db.expire_all()
    assert db.get(PlanVersion, amendment.id).revision == amendment.revision


def test_putting_back_on_a_submitted_version_is_the_frozen_page(auth, db, returned_case):
    case, _approved, amendment, paid_line = _amendment_without_the_paid_line(auth, db, returned_case)
    db.execute(PlanVersion.__table__.update().where(PlanVersion.id == amendment.id).values(status="submitted"))
    db.commit()
    response = auth.post(edit_url(amendment), base_form(amendment, action=f"restore_line:{paid_line.line_key}"))
    assert response.status_code == 409


def test_importing_the_approved_file_keeps_the_paid_line(auth, db, client, returned_case):
    case, approved, amendment, paid_line = _amendment_without_the_paid_line(auth, db, returned_case)
    exported = client.get(f"/cases/{case.id}/plans/{approved.id}/plan.json")
    assert exported.status_code == 200
    response = auth.post(f"/cases/{case.id}/plans/{amendment.id}/import",
                         {"revision": str(amendment.revision), "plan_text": exported.get_data(as_text=True)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    approved_keys = [line.line_key for line in stored_lines(db, approved)]
    assert [line.line_key for line in stored_lines(db, amendment)] == approved_keys
    db.expire_all()
    assert db.get(PlanVersion, amendment.id).check_ok is True


def test_the_matching_rule():
    def row(key, kind="in_kind", month=1, amount="100.00", description="Tools", category="equipment"):
        return BudgetLine(plan_version_id=1, line_key=key, kind=kind, month=month, amount_dkk=Decimal(amount),
                          description=description, category=category)

    def line(kind="in_kind", month=1, amount="100.00", description="Tools", category="equipment"):
        return ops.LineValues(kind=kind, month=month, amount_dkk=Decimal(amount), description=description,
                              category=category, line_key="fresh")

    known = [row("a", amount="100.00"), row("b", amount="200.00"), row("c", kind="cash", description="Cash")]
    kept = ops.keep_known_keys([line(amount="200.00"), line(amount="150.00"), line(amount="100.00"),
                                line(kind="cash", description="Cash", month=2), line(description="Other")], known)
    # Equal lines first (200 takes b, 100 takes a), then same kind/category/description/month
    # (150 finds both taken); another month or description is another line.
    assert [k.line_key for k in kept] == ["b", "fresh", "a", "fresh", "fresh"]
    kept = ops.keep_known_keys([line(amount="150.00")], known)
    assert [k.line_key for k in kept] == ["a"]

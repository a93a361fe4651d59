"""Changing a recorded return date: two people saving at once, what the date may not
leave outside the period, and a save that changes nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlmodel import select

from reintegration.followup import operations as ops
from reintegration.models import AuditEvent, Case, Decision, Disbursement, FollowUpReport, PlanVersion

REVISION_RE = re.compile(r'name="revision"[^>]*value="(\d*)"')


def reports(db, case_id):
    db.expire_all()
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case_id)
                   .order_by(FollowUpReport.due_month)).all()


def form_revision(client, case) -> str:
    page = client.get(f"/followup/cases/{case.id}/return").get_data(as_text=True)
    match = REVISION_RE.search(page)
    assert match and match.group(1), "the return form carries no revision"
    return match.group(1)


def save(auth, case, day: str, revision: str, **kw):
    return auth.post(f"/followup/cases/{case.id}/return", {"return_date": day, "revision": revision}, **kw)


def returned_on(app, db, case, day: date, user):
    with app.test_request_context():
        ops.record_return(db, case, day, seen_revision=case.revision, user=user)
    db.refresh(case)
    return case


def approved_on(db, case, day: date) -> None:
    """Date the case's approval ``day`` (the fixture decides it today)."""
    decision = db.exec(select(Decision).join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                       .where(PlanVersion.case_id == case.id)).one()
    decision.decided_at = datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)
    db.add(decision)
    db.commit()


def paid(db, case, day: date, user, amount="500.00", line=0) -> Disbursement:
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
    row = Disbursement(case_id=case.id, line_key=f"L{case.id}-{line}", plan_version_id=version.id, paid_on=day,
                       amount_dkk=Decimal(amount), recorded_by=user.id)
    db.add(row)
    db.commit()
    return row


def submitted(db, case, month: int, contact: date, user) -> None:
    report = next(r for r in reports(db, case.id) if r.due_month == month)
    report.status, report.contact_date, report.contact_kind = "submitted", contact, "visit"
    report.submitted_by, report.submitted_at = user.id, datetime.now(timezone.utc)
    db.add(report)
    db.commit()


# --- two people saving the return date -------------------------------------------------------

def test_a_stale_save_is_a_conflict_that_keeps_the_input_and_names_the_saved_date(client, auth, db, make_user,
                                                                                   make_approved_case):
    case = make_approved_case()
    first, second = make_user("caseworker", name="Anna First"), make_user("caseworker", name="Bo Second")
    auth.login(first)
    first_revision = form_revision(client, case)
    auth.logout()
    auth.login(second)
    second_revision = form_revision(client, case)
    auth.logout()
    assert first_revision == second_revision

    auth.login(first)
    assert save(auth, case, "2026-08-25", first_revision).status_code == 302
    auth.logout()
    auth.login(second)
    response = save(auth, case, "2026-08-26", second_revision)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The case was changed after you opened this form" in page
    assert "Aug 25, 2026" in page and "Anna First" in page  # what the other person saved, and who
    assert 'value="2026-08-26"' in page  # what this person typed is kept
    db.expire_all()
    saved = db.get(Case, case.id)
    assert saved.actual_return == date(2026, 8, 25)
    assert [r.due_date for r in reports(db, case.id)][0] == date(2026, 9, 25)
    current = REVISION_RE.search(page).group(1)
    assert current == str(saved.revision) != second_revision  # the form now carries the current revision

    # Saving again is a deliberate choice, and it wins.
    assert save(auth, case, "2026-08-26", current).status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 8, 26)
    assert [r.due_date for r in reports(db, case.id)][0] == date(2026, 9, 26)


def test_a_conflict_page_is_shown_in_danish(client, auth, db, make_user, make_approved_case):
    case = make_approved_case()
    auth.login("caseworker")
    stale = form_revision(client, case)
    assert save(auth, case, "2026-08-25", stale).status_code == 302
    auth.logout()
    auth.login("caseworker", locale="da")
    response = save(auth, case, "2026-08-26", stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Sagen blev ændret, efter du åbnede formularen" in page and "25. aug. 2026" in page


def test_a_form_without_a_revision_saves_nothing(client, auth, db, make_approved_case):
    case = make_approved_case()
    auth.login("caseworker")
    response = auth.post(f"/followup/cases/{case.id}/return", {"return_date": "2026-08-25"})
    assert response.status_code == 409
    assert db.get(Case, case.id).actual_return is None and reports(db, case.id) == []


def test_the_same_date_sent_twice_is_no_conflict(client, auth, db, make_approved_case):
    case = make_approved_case()
    auth.login("caseworker")
    revision = form_revision(client, case)
    assert save(auth, case, "2026-08-25", revision).status_code == 302
    # A double click, or a colleague who saved the very same date: nothing to overwrite.
    assert save(auth, case, "2026-08-25", revision).status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 8, 25)


# --- a save that changes nothing throws no one into a conflict --------------------------------

def test_saving_an_unchanged_date_leaves_the_reports_revisions_alone(app, client, auth, db, make_user,
                                                                    make_approved_case):
    case = returned_on(app, db, make_approved_case(), date(2026, 8, 25), make_user("approver"))
    before = {r.due_month: r.revision for r in reports(db, case.id)}
    case_revision = case.revision
    auth.login("caseworker")
    assert save(auth, case, "2026-08-25", form_revision(client, case)).status_code == 302
    assert {r.due_month: r.revision for r in reports(db, case.id)} == before
    db.expire_all()
    assert db.get(Case, case.id).revision == case_revision  # nobody else's form goes stale either


def test_a_partner_writing_a_report_is_not_thrown_into_a_conflict_by_an_unchanged_save(
        app, client, auth, db, make_user, make_approved_case):
    from reintegration.followup.questions import load_questions

    case = returned_on(app, db, make_approved_case(), date(2026, 8, 25), make_user("approver"))
    report = reports(db, case.id)[0]
    seen = report.revision  # the partner opens the report form
    auth.login("caseworker")
    assert save(auth, case, "2026-08-25", form_revision(client, case)).status_code == 302
    data = ops.ReportInput(contact_date=date(2026, 9, 20), contact_kind="visit", activity_status="running",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=())
    db.expire_all()
    with app.test_request_context():
        ops.submit_report(db, db.get(Case, case.id), db.get(FollowUpReport, report.id), seen, data,
                          user=make_user("partner"), questions=load_questions())
    assert reports(db, case.id)[0].status == "submitted"


def test_a_changed_date_bumps_only_the_reports_whose_due_date_moved(app, client, auth, db, make_user,
                                                                   make_approved_case):
    # 30 and 31 January give the same due dates for months 1 (28 Feb) and 3 (30 Apr).
    case = returned_on(app, db, make_approved_case(), date(2026, 1, 30), make_user("approver"))
    before = {r.due_month: r.revision for r in reports(db, case.id)}
    auth.login("caseworker")
    assert save(auth, case, "2026-01-31", form_revision(client, case)).status_code == 302
    after = {r.due_month: r.revision for r in reports(db, case.id)}
    assert after == {1: before[1], 3: before[3], 6: before[6] + 1, 12: before[12] + 1}


# --- what a new date may not leave outside the period -----------------------------------------

def test_a_return_after_a_recorded_payment_is_refused_at_the_field(app, client, auth, db, make_user,
                                                                  make_approved_case):
    case = returned_on(app, db, make_approved_case(), date(2026, 3, 2), make_user("approver"))
    partner = make_user("partner")
    paid(db, case, date(2026, 3, 20), partner, amount="750.00")
    paid(db, case, date(2026, 3, 10), partner, amount="1234.50")
    auth.login("caseworker")
    response = save(auth, case, "2026-03-11", form_revision(client, case))  # one day after the first payment
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#return_date"' in page
    assert "1,234.50" in page and "Mar 10, 2026" in page and "line 1" in page  # the first payment, named
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 3, 2)
    # The payment's own day is allowed: it is in month 1.
    assert save(auth, case, "2026-03-10", form_revision(client, case)).status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 3, 10)


def test_a_return_after_a_submitted_reports_contact_is_refused(app, client, auth, db, make_user,
                                                               make_approved_case):
    case = returned_on(app, db, make_approved_case(), date(2026, 8, 27), make_user("approver"))
    submitted(db, case, 1, date(2026, 9, 24), make_user("partner"))
    auth.login("caseworker")
    response = save(auth, case, "2026-10-15", form_revision(client, case))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#return_date"' in page
    assert "month 1" in page and "Sep 24, 2026" in page
    assert save(auth, case, "2026-09-25", form_revision(client, case)).status_code == 422
    assert save(auth, case, "2026-09-24", form_revision(client, case)).status_code == 302


def test_payments_must_stay_within_the_period_s_end(app, client, auth, db, make_user, make_approved_case,
                                                    monkeypatch):
    monkeypatch.setattr(ops, "today", lambda: date(2027, 3, 20))
    case = returned_on(app, db, make_approved_case(), date(2026, 3, 12), make_user("approver"))
    paid(db, case, date(2027, 3, 10), make_user("partner"))
    auth.login("caseworker")
    # Return 10 March 2026: the period ends 10 March 2027, the payment's day: allowed.
    assert save(auth, case, "2026-03-10", form_revision(client, case)).status_code == 302
    response = save(auth, case, "2026-03-09", form_revision(client, case))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#return_date"' in page
    assert "Mar 10, 2027" in page and "Mar 9, 2027" in page  # the payment and the end it would fall after
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 3, 10)


def test_the_refusal_is_in_danish_too(app, client, auth, db, make_user, make_approved_case):
    case = returned_on(app, db, make_approved_case(), date(2026, 3, 2), make_user("approver"))
    paid(db, case, date(2026, 3, 10), make_user("partner"), amount="1234.50")
    auth.login("caseworker", locale="da")
    page = save(auth, case, "2026-03-11", form_revision(client, case)).get_data(as_text=True)
    assert "1.234,50" in page and "10. mar. 2026" in page and "linje 1" in page


def test_a_return_before_the_approval_is_saved_with_a_warning(app, client, auth, db, make_user,
                                                             make_approved_case):
    case = make_approved_case()
    approved_on(db, case, date(2026, 6, 1))
    auth.login("caseworker")
    response = save(auth, case, "2026-01-31", form_revision(client, case), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "before Hjemrejsestyrelsen approved the plan (Jun 1, 2026)" in page
    db.expire_all()
    assert db.get(Case, case.id).actual_return == date(2026, 1, 31)
    # On or after the approval: no warning.
    page = save(auth, case, "2026-06-01", form_revision(client, case), follow_redirects=True).get_data(as_text=True)
    assert "before Hjemrejsestyrelsen approved the plan" not in page
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.return_recorded")).all()

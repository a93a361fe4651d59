"""Recording the return: the schedule from the rate table, moved dates, who may."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from reintegration.domain.followup import add_months
from reintegration.models import AuditEvent, Case, FollowUpReport


def reports(db, case_id):
    db.expire_all()
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case_id)
                   .order_by(FollowUpReport.due_month)).all()


def test_recording_the_return_schedules_the_reports(client, auth, db, make_approved_case):
    case = make_approved_case()
    auth.login("approver")
    response = auth.post(f"/followup/cases/{case.id}/return",
                         {"return_date": "2026-03-15", "revision": str(case.revision)})
    assert response.status_code == 302
    rows = reports(db, case.id)
    assert [(r.due_month, r.due_date, r.final) for r in rows] == [
        (1, date(2026, 4, 15), False), (3, date(2026, 6, 15), False),
        (6, date(2026, 9, 15), False), (12, date(2027, 3, 15), True)]
    db.refresh(case)
    assert case.status == "in_followup" and case.actual_return == date(2026, 3, 15)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "followup.return_recorded")).first()


def test_a_changed_date_moves_only_reports_not_yet_submitted(client, auth, db, make_approved_case):
    case = make_approved_case()
    auth.login("caseworker")
    auth.post(f"/followup/cases/{case.id}/return", {"return_date": "2026-01-31", "revision": str(case.revision)})
    first = reports(db, case.id)[0]
    first.status = "submitted"
    db.add(first)
    db.commit()
    db.refresh(case)
    assert auth.post(f"/followup/cases/{case.id}/return",
                     {"return_date": "2026-02-10", "revision": str(case.revision)}).status_code == 302
    rows = reports(db, case.id)
    assert rows[0].due_date == date(2026, 2, 28)  # submitted: kept (31 January + 1 month)
    assert [r.due_date for r in rows[1:]] == [add_months(date(2026, 2, 10), m) for m in (3, 6, 12)]
    assert len(rows) == 4


def test_the_return_needs_an_approved_plan(client, auth, db, make_case):
    case = make_case()
    auth.login("approver")
    response = auth.post(f"/followup/cases/{case.id}/return", {"return_date": "2026-03-15"})
    assert response.status_code == 422
    assert "no approved plan" in response.get_data(as_text=True)
    assert reports(db, case.id) == []
    assert db.get(Case, case.id).actual_return is None


def test_bad_return_dates_are_field_errors(client, auth, db, make_approved_case):
    case = make_approved_case()
    auth.login("approver")
    future = (date.today() + timedelta(days=3)).isoformat()
    for value, message in [("", "This field is required"), ("15/03/2026", "Enter a date such as"),
                           ("2026-02-30", "Enter a date such as"), (future, "cannot be in the future"),
                           ("1999-12-31", "in 2000 or later"), ("2019-05-01", "No rate table covers"),
                           ("x" * 10000, "Enter a date such as")]:
        response = auth.post(f"/followup/cases/{case.id}/return", {"return_date": value})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, value
        assert message in page and 'href="#return_date"' in page, value
    assert reports(db, case.id) == []


def test_only_approvers_and_caseworkers_record_the_return(client, auth, make_approved_case, make_user, make_org):
    case = make_approved_case()
    for role in ("partner", "cmm", "admin"):
        auth.login(role)
        assert auth.post(f"/followup/cases/{case.id}/return", {"return_date": "2026-03-15"}).status_code == 403
        auth.logout()

"""The follow-up overview pages each of its lists (issue #8: an EU-wide programme has tens
of thousands of cases in follow-up): open risk alerts, overdue reports, money over or
under plan and the cases in follow-up, each one page at a time in its own order, its
page links keeping the other lists' pages, any page number answered without a 500, and
the list read linked to the cases shown only."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.domain.followup import add_months, month_of
from reintegration.followup import operations as ops
from reintegration.followup import status
from reintegration.models import AuditEvent, AuditEventCase, Case, Disbursement, FollowUpReport, RiskAlert

TODAY = date(2026, 11, 20)
SIZE = 3
BAD_PAGES = ("0", "-1", "abc", "99999999999999999999999", "-99999999999999999999999", "1e9", "9" * 400)


def section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}</h2>")[1].split("<h2")[0]


def refs(html: str) -> list[str]:
    return re.findall(r'<a href="/followup/cases/\d+">(RT-[^<]+)</a>', html)


@pytest.fixture
def paged(app, monkeypatch):
    app.config["PAGE_SIZE"] = SIZE
    monkeypatch.setattr(ops, "today", lambda: TODAY)
    return app


@pytest.fixture
def followed(db, make_case):
    """A case in follow-up returned ``back`` days before TODAY (no plan, no reports)."""

    def make(n: int, back: int = 40, **values) -> Case:
        return make_case(reference=values.pop("reference", f"RT-2026-{n:04d}"), status="in_followup",
                         actual_return=TODAY - timedelta(days=back), **values)

    return make


def _list_reads(db) -> list[list[int]]:
    db.expire_all()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "case_list.read").order_by(AuditEvent.id)).all()
    return [sorted(db.exec(select(AuditEventCase.case_id).where(AuditEventCase.event_id == e.id)).all())
            for e in events]


def _page(client, query: str = "") -> str:
    response = client.get("/followup/" + query)
    assert response.status_code == 200, (query, response.status_code)
    return response.get_data(as_text=True)


# --- cases in follow-up ---------------------------------------------------------------

def test_the_cases_in_follow_up_are_paged_by_return_date(paged, client, auth, db, followed):
    cases = [followed(n, back=100 - n) for n in range(1, SIZE + 1)]  # earliest return first
    auth.login("caseworker")
    one = section(_page(client), "Cases in follow-up")
    assert refs(one) == [c.reference for c in cases]
    assert 'aria-label="Pages of cases in follow-up"' not in one  # exactly one page: no page links

    later = followed(SIZE + 1, back=1)
    first = section(_page(client), "Cases in follow-up")
    assert refs(first) == [c.reference for c in cases] and "Page 1 of 2" in first
    assert 'href="/followup/?page=2"' in first
    second = section(_page(client, "?page=2"), "Cases in follow-up")
    assert refs(second) == [later.reference] and "Page 2 of 2" in second and 'href="/followup/?page=1"' in second


def test_the_list_read_links_only_the_cases_shown(paged, client, auth, db, followed):
    cases = [followed(n, back=100 - n) for n in range(1, 2 * SIZE + 1)]
    auth.login("approver")
    _page(client)
    _page(client, "?page=2")
    assert _list_reads(db) == [sorted(c.id for c in cases[:SIZE]), sorted(c.id for c in cases[SIZE:])]


@pytest.mark.parametrize("page", BAD_PAGES)
def test_any_page_number_is_answered_with_a_page(paged, client, auth, db, followed, page):
    cases = [followed(n, back=100 - n) for n in range(1, SIZE + 2)]
    auth.login("cmm")  # sees no case here (no contact, no alert): an empty list, never a 500
    assert "No cases are in follow-up." in _page(client, f"?page={page}&alerts={page}&overdue={page}&money={page}")
    auth.logout()
    auth.login("caseworker")
    shown = refs(section(_page(client, f"?page={page}&alerts={page}&overdue={page}&money={page}"),
                         "Cases in follow-up"))
    # Past the end is the last page; nothing or below 1 is the first.
    last = page.isdigit() and int(page) > 1
    assert shown == ([cases[-1].reference] if last else [c.reference for c in cases[:SIZE]])


@pytest.mark.parametrize("role, code", [("partner", 403), ("admin", 403), ("caseworker", 200), ("cmm", 200),
                                        ("approver", 200)])
def test_who_sees_a_later_page(paged, client, auth, role, code):
    auth.login(role)
    assert client.get("/followup/?page=2&alerts=3").status_code == code


def test_a_cmm_contact_pages_through_their_own_cases_only(paged, client, auth, db, followed, make_user):
    cmm = make_user("cmm")
    mine = [followed(n, back=100 - n, cmm_contact_id=cmm.id) for n in range(1, SIZE + 2)]
    others = [followed(n, back=50) for n in range(50, 55)]
    auth.login(cmm)
    pages = refs(section(_page(client), "Cases in follow-up")) + refs(section(_page(client, "?page=2"),
                                                                               "Cases in follow-up"))
    assert pages == [c.reference for c in mine] and not set(pages) & {c.reference for c in others}


# --- open risk alerts -----------------------------------------------------------------

def _alert(db, case, days_ago: int) -> RiskAlert:
    alert = RiskAlert(case_id=case.id, indicators="threats",
                      opened_at=datetime(2026, 11, 1, tzinfo=timezone.utc) - timedelta(days=days_ago))
    db.add(alert)
    db.commit()
    return alert


def test_open_risk_alerts_are_paged_oldest_first_and_keep_the_other_lists_pages(paged, client, auth, db, followed,
                                                                                 make_case):
    alerted = [followed(n, back=100 - n) for n in range(1, SIZE + 1)]
    for age, case in zip((30, 20, 10), alerted):
        _alert(db, case, age)
    closed = make_case(reference="RT-2026-0090", status="closed")
    _alert(db, closed, 5)  # an open alert on a closed case is shown too, after the older ones
    db.add(RiskAlert(case_id=alerted[0].id, indicators="threats", closed_at=datetime.now(timezone.utc)))
    last = followed(99, back=1)  # a second page of cases in follow-up
    db.commit()
    auth.login("caseworker")
    first = section(_page(client, "?page=2"), "Open risk alerts")
    assert refs(first) == [c.reference for c in alerted] and "Page 1 of 2" in first
    # The alerts' next page keeps the cases' page, and the cases' links keep the alerts' page.
    assert 'href="/followup/?page=2&amp;alerts=2"' in first or 'href="/followup/?alerts=2&amp;page=2"' in first
    html = _page(client, "?alerts=2&page=2")
    assert refs(section(html, "Open risk alerts")) == [closed.reference]
    cases = section(html, "Cases in follow-up")
    assert re.search(r'href="/followup/\?(alerts=2&amp;page=1|page=1&amp;alerts=2)"', cases)
    assert _list_reads(db)[-1] == sorted({closed.id, last.id})  # the pages shown, nothing else


def test_exactly_one_page_of_alerts_has_no_page_links(paged, client, auth, db, followed):
    for n in range(1, SIZE + 1):
        _alert(db, followed(n), n)
    auth.login("approver")
    html = section(_page(client), "Open risk alerts")
    assert len(refs(html)) == SIZE and 'aria-label="Pages of open risk alerts"' not in html
    _alert(db, followed(SIZE + 1), 0)
    assert 'aria-label="Pages of open risk alerts"' in section(_page(client), "Open risk alerts")


# --- overdue reports ------------------------------------------------------------------

def _report(db, case, month: int, due: date, state: str = "due") -> FollowUpReport:
    report = FollowUpReport(case_id=case.id, due_month=month, due_date=due, status=state)
    db.add(report)
    db.commit()
    return report


def test_overdue_reports_are_paged_by_due_date(paged, client, auth, db, followed):
    grace = 14  # the 2026-2029 table's overdue_after_days
    a, b = followed(1, back=200), followed(2, back=120)
    _report(db, a, 1, TODAY - timedelta(days=170))
    _report(db, a, 3, TODAY - timedelta(days=110))
    _report(db, b, 1, TODAY - timedelta(days=90))
    _report(db, a, 6, TODAY - timedelta(days=grace))  # due, not overdue yet: on no page
    _report(db, b, 3, TODAY - timedelta(days=60), state="submitted")
    auth.login("caseworker")
    html = section(_page(client), "Overdue reports")
    assert refs(html) == ["RT-2026-0001", "RT-2026-0001", "RT-2026-0002"]
    assert 'aria-label="Pages of overdue reports"' not in html
    _report(db, b, 6, TODAY - timedelta(days=grace + 1))
    first = section(_page(client), "Overdue reports")
    assert "Page 1 of 2" in first and 'href="/followup/?overdue=2"' in first
    second = section(_page(client, "?overdue=2"), "Overdue reports")
    assert refs(second) == ["RT-2026-0002"] and "Month 6" in second
    assert section(_page(client, "?overdue=99"), "Overdue reports") == second  # past the end: the last page
    assert _list_reads(db)[-1] == sorted({b.id, a.id})  # b's report; a and b in the cases list


# --- money over or under plan ---------------------------------------------------------

def _off(make_approved_case, db, n: int, back: int) -> Case:
    """A case in follow-up over plan: 6,000 kr. paid on a 5,000 kr. line of month 1."""
    case = make_approved_case(reference=f"RT-2026-{n:04d}",
                              lines=[{"kind": "cash", "month": 1, "amount_dkk": Decimal("5000.00")}])
    case.status, case.actual_return = "in_followup", TODAY - timedelta(days=back)
    db.add(case)
    db.commit()
    version = case_version(db, case)
    db.add(Disbursement(case_id=case.id, line_key=f"L{case.id}-0", plan_version_id=version, paid_on=TODAY,
                        amount_dkk=Decimal("6000.00"), recorded_by=1))
    db.commit()
    return case


def case_version(db, case) -> int:
    from reintegration.models import PlanVersion

    return db.exec(select(PlanVersion.id).where(PlanVersion.case_id == case.id)).one()


def test_cases_over_or_under_plan_are_paged_by_return_date(paged, client, auth, db, make_approved_case, make_user):
    make_user("partner")  # recorded_by=1 needs a user
    off = [_off(make_approved_case, db, n, back=100 - n) for n in range(1, SIZE + 1)]
    auth.login("caseworker")
    html = section(_page(client), "Money over or under plan")
    assert refs(html) == [c.reference for c in off] and "Over plan" in html
    assert 'aria-label="Pages of cases over or under plan"' not in html
    later = _off(make_approved_case, db, SIZE + 1, back=2)
    first = section(_page(client), "Money over or under plan")
    assert "Page 1 of 2" in first and 'href="/followup/?money=2"' in first
    second = section(_page(client, "?money=2"), "Money over or under plan")
    assert refs(second) == [later.reference]


def test_month_bounds_match_month_of():
    """``status.month_bounds`` puts into a date comparison exactly what ``month_of`` says:
    month k + 1 has begun on ``today`` for a return before ``bounds[k]``, at every month's
    end (31 January + 1 month is 28 February) and every day of two years."""
    for today in (date(2026, 3, 31), date(2026, 2, 28), date(2028, 2, 29), date(2026, 12, 31), date(2026, 7, 15),
                  date(2026, 5, 1)):
        bounds = status.month_bounds(today, 12)
        for back in range(0, 800):
            returned = today - timedelta(days=back)
            month = month_of(returned, max(today, returned))
            for k in range(1, 13):  # month 1 has always begun
                assert (returned < bounds[k]) == (month >= k + 1), (today, returned, k)
        for k in range(13):
            assert add_months(bounds[k], k) >= today > add_months(bounds[k] - timedelta(days=1), k)


def test_the_money_list_agrees_with_the_years_worked_out_in_python(app, db, make_approved_case, make_user):
    """The database's choice of the cases over or under plan (``status._off_plan_cases``)
    is the one ``status.years`` makes with ``spending_position``, for returns around
    month ends, lines in every month, amendments (the newest approved version counts),
    payments under, on and over plan, and days across the year."""
    import random

    from reintegration.models import BudgetLine, PlanVersion

    rng = random.Random(8)
    user = make_user("approver")
    payer = make_user("partner")
    cases = []
    for n in range(40):
        lines = [{"kind": rng.choice(("cash", "in_kind")), "month": rng.randint(1, 12),
                  "amount_dkk": Decimal(rng.choice((500, 1000, 2500)))} for _ in range(rng.randint(0, 4))]
        case = make_approved_case(reference=f"RT-2026-{n + 1:04d}", lines=lines or None)
        case.status = "in_followup"
        case.actual_return = date(2026, 1, 1) + timedelta(days=rng.randint(0, 400))
        db.add(case)
        version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
        if n % 7 == 0:  # an amendment approved after: it is in force, the first is not
            newer = PlanVersion(case_id=case.id, number=2, status="approved", activity_kind="business")
            db.add(newer)
            db.commit()
            db.add(BudgetLine(plan_version_id=newer.id, line_key=f"L{case.id}-n", position=0, description="New",
                              kind="cash", month=2, amount_dkk=Decimal("700.00")))
        for _ in range(rng.randint(0, 3)):
            db.add(Disbursement(case_id=case.id, line_key=f"L{case.id}-0", plan_version_id=version.id,
                                paid_on=case.actual_return, amount_dkk=Decimal(rng.choice((250, 500, 1000, 3000))),
                                recorded_by=payer.id))
        db.commit()
        cases.append(case)
    with app.test_request_context():
        tables = app.extensions["rate_tables"]
        for today in (date(2026, 1, 31), date(2026, 3, 31), date(2026, 6, 30), date(2027, 2, 28), date(2027, 6, 1),
                      date(2027, 12, 31)):
            by_case = status.years(db, cases, today)
            expected = sorted(year.case.reference for year in by_case.values() if year.position in ("over", "under"))
            ids = db.exec(status._off_plan_cases(user, tables, today)).all()
            found = sorted(c.reference for c in db.exec(select(Case).where(Case.id.in_(ids))).all())
            assert len(ids) == len(found)
            assert found == expected, today
            assert 0 < len(expected) < len(cases), today  # the comparison means something

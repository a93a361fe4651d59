"""The case page: summary, children's ages on the reference date, plan versions, and
the demo cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from reintegration.models import BudgetLine, Case, Child, PlanVersion


def test_children_ages_are_on_the_planned_return_date(client, auth, make_case, partners):
    case = make_case(partner=partners["NG"], planned_return=date(2026, 6, 1),
                     children=[date(2008, 5, 31), date(2008, 6, 2), date(2016, 1, 1)])
    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    # 18 the day before the return: listed, not counted; 17 the day after: counted.
    assert page.count("No – not counted") == 1
    assert "<td>18</td>" in page and "<td>17</td>" in page and "<td>10</td>" in page


def test_plan_versions_are_listed_with_totals_and_links(app, client, auth, db, make_case, partners):
    case = make_case(partner=partners["NG"])
    version = PlanVersion(case_id=case.id, number=1, status="returned", check_ok=True)
    db.add(version)
    db.commit()
    db.add(BudgetLine(plan_version_id=version.id, line_key="a", kind="cash", month=1, amount_dkk=Decimal("2500.50")))
    db.add(BudgetLine(plan_version_id=version.id, line_key="b", kind="in_kind", month=2, amount_dkk=Decimal("1000")))
    db.commit()
    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Sent back for changes" in page and "3,500.50" in page and "2,500.50" in page and "1,000.00" in page
    if "plans.show" in app.view_functions:
        assert f'/cases/{case.id}' in page and "Version 1</a>" in page


def test_demo_cases(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    cases = db.exec(select(Case)).all()
    assert len(cases) == 8 and {c.return_country for c in cases} == {"NG", "TH", "MA"}
    assert len({c.reference for c in cases}) == 8
    today = date.today()
    soon_adult = [c for c in db.exec(select(Child)).all()
                  if 0 < (date(c.date_of_birth.year + 18, c.date_of_birth.month, min(c.date_of_birth.day, 28)) - today).days < 90]
    assert soon_adult, "one child turns 18 soon"


def test_approved_case_offers_recording_the_departure(client, auth, make_case):
    case = make_case(status="approved")
    auth.login("approver")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/followup/cases/{case.id}/return" in page
    auth.logout()
    auth.login("cmm")
    # CMM may not record it (and does not even see this case: not its contact).
    assert client.get(f"/cases/{case.id}").status_code == 404

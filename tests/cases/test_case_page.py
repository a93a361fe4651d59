"""The case page: summary, children's ages on the reference date, plan versions, and
the demo cases."""

from __future__ import annotations

import re
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


def test_summary_names_partner_and_people_and_each_version_has_its_own_totals(
        client, auth, db, make_case, make_user, partners):
    cmm = make_user("cmm", name="Cecilie CMM-Kontakt")
    caseworker = make_user("caseworker", name="Karin Sagsbehandler")
    case = make_case(partner=partners["NG"], cmm_contact_id=cmm.id, caseworker_id=caseworker.id)
    first = PlanVersion(case_id=case.id, number=1, status="superseded", check_ok=True)
    second = PlanVersion(case_id=case.id, number=2, status="draft", check_ok=True)
    empty = PlanVersion(case_id=make_case(partner=partners["NG"]).id, number=1, status="draft")
    db.add_all([first, second, empty])
    db.commit()
    db.add_all([BudgetLine(plan_version_id=first.id, line_key="a", kind="cash", month=1, amount_dkk=Decimal("10000.00")),
                BudgetLine(plan_version_id=first.id, line_key="b", kind="in_kind", month=1, amount_dkk=Decimal("0.01")),
                BudgetLine(plan_version_id=second.id, line_key="a", kind="in_kind", month=3, amount_dkk=Decimal("29999.99")),
                BudgetLine(plan_version_id=second.id, line_key="b", kind="in_kind", month=4, amount_dkk=Decimal("0.01"))])
    db.commit()
    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert partners["NG"].name in page and "Cecilie CMM-Kontakt" in page and "Karin Sagsbehandler" in page
    assert _amounts(page) == {"Version 1": ["DKK 10,000.00", "DKK 0.01", "DKK 10,000.01"],
                              "Version 2": ["DKK 0.00", "DKK 30,000.00", "DKK 30,000.00"]}
    # A version without lines is listed with zeros, not with another version's sums.
    other = client.get(f"/cases/{empty.case_id}").get_data(as_text=True)
    assert _amounts(other) == {"Version 1": ["DKK 0.00", "DKK 0.00", "DKK 0.00"]}


def _amounts(page: str) -> dict[str, list[str]]:
    """Each plan version's cash, in-kind and total cells, by the version's name."""
    return {name: [" ".join(cell.split()) for cell in re.findall(r'app-amount">([^<]*)</td>', row)]
            for name, row in re.findall(r"(Version \d+)</a>(.*?)</tr>", page, re.S)}


def test_case_page_logs_the_read_and_the_chain_stays_intact(app, client, auth, runner, db, make_case, partners):
    from reintegration.models import AuditEvent

    case = make_case(partner=partners["NG"])
    user = auth.login("caseworker")
    for _ in range(3):
        assert client.get(f"/cases/{case.id}").status_code == 200
    reads = db.exec(select(AuditEvent).where(AuditEvent.action == "case.read",
                                             AuditEvent.case_id == case.id)).all()
    assert len(reads) == 3 and {e.user_id for e in reads} == {user.id}
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

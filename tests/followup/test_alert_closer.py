"""A closed risk alert on the case's follow-up page names who closed it and when (in the
application's time zone, in the reader's language), next to what was recorded; read in
the page's one statement for alerts, whatever their number. The partner portal shows
no alert notes, and still does not."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import select

from reintegration.models import Organisation, RiskAlert
from support import database_trail, one_transaction
from test_alert_reach import risky_report

SUMMER_UTC = datetime(2026, 7, 1, 10, 5, tzinfo=timezone.utc)  # 12:05 in Copenhagen (summer time)


def close(db, alert, user, text, at=SUMMER_UTC):
    alert = db.get(RiskAlert, alert.id)
    alert.closed_at, alert.closed_by, alert.action_taken = at, user.id if user else None, text
    db.add(alert)
    db.commit()


def alerts_section(page: str) -> str:
    return page.split('id="main-content"')[-1].split("<h2>")[1]


def test_a_closed_alert_names_who_closed_it_and_when(app, client, auth, db, make_user, returned_case):
    case = returned_case()
    cmm = make_user("cmm", name="Mette Madsen")
    case.cmm_contact_id = cmm.id
    db.add(case)
    db.commit()
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    close(db, alert, cmm, "Called her; safe at her sister's.")

    auth.login("caseworker", locale="en")
    section = alerts_section(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert "Closed by Mette Madsen at Jul 1, 2026, 12:05." in section
    assert "What was done: Called her; safe at her sister&#39;s." in section
    auth.logout()
    auth.login("cmm", locale="da", organisation=db.get(Organisation, cmm.organisation_id))
    section = alerts_section(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert "Lukket af Mette Madsen den 01.07.2026 12.05." in section


def test_an_open_alert_names_no_closer_and_an_unknown_closer_only_the_time(app, client, auth, db, make_user,
                                                                          returned_case):
    case = returned_case()
    open_one = risky_report(app, db, case, make_user("partner"), "threats")
    auth.login("caseworker", locale="en")
    section = alerts_section(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert "Closed by" not in section and "Record what was done and close the alert" in section
    winter = datetime(2026, 1, 15, 8, 30, tzinfo=timezone.utc)  # 9:30 in Copenhagen
    close(db, open_one, None, "Handled by phone.", at=winter)
    section = alerts_section(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert "Closed at Jan 15, 2026, 09:30." in section and "Closed by" not in section


def test_the_closers_are_read_in_the_pages_one_statement_for_alerts(app, client, auth, db, make_user, returned_case):
    def statements(case) -> list[str]:
        with database_trail(app.extensions["db_engine"]) as trail:
            assert client.get(f"/followup/cases/{case.id}").status_code == 200
        return [s for s in trail if s.lstrip().upper().startswith("SELECT")]

    few, many = returned_case(), returned_case()
    partner = make_user("partner")
    close(db, risky_report(app, db, few, partner, "threats"), make_user("cmm"), "Visited.")
    for indicator in ("threats", "debt_to_trafficker", "trafficker_ties"):  # each closed by someone else
        alert = RiskAlert(case_id=many.id, indicators=indicator)
        db.add(alert)
        db.commit()
        close(db, alert, make_user("cmm"), f"Done: {indicator}.")
    reader = auth.login("caseworker")
    assert len(statements(many)) == len(statements(few))
    page = one_transaction(app, client, f"/followup/cases/{many.id}")
    assert alerts_section(page).count("Closed by ") == 3
    assert reader.name not in alerts_section(page)


def test_the_partner_portal_shows_no_alert_notes_nor_who_closed_them(app, client, auth, db, make_user, make_org,
                                                                    returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)
    officer = make_user("partner", organisation=partner)
    alert = risky_report(app, db, case, officer, "threats")
    close(db, alert, make_user("cmm", name="Mette Madsen"), "Shelter arranged in Benin City.")
    report = db.exec(select(RiskAlert)).one().followup_id
    auth.login(officer)
    for url in (f"/partner/cases/{case.id}", f"/partner/cases/{case.id}/reports/{report}", "/partner/"):
        page = client.get(url).get_data(as_text=True)
        assert "Shelter arranged" not in page and "Mette Madsen" not in page, url

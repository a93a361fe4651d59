"""A risk alert's "Opened" day and a report's "Submitted" day are the days in Denmark, not
the UTC days of the stored moments: an alert opened at 00:30 on 2 March in Copenhagen
(23:30 on 1 March in UTC) reads "Opened 2 March" on every page that shows it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from reintegration.models import FollowUpReport, RiskAlert
from test_alert_reach import risky_report

# (stored UTC moment, the day in Copenhagen in English, in Danish)
AROUND_MIDNIGHT = [
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), "Mar 2, 2026", "2. mar. 2026"),  # 00:30, winter (UTC+1)
    (datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc), "Jun 2, 2026", "2. jun. 2026"),  # 00:30, summer (UTC+2)
    (datetime(2026, 6, 1, 21, 59, tzinfo=timezone.utc), "Jun 1, 2026", "1. jun. 2026"),  # 23:59, summer
]


def _alert_opened_at(app, db, make_user, returned_case, moment):
    case = returned_case()
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    alert = db.get(RiskAlert, alert.id)
    alert.opened_at = moment
    report = db.get(FollowUpReport, alert.followup_id)
    report.submitted_at = moment
    db.add_all([alert, report])
    db.commit()
    return case, alert, report


@pytest.mark.parametrize("moment, english, danish", AROUND_MIDNIGHT)
def test_the_alert_pages_say_the_danish_day_it_was_opened(app, client, auth, db, make_user, returned_case,
                                                          moment, english, danish):
    case, alert, _report = _alert_opened_at(app, db, make_user, returned_case, moment)
    auth.login("caseworker", locale="en")
    assert f"Opened {english}" in client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert f"Opened {english}. Signs of risk:" in client.get(f"/followup/alerts/{alert.id}/close").get_data(as_text=True)
    assert f"Opened {english}" in client.get(f"/followup/cases/{case.id}/close").get_data(as_text=True)
    assert f"<td>{english}</td>" in client.get("/followup/").get_data(as_text=True)
    auth.logout()
    auth.login("caseworker", locale="da")
    assert f"Oprettet {danish}" in client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert f"Oprettet {danish}. Tegn på risiko:" in client.get(f"/followup/alerts/{alert.id}/close").get_data(as_text=True)
    assert f"<td>{danish}</td>" in client.get("/followup/").get_data(as_text=True)


@pytest.mark.parametrize("moment, english, danish", AROUND_MIDNIGHT[:2])
def test_a_report_says_the_danish_day_it_was_submitted(app, client, auth, db, make_user, returned_case,
                                                       moment, english, danish):
    case, _alert, report = _alert_opened_at(app, db, make_user, returned_case, moment)
    auth.login("caseworker", locale="en")
    page = client.get(f"/followup/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert english in page
    auth.logout()
    auth.login("caseworker", locale="da")
    assert danish in client.get(f"/followup/cases/{case.id}/reports/{report.id}").get_data(as_text=True)

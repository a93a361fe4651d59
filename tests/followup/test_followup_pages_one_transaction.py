"""The follow-up pages of a case, of a report and of an alert, and the partner portal's
case and submitted report, read everything they show before the read's audit record
commits: one transaction per view (see tests/approvals/test_read_pages_in_one_transaction.py)."""

from __future__ import annotations

import pytest

from reintegration.models import FollowUpReport, Organisation
from support import one_transaction, reads_of
from test_alert_reach import risky_report

# The page (its endpoint), who reads it, and its address from the case, its report and alert.
PAGES = {
    "followup.case": ("cmm", lambda case, report, alert: f"/followup/cases/{case.id}"),
    "followup.report": ("cmm", lambda case, report, alert: f"/followup/cases/{case.id}/reports/{report.id}"),
    "followup.close_alert": ("cmm", lambda case, report, alert: f"/followup/alerts/{alert.id}/close"),
    "partner.case": ("partner", lambda case, report, alert: f"/partner/cases/{case.id}"),
    "partner.report": ("partner", lambda case, report, alert: f"/partner/cases/{case.id}/reports/{report.id}"),
}


@pytest.mark.parametrize("endpoint", PAGES)
def test_the_page_is_one_transaction_and_records_its_read(app, client, auth, db, make_user, returned_case, endpoint):
    case = returned_case()
    officer = make_user("partner", organisation=db.get(Organisation, case.partner_id))
    alert = risky_report(app, db, case, officer, "threats")  # the month 1 report, submitted with a risk sign
    role, url = PAGES[endpoint]
    reader = auth.login(officer if role == "partner" else make_user(role))
    page = one_transaction(app, client, url(case, db.get(FollowUpReport, alert.followup_id), alert))
    assert case.reference in page
    assert [(e.user_id, e.case_id) for e in reads_of(db, endpoint)] == [(reader.id, case.id)]


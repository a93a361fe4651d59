"""The links in the e-mails the tool sends (a risk alert, a payment that could not be
recorded) lead to the tool's own address, never to one taken from the request that set
them off: its Host header is whatever the sender wrote. A partner officer who sends a
report with signs of risk and ``Host: evil.example`` must not make the tool mail CMM
and DRC a link to a look-alike sign-in page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "partner"))  # the report helpers
from test_portal import first_report, report_data  # noqa: E402

FORGED = "evil.example"


def _risky_report_from(host: str, app, client, auth, db, make_org, make_user, returned_case):
    """A partner officer sends a report with a sign of risk, the request naming ``host``."""
    partner = make_org("partner")
    case = returned_case(partner=partner, cmm_contact_id=make_user("cmm").id,
                         caseworker_id=make_user("caseworker").id)
    report = first_report(db, case)
    auth.login(make_user("partner", organisation=partner))
    # The officer's own client sends the session cookie whatever Host it names.
    client.set_cookie("session", client.get_cookie("session").value, domain=host)
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", report_data(db, report, risk_threats="y"),
                         headers={"Host": host})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    mails = app.extensions["mail_outbox"]
    assert len(mails) == 2  # the CMM contact and the caseworker
    return case, mails


def test_a_forged_host_never_reaches_the_alert_mail(app, client, auth, db, make_org, make_user, returned_case):
    app.config["PUBLIC_URL"] = "https://reintegration.example.org/"
    case, mails = _risky_report_from(FORGED, app, client, auth, db, make_org, make_user, returned_case)
    for mail in mails:
        assert FORGED not in mail.body
        assert f"https://reintegration.example.org/followup/cases/{case.id}\n" in mail.body


def test_without_the_public_address_the_mail_names_the_page_on_the_tool(app, client, auth, db, make_org,
                                                                        make_user, returned_case):
    """Not configured: the path of the case's page, which the reader opens in the tool
    they know, rather than an address anyone sending a request could choose."""
    app.config.pop("PUBLIC_URL", None)
    case, mails = _risky_report_from(FORGED, app, client, auth, db, make_org, make_user, returned_case)
    for mail in mails:
        assert FORGED not in mail.body and "http" not in mail.body
        assert f"\n/followup/cases/{case.id}\n" in mail.body


@pytest.mark.parametrize("configured", ["https://tool.example.org", "https://tool.example.org/"])
def test_the_public_address_is_written_as_given_with_or_without_its_slash(app, client, auth, db, make_org,
                                                                          make_user, returned_case, configured):
    app.config["PUBLIC_URL"] = configured
    case, mails = _risky_report_from("localhost", app, client, auth, db, make_org, make_user, returned_case)
    assert f"\nhttps://tool.example.org/followup/cases/{case.id}\n" in mails[0].body

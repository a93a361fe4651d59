"""The partner portal says when something happened in the partner's own time, named
(its organisation's ``timezone``, from the registry), not in UTC: an officer in Lagos
reads 00:30 on 2 March, not 23:30 on 1 March. A partner without a zone still reads UTC,
labelled so."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import html

from reintegration.models import Case, FollowUpReport
from test_portal import first_report, report_data
from test_refused_report_risks import close_the_case
from test_report_conflicts import browser, revision_in, text_of

# 23:30 UTC on 1 March is 00:30 on 2 March in Lagos (UTC+1 all year): another day.
MOMENT = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
IN_LAGOS = {"en": "Mar 2, 2026 at 00:30 (Nigeria Time)", "da": "2. mar. 2026 kl. 00.30 (Nigeria-tid)"}
IN_UTC = {"en": "Mar 1, 2026 at 23:30 (UTC)", "da": "1. mar. 2026 kl. 23.30 (UTC)"}


@pytest.fixture
def officers(app, auth, db, make_org, make_user, returned_case):
    """A case of a partner in ``zone`` (None: no zone) and two of its officers signed in,
    both in ``locale``."""

    def make(locale, zone="Africa/Lagos"):
        partner = make_org("partner", timezone=zone)
        caseworker, contact = make_user("caseworker"), make_user("cmm")
        case = returned_case(partner=partner, caseworker_id=caseworker.id, cmm_contact_id=contact.id)
        first = browser(app, auth, make_user("partner", organisation=partner, name="Ada Okafor", locale=locale))
        second = browser(app, auth, make_user("partner", organisation=partner, name="Bola Eze", locale=locale))
        return case, first, second

    return make


def submitted_at(db, report, moment):
    stored = db.get(FollowUpReport, report.id)
    stored.submitted_at = moment
    db.add(stored)
    db.commit()


@pytest.mark.parametrize("locale, said", [("en", "Ada Okafor submitted this report on "),
                                          ("da", "Ada Okafor indsendte denne rapport den ")])
@pytest.mark.parametrize("zone, when", [("Africa/Lagos", IN_LAGOS), (None, IN_UTC)])
def test_a_colleagues_submission_is_dated_in_the_partners_time(db, officers, locale, said, zone, when):
    case, first, second = officers(locale, zone)
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    seen = revision_in(second._client.get(url).get_data(as_text=True))
    assert first.post(url, report_data(db, report)).status_code == 302
    submitted_at(db, report, MOMENT)

    response = second.post(url, report_data(db, report, revision=seen))

    assert response.status_code == 409
    assert said + when[locale] + "," in text_of(response.get_data(as_text=True))


@pytest.mark.parametrize("locale, said", [("en", "A DRC caseworker closed this case on "),
                                          ("da", "En sagsbehandler i DRC lukkede sagen den ")])
def test_the_closing_of_a_case_is_dated_in_the_partners_time(app, auth, db, officers, locale, said):
    case, _first, second = officers(locale)
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    assert second._client.get(url).status_code == 200
    close_the_case(app, auth, db, case)
    closed = db.get(Case, case.id)
    closed.closed_at = MOMENT
    db.add(closed)
    db.commit()

    response = second.post(url, report_data(db, report))

    assert response.status_code == 409
    assert said + IN_LAGOS[locale] + "," in text_of(response.get_data(as_text=True))


@pytest.mark.parametrize("locale, said", [("en", "You sent this report on "),
                                          ("da", "Du sendte denne rapport den ")])
def test_a_report_sent_twice_is_said_sent_in_the_partners_time(db, officers, locale, said):
    case, first, _second = officers(locale)
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    sent = report_data(db, report)
    assert first.post(url, sent).status_code == 302
    submitted_at(db, report, MOMENT)

    response = first.post(url, sent)

    assert response.status_code == 303
    words = text_of(first._client.get(response.headers["Location"]).get_data(as_text=True))
    assert said + IN_LAGOS[locale] + "." in words


@pytest.mark.parametrize("locale, said", [
    ("en", "The report for month 1 is no longer required: the case was closed on Mar 2, 2026, so it cannot be sent."),
    ("da", "Rapporten for måned 1 er ikke længere påkrævet: sagen blev lukket den 2. mar. 2026, så den kan ikke "
           "sendes."),
])
def test_the_day_a_case_was_closed_is_the_partners_day(app, auth, db, officers, locale, said):
    case, first, _second = officers(locale, "Asia/Bangkok")
    report = first_report(db, case)
    close_the_case(app, auth, db, case)
    closed = db.get(Case, case.id)
    closed.closed_at = datetime(2026, 3, 1, 18, 5, tzinfo=timezone.utc)  # 01:05 on 2 March in Bangkok
    db.add(closed)
    db.commit()

    response = first._client.get(f"/partner/cases/{case.id}/reports/{report.id}", follow_redirects=True)

    assert said in text_of(response.get_data(as_text=True))


# 17:30 UTC on 1 March: 00:30 on 2 March in Bangkok (UTC+7), still 1 March in Denmark.
NEAR_MIDNIGHT_IN_BANGKOK = datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc)


def submitted_day(page: str, label: str) -> str:
    """The value of the submitted report's ``label`` row ("Submitted")."""
    return html.fromstring(page).xpath(f"//dt[normalize-space()='{label}']/following-sibling::dd[1]")[0].text_content()


@pytest.mark.parametrize("locale, label, partners_day, danish_day", [
    ("en", "Submitted", "Mar 2, 2026", "Mar 1, 2026"),
    ("da", "Indsendt", "2. mar. 2026", "1. mar. 2026"),
])
def test_the_day_a_report_was_submitted_is_the_partners_day(app, auth, db, make_user, officers, locale, label,
                                                            partners_day, danish_day):
    case, first, _second = officers(locale, "Asia/Bangkok")
    report = first_report(db, case)
    url = f"/partner/cases/{case.id}/reports/{report.id}"
    assert first.post(url, report_data(db, report)).status_code == 302
    submitted_at(db, report, NEAR_MIDNIGHT_IN_BANGKOK)

    assert submitted_day(first._client.get(url).get_data(as_text=True), label) == partners_day
    caseworker = browser(app, auth, make_user("caseworker", locale=locale))
    page = caseworker._client.get(f"/followup/cases/{case.id}/reports/{report.id}").get_data(as_text=True)
    assert submitted_day(page, label) == danish_day  # Danish staff: the Danish day, as ever

"""A follow-up report never sent on a case that has been closed (by the caseworker's close
form or by the partner's final report) is "not required: the case was closed on DATE"
wherever it is read, in both languages, never "due" or "overdue", and is not offered for
submission; a report that was sent stays as it was. Nothing is stored at closure: the state
is worked out from the case (``domain.followup.report_state``), so a case open again would
have its reports due again."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from lxml import html
from openpyxl import load_workbook
from sqlmodel import select

from reintegration.followup import operations as ops
from reintegration.followup.questions import load_questions
from reintegration.models import Case, FollowUpReport
from support import danish_day

SAID = {
    "en": {"not_required": "Not required: the case was closed on {day}", "submitted": "Submitted", "due": "Due",
           "overdue": "Overdue", "outcomes": "Outcomes", "status": "Status",
           "form": "The report for month 1 is no longer required: the case was closed on {day}, so it cannot be "
                   "sent.",
           "none_due": "No reports are due."},
    "da": {"not_required": "Skal ikke sendes: sagen blev lukket den {day}", "submitted": "Indsendt", "due": "Skal sendes",
           "overdue": "Over fristen", "outcomes": "Resultater", "status": "Status",
           "form": "Rapporten for måned 1 er ikke længere påkrævet: sagen blev lukket den {day}, så den kan ikke "
                   "sendes.",
           "none_due": "Ingen rapporter skal sendes nu."},
}


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def badges(page: str) -> list[str]:
    return [" ".join(b.split()) for b in re.findall(r'<span class="badge[^"]*">([^<]*)</span>', page)]


def reports_of(db, case) -> dict[int, FollowUpReport]:
    db.expire_all()
    return {r.due_month: r for r in db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)).all()}


def closed_day(db, case, lang: str, partner=None) -> str:
    """The day the case was closed, as the reader's language writes it: in Danish time,
    or as ``partner``'s officers read it (in its time zone; UTC without one)."""
    db.expire_all()
    closed_at = db.get(Case, case.id).closed_at
    if partner is None:
        return format_date(danish_day(closed_at), "medium", locale=lang)
    moment = closed_at.replace(tzinfo=timezone.utc) if closed_at.tzinfo is None else closed_at
    return format_date(moment.astimezone(ZoneInfo(partner.timezone or "UTC")).date(), "medium", locale=lang)


@pytest.fixture
def closed_case(app, db, make_org, make_user, returned_case):
    """A case returned 130 days ago: the month-3 report submitted, the month-1 report
    left overdue, months 6 and 12 still due; then closed by its caseworker (contact lost).
    Returns the case and its partner organisation."""
    partner = make_org("partner")
    case = returned_case(partner=partner, days_ago=130)
    month_3 = reports_of(db, case)[3]
    data = ops.ReportInput(contact_date=date.today(), contact_kind="phone", activity_status="running",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=())
    with app.test_request_context():
        ops.submit_report(db, db.get(Case, case.id), month_3, month_3.revision, data, user=make_user("partner",
                          organisation=partner), questions=load_questions())
        ops.close_case(db, db.get(Case, case.id), user=make_user("caseworker"), reason="contact_lost",
                       note="No answer for two months")
    db.expire_all()
    assert db.get(Case, case.id).status == "closed"
    return db.get(Case, case.id), partner


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_follow_up_page_says_the_reports_never_sent_are_not_required(client, auth, db, closed_case, lang):
    case, _partner = closed_case
    said = SAID[lang]
    auth.login("caseworker", locale=lang)
    states = badges(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    not_required = said["not_required"].format(day=closed_day(db, case, lang))
    assert states.count(not_required) == 3 and states.count(said["submitted"]) == 1
    assert said["due"] not in states and said["overdue"] not in states
    reports = reports_of(db, case)
    assert [reports[m].status for m in (1, 3, 6, 12)] == ["due", "submitted", "due", "due"]  # history kept


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_partner_sees_them_not_required_and_cannot_open_them(client, auth, db, make_user, closed_case, lang):
    case, partner = closed_case
    said = SAID[lang]
    auth.login(make_user("partner", organisation=partner, locale=lang))
    page = client.get(f"/partner/cases/{case.id}").get_data(as_text=True)
    reports = reports_of(db, case)
    links = html.fromstring(page).xpath("//a/@href")
    # Only the report that was sent is linked: the others are no form to fill in any more.
    assert f"/partner/cases/{case.id}/reports/{reports[3].id}" in links
    for month in (1, 6, 12):
        assert f"/partner/cases/{case.id}/reports/{reports[month].id}" not in links
    states = badges(page)
    assert states.count(said["not_required"].format(day=closed_day(db, case, lang, partner))) == 3
    assert said["due"] not in states and said["overdue"] not in states
    assert said["none_due"] in text_of(client.get("/partner/").get_data(as_text=True))


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_report_form_of_a_closed_case_says_why_it_cannot_be_sent(client, auth, db, make_user, closed_case,
                                                                      lang):
    case, partner = closed_case
    auth.login(make_user("partner", organisation=partner, locale=lang))
    month_1 = reports_of(db, case)[1]
    url = f"/partner/cases/{case.id}/reports/{month_1.id}"
    response = client.get(url)
    assert response.status_code == 302 and response.location.endswith(f"/partner/cases/{case.id}")
    page = text_of(client.get(response.location).get_data(as_text=True))
    assert SAID[lang]["form"].format(day=closed_day(db, case, lang, partner)) in page
    # Sent all the same (a form opened before the closure): refused, nothing stored.
    assert auth.post(url, {"revision": str(month_1.revision)}).status_code == 409
    assert reports_of(db, case)[1].status == "due"


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_summary_workbook_names_each_reports_state(client, auth, db, closed_case, lang):
    case, _partner = closed_case
    said = SAID[lang]
    auth.login("approver", locale=lang)
    response = client.get(f"/followup/cases/{case.id}/summary.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data))[said["outcomes"]].values)
    column = rows[0].index(said["status"])
    not_required = said["not_required"].format(day=closed_day(db, case, lang))
    assert [(row[0], row[column]) for row in rows[1:]] == [
        (1, not_required), (3, said["submitted"]), (6, not_required), (12, not_required)]


def test_the_subject_export_gives_each_reports_state_beside_what_is_stored(client, auth, db, closed_case):
    case, _partner = closed_case
    auth.login("admin")
    response = client.get(f"/cases/{case.id}/subject-export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        data = json.loads(zf.read("data.json"))
    rows = sorted(data["followup_reports"], key=lambda r: r["due_month"])
    assert [(r["status"], r["state"]) for r in rows] == [("due", "not_required"), ("submitted", "submitted"),
                                                         ("due", "not_required"), ("due", "not_required")]


@pytest.mark.parametrize("lang", ["en", "da"])
def test_nothing_is_stored_at_closure_so_a_case_open_again_has_its_reports_due_again(client, auth, db,
                                                                                       closed_case, lang):
    """The app has no way to reopen a case; were one added (or the status put back by
    hand), the reports never sent would be overdue and due again, with nothing to undo.
    (This also shows the words the other tests expect never to see.)"""
    case, _partner = closed_case
    said = SAID[lang]
    case.status, case.closed_at, case.closure_reason = "in_followup", None, None
    db.add(case)
    db.commit()
    auth.login("caseworker", locale=lang)
    states = badges(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert states.count(said["overdue"]) == 1 and states.count(said["due"]) == 2
    assert states.count(said["submitted"]) == 1


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_page_of_a_report_never_sent_says_it_is_not_required(client, auth, db, closed_case, lang):
    """Not linked from anywhere until it is submitted, but reached by its address the page
    of a report never sent says what it is, as the case page does."""
    case, _partner = closed_case
    said = SAID[lang]
    auth.login("caseworker", locale=lang)
    reports = reports_of(db, case)
    page = client.get(f"/followup/cases/{case.id}/reports/{reports[1].id}").get_data(as_text=True)
    assert badges(page) == [said["not_required"].format(day=closed_day(db, case, lang))]
    assert badges(client.get(f"/followup/cases/{case.id}/reports/{reports[3].id}").get_data(as_text=True)) == []


# A closure whose Danish day is not the partner's: the partner portal gives the day in the
# partner's own time zone (UTC without one), as its other messages do; DRC and CMM read
# the Danish day.
CLOSED_AT = {
    "Asia/Bangkok": (datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc), date(2026, 3, 2), date(2026, 3, 1)),
    "Africa/Lagos": (datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc), date(2026, 7, 1), date(2026, 7, 2)),
    None: (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), date(2026, 3, 1), date(2026, 3, 2)),
}


@pytest.fixture
def closed_late(db, closed_case):
    """``closed_case`` with its partner in ``zone``, closed at a moment that falls on
    another day there than in Denmark: the case, its partner, the partner's day and the
    Danish day."""

    def make(zone):
        case, partner = closed_case
        moment, partner_day, danish = CLOSED_AT[zone]
        partner.timezone, case.closed_at = zone, moment
        db.add_all([partner, case])
        db.commit()
        return case, partner, partner_day, danish

    return make


@pytest.mark.parametrize("zone", list(CLOSED_AT))
@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_partner_reads_the_day_of_closure_in_its_own_time_zone(client, auth, db, make_user, closed_late, zone,
                                                                  lang):
    case, partner, partner_day, danish = closed_late(zone)
    said = SAID[lang]
    auth.login(make_user("partner", organisation=partner, locale=lang))
    theirs = said["not_required"].format(day=format_date(partner_day, "medium", locale=lang))
    assert badges(client.get(f"/partner/cases/{case.id}").get_data(as_text=True)).count(theirs) == 3
    # The report's form says the same day as the case page lists it with.
    month_1 = reports_of(db, case)[1]
    page = text_of(client.get(f"/partner/cases/{case.id}/reports/{month_1.id}",
                              follow_redirects=True).get_data(as_text=True))
    assert said["form"].format(day=format_date(partner_day, "medium", locale=lang)) in page
    assert format_date(danish, "medium", locale=lang) not in page


@pytest.mark.parametrize("zone", list(CLOSED_AT))
@pytest.mark.parametrize("lang", ["en", "da"])
def test_drc_reads_the_danish_day_of_closure_whatever_the_partners_zone(client, auth, db, closed_late, zone, lang):
    case, _partner, partner_day, danish = closed_late(zone)
    said = SAID[lang]
    ours = said["not_required"].format(day=format_date(danish, "medium", locale=lang))
    auth.login("caseworker", locale=lang)
    states = badges(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
    assert states.count(ours) == 3
    assert said["not_required"].format(day=format_date(partner_day, "medium", locale=lang)) not in states
    month_1 = reports_of(db, case)[1]
    assert badges(client.get(f"/followup/cases/{case.id}/reports/{month_1.id}").get_data(as_text=True)) == [ours]
    rows = list(load_workbook(io.BytesIO(client.get(f"/followup/cases/{case.id}/summary.xlsx").data))
                [said["outcomes"]].values)
    assert [row[rows[0].index(said["status"])] for row in rows[1:]].count(ours) == 3

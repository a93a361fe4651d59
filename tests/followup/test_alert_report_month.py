"""A risk alert names the report whose signs raised it, so CMM and the caseworker know which
month's report to read: the follow-up overview, the case's follow-up page, the page that
closes the alert and the summary workbook. A submitted report is linked; a report whose
send was refused (the case had closed) is named, not linked, as nothing of it was saved;
an alert that came from no report names none."""

from __future__ import annotations

import io
import re

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlmodel import select

from reintegration.models import FollowUpReport, RiskAlert
from test_alert_reach import risky_report

WORDS = {"en": {"month": "Report for month {n}", "raised": "Raised from: Report for month {n}", "none": "–"},
         "da": {"month": "Rapport for måned {n}", "raised": "Udløst af: Rapport for måned {n}", "none": "–"}}


def text(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def overview_row(client, reference):
    """The open alerts table's row of the case: {column header: cell element}."""
    page = html.fromstring(client.get("/followup/").get_data(as_text=True))
    table = page.xpath("//main//table")[0]  # the first: the open alerts
    headers = [text(th) for th in table.xpath("./thead/tr/th")]
    for row in table.xpath("./tbody/tr"):
        cells = row.xpath("./th|./td")
        if text(cells[0]) == reference:
            return dict(zip(headers, cells))
    raise AssertionError(f"{reference} not among the open alerts")


def alert_items(client, case_id):
    page = html.fromstring(client.get(f"/followup/cases/{case_id}").get_data(as_text=True))
    return page.xpath('//li[@class="app-alert-item"]')


def summary_months(client, case_id) -> list:
    book = load_workbook(io.BytesIO(client.get(f"/followup/cases/{case_id}/summary.xlsx").data))
    header, *rows = book["Risk alerts"].values
    return [row[header.index("Month")] for row in rows]


@pytest.mark.parametrize("locale", ["en", "da"])
def test_an_alert_links_the_submitted_report_it_came_from(app, client, auth, db, make_user, returned_case, locale):
    case = returned_case()
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    report = db.get(FollowUpReport, alert.followup_id)
    link = f"/followup/cases/{case.id}/reports/{report.id}"
    said = {k: v.format(n=report.due_month) for k, v in WORDS[locale].items()}
    auth.login(make_user("cmm", locale=locale))  # no CMM contact: every CMM user sees an alerted case

    row = overview_row(client, case.reference)
    [cell] = [cell for header, cell in row.items() if header in ("Report", "Rapport")]
    assert text(cell) == said["month"] and cell.xpath(".//a/@href") == [link]

    [item] = alert_items(client, case.id)
    assert said["month"] in text(item) and link in item.xpath(".//a/@href")

    page = html.fromstring(client.get(f"/followup/alerts/{alert.id}/close").get_data(as_text=True))
    main = page.xpath("//main")[0]
    assert said["raised"] in text(main) and link in main.xpath(".//a/@href")

    # The linked report opens for the reader, and is the one with the signs.
    assert client.get(link).status_code == 200


def test_the_final_report_is_named_final(app, client, auth, db, make_user, returned_case):
    case = returned_case()
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    # The same alert, as if raised by the case's final report.
    final = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id, FollowUpReport.final)).one()
    alert.followup_id = final.id
    db.add(alert)
    db.commit()
    auth.login("cmm")
    row = overview_row(client, case.reference)
    assert text(row["Report"]) == f"Report for month {final.due_month} (final)"
    assert row["Report"].xpath(".//a") == []  # not submitted: named, not linked
    assert summary_months(client, case.id) == [final.due_month]


def test_a_refused_send_names_its_report_without_a_link(app, client, auth, db, make_user, returned_case):
    case = returned_case()
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    # What followup.operations.alert_refused_report leaves for a send to a closed case.
    alert = RiskAlert(case_id=case.id, followup_id=report.id, indicators="threats", refused="case_closed")
    db.add(alert)
    db.commit()
    auth.login("cmm")

    row = overview_row(client, case.reference)
    assert text(row["Report"]) == f"Report for month {report.due_month}" and row["Report"].xpath(".//a") == []
    [item] = alert_items(client, case.id)
    assert f"Report for month {report.due_month}" in text(item)
    assert f"/reports/{report.id}" not in " ".join(item.xpath(".//a/@href"))
    assert summary_months(client, case.id) == [report.due_month]


def test_an_alert_from_no_report_names_none(app, client, auth, db, returned_case):
    case = returned_case()
    alert = RiskAlert(case_id=case.id, followup_id=None, indicators="threats")
    db.add(alert)
    db.commit()
    auth.login("cmm")

    assert text(overview_row(client, case.reference)["Report"]) == "–"
    [item] = alert_items(client, case.id)
    assert "Report for month" not in text(item)
    page = client.get(f"/followup/alerts/{alert.id}/close")
    assert page.status_code == 200 and "Raised from" not in page.get_data(as_text=True)
    assert summary_months(client, case.id) == [None]

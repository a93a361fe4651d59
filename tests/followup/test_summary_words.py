"""The follow-up summary workbook speaks the reader's language: statuses and closure
reasons in words, payments named by the line number and description of the Budget sheet."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reintegration.followup import operations as ops

LINES = [{"kind": "cash", "month": 1, "amount_dkk": Decimal("4000.00"), "description": "Monthly allowance"},
         {"kind": "in_kind", "month": 2, "amount_dkk": Decimal("8000.00"), "category": "equipment",
          "description": "Sewing machine"}]
WORDS = {
    "en": {"Status": "In follow-up", "Closed": "Closed", "Reason": "Contact lost", "Payments": "Payments",
           "Budget": "Budget"},
    "da": {"Status": "I opfølgning", "Closed": "Lukket", "Reason": "Kontakten er mistet", "Payments": "Udbetalinger",
           "Budget": "Budget"},
}


def workbook(client, case):
    response = client.get(f"/followup/cases/{case.id}/summary.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def case_sheet(book) -> dict:
    return {row[0]: row[1] for row in list(book.worksheets[0].values)[1:]}


@pytest.fixture
def paid_case(app, db, make_user, returned_case):
    case = returned_case(lines=[dict(line) for line in LINES])
    with app.test_request_context():
        ops.record_disbursement(db, case, user=make_user("partner"), line_key=f"L{case.id}-1",
                                paid_on=date.today(), amount_local=None, amount_dkk=Decimal("1234.50"),
                                note=None, files=())
    return case


@pytest.mark.parametrize("lang", ["en", "da"])
def test_status_and_payments_lines_in_words(client, auth, db, paid_case, lang):
    words = WORDS[lang]
    auth.login("approver", locale=lang)
    book = workbook(client, paid_case)
    values = list(case_sheet(book).values())
    assert words["Status"] in values and "in_followup" not in values
    budget = list(book[words["Budget"]].values)
    payments = list(book[words["Payments"]].values)
    header = payments[0]
    assert [row[:3] for row in budget[1:]] == [(1, budget[1][1], "Monthly allowance"),
                                               (2, budget[2][1], "Sewing machine")]
    [payment] = payments[1:]
    # The line as the Budget sheet names it: its number and description, never its internal key.
    assert payment[header.index(budget[0][0])] == 2
    assert payment[header.index(budget[0][2])] == "Sewing machine"
    assert not any(f"L{paid_case.id}-" in str(cell) for cell in payment)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_closed_case_names_its_status_and_reason_in_words(app, client, auth, db, make_user, paid_case, lang):
    words = WORDS[lang]
    with app.test_request_context():
        ops.close_case(db, paid_case, user=make_user("caseworker"), reason="contact_lost", note="No answer.")
    auth.login("approver", locale=lang)
    values = list(case_sheet(workbook(client, paid_case)).values())
    assert words["Closed"] in values and words["Reason"] in values
    assert "closed" not in values and "contact_lost" not in values


def test_a_period_that_ended_is_named_in_words(app, client, auth, db, paid_case):
    paid_case.status, paid_case.closure_reason = "closed", "period_ended"
    db.add(paid_case)
    db.commit()
    auth.login("approver", locale="da")
    values = list(case_sheet(workbook(client, paid_case)).values())
    assert "Perioden er udløbet" in values and "period_ended" not in values


@pytest.mark.parametrize("lang, opened, submitted", [("en", "Opened (UTC)", "Submitted (UTC)"),
                                                     ("da", "Oprettet (UTC)", "Indsendt (UTC)")])
def test_moments_are_utc_to_the_second_and_say_so(app, client, auth, db, make_user, paid_case, lang, opened,
                                                  submitted):
    """A report sent at 00:30 Danish time is the evening before in UTC: a bare date or a
    time without its zone read as the wrong day; the headings name the zone."""
    from test_year import risky_report

    risky_report(app, db, paid_case, make_user("partner"), "threats")
    auth.login("approver", locale=lang)
    book = workbook(client, paid_case)
    alerts, outcomes = book.worksheets[4], book.worksheets[3]
    header = [cell.value for cell in alerts[1]]
    moment = alerts.cell(row=2, column=header.index(opened) + 1)
    assert moment.value.microsecond == 0 and moment.number_format == "yyyy-mm-dd hh:mm:ss"
    header = [cell.value for cell in outcomes[1]]
    sent = [row[header.index(submitted)] for row in outcomes.iter_rows(min_row=2, values_only=True)]
    assert any(value is not None and value.microsecond == 0 for value in sent)

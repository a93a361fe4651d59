"""Money and rates in the reader's language on the follow-up and partner pages, and
forms that lose nothing typed: a local amount on a DKK line is kept, a DKK amount that
disagrees with the approved rate is refused at its field, and a refused report shows
all its errors at once."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from reintegration.followup.questions import load_questions
from reintegration.models import Attachment, Disbursement, FollowUpReport

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
LINES = [
    {"kind": "cash", "month": 1, "amount_dkk": Decimal("4050.00"), "currency": "NGN",
     "amount_local": Decimal("900000"), "exchange_rate": Decimal("0.004500")},
    {"kind": "in_kind", "month": 2, "amount_dkk": Decimal("2500.00"), "category": "equipment",
     "description": "Sewing machine"},
]


@pytest.fixture
def officer(make_org, make_user):
    def make(locale="en", currency="NGN"):
        partner = make_org("partner", currency=currency)
        return partner, make_user("partner", organisation=partner, locale=locale)

    return make


def disburse(auth, case, **values):
    data = {"line_key": f"L{case.id}-0", "paid_on": date.today().isoformat(), "amount_local": "", "amount_dkk": "",
            "note": "", "request_token": uuid.uuid4().hex}
    data.update(values)
    return auth.post(f"/partner/cases/{case.id}/disburse", data, content_type="multipart/form-data")


def first_report(db, case):
    return db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                   .order_by(FollowUpReport.due_month)).first()


# --- exchange rates ---------------------------------------------------------------

@pytest.mark.parametrize("value, da, en", [
    ("0.004500", "0,0045", "0.0045"), ("0.004515", "0,004515", "0.004515"), ("7.50", "7,5", "7.5"),
    ("1", "1", "1"), ("1234.5", "1.234,5", "1,234.5"), ("0.00000049", "0", "0"), ("0.0000005", "0,000001", "0.000001"),
])
def test_a_rate_shows_its_digits_up_to_six_decimals_in_the_readers_language(app, value, da, en):
    from flask_babel import force_locale

    from reintegration.followup.views import format_rate

    with app.test_request_context("/"):
        for lang, expected in (("da", da), ("en", en)):
            with force_locale(lang):
                assert format_rate(Decimal(value)) == expected
        assert format_rate(None) == ""


def test_danish_pages_show_the_rate_in_danish(client, auth, officer, make_user, returned_case):
    partner, user = officer("da")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    page = client.get(f"/partner/cases/{case.id}").get_data(as_text=True)
    assert "900.000,00 NGN · kurs 0,0045<" in page and "0.0045" not in page
    auth.logout()
    auth.login(make_user("caseworker", locale="da"))
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert "900.000,00 NGN · kurs 0,0045<" in page and "0.0045" not in page
    auth.logout()
    auth.login(make_user("caseworker", locale="en"))
    page = client.get(f"/followup/cases/{case.id}").get_data(as_text=True)
    assert "900,000.00 NGN · rate 0.0045<" in page


# --- amounts in one format ----------------------------------------------------------

def test_english_payment_and_attachment_choices_show_amounts_as_the_rest_of_the_ui(client, auth, db, officer,
                                                                                   returned_case):
    partner, user = officer("en")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    page = client.get(f"/partner/cases/{case.id}/disburse").get_data(as_text=True)
    assert "Cash, month 1: Line 1 (paid in NGN, DKK\xa04,050.00 left)"  # the currency typed in page
    assert "In-kind, month 2: Sewing machine (paid in DKK, DKK\xa02,500.00 left)" in page
    assert "kr. left" not in page
    assert disburse(auth, case, line_key=f"L{case.id}-1", amount_dkk="1,400").status_code == 302
    page = client.get(f"/partner/cases/{case.id}/attachments").get_data(as_text=True)
    day = date.today().strftime("%b %-d, %Y")
    assert f"Payment of DKK\xa01,400.00 on {day}" in page and " kr. " not in page


def test_danish_payment_choices_show_kroner(client, auth, officer, returned_case):
    partner, user = officer("da")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    page = client.get(f"/partner/cases/{case.id}/disburse").get_data(as_text=True)
    assert "Naturalier, måned 2: Sewing machine (betales i DKK, 2.500,00\xa0kr. tilbage)" in page
    assert "Kontant, måned 1: Line 1 (betales i NGN, 4.050,00\xa0kr. tilbage)" in page


def test_an_amount_over_the_fields_most_is_named_in_danish(client, auth, db, officer, returned_case):
    partner, user = officer("da")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    page = disburse(auth, case, line_key=f"L{case.id}-1", amount_dkk="10.000.000,01").get_data(as_text=True)
    assert "Beløbet kan højst være 10.000.000." in page
    assert db.exec(select(Disbursement)).all() == []


def test_a_payment_over_a_local_line_names_what_is_left_in_danish(client, auth, db, officer, returned_case):
    """The line: 900,000 NGN at 0.0045, 4,050.00 DKK; 500,000 NGN paid (2,250.00 DKK)."""
    partner, user = officer("da")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    assert disburse(auth, case, amount_local="500.000").status_code == 302
    response = disburse(auth, case, amount_local="400.100")  # 1.800,45 kr., 0,45 kr. over
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#amount_local"' in page
    for amount in ("400.100,00 NGN", "1.800,45\xa0kr.", "4.050,00\xa0kr.", "2.250,00\xa0kr.", "1.800,00\xa0kr.",
                   "400.000,00 NGN"):
        assert amount in page
    assert "400.000,00 NGN" not in client.get(f"/partner/cases/{case.id}/disburse").get_data(as_text=True)
    assert disburse(auth, case, amount_local="400.000").status_code == 302  # what was named: the line exactly
    assert sum(d.amount_dkk for d in db.exec(select(Disbursement)).all()) == Decimal("4050.00")


def test_a_report_shows_the_local_income_with_its_currency(client, auth, db, officer, make_user, returned_case):
    partner, user = officer("en")
    case = returned_case(partner=partner)
    report = first_report(db, case)
    auth.login(user)
    data = {"revision": str(report.revision), "contact_date": date.today().isoformat(), "contact_kind": "visit",
            "activity_status": "running", "income_local": "1,250,000", "monthly_income": "5,625"}
    for question in load_questions().questions:
        data[f"q_{question.key}"] = question.options[-2].key
    assert auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data).status_code == 302
    url = f"/cases/{case.id}/reports/{report.id}"
    page = client.get("/partner" + url).get_data(as_text=True)
    assert "1,250,000.00 NGN" in page and "DKK\xa05,625.00" in page
    auth.logout()
    auth.login(make_user("caseworker", locale="da"))
    page = client.get("/followup" + url).get_data(as_text=True)
    assert "1.250.000,00 NGN" in page


# --- nothing typed is lost --------------------------------------------------------

def test_a_local_amount_on_a_dkk_line_is_kept_in_the_cases_currency(client, auth, db, officer, returned_case):
    partner, user = officer("en")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    response = disburse(auth, case, line_key=f"L{case.id}-1", amount_dkk="1,400", amount_local="900,000")
    assert response.status_code == 302
    paid = db.exec(select(Disbursement)).one()
    assert (paid.amount_dkk, paid.amount_local, paid.currency, paid.exchange_rate) == \
        (Decimal("1400.00"), Decimal("900000"), "NGN", None)
    page = client.get(f"/partner/cases/{case.id}").get_data(as_text=True)
    assert "DKK\xa01,400.00 (900,000.00 NGN)" in page


def test_a_local_amount_on_a_dkk_line_without_a_local_currency_is_refused_at_its_field(client, auth, db, officer,
                                                                                      returned_case):
    partner, user = officer("en", currency=None)
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    response = disburse(auth, case, line_key=f"L{case.id}-1", amount_dkk="1,400", amount_local="900,000",
                        note="Sewing machine bought at the market", files=(io.BytesIO(PNG), "receipt.png"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#amount_local"' in page
    assert "an amount in local currency cannot be recorded" in page
    # What was typed is still there, and the file is asked for again.
    assert 'value="900,000"' in page and 'value="1,400"' in page
    assert "Sewing machine bought at the market" in page and "(receipt.png)" in page
    assert db.exec(select(Disbursement)).all() == [] and db.exec(select(Attachment)).all() == []


def test_a_dkk_amount_that_disagrees_with_the_approved_rate_is_refused(client, auth, db, officer, returned_case):
    partner, user = officer("en")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    # 100,000 NGN at 0.0045 = DKK 450.00.
    response = disburse(auth, case, amount_local="100,000", amount_dkk="500")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#amount_dkk"' in page
    assert "worked out at the approved rate: DKK\xa0450.00" in page
    assert 'value="100,000"' in page and 'value="500"' in page
    assert db.exec(select(Disbursement)).all() == []
    # The same amount typed twice is no contradiction.
    assert disburse(auth, case, amount_local="100,000", amount_dkk="450").status_code == 302
    assert db.exec(select(Disbursement)).one().amount_dkk == Decimal("450.00")


# --- all of a report's errors at once --------------------------------------------

def test_a_report_shows_its_date_and_question_errors_at_once(client, auth, db, officer, returned_case):
    partner, user = officer("en")
    case = returned_case(partner=partner)
    report = first_report(db, case)
    auth.login(user)
    questions = load_questions().questions
    data = {"revision": str(report.revision), "contact_date": (date.today() + timedelta(days=2)).isoformat(),
            "contact_kind": "phone", "activity_status": "delayed", "income_local": "25,000",
            "housing": "Rents a room with her sister", "notes": "Long notes typed on a phone",
            f"q_{questions[0].key}": questions[0].options[-1].key,
            "files": (io.BytesIO(PNG), "receipt.png")}
    response = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The date cannot be in the future." in page and 'href="#contact_date"' in page
    assert f'href="#q_{questions[1].key}"' in page
    # Nothing typed is lost, and the chosen file is named to be chosen again.
    assert "Rents a room with her sister" in page and "Long notes typed on a phone" in page
    assert 'value="25,000"' in page
    assert re.search(rf'<option[^>]*value="{questions[0].options[-1].key}"[^>]*selected', page) or \
        re.search(rf'<option[^>]*selected[^>]*value="{questions[0].options[-1].key}"', page)
    assert "choose them again before you send (receipt.png)" in page
    db.expire_all()
    assert db.get(FollowUpReport, report.id).status == "due"


def test_a_report_before_the_return_and_without_answers_shows_both(client, auth, db, officer, returned_case):
    partner, user = officer("da")
    case = returned_case(partner=partner)
    report = first_report(db, case)
    auth.login(user)
    data = {"revision": str(report.revision), "contact_date": (case.actual_return - timedelta(days=1)).isoformat(),
            "contact_kind": "visit", "activity_status": "running"}
    page = auth.post(f"/partner/cases/{case.id}/reports/{report.id}", data).get_data(as_text=True)
    assert 'href="#contact_date"' in page and "før hjemrejsen" in page
    assert len(re.findall(r'href="#q_', page)) == len(load_questions().questions)


def test_a_dkk_line_that_names_its_currency_shows_no_empty_amount_or_rate(client, auth, officer, make_user,
                                                                         returned_case):
    """A line approved in DKK keeps the currency the drafting form filled in (the
    partner's) without a local amount or rate: the approved budget on the follow-up and
    partner pages shows no blank amount and no "rate" without one ("NGN · rate ")."""
    partner, user = officer("en")
    lines = [dict(line) for line in LINES] + [{"kind": "cash", "month": 6, "amount_dkk": Decimal("1000.00"),
                                               "currency": "NGN", "description": "Extra cash instalment"}]
    case = returned_case(partner=partner, lines=lines)
    for who, url in ((user, f"/partner/cases/{case.id}"), (make_user("caseworker", locale="en"),
                                                           f"/followup/cases/{case.id}")):
        auth.login(who)
        page = client.get(url).get_data(as_text=True)
        auth.logout()
        row = re.search(r"Extra cash instalment(.*?)</th>", page, re.S).group(1)
        assert "NGN" not in row and "rate" not in row, (url, row)
        assert "900,000.00 NGN · rate 0.0045<" in page  # a line in local currency shows both, as before


def test_the_partners_payments_name_the_line_each_was_on(client, auth, officer, returned_case):
    """The partner's list of payments names each one's budget line (as DRC's follow-up
    page does): two instalments of the same amount on different lines are told apart."""
    partner, user = officer("en")
    case = returned_case(partner=partner, lines=[dict(line) for line in LINES])
    auth.login(user)
    assert disburse(auth, case, line_key=f"L{case.id}-1", amount_dkk="100.00", note="Receipt 7").status_code == 302
    page = client.get(f"/partner/cases/{case.id}").get_data(as_text=True).replace("\xa0", " ")
    assert "DKK 100.00, Sewing machine, Receipt 7" in page

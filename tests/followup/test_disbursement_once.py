"""A payment is recorded once: the disburse form sent twice records one payment, and two
payments on one line at the same moment cannot together pass its approved amount."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from reintegration.followup import operations as ops
from reintegration.models import AuditEvent, Case, Disbursement, User

TOKEN_RE = re.compile(r'name="request_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="request_token"')


@pytest.fixture
def partner_case(auth, make_org, make_user, returned_case):
    partner = make_org("partner")
    case = returned_case(partner=partner)  # line 1: in-kind, 8,000.00 DKK
    auth.login(make_user("partner", organisation=partner))
    return case


def form_token(page: str) -> str:
    match = TOKEN_RE.search(page)
    assert match, "the disburse form carries no one-time token"
    return match.group(1) or match.group(2)


def payment(case, token, **values) -> dict:
    data = {"line_key": f"L{case.id}-1", "paid_on": date.today().isoformat(), "amount_local": "",
            "amount_dkk": "6,000", "note": "", "request_token": token}
    data.update(values)
    return data


def post(auth, case, data):
    return auth.post(f"/partner/cases/{case.id}/disburse", data, content_type="multipart/form-data")


def payments(db) -> list[Disbursement]:
    db.expire_all()
    return list(db.exec(select(Disbursement).order_by(Disbursement.id)).all())


def test_the_form_sent_twice_records_one_payment(client, auth, db, partner_case):
    token = form_token(client.get(f"/partner/cases/{partner_case.id}/disburse").get_data(as_text=True))
    first = post(auth, partner_case, payment(partner_case, token))
    assert first.status_code == 302, first.get_data(as_text=True)[-2000:]
    again = post(auth, partner_case, payment(partner_case, token))  # double click, or the browser resubmits
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/partner/cases/{partner_case.id}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This payment was already recorded (the form was sent twice). It is recorded once." in page
    [paid] = payments(db)
    assert paid.amount_dkk == Decimal("6000.00") and paid.request_token == token
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "followup.disbursement_recorded")).all()) == 1


def test_each_opened_form_has_its_own_token(client, auth, partner_case):
    url = f"/partner/cases/{partner_case.id}/disburse"
    assert form_token(client.get(url).get_data(as_text=True)) != form_token(client.get(url).get_data(as_text=True))


def test_a_used_form_sent_with_another_payment_records_nothing_and_says_so(client, auth, db, partner_case):
    """A form already used (from the browser's history, say) with other amounts is not a
    double post: nothing is recorded, the input is kept and a fresh token is given."""
    token = uuid.uuid4().hex
    assert post(auth, partner_case, payment(partner_case, token)).status_code == 302
    response = post(auth, partner_case, payment(partner_case, token, amount_dkk="1,500", note="Second tools"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This form was already used to record a payment of DKK\xa06,000.00" in page
    assert "Second tools" in page and form_token(page) != token
    assert len(payments(db)) == 1
    assert post(auth, partner_case, payment(partner_case, form_token(page), amount_dkk="1,500")).status_code == 302
    assert [p.amount_dkk for p in payments(db)] == [Decimal("6000.00"), Decimal("1500.00")]


@pytest.mark.parametrize("token", [None, "", "short", "x" * 65, "not a token!!!!!!!!!"])
def test_a_post_without_a_good_token_records_nothing(auth, db, partner_case, token):
    data = payment(partner_case, token, note="Kept note")
    if token is None:
        del data["request_token"]
    response = post(auth, partner_case, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This form is out of date, so nothing was recorded." in page and "Kept note" in page
    assert len(form_token(page)) >= 16  # the page shown again can be sent
    assert payments(db) == []
    assert post(auth, partner_case, payment(partner_case, form_token(page))).status_code == 302


def test_the_same_token_in_code_records_once(app, db, make_user, returned_case):
    case = returned_case()
    user = make_user("partner")
    token = uuid.uuid4().hex
    with app.test_request_context():
        first = ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                        amount_local=None, amount_dkk=Decimal("10"), note=None, token=token)
        with pytest.raises(ops.AlreadyRecorded) as done:
            ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                    amount_local=None, amount_dkk=Decimal("10"), note=None, token=token)
    assert done.value.same and done.value.disbursement.id == first.id
    assert len(payments(db)) == 1


def test_the_unique_token_stops_a_second_payment_the_check_missed(app, db, make_user, returned_case, monkeypatch):
    """Should the check before the insert miss the first payment, the unique index on
    the token still refuses the second row, answered the same way."""
    case = returned_case()
    user = make_user("partner")
    token = uuid.uuid4().hex
    real_check = ops._recorded_with
    calls = []

    def misses_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_check(*args)

    with app.test_request_context():
        ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                amount_local=None, amount_dkk=Decimal("10"), note=None, token=token)
        monkeypatch.setattr(ops, "_recorded_with", misses_first)
        with pytest.raises(ops.AlreadyRecorded) as done:  # ``another``: past the check for the same payment
            ops.record_disbursement(db, case, user=user, line_key=f"L{case.id}-1", paid_on=date.today(),
                                    amount_local=None, amount_dkk=Decimal("10"), note=None, token=token,
                                    another=True)
    assert done.value.same and len(calls) == 2
    assert len(payments(db)) == 1


def test_two_payments_at_once_cannot_pass_the_line(app, db, make_user, returned_case, monkeypatch):
    """Two partner officers record 6,000 kr. on the 8,000 kr. line at the same moment.
    The first has read what was paid (nothing) when the second starts; the second must
    wait for the first to finish and then sees its 6,000 kr. Without the lock both read
    nothing and 12,000 kr. is paid (SQLite's deferred transaction takes no lock until it
    writes; PostgreSQL locks the case row)."""
    case = returned_case()
    first_user, second_user = make_user("partner"), make_user("partner")
    engine = app.extensions["db_engine"]
    line_key = f"L{case.id}-1"
    db.close()
    real_read = ops.disbursed_on_line
    outcome: dict = {}
    second_done = threading.Event()

    def record(user_id, amount):
        with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
            return ops.record_disbursement(session, session.get(Case, case.id), user=session.get(User, user_id),
                                           line_key=line_key, paid_on=date.today(), amount_local=None,
                                           amount_dkk=amount, note=None, token=uuid.uuid4().hex)

    def second():
        try:
            outcome["second"] = record(second_user.id, Decimal("6000"))
        except Exception as error:  # reported in the test's thread
            outcome["second"] = error
        finally:
            second_done.set()

    thread = threading.Thread(target=second)

    def first_reads_then_second_starts(session, case_id, key):
        paid = real_read(session, case_id, key)
        if not thread.is_alive() and not second_done.is_set():
            thread.start()
            # The second payment runs now; it must not get past the first's lock.
            outcome["second_waited"] = not second_done.wait(1.0)
        return paid

    monkeypatch.setattr(ops, "disbursed_on_line", first_reads_then_second_starts)
    first = record(first_user.id, Decimal("6000"))
    thread.join(30)
    monkeypatch.undo()

    assert first.amount_dkk == Decimal("6000.00")
    assert outcome["second_waited"], "the second payment did not wait for the first"
    assert isinstance(outcome["second"], ops.FieldErrors), outcome["second"]
    with app.test_request_context():
        assert str(outcome["second"].errors["amount_dkk"]) == str(ops.over_line_message(Decimal("8000.00"),
                                                                                        Decimal("6000.00")))
    with Session(engine) as fresh:
        assert [p.amount_dkk for p in fresh.exec(select(Disbursement)).all()] == [Decimal("6000.00")]


def test_the_same_payment_sent_from_a_form_opened_again_asks_before_counting_it_twice(client, auth, db,
                                                                                      partner_case):
    """The browser's Back button shows the payment form again with what was typed but a
    fresh token: sent again, the same payment (line, day, amount) is not counted twice
    unless the officer says it is another payment."""
    url = f"/partner/cases/{partner_case.id}/disburse"
    first = post(auth, partner_case, payment(partner_case, form_token(client.get(url).get_data(as_text=True)),
                                             amount_dkk="1,500"))
    assert first.status_code == 302
    again = post(auth, partner_case, payment(partner_case, form_token(client.get(url).get_data(as_text=True)),
                                             amount_dkk="1,500", note="Back and sent again"))
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "A payment of DKK\xa01,500.00 on this budget line, paid on" in page and 'href="#another"' in page
    assert 'id="another"' in page and "Back and sent again" in page
    assert [p.amount_dkk for p in payments(db)] == [Decimal("1500.00")]
    # Said to be another payment, it is recorded.
    confirmed = post(auth, partner_case, payment(partner_case, form_token(page), amount_dkk="1,500", another="y"))
    assert confirmed.status_code == 302
    assert [p.amount_dkk for p in payments(db)] == [Decimal("1500.00"), Decimal("1500.00")]


def test_a_payment_that_differs_is_recorded_without_asking(client, auth, db, partner_case):
    url = f"/partner/cases/{partner_case.id}/disburse"
    assert 'id="another"' not in client.get(url).get_data(as_text=True)
    for amount in ("1,500", "1,000"):
        token = form_token(client.get(url).get_data(as_text=True))
        assert post(auth, partner_case, payment(partner_case, token, amount_dkk=amount)).status_code == 302
    assert [p.amount_dkk for p in payments(db)] == [Decimal("1500.00"), Decimal("1000.00")]


def test_the_same_payment_in_local_currency_is_asked_about_in_code(app, db, make_user, returned_case):
    case = returned_case()
    user = make_user("partner")
    values = dict(user=user, line_key=f"L{case.id}-0", paid_on=date.today(), amount_local=Decimal("100000"),
                  amount_dkk=None, note=None)
    with app.test_request_context():
        ops.record_disbursement(db, case, token=uuid.uuid4().hex, **values)
        with pytest.raises(ops.FieldErrors) as refused:
            ops.record_disbursement(db, case, token=uuid.uuid4().hex, **values)
        assert set(refused.value.errors) == {"another"}
        ops.record_disbursement(db, case, token=uuid.uuid4().hex, another=True, **values)
    assert [p.amount_local for p in payments(db)] == [Decimal("100000.00")] * 2

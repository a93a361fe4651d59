"""Every form sent and shown again with its errors answers 422 (Unprocessable Content),
as the drafting page, the decision and the exports form do: a 200 would tell browser
tools, monitoring and anything reading the status that the send went through. The page
is the form again, with the error summary. Opened (GET), the same page answers 200.

One refused send per form that shows itself again; the conflict pages (409) and the
refusals that are not a form's own errors are tested where they are."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from reintegration.models import FollowUpReport, Organisation, RiskAlert


def _admin(auth, make_user):
    auth.login("admin")
    return make_user("caseworker", email="someone@example.org")


def login_form(auth, **_):
    return "/login", {"email": "nobody@example.org", "password": "wrong-but-long-enough"}


def login_form_empty(auth, **_):
    return "/login", {"email": "", "password": ""}


def new_user(auth, make_user, **_):
    auth.login("admin")
    return "/admin/users/new", {"email": "not an address", "name": ""}


def user_edit(auth, make_user, **_):
    user = _admin(auth, make_user)
    return f"/admin/users/{user.id}", {"email": "", "name": ""}


def user_password(auth, make_user, **_):
    user = _admin(auth, make_user)
    return f"/admin/users/{user.id}/password", {"password": ""}, f"/admin/users/{user.id}"


def user_two_factor_reset(auth, make_user, **_):
    user = _admin(auth, make_user)
    return f"/admin/users/{user.id}/two-factor/reset", {}, f"/admin/users/{user.id}"


def new_organisation(auth, **_):
    auth.login("admin")
    return "/admin/organisations/new", {"name": ""}


def organisation_edit(auth, make_org, **_):
    org = make_org("partner")
    auth.login("admin")
    return f"/admin/organisations/{org.id}", {"name": ""}


def new_case(auth, **_):
    auth.login("caseworker")
    return "/cases/new", {"person_name": "", "action": "save"}


def case_edit(auth, make_case, **_):
    case = make_case()
    auth.login("caseworker")
    return f"/cases/{case.id}/edit", {"person_name": "", "action": "save"}


def record_return(auth, make_approved_case, **_):
    case = make_approved_case()
    auth.login("caseworker")
    return f"/followup/cases/{case.id}/return", {"return_date": "", "revision": str(case.revision)}


def close_alert(auth, db, returned_case, **_):
    case = returned_case()
    alert = RiskAlert(case_id=case.id, followup_id=None, indicators="threats")
    db.add(alert)
    db.commit()
    auth.login("caseworker")
    return f"/followup/alerts/{alert.id}/close", {"action": ""}


def _partner_case(auth, db, make_org, make_user, returned_case):
    partner = make_org("partner", country="NG", currency="NGN")
    case = returned_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    return case


def partner_report(auth, db, make_org, make_user, returned_case, **_):
    case = _partner_case(auth, db, make_org, make_user, returned_case)
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    return f"/partner/cases/{case.id}/reports/{report.id}", {"revision": str(report.revision)}


def partner_payment(auth, db, make_org, make_user, returned_case, **_):
    case = _partner_case(auth, db, make_org, make_user, returned_case)
    return f"/partner/cases/{case.id}/disburse", {"paid_on": ""}


def partner_files(auth, db, make_org, make_user, returned_case, **_):
    case = _partner_case(auth, db, make_org, make_user, returned_case)
    return f"/partner/cases/{case.id}/attachments", {"target": ""}


FORMS = [login_form, login_form_empty, new_user, user_edit, user_password, user_two_factor_reset, new_organisation,
         organisation_edit, new_case, case_edit, record_return, close_alert, partner_report, partner_payment,
         partner_files]


@pytest.mark.parametrize("sent", FORMS, ids=[f.__name__ for f in FORMS])
def test_a_form_refused_for_its_errors_answers_422_and_shows_them(client, auth, db, make_user, make_org, make_case,
                                                                 make_approved_case, returned_case, sent):
    url, data, *page = sent(auth=auth, db=db, make_user=make_user, make_org=make_org, make_case=make_case,
                            make_approved_case=make_approved_case, returned_case=returned_case)
    assert client.get(page[0] if page else url).status_code == 200
    if auth.csrf is None:  # signed out: the sign-in page's own token
        auth.csrf = auth.token()
    response = auth.post(url, data, content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert re.search(r'class="[^"]*\berror-summary\b', response.get_data(as_text=True))


def test_a_form_sent_for_another_row_is_not_refused(auth):
    """"Add a child" sends the case form to show it with one more row: nothing is
    refused, so the page answers 200, whatever the form lacks."""
    auth.login("caseworker")
    response = auth.post("/cases/new", {"person_name": "", "action": "add_child"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="children-0-first_name"' in page and "error-summary" not in page


def test_a_form_opened_with_an_error_it_states_up_front_answers_200(client, auth, make_org, make_user,
                                                                    make_approved_case):
    """The payment form of a case whose return is not recorded says so as an error
    when opened; opening it refuses nothing. Sent, it is refused (422)."""
    partner = make_org("partner", country="NG", currency="NGN")
    case = make_approved_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    opened = client.get(f"/partner/cases/{case.id}/disburse")
    assert opened.status_code == 200 and "error-summary" in opened.get_data(as_text=True)
    assert auth.post(f"/partner/cases/{case.id}/disburse", {}, content_type="multipart/form-data").status_code == 422

"""Submitting, freezing, commenting, who may do what, and the live check endpoint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import select

from reintegration.models import AuditEvent, BudgetLine, Case, Comment, PlanVersion
from reintegration.plans.mapping import content_sha256, load_plan

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _url(version, action=""):
    return f"/cases/{version.case_id}/plans/{version.id}" + (f"/{action}" if action else "")


def _fresh(db, version):
    db.expire_all()
    return db.get(PlanVersion, version.id)


def test_submit_refused_with_errors_then_allowed_then_frozen(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "15,000.00"}]))
    version = _fresh(db, version)
    refused = auth.post(_url(version, "submit"), {"revision": str(version.revision)}, follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "The plan was not submitted" in page and "exceeds the cash rate" in page
    assert _fresh(db, version).status == "draft"

    auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "10,000.00"}]))
    version = _fresh(db, version)
    response = auth.post(_url(version, "submit"), {"revision": str(version.revision)})
    assert response.status_code == 302
    version = _fresh(db, version)
    assert version.status == "submitted" and version.submitted_by == auth.user.id and version.submitted_at
    assert version.content_sha256 == content_sha256(load_plan(db, version))
    assert db.get(Case, plan_case.id).status == "awaiting_approval"

    # Frozen: neither the form nor a save nor a second submit changes it.
    assert auth._client.get(edit_url(version)).status_code == 302  # opening it shows the version (issue: GET 409)
    save = auth.post(edit_url(version), base_form(version, [{"kind": "cash", "amount_dkk": "1.00"}]))
    assert save.status_code == 409 and "can no longer be changed" in save.get_data(as_text=True)
    assert auth.post(_url(version, "submit"), {"revision": str(version.revision)}).status_code == 409
    assert _fresh(db, version).content_sha256 == version.content_sha256
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(version.id))).all()
    assert "plan.submit" in actions and "plan.frozen_edit_refused" in actions


def test_submit_of_a_plan_without_activity_is_refused(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(_url(version, "submit"), {"revision": str(version.revision)}, follow_redirects=True)
    assert "Choose the kind of income-generating activity the plan is built around, and describe it." in \
        response.get_data(as_text=True)
    assert _fresh(db, version).status == "draft"


@pytest.mark.parametrize("role", ["cmm", "partner"])
def test_partner_and_cmm_comment_but_never_edit(auth, db, make_user, make_org, make_case, start_draft, role):
    partner_org = make_org("partner", country="NG", currency="NGN")
    commenter = make_user(role, organisation=partner_org if role == "partner" else None, locale="en")
    case = make_case(partner=partner_org, planned_return=date(2026, 6, 1), cmm_contact_id=None)
    if role == "cmm":
        case.cmm_contact_id = commenter.id
        db.add(case)
        db.commit()
    auth.login("caseworker", locale="en")
    version = start_draft(case)
    auth.logout()

    auth.login(commenter)
    assert auth._client.get(_url(version)).status_code == 200
    assert auth._client.get(edit_url(version)).status_code == 403
    assert auth.post(edit_url(version), base_form(version)).status_code == 403
    assert auth.post(_url(version, "submit"), {"revision": "1"}).status_code == 403
    assert auth.post(_url(version, "check"), base_form(version)).status_code == 403
    response = auth.post(_url(version, "comments"), {"body": "Please add the debt situation."},
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Please add the debt situation." in page and commenter.name in page
    [comment] = db.exec(select(Comment).where(Comment.plan_version_id == version.id)).all()
    assert comment.author_id == commenter.id


def test_empty_comment_is_an_error_at_the_field(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(_url(version, "comments"), {"body": "   "})
    assert response.status_code == 422 and 'id="body-error"' in response.get_data(as_text=True)


def test_other_partners_case_is_404(auth, make_user, make_org, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.logout()
    auth.login(make_user("partner", organisation=make_org("partner", country="TH", currency="THB")))
    assert auth._client.get(_url(version)).status_code == 404
    assert auth.post(_url(version, "comments"), {"body": "hello"}).status_code == 404


def test_wrong_case_id_in_url_is_404(auth, make_case, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    other = make_case()
    assert auth._client.get(f"/cases/{other.id}/plans/{version.id}").status_code == 404


def test_approver_reads_but_does_not_edit_or_comment(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.logout()
    auth.login("approver")
    assert auth._client.get(_url(version)).status_code == 200
    assert auth._client.get(edit_url(version)).status_code == 403
    assert auth.post(_url(version, "comments"), {"body": "x"}).status_code == 403


def test_check_endpoint_returns_the_panel_fragment(auth, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(_url(version, "check"), base_form(version, [
        {"kind": "cash", "amount_dkk": "10,000.01"}, {"amount_dkk": "100", "month": "13"},
        {"amount_dkk": "oops"}]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and "Budget check" in page
    assert "cash.max" in page and 'data-line="lines-1"' in page and 'href="#lines-1-month"' in page
    assert "1 line has no readable amount or month" in page


def test_check_endpoint_never_saves(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    auth.post(_url(version, "check"), base_form(version, [{"amount_dkk": "100"}]))
    assert _fresh(db, version).revision == version.revision


def test_pages_render_for_a_version_with_lines(auth, plan_case, start_draft):
    auth.login("caseworker", locale="da")
    version = start_draft(plan_case)
    auth.post(edit_url(version), base_form(version, [{"amount_dkk": "12.500,50"}]))
    page = auth._client.get(_url(version)).get_data(as_text=True)
    assert "12.500,50\xa0kr." in page and "Hair salon in Benin City" in page


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
FIELDS = ["activity_kind", "activity_description", "expected_monthly_income", "activity_start_month",
          "lines-0-kind", "lines-0-category", "lines-0-month", "lines-0-amount_dkk", "lines-0-currency",
          "lines-0-amount_local", "lines-0-exchange_rate", "lines-0-line_key", "spread_total", "spread_from",
          "spread_to", "action", "lines-7-amount_dkk"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=st.dictionaries(st.sampled_from(FIELDS), TEXT, min_size=1))
def test_arbitrary_strings_in_the_drafting_form_never_give_a_500(auth, db, plan_case, start_draft, values):
    if auth.user is None:
        auth.login("caseworker", locale="en")
        start_draft(plan_case)
    db.expire_all()
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == plan_case.id)).first()
    data = base_form(version, [{"amount_dkk": "100"}])
    data.update(values)
    for url in (_url(version, "check"), edit_url(version)):
        response = auth.post(url, data)
        assert response.status_code in (200, 302, 409, 422), response.status_code


def test_control_characters_and_huge_text_are_handled(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "100", "description": "a\x00b"}],
                                                      activity_location="x\x00y"))
    assert response.status_code == 302
    assert _fresh(db, version).activity_location == "xy"
    version = _fresh(db, version)
    huge = auth.post(edit_url(version), base_form(version, realism="x" * 100_000))
    assert huge.status_code == 422 and 'id="realism-error"' in huge.get_data(as_text=True)


def test_amendment_line_cannot_go_below_what_was_paid(auth, db, plan_case, start_draft):
    from reintegration.models import Disbursement

    auth.login("caseworker", locale="en")
    first = start_draft(plan_case)
    auth.post(edit_url(first), base_form(first, [{"kind": "cash", "amount_dkk": "3,000.00"}]))
    first = _fresh(db, first)
    first.status = "approved"
    db.add(first)
    [line] = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == first.id)).all()
    db.add(Disbursement(case_id=plan_case.id, line_key=line.line_key, plan_version_id=first.id,
                        paid_on=date(2026, 7, 1), amount_dkk=Decimal("2000.00"), recorded_by=auth.user.id))
    db.commit()
    second = start_draft(plan_case)
    lowered = base_form(second, [{"kind": "cash", "amount_dkk": "1,500.00", "line_key": line.line_key}])
    live = auth.post(_url(second, "check"), lowered).get_data(as_text=True)
    assert "line.below_disbursed" in live
    saved = auth.post(edit_url(second), lowered, follow_redirects=True).get_data(as_text=True)
    assert "line.below_disbursed" in saved and 'href="#lines-0-amount_dkk"' in saved
    assert _fresh(db, second).check_ok is False


def test_approved_version_links_to_its_package(client, auth, db, make_case):
    """The plan page of an approved version offers the approval package to the roles
    that may download it."""
    from reintegration.models import PlanVersion

    case = make_case()
    version = PlanVersion(case_id=case.id, number=1, status="approved", activity_kind="business",
                          activity_description="Tailoring shop")
    db.add(version)
    db.commit()
    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}/plans/{version.id}").get_data(as_text=True)
    assert f"/exports/package/{version.id}" in page

"""Four eyes across versions: whoever drafted, edited or submitted an earlier version of
the case's plan may not decide on a later one, since each version starts as a copy of
the one before (DOMAIN.md: an approver never approves a plan they drafted)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from approval_factories import Line, case_of
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.approvals import operations as ops
from reintegration.models import AuditEvent, Decision, Organisation, PlanVersion

REFUSAL = {"en": "You drafted, edited or submitted this plan or an earlier version of it, so another approver "
                 "must decide on it.",
           "da": "Du har udarbejdet, redigeret eller indsendt denne plan eller en tidligere version af den, så en "
                 "anden godkender skal træffe beslutningen."}


def refused_events(db, version):
    db.expire_all()
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "approval.refused", AuditEvent.object_id == str(version.id))).all()]


def decision_of(db, version):
    db.expire_all()
    return db.exec(select(Decision).where(Decision.plan_version_id == version.id)).first()


def become_approver(db, user, locale="en"):
    """The caseworker moves to Hjemrejsestyrelsen as an approver (an administrator's edit)."""
    user.organisation_id = db.exec(select(Organisation.id).where(Organisation.kind == "hjemrejsestyrelsen")).first()
    user.role = "approver"
    user.locale = locale
    db.add(user)
    db.commit()
    return user


@pytest.fixture
def sent_back_then_resubmitted_by_another(db, make_plan, make_user, approve):
    """X drafts and submits v1, an approver sends it back; Y's v2 (a copy of X's content)
    is submitted unchanged by Y."""
    x, y = make_user("caseworker"), make_user("caseworker")
    v1 = make_plan(by=x, lines=[Line(key="chairs", description="Salon chairs X chose")])
    approve(v1, action="send_back", reason="Add a quote")
    v2 = make_plan(case=case_of(db, v1), by=y, lines=[Line(key="chairs", description="Salon chairs X chose")])
    return x, y, v1, v2


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_drafter_of_an_earlier_version_may_not_approve_the_copy_someone_else_submitted(
        auth, db, sent_back_then_resubmitted_by_another, lang):
    x, _y, _v1, v2 = sent_back_then_resubmitted_by_another
    auth.login(become_approver(db, x, locale=lang))
    response = auth.post(f"/approvals/{v2.id}/decide", decision_form(db, v2, "approve"))
    assert response.status_code == 403
    assert REFUSAL[lang] in response.get_data(as_text=True)
    assert decision_of(db, v2) is None
    assert db.get(PlanVersion, v2.id).status == "submitted"
    assert refused_events(db, v2)[-1] == {"action": "approve", "violations": ["decision.own_plan"]}


def test_nor_send_it_back_or_reject_it(auth, db, sent_back_then_resubmitted_by_another):
    x, _y, _v1, v2 = sent_back_then_resubmitted_by_another
    auth.login(become_approver(db, x))
    for action, reason in (("send_back", "Fine as it is"), ("reject", "No")):
        assert auth.post(f"/approvals/{v2.id}/decide", decision_form(db, v2, action, reason)).status_code == 403
    assert decision_of(db, v2) is None
    assert [e["violations"] for e in refused_events(db, v2)] == [["decision.own_plan"]] * 2


def test_the_drafter_of_a_started_copy_is_refused_through_the_plan_pages(auth, db, make_plan, make_user, approve):
    """The reviewer's path: Y starts v2 on the drafting pages (the copy is made there) and
    submits it unchanged; X, now an approver, is refused."""
    x = make_user("caseworker")
    v1 = make_plan(by=x, lines=[Line(amount="5000.00", description="Salon chairs X chose")])
    approve(v1, action="send_back", reason="Add a quote")
    auth.login(make_user("caseworker"))
    assert auth.post(f"/cases/{v1.case_id}/plans").status_code == 302
    v2 = db.exec(select(PlanVersion).where(PlanVersion.case_id == v1.case_id, PlanVersion.number == 2)).one()
    assert auth.post(f"/cases/{v1.case_id}/plans/{v2.id}/submit", {"revision": str(v2.revision)}).status_code == 302
    auth.logout()
    auth.login(become_approver(db, x))
    assert auth.post(f"/approvals/{v2.id}/decide", decision_form(db, v2, "approve")).status_code == 403
    assert decision_of(db, v2) is None
    assert refused_events(db, v2)[-1]["violations"] == ["decision.own_plan"]


def test_who_only_submitted_an_earlier_version_may_not_decide_either(app, db, make_plan, make_user, approve):
    submitter = make_user("caseworker")
    v1 = make_plan(lines=[Line(key="chairs")])
    v1.submitted_by = submitter.id
    db.add(v1)
    db.commit()
    approve(v1, action="send_back", reason="Add a quote")
    v2 = make_plan(case=case_of(db, v1), lines=[Line(key="chairs")])
    with pytest.raises(ops.DecisionRefused) as refused:
        approve(v2, user=become_approver(db, submitter))
    assert [v.code for v in refused.value.violations] == ["decision.own_plan"]


def test_the_drafter_of_the_approved_version_may_not_approve_its_amendment(db, make_plan, make_user, approve):
    x = make_user("caseworker")
    v1 = make_plan(by=x, lines=[Line(key="chairs")])
    approve(v1)
    amendment = make_plan(case=case_of(db, v1), amends=v1, lines=[Line(key="chairs", amount="4000.00")])
    with pytest.raises(ops.DecisionRefused) as refused:
        approve(amendment, user=become_approver(db, x))
    assert [v.code for v in refused.value.violations] == ["decision.own_plan"]


def test_an_approver_who_drafted_nothing_on_the_case_still_decides(auth, db, sent_back_then_resubmitted_by_another,
                                                                   make_plan, make_user):
    """Drafting on another case does not count against this one."""
    _x, _y, _v1, v2 = sent_back_then_resubmitted_by_another
    other = make_user("caseworker")
    make_plan(by=other)  # a plan of another case
    auth.login(become_approver(db, other))
    assert auth.post(f"/approvals/{v2.id}/decide", decision_form(db, v2, "approve")).status_code == 302
    assert decision_of(db, v2).outcome == "approved"


def test_drafter_ids_counts_every_version_up_to_this_one(db, sent_back_then_resubmitted_by_another):
    x, y, v1, v2 = sent_back_then_resubmitted_by_another
    assert ops.drafter_ids(db, v1) == {x.id}
    assert ops.drafter_ids(db, v2) == {x.id, y.id}


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_review_page_offers_no_decision_to_a_drafter_and_says_why(auth, db, sent_back_then_resubmitted_by_another,
                                                                       approver, lang):
    x, _y, _v1, v2 = sent_back_then_resubmitted_by_another
    auth.login(become_approver(db, x, locale=lang))
    page = auth._client.get(f"/approvals/{v2.id}").get_data(as_text=True)
    assert REFUSAL[lang] in page and f'action="/approvals/{v2.id}/decide"' not in page
    auth.logout()
    auth.login(approver)
    page = auth._client.get(f"/approvals/{v2.id}").get_data(as_text=True)
    assert f'action="/approvals/{v2.id}/decide"' in page and REFUSAL["en"] not in page


def test_the_review_page_names_everyone_the_rule_bars(auth, db, sent_back_then_resubmitted_by_another, approver):
    """The approver sees who may not decide: X drafted only version 1, and is named on
    version 2's review beside Y, who submitted it."""
    x, y, v1, v2 = sent_back_then_resubmitted_by_another
    auth.login(approver)
    page = auth._client.get(f"/approvals/{v2.id}").get_data(as_text=True)
    label = page.index("Drafted, edited or submitted by (this or an earlier version)")
    named = page[label:page.index("</dd>", label)]
    assert x.name in named and y.name in named, named
    first = auth._client.get(f"/approvals/{v1.id}").get_data(as_text=True)
    label = first.index("Drafted, edited or submitted by (this or an earlier version)")
    named = first[label:first.index("</dd>", label)]
    assert x.name in named and y.name not in named, named

"""The decision on a plan version (the outcome, who took it, when, and the reason) reaches
everyone who may read that version: the caseworker, the CMM contact and the partner who
co-drafts the plan see it on the version's page and the latest one on the case page,
and the next draft shows the points to fix while it is edited. A partner of another
organisation sees none of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from approval_factories import PLANNED_RETURN, Line
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form

REASON = "Give the price of the hostel for the first month and a quote for the hair dryer."
REJECTION = "The activity repeats the one that failed in 2024."
# The page's words for a sent-back decision, in the reader's language.
SENT_BACK_WORDS = {"en": ("Decision on version 1", "Sent back for changes", "Decided by", "Points to fix"),
                   "da": ("Beslutning om version 1", "Besluttet af", "Punkter, der skal rettes")}


@dataclass
class People:
    caseworker: object
    cmm: object
    partner_organisation: object
    partner: object
    other_partner: object


@pytest.fixture
def people(make_org, make_user, drafter):
    partner_org = make_org("partner", country="NG")
    return People(drafter, make_user("cmm"), partner_org, make_user("partner", organisation=partner_org),
                  make_user("partner", organisation=make_org("partner", country="NG")))


@pytest.fixture
def submitted(make_case, make_plan, people):
    """A submitted first version on a case with a CMM contact and the partner of ``people``."""
    case = make_case(partner=people.partner_organisation, cmm_contact_id=people.cmm.id,
                     planned_return=PLANNED_RETURN, caseworker_id=people.caseworker.id, status="awaiting_approval")
    return case, make_plan(case=case, by=people.caseworker, lines=[Line(kind="cash", amount="4000.00")])


def decide_by_post(auth, db, approver, version, action, reason):
    """The approver's decision, through the review page's form."""
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide", decision_form(db, version, action, reason)).status_code == 302
    auth.logout()


def page_as(auth, user, url):
    auth.login(user)
    response = auth._client.get(url)
    auth.logout()
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "cmm", "partner"])
@pytest.mark.parametrize("locale", ["en", "da"])
def test_the_reason_for_sending_back_is_on_the_plan_and_the_case_page(auth, db, people, submitted, approver, role,
                                                                        locale):
    case, version = submitted
    decide_by_post(auth, db, approver, version, "send_back", REASON)
    reader = getattr(people, role)
    reader.locale = locale
    db.add(reader)
    db.commit()
    for url in (f"/cases/{case.id}/plans/{version.id}", f"/cases/{case.id}"):
        status, page = page_as(auth, reader, url)
        assert status == 200, url
        assert REASON in page, url
        assert approver.name in page, url
        for words in SENT_BACK_WORDS[locale]:
            assert words in page, (url, words)


def test_a_partner_of_another_organisation_sees_neither_page_nor_reason(auth, db, people, submitted, approver):
    case, version = submitted
    decide_by_post(auth, db, approver, version, "send_back", REASON)
    for url in (f"/cases/{case.id}/plans/{version.id}", f"/cases/{case.id}"):
        status, page = page_as(auth, people.other_partner, url)
        assert status == 404 and REASON not in page


def test_the_reason_for_a_rejection_is_shown_too(auth, db, people, submitted, approver):
    case, version = submitted
    decide_by_post(auth, db, approver, version, "reject", REJECTION)
    status, page = page_as(auth, people.caseworker, f"/cases/{case.id}/plans/{version.id}")
    assert status == 200 and REJECTION in page and "Reason for the rejection" in page and "Rejected" in page


def test_the_next_draft_shows_the_points_to_fix_while_it_is_edited(auth, db, people, submitted, approver):
    case, version = submitted
    decide_by_post(auth, db, approver, version, "send_back", REASON)
    auth.login(people.caseworker)
    started = auth.post(f"/cases/{case.id}/plans")
    assert started.status_code == 302 and started.location.endswith("/edit")
    editing = auth._client.get(started.location).get_data(as_text=True)
    assert REASON in editing and "Decision on version 1" in editing and "Points to fix" in editing
    draft_page = auth._client.get(started.location.removesuffix("/edit")).get_data(as_text=True)
    assert REASON in draft_page  # the new version's own page (read by CMM and the partner) too
    auth.logout()
    status, page = page_as(auth, people.partner, started.location.removesuffix("/edit"))
    assert status == 200 and REASON in page


def test_the_case_page_shows_the_latest_decision(auth, db, people, submitted, make_plan, approve, approver):
    case, first = submitted
    approve(first, action="send_back", reason=REASON)
    second = make_plan(case=case, by=people.caseworker)
    approve(second, reason=None)
    status, page = page_as(auth, people.cmm, f"/cases/{case.id}")
    assert status == 200 and "Decision on version 2" in page and "Approved" in page
    assert REASON not in page  # the earlier one is on its own version's page
    status, page = page_as(auth, people.cmm, f"/cases/{case.id}/plans/{first.id}")
    assert REASON in page


def test_a_version_without_a_decision_shows_none(auth, people, submitted):
    case, version = submitted
    status, page = page_as(auth, people.caseworker, f"/cases/{case.id}/plans/{version.id}")
    assert status == 200 and "Decision on version" not in page and "Decided by" not in page

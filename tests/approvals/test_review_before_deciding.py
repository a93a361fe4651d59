"""What the review page gives the approver before deciding: the points the version before
was sent back with (or the reason it was rejected for), beside what changed; and no
"Approve" option where the decision would refuse approving (a closed case, an error
finding, content changed since submission), but the reason why."""

from __future__ import annotations

import re

import pytest

from approval_factories import Line, case_of, change_after_submission
from approval_factories import approve, approver, comment, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form

POINTS = "Add the written offer from the hostel and say who pays the rent after month 12."
APPROVE_OPTION = 'value="approve"'


def review(auth, db, user, version, locale="en"):
    user.locale = locale
    db.add(user)
    db.commit()
    auth.login(user)
    response = auth._client.get(f"/approvals/{version.id}")
    auth.logout()
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("action, locale, words", [
    ("send_back", "en", ("Decision on version 1", "Sent back for changes", "Points to fix")),
    ("send_back", "da", ("Beslutning om version 1", "Sendt tilbage til rettelse", "Punkter, der skal rettes")),
    ("reject", "en", ("Decision on version 1", "Rejected", "Reason for the rejection")),
])
def test_a_resubmitted_version_shows_what_the_one_before_was_to_fix(auth, db, make_plan, approve, approver, action,
                                                                     locale, words):
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    approve(first, action=action, reason=POINTS)
    second = make_plan(case=case_of(db, first), lines=[Line(key="a", amount="4500.00")])
    page = review(auth, db, approver, second, locale)
    what_changed = page[page.index("What changed" if locale == "en" else "Hvad er ændret"):]
    assert POINTS in what_changed and all(word in what_changed for word in words)
    assert APPROVE_OPTION in page  # nothing stops approving it


def test_a_first_version_or_one_after_an_approval_answers_no_decision(auth, db, make_plan, approve, approver):
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    assert "Decision on version" not in review(auth, db, approver, first)
    approve(first, reason=POINTS)
    amendment = make_plan(case=case_of(db, first), amends=first, lines=[Line(key="a", amount="4500.00")])
    assert "Decision on version" not in review(auth, db, approver, amendment)


def test_a_version_on_a_closed_case_is_not_offered_for_approval(auth, db, make_plan, approve, approver):
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    approve(first)
    amendment = make_plan(case=case_of(db, first), amends=first, lines=[Line(key="a", amount="5500.00")])
    case = case_of(db, first)
    case.status, case.closure_reason = "closed", "contact_lost"
    db.add(case)
    db.commit()
    page = review(auth, db, approver, amendment)
    assert APPROVE_OPTION not in page and 'value="send_back"' in page and 'value="reject"' in page
    assert "The case is closed, so the plan cannot be approved." in page
    # Nor does the page say the approved version is replaced once this one is approved.
    assert "stays in force until this version is approved" not in page
    # The decision still refuses a crafted approval, and the page comes back without the option.
    auth.login(approver)
    refused = auth.post(f"/approvals/{amendment.id}/decide", decision_form(db, amendment, "approve"))
    assert refused.status_code == 422 and APPROVE_OPTION not in refused.get_data(as_text=True)


def test_a_version_with_an_error_finding_is_not_offered_for_approval(auth, db, make_plan, approver):
    version = make_plan(lines=[Line(kind="cash", amount="15000.00")])  # above the 10,000 kr. cash rate
    page = review(auth, db, approver, version, "da")
    assert APPROVE_OPTION not in page and 'value="send_back"' in page
    assert "Planen har fejl i satskontrollen og kan ikke godkendes." in page


def test_a_version_changed_after_submission_is_not_offered_for_approval(auth, db, make_plan, approver):
    version = make_plan()
    change_after_submission(db, version)
    page = review(auth, db, approver, version)
    assert APPROVE_OPTION not in page
    assert page.count("changed after it was submitted") == 2  # the page's warning, and beside the options


def test_an_approvable_version_offers_every_decision(auth, db, make_plan, approver):
    page = review(auth, db, approver, make_plan())
    assert all(f'value="{action}"' in page for action in ("approve", "send_back", "reject"))
    assert "cannot be approved" not in page


@pytest.mark.parametrize("page", ["review", "changes"])
def test_the_review_and_changes_pages_lead_back_to_the_plan_and_its_case(auth, db, make_plan, approve, approver,
                                                                        make_user, page):
    """Both pages named no way back: after deciding, the approver reached the case page
    (where the return is recorded) only through the case list, and a reader of the changes
    (CMM, from the plan page) only with the browser's back button."""
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    approve(first, action="send_back", reason=POINTS)
    second = make_plan(case=case_of(db, first), lines=[Line(key="a", amount="4500.00")])
    suffix = "" if page == "review" else "/changes"
    cmm = make_user("cmm")
    case = case_of(db, first)
    case.cmm_contact_id = cmm.id  # the case's CMM contact reads its plans
    db.add(case)
    db.commit()
    for reader in (approver, cmm) if page == "changes" else (approver,):
        reader.locale = "en"
        db.add(reader)
        db.commit()
        auth.login(reader)
        html = auth._client.get(f"/approvals/{second.id}{suffix}").get_data(as_text=True)
        auth.logout()
        crumbs = html[html.index('<nav class="breadcrumbs"'):html.index("</nav>", html.index('<nav class="breadcrumbs"'))]
        assert f'href="/cases/{second.case_id}"' in crumbs
        assert f'href="/cases/{second.case_id}/plans/{second.id}"' in crumbs and "Plan, version 2" in crumbs
        current = re.search(r'aria-current="page">(?:<svg\b.*?</svg>)?\s*([^<]*)', crumbs, re.S).group(1)
        assert current.startswith("Review" if page == "review" else "Changes in version 2")


def test_the_plan_page_offers_review_for_approval_only_once_submitted(auth, db, make_plan, approve, approver):
    """A draft's page offered the approver "Review for approval", which led to a review
    page with nothing to decide; a submitted or decided version's page leads there."""
    draft = make_plan(status="draft")
    submitted, decided = make_plan(), make_plan()
    approve(decided)
    auth.login(approver)
    for version, offered in ((draft, False), (submitted, True), (decided, True)):
        page = auth._client.get(f"/cases/{version.case_id}/plans/{version.id}").get_data(as_text=True)
        assert (f'href="/approvals/{version.id}"' in page) is offered, version.status
        assert ("Review for approval" in page) is offered, version.status


def test_each_comment_names_its_authors_organisation(auth, db, make_plan, make_org, make_user, comment, approver):
    """The approver reads a risk note from CMM apart from the partner's remark: the plan
    page names each author's organisation, the review page named only the person."""
    version = make_plan()
    cmm = make_user("cmm", organisation=make_org("cmm", name="Center mod Menneskehandel"))
    partner = make_user("partner", organisation=make_org("partner", name="Edo Reintegration Network"))
    comment(version, cmm, "The recruiter contacted her sister last year.")
    comment(version, partner, "The course fee is confirmed.")
    page = review(auth, db, approver, version)
    section = page[page.index("<h2>Comments</h2>"):page.index("<h2>What changed</h2>")]
    assert f"<strong>{cmm.name}</strong>, Center mod Menneskehandel, " in section
    assert f"<strong>{partner.name}</strong>, Edo Reintegration Network, " in section

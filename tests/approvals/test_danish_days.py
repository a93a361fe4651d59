"""The approval pages count and show days in Denmark, not the UTC days of the stored
moments: a version submitted at 00:30 on 2 March in Copenhagen (23:30 on 1 March in UTC)
was submitted on 2 March, and has waited no day on 2 March."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from approval_factories import approve, approver, comment, drafter, make_plan  # noqa: F401  (fixtures)
from reintegration.approvals import operations as ops
from reintegration.models import Comment, Decision, PlanVersion
from reintegration.plans import decided

WINTER = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # 00:30 on 2 March in Copenhagen (UTC+1)
SUMMER = datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc)  # 00:30 on 2 June (UTC+2)


@pytest.mark.parametrize("moment, danish_day", [(WINTER, date(2026, 3, 2)), (SUMMER, date(2026, 6, 2))])
def test_the_queue_counts_the_days_waited_from_the_danish_day(app, db, make_plan, approver, moment, danish_day):
    version = make_plan()
    version.submitted_at = moment
    db.add(version)
    db.commit()
    with app.app_context():
        same_day = ops.queue(db, approver, app.extensions["rate_tables"], danish_day).items
        next_day = ops.queue(db, approver, app.extensions["rate_tables"], date.fromordinal(danish_day.toordinal() + 1))
    assert [row.days_waiting for row in same_day] == [0]
    assert [row.days_waiting for row in next_day.items] == [1]


def test_the_review_says_the_danish_days_of_submission_comment_and_decision(app, auth, db, make_plan, approve,
                                                                           approver, comment, make_user):
    version = make_plan()
    said = comment(version, make_user("cmm"), "Debt to the recruiter is settled")
    approve(version, now=SUMMER)
    version, said = db.get(PlanVersion, version.id), db.get(Comment, said.id)
    version.submitted_at, said.created_at = WINTER, WINTER
    db.add_all([version, said])
    db.commit()
    approver.locale = "en"
    db.add(approver)
    db.commit()
    auth.login(approver)
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert "Mar 1, 2026" not in page and "Jun 1, 2026" not in page
    assert page.count("Mar 2, 2026") == 2  # submitted, and the comment
    assert "Jun 2, 2026" in page  # decided
    approver.locale = "da"
    db.add(approver)
    db.commit()
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert page.count("2. mar. 2026") == 2 and "2. jun. 2026" in page and "1. mar. 2026" not in page


def test_a_decision_that_kept_no_plan_is_read_on_the_danish_day_it_was_made(app, monkeypatch):
    """Before migrations 0009 and 0011 a decision kept neither its plan nor its reference
    date: the plan is then the version as it stood on the day of deciding."""
    asked = []
    monkeypatch.setattr(decided, "decided_plan", lambda stored, day: asked.append(day))
    old = Decision(plan_version_id=1, outcome="approved", decided_by=1, decided_at=WINTER,
                   plan_document=None, reference_date=None)
    with app.app_context():
        decided.approved_plan(old, stored=None)
    assert asked == [date(2026, 3, 2)]

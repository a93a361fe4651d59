"""A version's page and its review page read everything they show before the read's audit
record commits: one transaction per view, and nothing touches the database after its
commit (a read after it would open a second transaction: pool ping, BEGIN, the reads,
ROLLBACK). The read is still recorded for every page served, and nothing for a 404."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from approval_factories import Line
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from reintegration.models import AuditEvent, Case
from support import database_trail


def _reads(db, page: str) -> list[AuditEvent]:
    db.expire_all()
    return [event for event in db.exec(select(AuditEvent).where(AuditEvent.action == "case.read")).all()
            if json.loads(event.detail or "{}").get("page") == page]


def _one_transaction(app, client, url: str) -> str:
    with database_trail(app.extensions["db_engine"]) as trail:
        response = client.get(url)
    assert response.status_code == 200
    assert trail.count("BEGIN") == 1, trail
    assert trail[0] == "BEGIN" and trail[-1] == "COMMIT", trail  # nothing after the read's record commits
    writes = [statement for statement in trail[1:-1] if not statement.lstrip().upper().startswith("SELECT")]
    assert all("auditevent" in statement for statement in writes), writes  # the commit keeps the record only
    return response.get_data(as_text=True)


@pytest.fixture
def amendment(db, make_plan, approve, comment, pay, approver, drafter):
    """Version 2, submitted, amending the approved version 1 (a line of which is paid),
    with a comment: every part of both pages has something to read."""
    first = make_plan(lines=[Line(kind="cash", amount="4000.00", key="cash"), Line(key="chairs")])
    approve(first)
    pay(first.case_id, "chairs", "1000.00", first, approver)
    second = make_plan(case=db.get(Case, first.case_id), amends=first,
                       lines=[Line(kind="cash", amount="3000.00", key="cash"), Line(key="chairs"),
                              Line(amount="2000.00", description="Hair dryer")])
    comment(second, drafter, body="Second dryer asked for")
    return second


# The page (its endpoint), who reads it, its address and addresses it answers 404 to.
PAGES = {
    "plans.show": ("drafter", lambda v: f"/cases/{v.case_id}/plans/{v.id}",
                   lambda v: (f"/cases/{v.case_id}/plans/{v.id + 99}", f"/cases/{v.case_id + 99}/plans/{v.id}")),
    "approvals.review": ("approver", lambda v: f"/approvals/{v.id}",
                         lambda v: (f"/approvals/{v.id + 99}",)),
}


@pytest.mark.parametrize("endpoint", PAGES)
def test_the_page_is_one_transaction_and_records_its_read(request, app, client, auth, db, amendment, endpoint):
    role, url, not_found = PAGES[endpoint]
    reader = auth.login(request.getfixturevalue(role))
    page = _one_transaction(app, client, url(amendment))
    assert "Second dryer asked for" in page and "Hair dryer" in page
    assert [(e.user_id, e.case_id) for e in _reads(db, endpoint)] == [(reader.id, amendment.case_id)]
    for missing in not_found(amendment):
        assert client.get(missing).status_code == 404
    assert len(_reads(db, endpoint)) == 1  # nothing recorded for a page not served

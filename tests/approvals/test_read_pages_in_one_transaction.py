"""A version's page, its drafting page, its review page and its list of changes read
everything they show before the read's audit record commits: one transaction per view,
and nothing touches the database after its commit (a read after it would open a second
transaction: pool ping, BEGIN, the reads, ROLLBACK). The read is still recorded for every
page served, and nothing for a 404."""

from __future__ import annotations

import pytest

from approval_factories import amendment, approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from support import one_transaction, reads_of


# The page (its endpoint), who reads it, its address, addresses it answers 404 to, what it
# shows of the amendment, and whether it is a page of a draft.
PAGES = {
    "plans.show": ("drafter", lambda v: f"/cases/{v.case_id}/plans/{v.id}",
                   lambda v: (f"/cases/{v.case_id}/plans/{v.id + 99}", f"/cases/{v.case_id + 99}/plans/{v.id}"),
                   ("Second dryer asked for", "Hair dryer"), False),
    "plans.edit": ("drafter", lambda v: f"/cases/{v.case_id}/plans/{v.id}/edit",
                   lambda v: (f"/cases/{v.case_id}/plans/{v.id + 99}/edit",),
                   ("Second dryer asked for", "Hair dryer"), True),
    "approvals.review": ("approver", lambda v: f"/approvals/{v.id}", lambda v: (f"/approvals/{v.id + 99}",),
                         ("Second dryer asked for", "Hair dryer"), False),
    "approvals.changes": ("approver", lambda v: f"/approvals/{v.id}/changes",
                          lambda v: (f"/approvals/{v.id + 99}/changes",), ("Hair dryer",), False),
}


@pytest.mark.parametrize("endpoint", PAGES)
def test_the_page_is_one_transaction_and_records_its_read(request, app, client, auth, db, amendment, endpoint):
    role, url, not_found, shown, draft = PAGES[endpoint]
    if draft:  # the drafting page is a draft's: the amendment before it was submitted
        amendment.status = "draft"
        db.add(amendment)
        db.commit()
    reader = auth.login(request.getfixturevalue(role))
    page = one_transaction(app, client, url(amendment))
    assert all(text in page for text in shown), endpoint
    assert [(e.user_id, e.case_id) for e in reads_of(db, endpoint)] == [(reader.id, amendment.case_id)]
    for missing in not_found(amendment):
        assert client.get(missing).status_code == 404
    assert len(reads_of(db, endpoint)) == 1  # nothing recorded for a page not served

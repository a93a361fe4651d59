"""After a version is sent back the caseworker starts the next one from the case page:
a version sent back is not open (the next draft starts as a copy of it)."""

from __future__ import annotations

import re

from approval_factories import case_of
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from reintegration.models import PlanVersion
from sqlmodel import select

START = re.compile(r'<form method="post" action="/cases/(\d+)/plans">')


def test_the_case_page_offers_the_next_version_after_a_send_back(client, auth, db, make_plan, approve, drafter):
    first = make_plan()
    approve(first, action="send_back", reason="The hostel costs are not explained.")
    case = case_of(db, first)
    auth.login(drafter)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert START.search(page) and "Start a new plan version" in page

    response = auth.post(f"/cases/{case.id}/plans", {})
    assert response.status_code == 302
    versions = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)
                       .order_by(PlanVersion.number)).all()
    assert [(v.number, v.status) for v in versions] == [(1, "returned"), (2, "draft")]
    assert versions[1].activity_description == versions[0].activity_description  # a copy of what was sent back
    # Now a draft is open: no second start.
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert not START.search(page)


def test_a_submitted_version_is_open(client, auth, db, make_plan, drafter):
    version = make_plan()
    auth.login(drafter)
    assert not START.search(client.get(f"/cases/{case_of(db, version).id}").get_data(as_text=True))

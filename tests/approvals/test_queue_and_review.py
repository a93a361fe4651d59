"""The queue, the review page, the diff and amendments counting what has been paid."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from approval_factories import Line, case_of
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from support import decision_form
from reintegration.approvals import operations as ops
from reintegration.approvals.diff import ADDED, CHANGED, REMOVED, diff_versions


def test_queue_lists_submitted_plans_oldest_first_with_totals_caps_and_days(auth, make_plan, approver):
    newer = make_plan(submitted_days_ago=1, lines=[Line(kind="cash", amount="4000.00"), Line(amount="14500.00")])
    older = make_plan(submitted_days_ago=9)
    make_plan(status="draft")
    auth.login(approver)
    page = auth._client.get("/approvals/").get_data(as_text=True).replace("\xa0", " ")
    assert page.index(f"/approvals/{older.id}") < page.index(f"/approvals/{newer.id}")
    assert "DKK 4,000.00 / DKK 10,000.00" in page  # cash against the non-provider cash rate
    assert "DKK 18,500.00 / DKK 40,000.00" in page
    assert ">9<" in page and ">1<" in page
    assert len(re.findall(r'href="/approvals/\d+"', page)) == 2  # the draft is not in the queue


def test_queue_caps_count_minor_children(auth, make_plan, make_case, approver):
    case = make_case(children=[date(2019, 1, 1)], planned_return=date(2027, 3, 1))
    make_plan(case=case)
    auth.login(approver)
    page = auth._client.get("/approvals/").get_data(as_text=True).replace("\xa0", " ")
    assert "DKK 20,000.00" in page and "DKK 49,000.00" in page


def test_queue_is_one_query_whatever_its_length(app, db, make_plan, approver):
    def statements_for_queue():
        seen = []

        def count(*_args):
            seen.append(1)

        engine = app.extensions["db_engine"]
        event.listen(engine, "before_cursor_execute", count)
        try:
            with app.app_context():
                ops.queue(db, approver, app.extensions["rate_tables"], date.today())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    make_plan()
    one = statements_for_queue()
    for _ in range(4):
        make_plan()
    assert statements_for_queue() == one <= 2  # the rows, and their count for paging


def test_queue_pages(app, auth, make_plan, approver):
    app.config["PAGE_SIZE"] = 2
    for days in (5, 4, 3):
        make_plan(submitted_days_ago=days)
    auth.login(approver)
    first = auth._client.get("/approvals/").get_data(as_text=True).replace("\xa0", " ")
    second = auth._client.get("/approvals/?page=2").get_data(as_text=True).replace("\xa0", " ")
    assert len(re.findall(r'href="/approvals/\d+"', first)) == 2 and len(re.findall(r'href="/approvals/\d+"', second)) == 1
    assert auth._client.get("/approvals/?page=99").status_code == 200
    assert auth._client.get("/approvals/?page=abc").status_code == 200


def test_queue_counting_stops_at_the_limit_and_every_plan_stays_reachable(app, db, auth, make_plan, approver):
    """Beyond APPROVAL_QUEUE_COUNT_LIMIT the queue says "more than N" instead of counting
    every submitted plan (its cost must not grow with the queue); paging on still reaches
    every plan, oldest first, and the last page is counted exactly."""
    plans = [make_plan(submitted_days_ago=days) for days in (9, 8, 7, 6, 5)]
    app.config.update(PAGE_SIZE=2, APPROVAL_QUEUE_COUNT_LIMIT=3)
    auth.login(approver)
    client = auth._client
    first = client.get("/approvals/").get_data(as_text=True)
    assert "More than 3 waiting" in first and "Page 1 of at least 2" in first
    seen, number = [], 1
    while True:
        html = client.get(f"/approvals/?page={number}").get_data(as_text=True)
        seen.extend(int(found) for found in re.findall(r'href="/approvals/(\d+)"', html))
        if f'href="/approvals/?page={number + 1}"' not in html:
            break
        number += 1
    assert seen == [plan.id for plan in plans] and number == 3
    last = client.get("/approvals/?page=3").get_data(as_text=True)
    assert "5 waiting" in last and "More than" not in last and "Page 3 of 3" in last

    app.config["APPROVAL_QUEUE_COUNT_LIMIT"] = 5  # five plans: counted exactly, no "more"
    exact = client.get("/approvals/").get_data(as_text=True)
    assert "5 waiting" in exact and "More than" not in exact and "Page 1 of 3" in exact
    app.config["APPROVAL_QUEUE_COUNT_LIMIT"] = 4
    approver.locale = "da"
    db.add(approver)
    db.commit()
    danish = client.get("/approvals/").get_data(as_text=True)
    assert "Flere end 4 venter" in danish


def test_review_shows_plan_rate_check_sources_comments_and_changes(auth, db, make_plan, approve, approver,
                                                                   comment, make_user):
    first = make_plan(lines=[Line(key="a", amount="5000.00", description="Salon chairs"),
                             Line(key="b", amount="2000.00", description="Rent deposit")])
    approve(first, action="send_back", reason="More detail")
    second = make_plan(case=case_of(db, first), activity="Hair and nail salon in Benin City",
                       lines=[Line(key="a", amount="6500.00", description="Salon chairs"),
                              Line(key="c", amount="1000.00", description="Hair dryer")])
    comment(second, make_user("cmm"), "Debt to the recruiter is settled")
    auth.login(approver)
    page = auth._client.get(f"/approvals/{second.id}").get_data(as_text=True).replace("\xa0", " ")
    assert "Hair and nail salon" in page and "Salon chairs" in page
    assert "Støtten per voksen udgør samlet op 40.000 kr." in page  # the rule's source from the rate table
    assert "Debt to the recruiter is settled" in page
    assert "Compared with version 1" in page
    assert "Added" in page and "Hair dryer" in page and "Removed" in page and "Rent deposit" in page
    assert "DKK 5,000.00" in page and "DKK 6,500.00" in page  # old → new amount of the changed line
    assert "Hair salon in Benin City" in page  # the old activity text beside the new


def test_diff_is_keyed_by_line_key():
    class V:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    old = [V(line_key="a", kind="cash", category=None, description="x", month=1, amount_dkk=Decimal("10.00"),
             currency=None, amount_local=None, exchange_rate=None),
           V(line_key="b", kind="cash", category=None, description="y", month=1, amount_dkk=Decimal("5.00"),
             currency=None, amount_local=None, exchange_rate=None)]
    new = [V(**{**old[0].__dict__, "amount_dkk": Decimal("12.5"), "month": 2}),
           V(line_key="c", kind="in_kind", category=None, description="z", month=3, amount_dkk=Decimal("1.00"),
             currency=None, amount_local=None, exchange_rate=None)]
    diff = diff_versions(V(activity_description="A", realism=""), old, V(activity_description="B", realism=None), new)
    assert [(c.key, c.change) for c in diff.lines] == [("a", CHANGED), ("c", ADDED), ("b", REMOVED)]
    assert [(f.field, f.old, f.new) for f in diff.lines[0].fields] == [("month", 1, 2),
                                                                      ("amount_dkk", Decimal("10.00"), Decimal("12.5"))]
    assert diff.lines[0].amount_delta == Decimal("2.50") and diff.lines[2].amount_delta == Decimal("-5.00")
    assert [f.field for f in diff.fields] == ["activity_description"]  # "" and None are the same


def test_disbursed_by_key_sums_per_line(db, make_plan, approve, pay, drafter):
    version = make_plan(lines=[Line(key="a"), Line(key="b")])
    approve(version)
    pay(version.case_id, "a", "1000.00", version, drafter)
    pay(version.case_id, "a", "250.50", version, drafter)
    pay(version.case_id, "b", "10.00", version, drafter)
    assert ops.disbursed_by_key(db, version.case_id) == {"a": Decimal("1250.50"), "b": Decimal("10.00")}
    assert ops.disbursed_by_key(db, 999_999) == {}


@pytest.fixture
def paid_amendment(db, make_plan, approve, pay, drafter):
    """An approved plan with 3,000 kr. paid on line a and 500 kr. on line b, and an
    amendment that lowers a to 2,000 kr. and removes b."""
    first = make_plan(lines=[Line(key="a", amount="5000.00", description="Salon chairs"),
                             Line(key="b", amount="2000.00", description="Rent deposit")])
    approve(first)
    pay(first.case_id, "a", "3000.00", first, drafter)
    pay(first.case_id, "b", "500.00", first, drafter)
    amendment = make_plan(case=case_of(db, first), amends=first,
                          lines=[Line(key="a", amount="2000.00", description="Salon chairs")])
    return first, amendment


def test_an_amendment_cannot_go_below_what_was_paid(auth, db, paid_amendment, approver):
    first, amendment = paid_amendment
    auth.login(approver)
    page = auth._client.get(f"/approvals/{amendment.id}").get_data(as_text=True).replace("\xa0", " ")
    assert "already paid out" in page and "Rent deposit" in page
    assert "Version 1 is approved and stays in force" in page
    response = auth.post(f"/approvals/{amendment.id}/decide", decision_form(db, amendment, "approve"))
    assert response.status_code == 422
    db.expire_all()
    assert db.get(type(first), first.id).status == "approved"  # still in force


def test_the_check_counts_removed_paid_lines_as_errors(app, db, paid_amendment):
    first, amendment = paid_amendment
    from reintegration.plans.mapping import load_plan

    with app.app_context():
        check = ops.check_version(db, load_plan(db, amendment), app.extensions["rate_tables"], date.today(),
                                  ops.version_lines(db, first.id))
    assert not check.ok
    assert check.error_rules == ["line.below_disbursed", "line.removed_disbursed"]
    assert check.removed_paid[0].description == "Rent deposit"


def test_the_caseworker_sees_the_amendment_as_a_diff_against_the_approved_version(auth, paid_amendment, drafter):
    first, amendment = paid_amendment
    auth.login(drafter)
    page = auth._client.get(f"/approvals/{amendment.id}/changes").get_data(as_text=True).replace("\xa0", " ")
    assert "This version is an amendment" in page and "Compared with version 1" in page
    assert "Removed" in page and "Rent deposit" in page and "DKK 2,000.00" in page


def test_a_valid_amendment_is_approved_and_supersedes(db, make_plan, approve, pay, drafter):
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    approve(first)
    pay(first.case_id, "a", "3000.00", first, drafter)
    amendment = make_plan(case=case_of(db, first), amends=first,
                          lines=[Line(key="a", amount="3000.00"), Line(key="n", amount="4000.00")])
    approve(amendment)
    db.expire_all()
    assert db.get(type(first), first.id).status == "superseded"


def test_the_queue_logs_which_cases_it_named(auth, db, make_plan, approver):
    """The queue shows people's names: the trail says whose, to whom."""
    import json

    from reintegration.models import AuditEvent

    waiting, draft = make_plan(), make_plan(status="draft")
    auth.login(approver)
    assert auth._client.get("/approvals/").status_code == 200
    event = db.exec(AuditEvent.__table__.select().where(AuditEvent.action == "case_list.read")
                    .order_by(AuditEvent.id.desc())).first()
    assert event.user_id == approver.id
    assert json.loads(event.detail) == {"page": "approvals.queue", "cases": [waiting.case_id], "searched": False}

    # The trail's case filter finds the queue under the case it showed, not the draft's.
    auth.logout()
    auth.login("admin")
    page = auth._client.get(f"/admin/audit?case={case_of(db, waiting).reference}").get_data(as_text=True)
    assert page.count("<code>case_list.read</code>") == 1 and approver.email in page
    page = auth._client.get(f"/admin/audit?case={case_of(db, draft).reference}").get_data(as_text=True)
    assert "case_list.read" not in page and "No entries match." in page


@pytest.mark.parametrize("locale, says", [("en", "1 line is unchanged."), ("da", "1 linje er uændret.")])
def test_the_changes_page_counts_unchanged_lines_in_the_singular(auth, db, make_plan, approve, drafter, locale, says):
    first = make_plan(lines=[Line(key="a", amount="5000.00", description="Salon chairs"),
                             Line(key="b", amount="2000.00", description="Rent deposit")])
    approve(first)
    amendment = make_plan(case=case_of(db, first), amends=first,
                          lines=[Line(key="a", amount="5000.00", description="Salon chairs"),
                                 Line(key="b", amount="2500.00", description="Rent deposit")])
    drafter.locale = locale
    db.add(drafter)
    db.commit()
    auth.login(drafter)
    page = auth._client.get(f"/approvals/{amendment.id}/changes").get_data(as_text=True)
    assert says in page and "1 lines" not in page and "1 linjer" not in page


def test_only_a_submitted_amendment_says_the_approved_version_stays_in_force(auth, db, make_plan, approve, approver):
    """A decided version's review (sent back, or superseded by the approved amendment) is
    no longer waiting: it does not say another version stays in force until it is approved.
    Nor does its changes page (which said it of an amendment already decided)."""
    first = make_plan(lines=[Line(key="a", amount="5000.00")])
    approve(first)
    returned = make_plan(case=case_of(db, first), amends=first, lines=[Line(key="a", amount="6000.00")])
    approve(returned, action="send_back", reason="Explain the higher amount.")
    amendment = make_plan(case=case_of(db, first), amends=first, lines=[Line(key="a", amount="5500.00")])
    auth.login(approver)

    def changes(version):
        return auth._client.get(f"/approvals/{version.id}/changes").get_data(as_text=True)

    for version in (returned, first):
        assert "stays in force" not in auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert "Version 1 is approved and stays in force" in auth._client.get(
        f"/approvals/{amendment.id}").get_data(as_text=True)
    assert "stays in force until the amendment is approved" in changes(amendment)
    assert "stays in force" not in changes(returned)
    approve(amendment)
    for version in (returned, first, amendment):
        assert "stays in force" not in auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    for version in (returned, amendment):
        page = changes(version)
        assert "stays in force" not in page and "Compared with version 1" in page


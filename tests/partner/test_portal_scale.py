"""The partner portal at scale: paged lists, a fixed number of queries, a slim page;
and new partner accounts defaulting to English."""

from __future__ import annotations

import re

from sqlalchemy import event

from support import TEST_PASSWORD
from reintegration.admin.operations import create_user


def test_new_accounts_default_to_english_for_partners_danish_otherwise(db, make_org):
    partner = create_user(db, organisation=make_org("partner"), email="officer-en@example.org", name="Officer",
                          role="partner", password=TEST_PASSWORD)
    caseworker = create_user(db, organisation=make_org("drc"), email="cw-da@example.org", name="Worker",
                             role="caseworker", password=TEST_PASSWORD)
    chosen = create_user(db, organisation=make_org("partner"), email="officer-da@example.org", name="Officer Two",
                         role="partner", password=TEST_PASSWORD, locale="da")
    assert (partner.locale, caseworker.locale, chosen.locale) == ("en", "da", "da")


def _cases(db, make_case, partner, n, status, due=False, start=0):
    from datetime import date, timedelta

    from reintegration.models import FollowUpReport

    made = []
    for i in range(n):
        case = make_case(partner=partner, reference=f"RT-{status[:2].upper()}-{start + i:04d}", status=status,
                         actual_return=date.today() - timedelta(days=10))
        if due:
            db.add(FollowUpReport(case_id=case.id, due_month=1, due_date=date.today() + timedelta(days=start + i),
                                  status="due"))
        made.append(case)
    db.commit()
    return made


def _count_queries(app, client, url):
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_portal_lists_are_paged_and_queries_do_not_grow_with_cases(app, client, auth, db, make_org, make_user,
                                                                  make_case):
    from reintegration.partner.views import PAGE_SIZE

    mine, theirs = make_org("partner"), make_org("partner")
    _cases(db, make_case, mine, 2, "in_followup", due=True)
    _cases(db, make_case, mine, 2, "closed", start=500)
    auth.login(make_user("partner", organisation=mine))
    few, page = _count_queries(app, client, "/partner/")
    assert "Next page" not in page

    _cases(db, make_case, mine, PAGE_SIZE + 3, "in_followup", due=True, start=100)
    _cases(db, make_case, mine, PAGE_SIZE + 5, "closed", start=600)
    _cases(db, make_case, theirs, 5, "in_followup", due=True, start=900)
    many, page = _count_queries(app, client, "/partner/")
    assert many == few
    # The due list is ordered by due date: the earliest first; another partner's never.
    due_refs = re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>', page)
    assert len(due_refs) == PAGE_SIZE and due_refs[:2] == ["RT-IN-0000", "RT-IN-0001"]
    assert not any(ref.startswith("RT-IN-09") for ref in due_refs)
    assert page.count("Next page") == 3  # due, open and closed lists each have a next page
    assert "dkfds-virkdk" not in page and len(page.encode()) < 60_000

    _n, second = _count_queries(app, client, "/partner/?due=2&closed=2")
    due_refs = re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>', second)
    assert len(due_refs) == 2 + PAGE_SIZE + 3 - PAGE_SIZE
    closed_refs = re.findall(r'<li><a href="/partner/cases/\d+">(RT-CL-[^<]+)</a></li>', second)
    assert len(closed_refs) == 2 + PAGE_SIZE + 5 - PAGE_SIZE
    assert "Previous page" in second
    # Nonsense page numbers are not an error.
    assert client.get("/partner/?due=-4&page=abc&closed=999999999").status_code == 200

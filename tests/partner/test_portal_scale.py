"""The partner portal at scale: paged lists, a fixed number of queries, a slim page;
and new partner accounts defaulting to English."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlmodel import select

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


def _open_refs(page: str) -> list[str]:
    section = page.split("Open cases", 1)[1].split("Closed cases", 1)[0]
    return re.findall(r'<h3 class="h4"><a href="/partner/cases/\d+">([^<]+)</a></h3>', section)


def test_open_cases_page_through_in_follow_up_then_approved_newest_first(client, auth, db, make_org, make_user,
                                                                       make_case):
    """The open cases list reads each status's newest cases and orders them again
    (``partner.queries.open_cases``): paging through it gives exactly the partner's
    cases in follow-up, newest first, then those approved, newest first; none in
    preparation, awaiting approval or closed, none of another partner's."""
    from reintegration.models import Case
    from reintegration.partner.views import PAGE_SIZE

    mine, theirs = make_org("partner"), make_org("partner")
    # Made interleaved, so that the newest-first order of each status mixes the ids.
    for n in range(27):
        make_case(partner=mine, reference=f"RT-IF-{n:04d}", status="in_followup")
        if n < 24:
            make_case(partner=mine, reference=f"RT-AP-{n:04d}", status="approved")
        make_case(partner=mine, reference=f"RT-PR-{n:04d}", status="preparing")
        if n % 3 == 0:
            make_case(partner=mine, reference=f"RT-AA-{n:04d}", status="awaiting_approval")
            make_case(partner=mine, reference=f"RT-CL-{n:04d}", status="closed")
            make_case(partner=theirs, reference=f"RT-TH-{n:04d}", status="in_followup")
    expected = list(db.exec(
        select(Case.reference).where(Case.partner_id == mine.id, Case.status.in_(("in_followup", "approved")))
        .order_by(Case.status.desc(), Case.id.desc())).all())
    assert len(expected) == 51 and expected[0] == "RT-IF-0026" and expected[27] == "RT-AP-0023"

    auth.login(make_user("partner", organisation=mine))
    seen, number = [], 1
    while True:
        page = client.get(f"/partner/?page={number}").get_data(as_text=True)
        refs = _open_refs(page)
        assert len(refs) == (PAGE_SIZE if number < 3 else 51 - 2 * PAGE_SIZE)
        seen += refs
        if "Next page" not in page.split("Pages of open cases", 1)[1].split("</nav>", 1)[0]:
            break
        number += 1
    assert number == 3 and seen == expected
    assert _open_refs(client.get("/partner/?page=4").get_data(as_text=True)) == []


def test_due_list_follows_a_case_to_its_new_partner(client, auth, db, make_org, make_user, make_case):
    """A case given to another partner takes its due reports along: they leave the old
    partner's due list and appear in the new one's (the report's partner is kept by the
    database from the case's, migration 0007)."""
    from reintegration.models import Case

    old, new = make_org("partner"), make_org("partner")
    moved, kept = _cases(db, make_case, old, 2, "in_followup", due=True)
    old_officer, new_officer = make_user("partner", organisation=old), make_user("partner", organisation=new)

    def due_refs(user):
        auth.login(user)
        page = client.get("/partner/").get_data(as_text=True)
        auth.logout()
        return re.findall(r'<th scope="row"><a href="/partner/cases/\d+">([^<]+)</a>', page)

    assert (due_refs(old_officer), due_refs(new_officer)) == ([moved.reference, kept.reference], [])
    case = db.get(Case, moved.id)
    case.partner_id = new.id
    db.add(case)
    db.commit()
    assert (due_refs(old_officer), due_refs(new_officer)) == ([kept.reference], [moved.reference])


def test_a_page_past_a_lists_end_says_so_and_never_that_the_list_is_empty(client, auth, db, make_org, make_user,
                                                                         make_case):
    """The portal's lists are read without a count, so a page past the end (an old link, a
    typed number) cannot be turned into the last page: it says there is no such page and
    links to the first, never "no reports are due" about a list that has some."""
    mine = make_org("partner")
    _cases(db, make_case, mine, 1, "in_followup", due=True)
    _cases(db, make_case, mine, 1, "preparing", start=300)
    _cases(db, make_case, mine, 1, "closed", start=500)
    auth.login(make_user("partner", organisation=mine))
    page = client.get("/partner/?due=7&page=7&preparing=7&closed=7").get_data(as_text=True)
    for empty in ("No reports are due.", "Your organisation has no open cases.",
                  "Your organisation has no cases in preparation."):
        assert empty not in page
    assert page.count("There is no page 7 of this list.") == 4
    for name in ("due", "page", "preparing", "closed"):
        assert re.search(rf'href="/partner/\?[^"]*\b{name}=1\b[^"]*">Go to the first page', page), name
    first = client.get("/partner/").get_data(as_text=True)
    assert "There is no page" not in first and "RT-IN-0000" in first

"""The case list: attention order, search, filters and paging, in one query per page."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import event
from sqlmodel import select

from reintegration import audit
from reintegration.models import AuditEventCase, PlanVersion


def _references(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/cases/\d+">([^<]+)</a>', page)


def test_caseworker_sees_sent_back_plans_then_drafts_with_errors_first(client, auth, db, make_case, partners):
    old = datetime(2026, 1, 1, tzinfo=timezone.utc)
    plain = make_case(partner=partners["NG"], reference="RT-2026-0101")
    returned = make_case(partner=partners["NG"], reference="RT-2026-0102", status="awaiting_approval", updated_at=old)
    errors = make_case(partner=partners["NG"], reference="RT-2026-0103", updated_at=old)
    closed = make_case(partner=partners["NG"], reference="RT-2026-0104", status="closed")
    db.add(PlanVersion(case_id=returned.id, number=1, status="returned"))
    db.add(PlanVersion(case_id=errors.id, number=1, status="draft", check_ok=False))
    db.commit()
    auth.login("caseworker")
    page = client.get("/cases").get_data(as_text=True)
    assert _references(page) == [returned.reference, errors.reference, plain.reference, closed.reference]
    assert "Plan sent back" in page and "Draft has errors" in page
    assert "There is a problem" not in page  # no filters: nothing to complain about


def test_approver_sees_cases_awaiting_approval_first(client, auth, make_case, partners):
    make_case(partner=partners["NG"], reference="RT-2026-0201")
    waiting = make_case(partner=partners["NG"], reference="RT-2026-0202", status="awaiting_approval",
                        updated_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    auth.login("approver")
    assert _references(client.get("/cases").get_data(as_text=True))[0] == waiting.reference


def test_short_and_long_search_terms_find_the_same_cases_whatever_the_letter_case(db, make_case):
    """Terms under three characters are matched without the trigram indexes
    (cases.queries.text_matches); every term finds exactly the cases whose reference or
    name contains it, in any letter case, with % _ and / as plain text."""
    from sqlmodel import select

    from reintegration.cases.queries import text_matches
    from reintegration.models import Case

    people = {"RT-2026-0401": "Blessing Okoro", "RT-2026-0402": "OKON Bassey", "RT-2026-0403": "Ploy 100%_Chai",
              "RT-2026-0404": "Ana/Maria Popescu", "RT-2026-0405": "Thi Ha Nguyen",
              "RT-2026-0406": "Seán O'Brien"}
    for reference, name in people.items():
        make_case(reference=reference, person_name=name)
    for term in ("o", "OK", "oko", "Oko", "0", "04", "0403", "%", "_", "0%", "%_c", "/", "a/m", "y 1", "rt-", "x",
                 "HA N", "zz", "'", "o'b", "O'BRIEN", "' OR '1'='1", "%%%") + (
            # SQLite folds the letter case of ASCII letters only (its LIKE and lower()).
            ("é", "seÁn") if db.get_bind().dialect.name == "postgresql" else ()):
        found = set(db.exec(select(Case.reference).where(text_matches(term))).all())
        expected = {r for r, name in people.items() if term.lower() in r.lower() or term.lower() in name.lower()}
        assert found == expected, term


def test_a_search_many_cases_match_is_paged_like_a_narrow_one(client, auth, make_case, monkeypatch):
    """Past FEW_MATCHES the search stays a condition of every bucket instead of a list of
    ids: the same cases, in the same order, page by page."""
    from reintegration.cases import queries

    for n in range(5):
        make_case(reference=f"RT-2026-05{n:02d}", person_name=f"Amara Obi {n}")
    make_case(reference="RT-2026-0599", person_name="Someone Else")
    auth.login("caseworker")
    narrow = _references(client.get("/cases?q=amara").get_data(as_text=True))
    monkeypatch.setattr(queries, "FEW_MATCHES", 2)
    broad = _references(client.get("/cases?q=amara").get_data(as_text=True))
    assert len(narrow) == 5 and broad == narrow


def test_search_by_reference_or_name_and_filter(client, auth, make_case, partners):
    a = make_case(partner=partners["NG"], person_name="Blessing Okoro", reference="RT-2026-0301")
    b = make_case(partner=partners["TH"], person_name="Malee Srisuk", reference="RT-2026-0302", status="in_followup")
    c = make_case(partner=partners["TH"], person_name="Ploy 100%_Chai", reference="RT-2026-0303")
    auth.login("caseworker")

    def refs(query):
        response = client.get("/cases" + query)
        assert response.status_code == 200
        return sorted(_references(response.get_data(as_text=True)))

    assert refs("?q=okoro") == [a.reference]
    assert refs("?q=0302") == [b.reference]
    assert refs("?q=100%25_") == [c.reference]  # % and _ are text, not wildcards
    assert refs("?q=%25") == [c.reference]
    assert refs("?country=TH") == [b.reference, c.reference]
    assert refs(f"?partner={partners['NG'].id}") == [a.reference]
    assert refs("?status=in_followup&country=TH") == [b.reference]
    # Unknown filter values are named at the field and ignored, never a 500.
    response = client.get("/cases?status=nonsense&country=ZZ&partner=abc&page=-3&q=" + "x" * 500)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="status-error"' in page and 'id="q-error"' in page
    assert sorted(_references(page)) == [a.reference, b.reference, c.reference]


def test_list_is_paged_and_keeps_the_filters_in_page_links(app, client, auth, make_case, partners):
    size = app.config["PAGE_SIZE"]
    for n in range(size + 3):
        make_case(partner=partners["NG"], reference=f"RT-2026-{n + 1:04d}")
    make_case(partner=partners["TH"], reference="RT-2026-0999")
    auth.login("caseworker")
    first = client.get("/cases?country=NG").get_data(as_text=True)
    assert len(_references(first)) == size and f"{size + 3} cases" in first
    assert re.search(r'href="/cases\?[^"]*country=NG[^"]*page=2"|href="/cases\?[^"]*page=2[^"]*country=NG"', first)
    second = client.get("/cases?country=NG&page=2").get_data(as_text=True)
    assert len(_references(second)) == 3
    assert set(_references(first)).isdisjoint(_references(second))
    beyond = client.get("/cases?country=NG&page=99").get_data(as_text=True)
    assert _references(beyond) == _references(second)  # past the end shows the last page


def test_list_uses_a_fixed_number_of_queries(app, client, auth, make_case, partners):
    auth.login("caseworker")

    def count_queries(url):
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        engine = app.extensions["db_engine"]
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    make_case(partner=partners["NG"])
    few = count_queries("/cases")
    for _ in range(10):
        make_case(partner=partners["TH"])
    assert count_queries("/cases") == few


def test_counting_stops_at_the_limit_and_every_page_stays_reachable(app, client, auth, db, make_case, partners):
    """Beyond CASE_LIST_COUNT_LIMIT the list says "more than N" instead of counting every
    case (its cost must not grow with 250,000 cases); the pages, read one by one, still
    give exactly the attention order of the exact count, across bucket boundaries."""
    day = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n, status in enumerate(["preparing", "in_followup", "approved", "preparing", "awaiting_approval",
                                "in_followup", "preparing", "closed", "approved"]):
        case = make_case(partner=partners["NG"], reference=f"RT-2026-{n + 1:04d}", status=status,
                         updated_at=day + timedelta(days=n))
        if n in (2, 7):
            db.add(PlanVersion(case_id=case.id, number=1, status="returned"))
        if n == 5:
            db.add(PlanVersion(case_id=case.id, number=1, status="draft", check_ok=False))
    db.commit()
    auth.login("caseworker")
    app.config["PAGE_SIZE"] = 100
    exact = _references(client.get("/cases").get_data(as_text=True))
    assert len(exact) == 9 and exact[:3] == ["RT-2026-0008", "RT-2026-0003", "RT-2026-0006"]

    app.config.update(PAGE_SIZE=2, CASE_LIST_COUNT_LIMIT=3)
    first = client.get("/cases").get_data(as_text=True)
    assert "More than 3 cases" in first and "Page 1 of at least 2" in first
    assert 'href="/cases?page=2"' in first
    pages, number = [], 1
    while True:
        html = client.get(f"/cases?page={number}").get_data(as_text=True)
        pages.extend(_references(html))
        if f'href="/cases?page={number + 1}"' not in html:
            break
        number += 1
    assert pages == exact and number == 5
    last = client.get("/cases?page=5").get_data(as_text=True)
    assert "9 cases" in last and "Page 5 of 5" in last  # counted to the end of the page asked for
    filtered = client.get("/cases?status=preparing&page=2").get_data(as_text=True)
    assert _references(filtered) == ["RT-2026-0001"] and "3 cases" in filtered


def test_an_absurd_page_number_shows_the_last_page(client, auth, make_case, partners):
    make_case(partner=partners["NG"], reference="RT-2026-0001")
    auth.login("caseworker")
    for page in ("99999999999999999999999", "-99999999999999999999999", "1e9", "9" * 400):
        response = client.get(f"/cases?page={page}")
        assert response.status_code == 200, page
        assert _references(response.get_data(as_text=True)) == ["RT-2026-0001"]


def test_every_paged_list_survives_absurd_page_numbers(client, auth):
    for role, path in (("approver", "/approvals/"), ("admin", "/admin/audit"), ("caseworker", "/cases")):
        auth.login(role)
        for page in ("99999999999999999999999", "-99999999999999999999999", "-1", "0", "x"):
            response = client.get(f"{path}?page={page}")
            assert response.status_code in (200, 400), (path, page, response.status_code)
        auth.logout()


def test_the_trail_filtered_by_a_case_finds_the_lists_that_showed_it(app, client, auth, db, make_case, partners):
    """Who has seen this person's case? A list that showed the case's person is found by
    the trail's case filter (page and CSV), each list once; a case the list did not show
    is not; the links cost one statement per list however many cases it shows."""
    shown = make_case(partner=partners["NG"], person_name="Blessing Okoro")
    other = make_case(partner=partners["NG"], person_name="Grace Eze")
    for _ in range(9):
        make_case(partner=partners["TH"])
    caseworker = auth.login("caseworker")
    assert "Blessing Okoro" in client.get("/cases?q=Okoro").get_data(as_text=True)

    inserts = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if "INSERT INTO auditeventcase" in statement:
            inserts.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/cases?q=Eze").status_code == 200  # shows `other` only
        assert client.get("/cases?country=TH").status_code == 200  # nine cases, one statement
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(inserts) == 2
    db.expire_all()
    assert [len(json.loads(e.detail)["cases"]) for e in db.exec(audit.filtered(action="case_list.")).all()] \
        == [9, 1, 1]
    assert len(db.exec(select(AuditEventCase)).all()) == 11
    auth.logout()

    auth.login("admin")
    page = client.get(f"/admin/audit?case={shown.reference}").get_data(as_text=True)
    assert page.count("<code>case_list.read</code>") == 1 and caseworker.email in page and ">1 case</td>" in page
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/admin/audit/export.csv?case={shown.reference}").get_data(as_text=True))))
    assert [(r["action"], r["user_email"]) for r in rows] == [("case_list.read", caseworker.email)]
    assert json.loads(rows[0]["detail"])["cases"] == [shown.id]
    assert client.get(f"/admin/audit?case={other.reference}").get_data(as_text=True).count(
        "<code>case_list.read</code>") == 1
    unseen = make_case(partner=partners["NG"])
    page = client.get(f"/admin/audit?case={unseen.reference}").get_data(as_text=True)
    assert "case_list.read" not in page and "No entries match." in page
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0

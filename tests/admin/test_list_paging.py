"""The administrator's lists grow with the programme (accounts are deactivated, never
deleted; the partner registry grows with every country): the accounts, the organisations
and the audit trail are paged as the case list is, any page number answered with a page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from reintegration.models import Organisation, User

BAD_PAGES = ("0", "-1", "abc", "99999999999999999999999", "-99999999999999999999999", "1e9", "9" * 400)


def _users(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/users/(\d+)">', html)


def _organisations(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/organisations/(\d+)">', html)


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize("path, model, rows, make", [
    ("/admin/users", User, _users, lambda make_user, make_org: make_user("caseworker")),
    ("/admin/organisations", Organisation, _organisations, lambda make_user, make_org: make_org("partner")),
])
def test_an_admin_list_is_one_page_until_one_more_row_makes_two(app, client, auth, db, make_user, make_org,
                                                                 path, model, rows, make):
    admin = auth.login("admin")
    make(make_user, make_org)
    app.config["PAGE_SIZE"] = _count(db, model)  # exactly one page
    one = client.get(path).get_data(as_text=True)
    assert len(rows(one)) == app.config["PAGE_SIZE"] and 'class="pagination"' not in one
    make(make_user, make_org)
    first = client.get(path).get_data(as_text=True)
    assert len(rows(first)) == app.config["PAGE_SIZE"] and "Page 1 of 2" in first
    assert f'href="{path}?page=2"' in first
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert len(rows(second)) == 1 and "Page 2 of 2" in second and f'href="{path}?page=1"' in second
    assert set(rows(first)).isdisjoint(rows(second))
    assert len(set(rows(first)) | set(rows(second))) == _count(db, model)
    assert admin  # the administrator's own account is on one of the pages of accounts


@pytest.mark.parametrize("path, rows", [("/admin/users", _users), ("/admin/organisations", _organisations)])
def test_admin_lists_answer_any_page_number(app, client, auth, db, make_user, make_org, path, rows):
    auth.login("admin")
    for _ in range(3):
        make_user("partner", organisation=make_org("partner"))
    app.config["PAGE_SIZE"] = 2
    first = rows(client.get(path).get_data(as_text=True))
    last = rows(client.get(f"{path}?page=999").get_data(as_text=True))  # past the end: the last page
    assert first and last and set(first).isdisjoint(last)
    for page in BAD_PAGES:
        response = client.get(f"{path}?page={page}")
        assert response.status_code == 200, (path, page, response.status_code)
        assert rows(response.get_data(as_text=True)) == (last if page.isdigit() and int(page) > 1 else first), page


def test_the_audit_trail_answers_any_page_number(app, client, auth):
    auth.login("admin")
    for page in BAD_PAGES:
        response = client.get(f"/admin/audit?page={page}")
        assert response.status_code == 200, (page, response.status_code)


@pytest.mark.parametrize("role", ["caseworker", "cmm", "approver", "partner"])
def test_later_pages_are_the_administrators_only(client, auth, role):
    auth.login(role)
    for path in ("/admin/users?page=2", "/admin/organisations?page=2", "/admin/audit?page=2"):
        assert client.get(path).status_code == 403, path


def test_the_audit_trail_counts_up_to_the_limit_and_pages_on_to_the_end(app, client, auth):
    """The trail only grows: it is counted up to LIST_COUNT_LIMIT (or the end of the page
    asked for), then says "more than N", and every page is still reached."""
    from sqlmodel import Session

    from reintegration import audit

    with Session(app.extensions["db_engine"]) as s:
        for n in range(5):
            audit.record(s, "case.read", case_id=n + 1, object_type="case", object_id=n + 1)
        s.commit()
    auth.login("admin")
    app.config.update(PAGE_SIZE=2, LIST_COUNT_LIMIT=3)
    url = "/admin/audit?action=case.read"
    first = client.get(url).get_data(as_text=True)
    assert "More than 3 entries." in first and "Page 1 of at least 2" in first, re.findall(r"<p>[^<]*entries[^<]*", first)
    numbers, number = [], 1
    while True:
        html = client.get(f"{url}&page={number}").get_data(as_text=True)
        numbers += re.findall(r"<tr>\s*<td>(\d+)</td>", html)
        if "Next page" not in html:
            break
        number += 1
    assert number == 3 and "5 entries." in html and "Page 3 of 3" in html
    assert len(numbers) == 5 and numbers == sorted(set(numbers), key=int, reverse=True)

"""The page of a case edit refused as a conflict says who changed the case, when, and
what: a colleague's edit (with the fields changed), or a change made elsewhere that moves
the case's revision too (a legal hold, the return date), which the saved values beside
the form may not show."""

from __future__ import annotations

import html
import re


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _other(app, auth, make_user, name):
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name=name))
    return other


def test_a_colleagues_edit_is_named_with_the_fields_changed(app, auth, case_data, db, make_case, partners,
                                                            make_user):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    other = _other(app, auth, make_user, "Karen Colleague")
    assert other.post(f"/cases/{case.id}/edit", case_data(user, revision="1", person_name="Changed Name",
                                                          planned_return="2026-03-15")).status_code == 302

    response = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", nationality="TH"))

    assert response.status_code == 409
    page = text_of(response.get_data(as_text=True))
    assert "Karen Colleague saved it at" in page
    changed = re.search(r"Changed: ([^.]*)\.", page).group(1).split(", ")
    assert "Full name" in changed and "Planned return date" in changed


def test_a_legal_hold_set_meanwhile_is_named(app, auth, case_data, db, make_case, partners, make_user):
    user = auth.login("caseworker")
    case = make_case(partner=partners["NG"])
    other = _other(app, auth, make_user, "Karen Colleague")
    page = other._client.get(f"/cases/{case.id}/data-protection").get_data(as_text=True)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page).group(1)
    assert other.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": revision}).status_code == 302

    response = auth.post(f"/cases/{case.id}/edit", case_data(user, revision="1", nationality="TH"))

    assert response.status_code == 409
    assert "Karen Colleague set a legal hold on the case at" in text_of(response.get_data(as_text=True))

"""The audit trail's case filter answers "who has seen this person's case?": a reference
typed in lower case finds the case, and a reference that names no case says so, so an
empty trail never reads as "nobody has seen it" when the reference was mistyped."""

from __future__ import annotations

import csv
import io
import re

import pytest



def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


@pytest.mark.parametrize("typed", ["{ref}", "{lower}", "  {lower}  "])
def test_the_case_filter_finds_the_case_however_the_reference_is_typed(app, client, auth, db, make_case, typed):
    case = make_case()
    reader = auth.login("caseworker")
    case.caseworker_id = reader.id
    db.add(case)
    db.commit()
    assert client.get(f"/cases/{case.id}").status_code == 200
    auth.logout()

    auth.login("admin")
    query = typed.format(ref=case.reference, lower=case.reference.lower())
    page = client.get("/admin/audit", query_string={"case": query}).get_data(as_text=True)
    assert "<code>case.read</code>" in page and reader.email in page
    assert "No case has the reference" not in page
    rows = list(csv.DictReader(io.StringIO(
        client.get("/admin/audit/export.csv", query_string={"case": query}).get_data(as_text=True))))
    assert ("case.read", reader.email) in [(r["action"], r["user_email"]) for r in rows]


@pytest.mark.parametrize("locale, said", [
    ("en", "No case has the reference RT-2026-9999. Check the reference."),
    ("da", "Ingen sag har referencen RT-2026-9999. Tjek referencen."),
])
def test_a_reference_that_names_no_case_says_so(client, auth, make_case, locale, said):
    make_case()
    auth.login("admin", locale=locale)
    response = client.get("/admin/audit", query_string={"case": "rt-2026-9999"})
    assert response.status_code == 200
    words = text_of(response.get_data(as_text=True))
    assert said in words
    assert "<code>" not in response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]

"""An anonymised case reads in the reader's language: its placeholder name on the case
list, the case page and the plan page, and the data-protection page's status and dates,
never the stored code ("Anonymised", "closed", "2019-06-30")."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from reintegration.models import Case, PlanVersion
from security_helpers import full_case, people  # noqa: F401

WORDS = {"da": {"name": "Anonymiseret", "status": "Lukket", "closed": "30. jun. 2019"},
         "en": {"name": "Anonymised", "status": "Closed", "closed": "Jun 30, 2019"}}


def text_of(page: str) -> str:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("\xa0", " ")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_an_anonymised_case_reads_in_the_readers_language(app, db, runner, client, auth, make_user, people, lang):
    case = full_case(db, app.config["UPLOAD_DIR"], **people, status="closed",
                     closed_at=datetime(2019, 6, 30, 12, tzinfo=timezone.utc))
    result = runner.invoke(args=["retention", "run", "--today", "2026-11-27"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert db.get(Case, case.id).anonymised_at is not None
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).first()
    words = WORDS[lang]
    auth.login(make_user("caseworker", locale=lang))

    listed = text_of(client.get("/cases", query_string={"status": "closed"}).get_data(as_text=True))
    shown = text_of(client.get(f"/cases/{case.id}").get_data(as_text=True))
    plan = text_of(client.get(f"/cases/{case.id}/plans/{version.id}").get_data(as_text=True))
    for text in (listed, shown, plan):
        assert words["name"] in text
    if lang == "da":
        assert not re.search(r"\bAnonymised\b", listed + shown + plan)

    privacy = text_of(client.get(f"/cases/{case.id}/data-protection").get_data(as_text=True))
    assert f"Status {words['status']}" in privacy and words["closed"] in privacy
    assert "closed " not in privacy.replace(words["status"], "") and "2019-06-30" not in privacy

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


def test_no_page_of_an_anonymised_case_shows_a_blank_as_none(app, db, runner, client, auth, make_user, people):
    """Anonymisation empties the free text (what was done about an alert, the report's
    answers, the plan's texts). Each page shows such a field as empty, never as the
    word "None"."""
    from reintegration.models import FollowUpReport, RiskAlert

    case = full_case(db, app.config["UPLOAD_DIR"], **people, status="closed",
                     closed_at=datetime(2019, 6, 30, 12, tzinfo=timezone.utc))
    alert = db.exec(select(RiskAlert).where(RiskAlert.case_id == case.id)).one()
    alert.closed_at, alert.closed_by = datetime(2019, 6, 1, tzinfo=timezone.utc), people["caseworker"].id
    db.add(alert)
    db.commit()
    assert runner.invoke(args=["retention", "run", "--today", "2026-11-27"]).exit_code == 0
    versions = db.exec(select(PlanVersion.id).where(PlanVersion.case_id == case.id)).all()
    reports = db.exec(select(FollowUpReport.id).where(FollowUpReport.case_id == case.id)).all()
    for role in ("caseworker", "cmm"):
        auth.login(make_user(role, locale="en"))
        urls = [f"/cases/{case.id}", f"/followup/cases/{case.id}", f"/cases/{case.id}/data-protection"]
        urls += [f"/cases/{case.id}/plans/{v}" for v in versions]
        urls += [f"/followup/cases/{case.id}/reports/{r}" for r in reports]
        for url in urls:
            response = client.get(url)
            if response.status_code == 403:
                continue
            assert response.status_code == 200, url
            # "None." (no attachments) and "None marked." (no risk signs) are words; a blank
            # shown as Python's None is neither.
            text = text_of(response.get_data(as_text=True))
            assert [text[max(0, m.start() - 80):m.end() + 20] for m in re.finditer(r"\bNone\b(?!\.| marked)", text)] == [], url
        auth.logout()

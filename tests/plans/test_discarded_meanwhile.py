"""A draft discarded while someone was still writing on it: their save, or their
comment, answers 409 saying who discarded the draft and when, with what they typed kept
in view to copy. Not a bare 404 that loses it."""

from __future__ import annotations

import html
import re
from datetime import timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from reintegration.models import AuditEvent, Comment, Organisation

from plan_helpers import base_form, edit_url, plan_case, start_draft  # noqa: F401


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _discard_by_colleague(app, auth, make_user, version):
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    assert other.post(f"/cases/{version.case_id}/plans/{version.id}/discard",
                      {"revision": str(version.revision), "confirm_discard": "y"}).status_code == 302


def test_a_save_to_a_draft_discarded_meanwhile_keeps_what_was_typed(app, auth, db, make_user, plan_case,
                                                                     start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    _discard_by_colleague(app, auth, make_user, version)

    response = auth.post(edit_url(version), base_form(version, [{"amount_dkk": "1234.00",
                                                                 "description": "Hair dryers"}],
                                                      realism="Trained for two years"))

    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague discarded draft version 1 at" in page
    assert "Trained for two years" in page and "Hair dryers" in page


def test_a_comment_on_a_draft_discarded_meanwhile_is_kept(app, auth, db, make_user, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    _discard_by_colleague(app, auth, make_user, version)

    response = auth.post(f"/cases/{version.case_id}/plans/{version.id}/comments",
                         {"body": "Please add the school fees."})

    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague discarded draft version 1 at" in page and "Please add the school fees." in page
    assert db.exec(select(Comment)).all() == []


def test_a_version_that_never_was_is_still_404(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    assert auth.post(f"/cases/{plan_case.id}/plans/{version.id + 999}/comments", {"body": "x"}).status_code == 404
    assert auth.post(edit_url(version).replace(f"/{version.id}/", f"/{version.id + 999}/"),
                     base_form(version)).status_code == 404


def test_a_discarded_draft_of_a_case_out_of_reach_is_404(app, auth, db, make_user, make_org, plan_case,
                                                         start_draft):
    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    _discard_by_colleague(app, auth, make_user, version)
    auth.logout()
    auth.login(make_user("partner", organisation=make_org("partner", country="TH")))
    assert auth.post(f"/cases/{version.case_id}/plans/{version.id}/comments", {"body": "x"}).status_code == 404


def test_a_save_from_a_discarded_draft_never_lands_in_the_draft_started_after_it(app, auth, db, make_user,
                                                                                  plan_case, start_draft):
    """Discarded and started again at once: on SQLite the new draft gets the discarded
    one's id (the highest id is reused), so the old page's URL names it. A save from the
    old page is still refused as one to a discarded draft, and the new draft keeps what
    it has (the save used to land in it, told "saved")."""
    from reintegration.models import PlanVersion

    auth.login("caseworker", locale="en")
    version = start_draft(plan_case)
    version_id, seen = version.id, version.revision
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    assert other.post(f"/cases/{plan_case.id}/plans/{version_id}/discard",
                      {"revision": str(seen), "confirm_discard": "y"}).status_code == 302
    assert other.post(f"/cases/{plan_case.id}/plans").status_code == 302
    db.expire_all()
    fresh = db.exec(select(PlanVersion).where(PlanVersion.case_id == plan_case.id)).one()
    fresh_id, fresh_revision = fresh.id, fresh.revision

    # The old page posts to its own URL (which may now name the new draft), with the
    # revision it showed.
    response = auth.post(f"/cases/{plan_case.id}/plans/{version_id}/edit", base_form(fresh, [{"amount_dkk": "1234.00", "description": "Hair dryers"}],
                                                    realism="Trained for two years", revision=str(seen)))
    assert response.status_code == 409
    page = _text(response)
    assert "Karen Colleague discarded draft version 1 at" in page
    assert "Trained for two years" in page and "Hair dryers" in page

    db.expire_all()
    now = db.get(PlanVersion, fresh_id)
    assert (now.status, now.realism, now.revision) == ("draft", None, fresh_revision)
    # The new draft's own page saves as ever.
    assert auth.post(edit_url(now), base_form(now, realism="Trained")).status_code == 302


def test_a_partner_officer_reads_when_the_draft_was_discarded_in_their_own_time(app, auth, db, make_user,
                                                                                plan_case, start_draft):
    partner = db.get(Organisation, plan_case.partner_id)
    partner.timezone = "Asia/Bangkok"
    db.add(partner)
    db.commit()
    auth.login("caseworker")
    version = start_draft(plan_case)
    auth.logout()
    auth.login(make_user("partner", organisation=partner, locale="en"))
    _discard_by_colleague(app, auth, make_user, version)

    response = auth.post(f"/cases/{version.case_id}/plans/{version.id}/comments", {"body": "School fees?"})

    assert response.status_code == 409
    discarded = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.draft_discarded")).one().at
    in_bangkok = discarded.replace(tzinfo=discarded.tzinfo or timezone.utc).astimezone(ZoneInfo("Asia/Bangkok"))
    said = f"{in_bangkok:%b} {in_bangkok.day}, {in_bangkok:%Y, %H:%M} (Thailand Time)"
    assert f"Karen Colleague discarded draft version 1 at {said}, while you were writing" in _text(response)

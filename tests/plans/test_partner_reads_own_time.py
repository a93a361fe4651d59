"""A partner officer abroad reads a plan's moments (when it was submitted, decided and
commented on) in their own organisation's time zone, the time named, as the partner
portal says them; Danish staff read the same page in Danish time, as they always have.
Moments near midnight, so that the day differs too."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import html
from sqlmodel import select

from reintegration.models import Comment, Decision, Organisation, PlanVersion
from support import one_transaction

# Where the partner is, the moment (UTC), and what each reader reads, per language: the
# comment's date and time, and the day (submitted, decided).
SCENES = {
    # 17:30 UTC on 1 March: 18:30 in Copenhagen, 00:30 on 2 March in Bangkok (UTC+7).
    "Asia/Bangkok": (datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc), {
        "partner": {"en": ("Mar 2, 2026, 00:30 (Thailand Time)", "Mar 2, 2026"),
                    "da": ("2. mar. 2026 kl. 00.30 (Thailand-tid)", "2. mar. 2026")},
        "caseworker": {"en": ("Mar 1, 2026, 18:30", "Mar 1, 2026"), "da": ("01.03.2026 18.30", "1. mar. 2026")},
    }),
    # 22:30 UTC on 1 July: 00:30 on 2 July in Copenhagen (summer time), 23:30 on 1 July in Lagos.
    "Africa/Lagos": (datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc), {
        "partner": {"en": ("Jul 1, 2026, 23:30 (Nigeria Time)", "Jul 1, 2026"),
                    "da": ("1. jul. 2026 kl. 23.30 (Nigeria-tid)", "1. jul. 2026")},
        "caseworker": {"en": ("Jul 2, 2026, 00:30", "Jul 2, 2026"), "da": ("02.07.2026 00.30", "2. jul. 2026")},
    }),
}


@pytest.fixture
def plan_at(db, make_org, make_user, make_approved_case):
    """An approved plan of a partner in ``zone``: submitted by Kim Drafter, decided and
    commented on by the partner's officer Ada Okafor, all at ``moment``."""

    def make(zone: str, moment: datetime):
        partner = make_org("partner", timezone=zone)
        case = make_approved_case(partner=partner)
        version = db.exec(select(PlanVersion).where(PlanVersion.case_id == case.id)).one()
        drafter = make_user("caseworker", name="Kim Drafter")
        version.submitted_by, version.submitted_at = drafter.id, moment
        decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
        decision.decided_at = moment
        officer = make_user("partner", organisation=partner, name="Ada Okafor")
        db.add_all([version, decision, Comment(plan_version_id=version.id, author_id=officer.id,
                                               body="Rent is paid until June.", created_at=moment)])
        db.commit()
        return version, partner

    return make


def shown(page: str) -> dict:
    """What the plan page says when: the comment's line, the "Submitted by" value and the
    decision's values."""
    tree = html.fromstring(page)
    values = [" ".join(dd.text_content().split()) for dd in tree.xpath("//dl[@class='app-summary']//dd")]
    return {"comment": " ".join(tree.xpath("//p[@class='app-comment-meta']")[0].text_content().split()),
            "values": values,
            "decided": [" ".join(dd.text_content().split())
                        for dd in tree.xpath("//section[@class='app-decision']//dd")]}


@pytest.mark.parametrize("lang", ["en", "da"])
@pytest.mark.parametrize("zone", SCENES)
def test_a_partner_officer_reads_the_plan_in_their_own_time(app, client, auth, db, make_user, plan_at, zone, lang):
    moment, reads = SCENES[zone]
    version, partner = plan_at(zone, moment)
    at, day = reads["partner"][lang]
    auth.login(make_user("partner", organisation=partner, locale=lang))

    page = shown(one_transaction(app, client, f"/cases/{version.case_id}/plans/{version.id}"))

    assert page["comment"] == f"Ada Okafor, {partner.name} · {at}"
    assert f"Kim Drafter, {day}" in page["values"]
    assert day in page["decided"]
    case_page = html.fromstring(client.get(f"/cases/{version.case_id}").get_data(as_text=True))
    assert day in [dd.text_content().strip() for dd in case_page.xpath("//section[@class='app-decision']//dd")]


@pytest.mark.parametrize("lang", ["en", "da"])
@pytest.mark.parametrize("zone", SCENES)
def test_danish_staff_read_the_same_plan_in_danish_time(client, auth, db, make_user, plan_at, zone, lang):
    moment, reads = SCENES[zone]
    version, partner = plan_at(zone, moment)
    at, day = reads["caseworker"][lang]
    auth.login(make_user("caseworker", locale=lang))

    response = client.get(f"/cases/{version.case_id}/plans/{version.id}")

    page = shown(response.get_data(as_text=True))
    assert page["comment"].startswith(f"Ada Okafor, {partner.name} · {at}")
    assert "(" not in page["comment"]  # no zone named: Danish time, as ever
    assert f"Kim Drafter, {day}" in page["values"]
    assert day in page["decided"]


def test_a_partner_without_a_time_zone_reads_utc_named(client, auth, db, make_user, plan_at):
    moment, _reads = SCENES["Asia/Bangkok"]
    version, partner = plan_at("Asia/Bangkok", moment)
    db.get(Organisation, partner.id).timezone = None
    db.commit()
    auth.login(make_user("partner", organisation=partner))

    page = shown(client.get(f"/cases/{version.case_id}/plans/{version.id}").get_data(as_text=True))

    assert page["comment"].endswith("· Mar 1, 2026, 17:30 (UTC)")

"""A case whose partner organisation has been set inactive says so, on the case page and
on its follow-up page: the partner's officers can no longer sign in, so no report or
payment will come until the caseworker chooses another partner or an administrator
makes it active again. Before, the pages were silent whenever another partner in the
country was active, and otherwise told a case already in follow-up to "find a partner
before the plan is drafted"."""

from __future__ import annotations

import pytest

from reintegration.models import Case

WARNING = "partner organisation, is inactive: its partner officers cannot sign in"  # after "the case's"
COUNTRY = "has no active partner organisation. Find a partner before the plan is drafted"


def pages(client, case) -> list[str]:
    return [client.get(url).get_data(as_text=True) for url in (f"/cases/{case.id}", f"/followup/cases/{case.id}")]


@pytest.mark.parametrize("other_active_partner", [True, False])
def test_a_case_in_follow_up_says_its_partner_is_inactive(client, auth, db, make_org, returned_case,
                                                          other_active_partner):
    partner = make_org("partner", country="NG", name="Edo Test Network")
    case = returned_case(partner=partner)
    if other_active_partner:
        make_org("partner", country="NG")
    partner.status = "inactive"
    db.add(partner)
    db.commit()
    auth.login("caseworker")
    for page in pages(client, case):
        assert WARNING in page and "Edo Test Network, the case" in page
        assert COUNTRY not in page  # the plan is approved: that advice is past


def test_an_active_partner_or_a_closed_case_gives_no_warning(client, auth, db, make_org, returned_case):
    partner = make_org("partner", country="NG")
    case = returned_case(partner=partner)
    auth.login("caseworker")
    assert not any(WARNING in page for page in pages(client, case))
    partner.status = "inactive"
    case = db.get(Case, case.id)
    case.status = "closed"
    db.add_all([partner, case])
    db.commit()
    assert not any(WARNING in page for page in pages(client, case))


def test_a_case_in_preparation_still_hears_of_a_country_without_an_active_partner(client, auth, db, make_org,
                                                                                  make_case):
    partner = make_org("partner", country="NG", name="Edo Test Network")
    case = make_case(partner=partner)
    partner.status = "inactive"
    db.add(partner)
    db.commit()
    auth.login("caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert WARNING in page and "Edo Test Network, the case" in page and COUNTRY in page

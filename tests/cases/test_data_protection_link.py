"""The case page links to the case's data-protection page (legal hold, the person's data
export) for the roles that may use it, and only for them."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("role, shown", [("caseworker", True), ("approver", False), ("cmm", False)])
def test_the_data_protection_link_follows_the_page_s_roles(client, auth, make_case, make_user, partners,
                                                           role, shown):
    user = make_user(role)
    case = make_case(partner=partners["NG"], **({"cmm_contact_id": user.id} if role == "cmm" else {}))
    auth.login(user)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    link = f'href="/cases/{case.id}/data-protection"'
    assert (link in page) is shown
    assert ("Legal hold and access requests for " + case.reference in page) is shown
    if shown:
        assert client.get(f"/cases/{case.id}/data-protection").status_code == 200


def test_the_partner_gets_no_data_protection_link(client, auth, make_case, make_org, make_user):
    partner = make_org("partner")
    case = make_case(partner=partner)
    auth.login(make_user("partner", organisation=partner))
    response = client.get(f"/cases/{case.id}")
    assert "/data-protection" not in response.get_data(as_text=True)

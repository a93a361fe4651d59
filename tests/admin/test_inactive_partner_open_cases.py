"""A partner set inactive: its officers can no longer sign in, so its open cases get no
reports or payments. The administrator is told how many open (not closed) cases it
follows: on its page, in the organisations list and when the save sets it inactive."""

from __future__ import annotations

import re

from admin_edit import partner_form, save, text_of


def _partner_with_cases(make_org, make_case, statuses=("preparing", "approved", "in_followup", "closed")):
    partner = make_org("partner", name="Edo Test Network", timezone="Africa/Lagos")
    for status in statuses:
        make_case(partner=partner, status=status)
    return partner


def test_setting_a_partner_inactive_says_how_many_open_cases_it_follows(client, auth, db, make_org, make_case):
    partner = _partner_with_cases(make_org, make_case)
    make_case(partner=make_org("partner"))  # another partner's case counts for nothing here
    auth.login("admin", locale="en")
    response = save(client, auth, f"/admin/organisations/{partner.id}", partner_form(partner, status="inactive"),
                    follow_redirects=True)
    page = text_of(response.get_data(as_text=True))
    assert ("Edo Test Network is now inactive, and its users cannot sign in. It follows 3 open cases: "
            "ask their caseworkers to move them to another partner.") in page
    assert "Edo Test Network is saved." not in page
    assert 'class="alert alert-warning"' in response.get_data(as_text=True)


def test_one_open_case_is_told_in_the_singular(client, auth, db, make_org, make_case):
    partner = _partner_with_cases(make_org, make_case, statuses=("in_followup", "closed"))
    auth.login("admin", locale="en")
    response = save(client, auth, f"/admin/organisations/{partner.id}", partner_form(partner, status="inactive"),
                    follow_redirects=True)
    assert ("It follows 1 open case: ask its caseworker to move it to another partner."
            in text_of(response.get_data(as_text=True)))


def test_a_partner_without_open_cases_is_only_saved(client, auth, db, make_org, make_case):
    partner = _partner_with_cases(make_org, make_case, statuses=("closed",))
    auth.login("admin", locale="en")
    response = save(client, auth, f"/admin/organisations/{partner.id}", partner_form(partner, status="inactive"),
                    follow_redirects=True)
    page = text_of(response.get_data(as_text=True))
    assert "Edo Test Network is saved." in page and "open case" not in page.replace("Open cases", "")


def test_another_change_to_an_active_partner_is_only_saved(client, auth, db, make_org, make_case):
    partner = _partner_with_cases(make_org, make_case)
    auth.login("admin", locale="en")
    response = save(client, auth, f"/admin/organisations/{partner.id}",
                    partner_form(partner, contact_name="Osas Test"), follow_redirects=True)
    page = text_of(response.get_data(as_text=True))
    assert "Edo Test Network is saved." in page and "is now inactive" not in page


def test_the_partners_page_counts_its_open_cases(client, auth, db, make_org, make_case):
    partner = _partner_with_cases(make_org, make_case)
    auth.login("admin", locale="en")
    page = text_of(client.get(f"/admin/organisations/{partner.id}").get_data(as_text=True))
    assert "Edo Test Network follows 3 open cases. Set inactive, its users cannot sign in" in page
    partner.status = "inactive"
    db.add(partner)
    db.commit()
    page = text_of(client.get(f"/admin/organisations/{partner.id}").get_data(as_text=True))
    assert "Edo Test Network is inactive but follows 3 open cases" in page
    quiet = make_org("partner", name="Quiet Test Partner")
    page = text_of(client.get(f"/admin/organisations/{quiet.id}").get_data(as_text=True))
    assert "Quiet Test Partner follows no open cases." in page


def test_the_list_counts_open_cases_per_partner(client, auth, db, make_org, make_case):
    _partner_with_cases(make_org, make_case)
    make_org("partner", name="Quiet Test Partner")
    auth.login("admin", locale="en")
    page = client.get("/admin/organisations?page=1").get_data(as_text=True)
    assert "Open cases" in text_of(page)
    rows = {text_of(row).split(" ")[0]: text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)}
    assert rows["Edo"].endswith(" 3") and rows["Quiet"].endswith(" 0")


def test_open_cases_followed_counts_in_one_grouped_query(db, make_org, make_case):
    from reintegration.admin.operations import open_cases_followed

    first = _partner_with_cases(make_org, make_case)
    second = _partner_with_cases(make_org, make_case, statuses=("closed", "awaiting_approval"))
    idle = make_org("partner")
    assert open_cases_followed(db, [first.id, second.id, idle.id]) == {first.id: 3, second.id: 1}
    assert open_cases_followed(db, []) == {}

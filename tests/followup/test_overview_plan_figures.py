"""The follow-up overview's money figures agree with its flags: beside what was paid it
shows the planned figure "under plan" compares payments with (the lines planned for the
months already past) as well as the one "over plan" compares them with (up to and
including the current month), so that paid against planned reads as the flag does."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from reintegration.domain.followup import ON_PLAN, OVER_PLAN, UNDER_PLAN, planned_so_far, spending_position


def section(page: str, heading: str) -> str:
    """The part of a page under ``<h2>heading</h2>``, up to the next heading."""
    return page.split(f"<h2>{heading}</h2>")[1].split("<h2")[0]


def text(html: str) -> str:
    """The words of some HTML, spaces made one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").strip()


def test_planned_so_far_is_the_two_figures_the_position_compares_with():
    planned = {1: Decimal("2500.00"), 3: Decimal("3100.00"), 4: Decimal("2500.00"), 6: Decimal("1000.00")}
    so_far = planned_so_far(planned, 4)
    assert (so_far.past, so_far.to_date) == (Decimal("5600.00"), Decimal("8100.00"))
    # Under plan is below the past months' figure, over plan above the one up to this month.
    assert spending_position(planned, Decimal("5599.99"), 4) == UNDER_PLAN
    assert spending_position(planned, Decimal("5600.00"), 4) == ON_PLAN
    assert spending_position(planned, Decimal("8100.00"), 4) == ON_PLAN
    assert spending_position(planned, Decimal("8100.01"), 4) == OVER_PLAN
    assert planned_so_far(planned, 1).past == 0


def test_the_overview_shows_the_planned_figure_under_plan_compares_with(client, auth, returned_case):
    # Returned 40 days ago: month 2. Month 1 planned 4,515.00 kr., month 2 8,000.00 kr.; nothing paid.
    case = returned_case()
    auth.login("caseworker")
    page = client.get("/followup/").get_data(as_text=True)
    listed = text(section(page, "Money over or under plan"))
    assert f"{case.reference} : Under plan" in listed
    # The shortfall the reader works out is the one the flag stands for: 4,515.00 kr., not 12,515.00.
    assert "DKK 0.00 paid out, DKK 4,515.00 planned for the months before month 2" in listed, listed
    assert "12,515.00" not in listed
    table = section(page, "Cases in follow-up")
    header = text(table.split("</thead>")[0])
    assert "Planned for past months Planned up to this month Paid out" in header
    row = text(table.split(f">{case.reference}</a>")[1].split("</tr>")[0])
    assert "DKK 4,515.00 DKK 12,515.00 DKK 0.00 Under plan" in row
    assert ("Under plan: less paid out than planned for past months (this month's payments may still come). "
            "Over plan: more paid out than planned up to this month.") in text(table)


def test_over_plan_names_the_figure_up_to_this_month(app, client, auth, db, make_user, returned_case):
    from reintegration.followup import operations as ops

    case = returned_case(days_ago=10)  # month 1: 4,515.00 kr. planned, paid 4,515.00 + 8,000.00
    with app.test_request_context():
        ops.record_disbursement(db, case, user=make_user("partner"), line_key=f"L{case.id}-0", paid_on=date.today(),
                                amount_local=Decimal("1000000"), amount_dkk=None, note=None)
        ops.record_disbursement(db, case, user=make_user("partner"), line_key=f"L{case.id}-1", paid_on=date.today(),
                                amount_local=None, amount_dkk=Decimal("8000.00"), note=None)
    auth.login("caseworker")
    listed = text(section(client.get("/followup/").get_data(as_text=True), "Money over or under plan"))
    assert f"{case.reference} : Over plan DKK 12,515.00 paid out, DKK 4,515.00 planned up to and including month 1" \
        in listed

"""The approver's review shows what the budget puts over a cap, so the rows agree with
the totals above them (cash of 12,000 kr. against the 10,000 kr. cash rate)."""

from __future__ import annotations

from approval_factories import Line, approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import allocation_rows as _allocation_rows


def test_the_review_page_shows_cash_over_the_rate(auth, make_plan, approver):
    version = make_plan(lines=[Line(kind="cash", amount="12000.00"), Line(amount="30000.00")])
    auth.login(approver)
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    rows = _allocation_rows(page)
    assert rows["Adult, cash"][:3] == ["DKK 10,000.00", "DKK 12,000.00", "Over by DKK 2,000.00"], rows
    assert rows["Adult, cash and in-kind"][:3] == ["DKK 40,000.00", "DKK 40,000.00", "DKK 0.00"], rows
    # 42,000 in all against the household's 40,000: the household's row says so.
    assert rows["Household in total"][:3] == ["DKK 40,000.00", "DKK 42,000.00", "Over by DKK 2,000.00"], rows


def test_the_review_page_in_danish(auth, make_plan, make_user):
    version = make_plan(lines=[Line(kind="cash", amount="12000.00")])
    auth.login(make_user("approver", locale="da"))
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    cash = next(cells for label, cells in _allocation_rows(page).items() if "kontant" in label.lower())
    assert cash[1:3] == ["12.000,00 kr.", "Overskredet med 2.000,00 kr."], cash

"""The drafting page's budget check, ``python -m reintegration validate`` on the plan file
the page exports, and the approval queue's cap column give one verdict for one plan, at
every boundary of the amount rules (DOMAIN.md, "The rates"): at a cap and one øre over
it, a child on the day of the 18th birthday, the actual return overriding the planned
one, an unaccompanied minor, several children, 29 February, and a rate table changeover."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from reintegration import __main__ as cli
from reintegration.approvals import operations as approvals
from reintegration.domain.budget import CASH_MAX, TOTAL_MAX
from reintegration.domain.rates import default_rates_dir, load_rate_tables
from reintegration.models import PlanVersion
from reintegration.plans import operations as ops
from reintegration.plans.mapping import load_plan

from plan_helpers import base_form, edit_url, start_draft  # noqa: F401

RETURN = date(2026, 6, 1)
SHIPPED = default_rates_dir() / "2026-2029.toml"


def cash(amount, month="1"):
    return {"kind": "cash", "amount_dkk": amount, "month": month, "category": "allowance"}


def in_kind(amount, month="1"):
    return {"kind": "in_kind", "amount_dkk": amount, "month": month}


# (case values, children's birth dates, lines typed on the page in English, the rules the
# check must find; None: none). Each pair is one at a boundary and one just past it.
SCENARIOS = {
    "non-provider at the cash cap": ({}, [], [cash("10,000.00"), in_kind("30,000.00")], []),
    "non-provider one øre over the cash cap": ({}, [], [cash("10,000.01"), in_kind("29,999.99")], [CASH_MAX]),
    "provider at both caps": ({}, [date(2017, 9, 2)], [cash("20,000.00"), in_kind("29,000.00")], []),
    "provider one øre over the total": ({}, [date(2017, 9, 2)], [cash("20,000.00"), in_kind("29,000.01")],
                                        [TOTAL_MAX]),
    "child turning 18 on the return date": ({}, [date(2008, 6, 1)], [cash("20,000.00")],
                                            [CASH_MAX, "child.not_minor"]),
    "child turning 18 the day after the return": ({}, [date(2008, 6, 2)], [cash("20,000.00"), in_kind("29,000.00")],
                                                  []),
    "the actual return decides, not the planned": ({"planned_return": date(2026, 5, 1), "actual_return": RETURN},
                                                   [date(2008, 6, 1)], [cash("20,000.00")],
                                                   [CASH_MAX, "child.not_minor"]),
    "the planned return, before the 18th birthday": ({"planned_return": date(2026, 5, 31)}, [date(2008, 6, 1)],
                                                     [cash("20,000.00")], []),
    "born 29 February, on 1 March of the 18th year": ({"planned_return": date(2026, 3, 1)}, [date(2008, 2, 29)],
                                                      [cash("20,000.00")], [CASH_MAX, "child.not_minor"]),
    "born 29 February, on 28 February of the 18th year": ({"planned_return": date(2026, 2, 28)},
                                                          [date(2008, 2, 29)], [cash("20,000.00")], []),
    "unaccompanied minor at the adult caps": ({"person_date_of_birth": date(2010, 1, 1), "unaccompanied_minor": True},
                                              [], [cash("10,000.00"), in_kind("30,000.00")], []),
    "unaccompanied minor one øre over": ({"person_date_of_birth": date(2010, 1, 1), "unaccompanied_minor": True},
                                         [], [cash("10,000.00"), in_kind("30,000.01")], [TOTAL_MAX]),
    "three minors and a grown child at the total": ({}, [date(2012, 1, 1), date(2000, 5, 5), date(2015, 3, 3),
                                                         date(2020, 12, 31)],
                                                    [cash("20,000.00"), in_kind("40,000.00"), in_kind("7,000.00")],
                                                    ["child.not_minor"]),
    "three minors one øre over the total": ({}, [date(2012, 1, 1), date(2015, 3, 3), date(2020, 12, 31)],
                                            [cash("20,000.00"), in_kind("40,000.00"), in_kind("7,000.01")],
                                            [TOTAL_MAX]),
    "a child born after the return": ({}, [date(2026, 6, 2)], [cash("20,000.00")], [CASH_MAX, "child.not_minor"]),
}


def changeover_rates(directory):
    """The shipped table until 30 June 2027, then a table with higher figures."""
    text = SHIPPED.read_text(encoding="utf-8")
    (directory / "2026-2029.toml").write_text(text.replace("valid_to = 2029-12-31", "valid_to = 2027-06-30"),
                                              encoding="utf-8")
    new = (text.replace('id = "2026-2029"', 'id = "2027-2031"').replace("valid_from = 2026-01-01",
                                                                        "valid_from = 2027-07-01")
           .replace("valid_to = 2029-12-31", "valid_to = 2031-12-31")
           .replace('amount = "40000.00"', 'amount = "45000.00"').replace('amount = "10000.00"', 'amount = "12000.00"'))
    (directory / "2027-2031.toml").write_text(new, encoding="utf-8")
    return directory


CHANGEOVER = {
    "first day of the new table, at its caps": (date(2027, 7, 1), [cash("12,000.00"), in_kind("33,000.00")], [],
                                                "2027-2031"),
    "last day of the old table, over its caps": (date(2027, 6, 30), [cash("12,000.00"), in_kind("33,000.00")],
                                                 [CASH_MAX, TOTAL_MAX], "2026-2029"),
    "first day of the new table, one øre over": (date(2027, 7, 1), [cash("12,000.01"), in_kind("32,999.99")],
                                                 [CASH_MAX], "2027-2031"),
}


def _page_verdict(page: str) -> dict:
    """What the drafting page's budget check panel says."""
    panel = page[page.index('id="plan-check-title"'):]
    provider = re.search(r"<dt>Provider</dt><dd>([^<]*)</dd>", panel).group(1)
    minors = re.search(r"<dt>Minor children counted</dt><dd>(\d+)</dd>", panel).group(1)
    table = re.search(r"<dt>Rate table</dt><dd>([^<,]*)", panel).group(1)
    return {"ok": "app-check-status--ok" in panel and "app-check-status--error" not in panel,
            "provider": provider.startswith("Yes"), "minor_children": int(minors), "rate_table": table,
            "rules": sorted(set(re.findall(r"<p>Rule: <code>([a-z_.]+)</code></p>", panel)))}


def _validate(path, capsys, *args) -> tuple[int, dict]:
    status = cli.main(["validate", str(path), *args])
    return status, json.loads(capsys.readouterr().out)


def _draft_and_compare(app, auth, db, make_case, make_user, start_draft, tmp_path, capsys, case_values, children,
                       lines, expected_rules, validate_args=()):
    values = {"planned_return": RETURN, **case_values}
    case = make_case(children=children, **values)
    version = start_draft(case)
    response = auth.post(edit_url(version), base_form(version, lines))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]

    page = _page_verdict(auth._client.get(edit_url(version)).get_data(as_text=True))
    db.expire_all()
    version = db.get(PlanVersion, version.id)
    tables = app.extensions["rate_tables"]
    check = ops.check_version(db, load_plan(db, version), tables, date.today())

    exported = tmp_path / f"plan-{version.id}.json"
    exported.write_bytes(auth._client.get(f"/cases/{case.id}/plans/{version.id}/plan.json").get_data())
    status, output = _validate(exported, capsys, *validate_args)

    # The verdict the scenario expects: the test would pass were all three wrong alike.
    assert sorted(f["rule"] for f in output["findings"]) == sorted(expected_rules)
    assert output["ok"] is (not ({CASH_MAX, TOTAL_MAX} & set(expected_rules)))
    # The page and the command agree on everything the verdict rests on.
    assert page == {"ok": output["ok"], "provider": output["provider"], "minor_children": output["minor_children"],
                    "rate_table": output["rate_table"], "rules": sorted({f["rule"] for f in output["findings"]})}
    assert status == (0 if output["ok"] else 1)
    assert (version.check_ok, version.rate_table_id) == (output["ok"], output["rate_table"])
    assert output["caps"] == {"cash": f"{check.caps.cash:.2f}", "total": f"{check.caps.total:.2f}"}
    assert output["totals"]["total"] == f"{check.totals.total:.2f}"

    # The approval queue works its caps out on its own (the children's birth dates from
    # one aggregate): a version in it is over a cap exactly when the check says so.
    version.status, version.submitted_at = "submitted", datetime.now(timezone.utc)
    db.add(version)
    db.commit()
    [row] = [row for row in approvals.queue(db, make_user("approver"), tables, date.today()).items
             if row.version_id == version.id]
    assert (row.cash_cap, row.total_cap) == (check.caps.cash, check.caps.total)
    assert row.over_cap is bool({CASH_MAX, TOTAL_MAX} & set(expected_rules))


@pytest.mark.parametrize("name", SCENARIOS)
def test_page_validate_and_queue_give_one_verdict(app, auth, db, make_case, make_user, start_draft, tmp_path, capsys,
                                                  name):
    auth.login("caseworker", locale="en")
    case_values, children, lines, expected = SCENARIOS[name]
    _draft_and_compare(app, auth, db, make_case, make_user, start_draft, tmp_path, capsys, case_values, children,
                       lines, expected)


@pytest.mark.parametrize("name", CHANGEOVER)
def test_one_verdict_on_each_side_of_a_rate_table_changeover(app, auth, db, make_case, make_user, start_draft,
                                                             tmp_path, capsys, name):
    (tmp_path / "rates").mkdir()
    rates = changeover_rates(tmp_path / "rates")
    app.extensions["rate_tables"] = load_rate_tables(rates)
    auth.login("caseworker", locale="en")
    reference, lines, expected, table_id = CHANGEOVER[name]
    _draft_and_compare(app, auth, db, make_case, make_user, start_draft, tmp_path, capsys,
                       {"planned_return": reference}, [], lines, expected, ("--rates", str(rates)))
    assert db.exec(select(PlanVersion.rate_table_id)).all() == [table_id]


def test_without_a_return_date_the_page_and_validate_check_on_the_same_danish_day(app, auth, db, make_case,
                                                                                  start_draft, tmp_path, capsys,
                                                                                  monkeypatch):
    """00:30 in Denmark, 22:30 the day before on a server on UTC: both take the Danish
    day, on which the only child turns 18."""
    from reintegration import i18n, validate as command

    moment = datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(i18n, "datetime", Clock)
    monkeypatch.setattr(command, "datetime", Clock, raising=False)
    auth.login("caseworker", locale="en")
    case = make_case(children=[date(2008, 6, 2)])
    assert (case.planned_return, case.actual_return) == (None, None)
    version = start_draft(case)
    assert auth.post(edit_url(version), base_form(version, [cash("20,000.00")])).status_code == 302
    page = _page_verdict(auth._client.get(edit_url(version)).get_data(as_text=True))
    exported = tmp_path / "plan.json"
    exported.write_bytes(auth._client.get(f"/cases/{case.id}/plans/{version.id}/plan.json").get_data())
    assert "reference_date" not in json.loads(exported.read_text())
    status, output = _validate(exported, capsys)
    assert output["reference_date"] == "2026-06-02"
    assert page == {"ok": False, "provider": False, "minor_children": 0, "rate_table": "2026-2029",
                    "rules": ["cash.max", "child.not_minor"]}
    assert (output["ok"], output["provider"], status) == (False, False, 1)

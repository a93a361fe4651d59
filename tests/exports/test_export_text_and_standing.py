"""The exports with awkward stored text, amended plans, the page language and the
follow-up schedule's starting point."""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from flask_babel import force_locale

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line, case_of  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402
from reintegration.exports.batch import headers, write_batch  # noqa: E402
from reintegration.models import Decision  # noqa: E402
from sqlmodel import select  # noqa: E402

DECIDED = datetime(2027, 1, 15, 10, 30, 7, tzinfo=timezone.utc)


def build(app, db, version, lang="en"):
    with app.test_request_context():
        return packages.build(db, version, app.extensions["rate_tables"], lang)


def package_files(data: bytes) -> tuple[openpyxl.Workbook, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(names[0])))
        page = archive.read(names[2]).decode("utf-8")
    return workbook, page


def batch_rows(app, db, date_from, date_to, lang="en") -> list[list]:
    out = io.BytesIO()
    with app.test_request_context(), force_locale(lang):
        write_batch(db, date_from, date_to, out)
    return [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()]


# --- 1. control characters ------------------------------------------------------------


@pytest.fixture
def garbled(db, make_plan, approve, make_case, make_org):
    partner = make_org("partner", name="Partner\x0bNigeria")
    case = make_case(partner=partner, planned_return=date(2027, 3, 1), person_name="Ada\x1fObi")
    version = make_plan(case=case, lines=[Line(kind="cash", amount="4000.00", description="Bell\x07 and =1+1\x01"),
                                          Line(amount="100.00", category="tools\x0c", description="=SUM(A1)\x08")])
    approve(version, now=DECIDED)
    return version


def test_control_characters_are_left_out_of_the_package(auth, db, garbled, approver):
    auth.login(approver)
    response = auth._client.get(f"/exports/package/{garbled.id}?lang=en")
    assert response.status_code == 200
    wb, page = package_files(response.data)
    summary = {row[0].value: row[1].value for row in wb["Summary"].iter_rows(min_row=2)}
    assert summary["Partner"] == "PartnerNigeria" and summary["Person"] == "AdaObi"
    lines = wb["Budget lines"]
    assert [lines["D2"].value, lines["D3"].value, lines["C3"].value] == ["Bell and =1+1", "=SUM(A1)", "tools"]
    assert {lines["D2"].data_type, lines["D3"].data_type} == {"s"}  # text, never a formula


def test_control_characters_are_left_out_of_the_batch(app, db, garbled):
    rows = batch_rows(app, db, date(2027, 1, 15), date(2027, 1, 15))
    assert [r[3] for r in rows[1:]] == ["PartnerNigeria"] * 2
    assert [r[7] for r in rows[1:]] == ["Bell and =1+1", "=SUM(A1)"]
    assert rows[2][6] == "tools"


def test_clean_text_keeps_tabs_and_line_breaks():
    from reintegration.exports.workbook import clean_text

    assert clean_text("a\tb\nc\r\x0bd\x00") == "a\tb\nc\rd"
    assert clean_text("Benin City, ÆØÅ") == "Benin City, ÆØÅ"


@pytest.mark.parametrize("key, value", [("name", "Partner\\u000bNigeria"), ("name", "Partner\\u0007"),
                                        ("currency", "NG\\u0000N")])
def test_the_registry_refuses_control_characters(tmp_path, key, value):
    from reintegration.partners import RegistryError, read_registry

    values = {"name": "Good Partner", "country": "GH", "currency": "GHS", "status": "active", key: value}
    (tmp_path / "odd.toml").write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()))
    with pytest.raises(RegistryError) as refused:
        read_registry(tmp_path)
    assert (refused.value.key, refused.value.code) == (key, "invalid")
    assert "\\x" in refused.value.reason  # repr(): the character is named, not printed


# --- 2. amendments in the batch ------------------------------------------------------


@pytest.fixture
def amended(db, make_plan, approve):
    """Version 1 approved in January, 2 sent back, 3 (amending 1) approved in February and
    4 (amending 3) approved in April."""
    v1 = make_plan(lines=[Line(kind="cash", amount="4000.00"), Line(amount="100.00")])
    approve(v1, now=datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc))
    case = case_of(db, v1)
    v2 = make_plan(case=case, amends=v1)
    approve(v2, action="send_back", reason="x", now=datetime(2027, 1, 20, tzinfo=timezone.utc))
    v3 = make_plan(case=case, amends=v1, lines=[Line(kind="cash", amount="5000.00")])
    approve(v3, now=datetime(2027, 2, 10, 9, 0, tzinfo=timezone.utc))
    v4 = make_plan(case=case, amends=v3, lines=[Line(kind="cash", amount="6000.00")])
    approve(v4, now=datetime(2027, 4, 10, 9, 0, tzinfo=timezone.utc))
    other = make_plan()
    approve(other, now=datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc))
    return case, other


def test_each_row_says_its_version_what_it_amends_and_whether_it_is_in_force(app, db, amended):
    case, other = amended
    rows = batch_rows(app, db, date(2027, 1, 1), date(2027, 2, 28))
    assert len(rows[0]) == len(headers()) == 15
    assert rows[0][13:] == ["Amends version", "In force or superseded"]
    standing = [(r[0], r[1], r[13], r[14]) for r in rows[1:]]
    assert standing == [(case.reference, 1, None, "Superseded by version 3")] * 2 + [
        (case_of(db, other).reference, 1, None, "In force"),
        # Superseded by version 4, approved after the range: in force no longer.
        (case.reference, 3, 1, "Superseded by version 4")]
    in_force = [r for r in batch_rows(app, db, date(2027, 1, 1), date(2027, 4, 30))[1:] if r[14] == "In force"]
    assert sorted((r[1], r[9]) for r in in_force) == [(1, 5000), (4, 6000)]  # summed, nothing counted twice


def test_standing_in_danish(app, db, amended):
    rows = batch_rows(app, db, date(2027, 1, 1), date(2027, 4, 30), lang="da")
    assert rows[0][13:] == ["Ændrer version", "Gældende eller erstattet"]
    assert {r[14] for r in rows[1:]} == {"Erstattet af version 3", "Erstattet af version 4", "Gældende"}


# --- 3. the page language, severity, rules and countries ------------------------------


@pytest.fixture
def with_warning(db, make_plan, approve, make_case):
    """A plan with a local amount and rate, and a child of 18 (a warning) on its return."""
    case = make_case(children=[date(2018, 5, 1), date(2000, 1, 1)], planned_return=date(2027, 3, 1),
                     return_country="ET")
    version = make_plan(case=case, lines=[
        Line(kind="cash", amount="4000.00"),
        Line(amount="14500.00", currency="NGN", amount_local="3625000", exchange_rate="0.004")])
    approve(version, now=DECIDED)
    return version


@pytest.mark.parametrize("lang, local, rate, severity, rule, figure", [
    ("da", "3.625.000,00", "0,004", "Advarsel", "Mindreårige børn", "Kontant, person der er forsørger"),
    ("en", "3,625,000.00", "0.004", "Warning", "Minor children", "Cash, person who is a provider"),
])
def test_the_package_speaks_the_page_language(app, db, with_warning, lang, local, rate, severity, rule, figure):
    wb, page = package_files(build(app, db, with_warning, lang).data)
    assert f'<td class="num">{local}</td>' in page and f'<td class="num">{rate}' in page
    assert ">3625000<" not in page
    assert f"<td>{severity}</td><td>{rule}</td>" in page
    assert f"<td>{figure}</td>" in page
    for raw in ("warning", "child.not_minor", "cash_provider", "adult_total"):
        assert f">{raw}<" not in page
    check = [[c.value for c in row] for row in wb.worksheets[3].iter_rows()]
    assert figure in [row[4] for row in check]
    finding = next(row for row in check if row[1] == severity)
    assert finding[4] == rule
    assert not {"warning", "child.not_minor", "cash_provider", "adult_total"} & {v for row in check for v in row}


@pytest.mark.parametrize("lang, country", [("en", "Ethiopia"), ("da", "Etiopien")])
def test_the_batch_names_the_country(app, db, with_warning, lang, country):
    rows = batch_rows(app, db, date(2027, 1, 15), date(2027, 1, 15), lang)
    assert {r[4] for r in rows[1:]} == {country}


# --- 4. what the follow-up schedule counts from ---------------------------------------


def schedule_sheet(app, db, version, lang="en"):
    wb, _page = package_files(build(app, db, version, lang).data)
    sheet = wb.worksheets[4]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2) if row[0].value is not None]
    return rows[:-1], rows[-1][0]


def test_a_planned_return_is_named_as_planned(app, db, make_plan, approve):
    version = make_plan()  # planned return 2027-03-01, no actual return
    approve(version, now=DECIDED)
    rows, note = schedule_sheet(app, db, version)
    assert rows[0][:2] == [1, datetime(2027, 4, 1)]
    assert note.startswith("Counted from the planned return date 2027-03-01")


def test_an_actual_return_is_named_as_actual(app, db, auth, make_plan, approve):
    first = make_plan()
    approve(first)
    case = case_of(db, first)
    returned = date.today() - timedelta(days=10)
    auth.login("approver")
    assert auth.post(f"/followup/cases/{case.id}/return",
                     {"return_date": returned.isoformat(), "revision": str(case.revision)}).status_code == 302
    amendment = make_plan(case=case_of(db, first), amends=first)
    approve(amendment)
    rows, note = schedule_sheet(app, db, amendment)
    assert note == f"Counted from the actual return date {returned.isoformat()}, recorded when the plan was decided."
    assert rows[0][1].date() > returned
    # The first version was decided before the return was recorded: on the planned date.
    _rows, first_note = schedule_sheet(app, db, first, "da")
    assert first_note.startswith("Regnet fra den planlagte hjemrejsedato 2027-03-01")


def test_no_return_date_gives_no_dates(app, db, make_plan, approve, make_case):
    version = make_plan(case=make_case(status="awaiting_approval"))  # neither planned nor actual
    approve(version)  # decided now: the reference date is the day of deciding
    rows, note = schedule_sheet(app, db, version)
    assert [r[0] for r in rows] == [1, 3, 6, 12] and {r[1] for r in rows} == {None}
    assert note.startswith("The case had no return date when the plan was decided")


def test_a_decision_from_before_migration_0011_says_what_its_date_may_be(app, db, make_plan, approve):
    version = make_plan()
    approve(version, now=DECIDED)
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    assert decision.reference_basis == "planned"
    decision.reference_basis = None  # as every decision taken before it kept one
    db.add(decision)
    db.commit()
    rows, note = schedule_sheet(app, db, version)
    assert rows[0][:2] == [1, datetime(2027, 4, 1)]
    assert note == ("Counted from the decision's reference date 2027-03-01: the return date known when the plan "
                    "was decided, or the day of deciding if none was known.")


def test_the_registry_refuses_control_characters_in_a_contact(tmp_path):
    from reintegration.partners import RegistryError, read_registry

    (tmp_path / "odd.toml").write_text('name = "Good Partner"\ncountry = "GH"\ncurrency = "GHS"\nstatus = "active"\n'
                                       '[contact]\nphone = "+233\\u000b1"\n')
    with pytest.raises(RegistryError) as refused:
        read_registry(tmp_path)
    assert (refused.value.key, refused.value.code) == ("contact.phone", "invalid")

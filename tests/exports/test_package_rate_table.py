"""A rate table corrected after an approval (its file edited, its version raised, as
rates/README.md says) changes no archived package: the decision keeps the table as it
read at the approval, and the package is built from that."""

from __future__ import annotations

import dataclasses
import io
import sys
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line  # noqa: E402
from approval_factories import approve, approver, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.domain.rates import RateTables, parse_rate_table  # noqa: E402
from reintegration.exports import package as packages  # noqa: E402
from reintegration.models import Decision  # noqa: E402


@pytest.fixture
def approved(db, make_plan, approve, make_case):
    case = make_case(children=[date(2018, 5, 1)], planned_return=date(2027, 3, 1))
    version = make_plan(case=case, lines=[Line(kind="cash", amount="4000.00", description="Allowance")])
    approve(version, now=datetime(2027, 1, 15, tzinfo=timezone.utc))
    db.refresh(version)
    return version


def corrected(tables: RateTables) -> RateTables:
    """The same file corrected: a higher provider cash rate and child rate, version 2."""
    return RateTables(tuple(dataclasses.replace(t, version=t.version + 1, cash_provider=Decimal("25000.00"),
                                                child_in_kind=Decimal("12000.00"), document="")
                            for t in tables))


def summary(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".html"))


def test_the_decision_keeps_the_table_as_it_read(app, db, approved):
    decision = db.exec(select(Decision).where(Decision.plan_version_id == approved.id)).one()
    table = app.extensions["rate_tables"].get(decision.rate_table_id)
    assert decision.rate_table_document == table.document != ""
    kept = parse_rate_table(decision.rate_table_document, f"{decision.rate_table_id}.toml")
    assert (kept.id, kept.version, kept.cash_provider, kept.child_in_kind) == (
        table.id, decision.rate_table_version, table.cash_provider, table.child_in_kind)


def test_a_corrected_table_changes_no_archived_package(app, db, approved):
    tables = app.extensions["rate_tables"]
    with app.test_request_context():
        before = packages.build(db, approved, tables, "da")
        after = packages.build(db, approved, corrected(tables), "da")
    assert after.data == before.data
    page = summary(after.data)
    assert "20.000,00" in page and "25.000,00" not in page and "12.000,00" not in page


def test_a_decision_from_before_migration_0011_uses_the_tables_loaded_now(app, db, approved):
    decision = db.exec(select(Decision).where(Decision.plan_version_id == approved.id)).one()
    decision.rate_table_document = None
    db.add(decision)
    db.commit()
    with app.test_request_context():
        page = summary(packages.build(db, approved, corrected(app.extensions["rate_tables"]), "da").data)
    assert "25.000,00" in page


def test_a_send_back_keeps_no_table(db, make_plan, approve):
    version = make_plan()
    approve(version, action="send_back", reason="Add a quote")
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    assert decision.rate_table_document is None and decision.plan_document is None


def test_the_package_names_country_and_partner_as_decided(app, db, approved, make_org):
    """A case moved to another partner and country after its approval changes no archive;
    a decision from before migration 0012 reads the case."""
    from reintegration.models import Case

    decision = db.exec(select(Decision).where(Decision.plan_version_id == approved.id)).one()
    case = db.get(Case, approved.case_id)
    decided_partner = decision.partner_name
    assert decision.return_country == case.return_country and decided_partner
    other = make_org("partner", country="GH", name="Accra Partner")
    case.partner_id, case.return_country = other.id, "GH"
    db.add(case)
    db.commit()
    tables = app.extensions["rate_tables"]
    with app.test_request_context():
        page = summary(packages.build(db, approved, tables, "en").data)
    assert decided_partner in page and "Accra Partner" not in page and "Ghana" not in page
    decision.return_country = decision.partner_name = None
    db.add(decision)
    db.commit()
    with app.test_request_context():
        page = summary(packages.build(db, approved, tables, "en").data)
    assert "Accra Partner" in page and "Ghana" in page

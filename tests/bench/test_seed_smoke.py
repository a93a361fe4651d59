"""Keeps bench/seed.py from rotting: 20 cases through the bulk path into the test
database, then the counts, the accounts and one seeded plan's budget check."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

from sqlmodel import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import seed as seeding  # noqa: E402

from reintegration.models import BudgetLine, Case, Child, Decision, PlanVersion, User  # noqa: E402
from reintegration.plans.mapping import check_stored, content_sha256, load_plan  # noqa: E402

# Not imported from tests/conftest.py: with several conftest modules, "conftest" is ambiguous.
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_seed_twenty_cases(app, db):
    result = seeding.seed(app.extensions["db_engine"], 20, seed=7)

    assert db.exec(select(func.count()).select_from(Case)).one() == 20
    assert result["rows"]["case"] == 20
    assert {role for role in db.exec(select(User.role)).all()} == {"caseworker", "cmm", "approver", "partner", "admin"}
    versions = db.exec(select(PlanVersion)).all()
    assert {v.case_id for v in versions} == set(range(1, 21))  # every case has a plan
    lines = db.exec(select(func.count()).select_from(BudgetLine)).one()
    assert 10 * len(versions) <= lines <= 25 * len(versions)
    # Each version's line summary (migration 0006's triggers) is that of its lines.
    per_version = dict(db.exec(select(BudgetLine.plan_version_id, func.count()).group_by(BudgetLine.plan_version_id)).all())
    assert {v.id: v.line_count for v in versions} == {v.id: per_version.get(v.id, 0) for v in versions}
    assert db.exec(select(func.count()).select_from(Child)).one() == result["rows"]["child"]
    decided = db.exec(select(func.count()).select_from(Decision)).one()
    assert decided == result["rows"]["decision"] > 0

    # A probe case: 20 lines, approved, within the caps, with the real content digest.
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == 1, PlanVersion.status == "approved")).one()
    stored = load_plan(db, version)
    assert len(stored.lines) == 20
    assert version.lines_cash_ore + version.lines_in_kind_ore == sum(line.amount_dkk for line in stored.lines) * 100
    assert check_stored(stored, app.extensions["rate_tables"], date(2026, 11, 27)).ok
    assert version.content_sha256 == content_sha256(stored)


def test_seeded_account_signs_in_and_opens_its_cases(app, client):
    """The benchmarks sign in with the seeded password (hashed once for every account)."""
    seeding.seed(app.extensions["db_engine"], 3, seed=7)
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": "caseworker1@bench.test", "password": seeding.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    assert client.get("/health").status_code == 200


def test_vacuum_gives_its_connection_back_to_the_pool_as_it_found_it(app):
    """The benchmark vacuums outside a transaction; the pooled connection it used must
    not stay in autocommit, or the next transaction on it (the re-validation's writes,
    measured right after) would commit statement by statement."""
    import pytest

    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("VACUUM is run on PostgreSQL only")
    seeding.vacuum(engine, "planversion")
    raw = engine.raw_connection()
    try:
        assert raw.driver_connection.autocommit is False
    finally:
        raw.close()

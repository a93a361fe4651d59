"""Keeps the benchmark's export measurements (bench/run.py) running against the app as
it is: they run in their own process during ``make bench`` only, so a renamed function
in the app once left the batch figure "n/a" with nothing failing."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlmodel import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import run  # noqa: E402
import seed as seeding  # noqa: E402

from reintegration.models import Decision, PlanVersion  # noqa: E402


def _seed(app) -> None:
    seeding.seed(app.extensions["db_engine"], 20, seed=7, statuses=[("approved", 1), ("in_followup", 1)])


def test_batch_and_its_ceiling_write_the_same_cells(app, db):
    _seed(app)
    approved = db.exec(select(func.count()).select_from(Decision).where(Decision.outcome == "approved")).one()

    batch = run.export_batch(app, approved, baseline=0.0)
    raw = run.raw_openpyxl(app, approved)

    assert batch["plans"] == approved
    assert batch["rows"] == raw["rows"] > 0
    # The ratio the target judges is fair only if both sides write the same cells.
    assert batch["cells"] == raw["cells"]
    assert batch["cells_per_second"] > 0 and raw["cells_per_second"] > 0


def test_batch_range_holds_the_latest_approvals_in_whole_danish_days(app, db):
    _seed(app)
    latest = db.exec(select(Decision.decided_at).where(Decision.outcome == "approved")
                     .order_by(Decision.decided_at.desc()).limit(5)).all()

    date_from, date_to = run.batch_range(app, db, 5)

    with app.app_context():
        from reintegration.i18n import local_day

        days = sorted(local_day(moment) for moment in latest)
    assert (date_from, date_to) == (days[0], days[-1])


def test_package_is_built_and_timed(app, db):
    _seed(app)
    version = db.exec(select(PlanVersion).where(PlanVersion.status == "approved").order_by(PlanVersion.id)).first()

    result = run.export_package(app, version.id, baseline=0.0)

    assert result["bytes"] > 1000
    assert 0 < result["ms_min"] <= result["ms_median"] <= result["ms_max"]


def test_a_failed_measurement_fails_the_run():
    results = {"pages": {"quick": {"health": {"rps": 1.0}}},
               "exports": {"batch": {"error": "ImportError: gone"}, "pairs": [{"error": "boom"}]}}

    assert run.failures(results) == ["exports.batch: ImportError: gone", "exports.pairs[0]: boom"]
    assert run.failures({"pages": {}}) == []

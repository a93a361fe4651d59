"""How fast are the exports, and how much memory do they take?
``python bench/bench_exports.py [--plans N] [--lines L] [--database-url URL] [--json FILE]``

Seeds N approved plans (default 10,000, L budget lines each) with bulk inserts into a
fresh database (a temporary SQLite file unless ``--database-url`` names one, which must be
empty or already migrated), then measures:

- the approval package of one plan (``exports.package.build``): median time of 5 runs
  after a warm-up, and the peak of Python allocations while building it (tracemalloc);
- the batch workbook of every plan (``exports.batch.write_batch``), run in a fresh child
  process so that its peak RSS (VmHWM, or ``resource.getrusage``) is the export's own and not the
  seeding's: time, rows per second, and peak RSS beside the RSS after start-up.

Memory should stay flat as N grows: compare ``--plans 1000`` with the default.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

CHUNK = 5000
DECIDED_FROM = datetime(2027, 1, 1, 8, 0, tzinfo=timezone.utc)


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: VmHWM on Linux (reset by exec, unlike
    ``ru_maxrss``, which a child started by fork+exec inherits from its parent), else
    ``resource.getrusage``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def make_app(url: str):
    from reintegration import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True})


def seed(app, plans: int, lines: int, rng: random.Random) -> int:
    """N approved plans with their cases, lines and decisions, inserted in bulk. Returns
    the id of one approved version (for the package)."""
    from sqlalchemy import insert

    from reintegration.models import BudgetLine, Case, Decision, Organisation, PlanVersion, User

    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        org_ids = {}
        for kind, code, country, currency in (("drc", "drc", None, None), ("hjemrejsestyrelsen", "hjem", None, None),
                                              ("partner", "ng-bench", "NG", "NGN"), ("partner", "th-bench", "TH", "THB")):
            org_ids[code] = conn.execute(insert(Organisation).values(kind=kind, code=code, name=code.upper(),
                                                                     country=country, currency=currency,
                                                                     status="active", created_at=DECIDED_FROM)
                                         .returning(Organisation.id)).scalar_one()
        user_ids = {}
        for role, org in (("caseworker", "drc"), ("approver", "hjem")):
            user_ids[role] = conn.execute(insert(User).values(
                organisation_id=org_ids[org], email=f"{role}@bench.test", name=f"Bench {role}", role=role,
                password_hash="!", locale="da", active=True, mfa_enabled=False, session_token="",
                password_changed_at=DECIDED_FROM, created_at=DECIDED_FROM).returning(User.id)).scalar_one()
    first_version = None
    for start in range(0, plans, CHUNK):
        count = min(CHUNK, plans - start)
        with engine.begin() as conn:
            cases = []
            for n in range(start, start + count):
                partner = "ng-bench" if n % 2 else "th-bench"
                cases.append(dict(reference=f"RT-BENCH-{n:06d}", status="approved", person_name=f"Person {n}",
                                  person_date_of_birth=date(1990, 1, 1) + timedelta(days=n % 5000),
                                  unaccompanied_minor=False, return_country=partner[:2].upper(),
                                  partner_id=org_ids[partner], caseworker_id=user_ids["caseworker"],
                                  planned_return=date(2027, 3, 1), legal_hold=False, created_at=DECIDED_FROM,
                                  updated_at=DECIDED_FROM, revision=1))
            case_ids = list(conn.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), cases)
                            .scalars())
            versions = [dict(case_id=case_id, number=1, status="approved", activity_kind="business",
                             activity_description="Shop", rate_table_id="2026-2029", rate_table_version=1,
                             check_ok=True, created_by=user_ids["caseworker"], created_at=DECIDED_FROM,
                             updated_at=DECIDED_FROM, submitted_by=user_ids["caseworker"],
                             submitted_at=DECIDED_FROM, content_sha256="0" * 64, revision=2)
                        for case_id in case_ids]
            version_ids = list(conn.execute(insert(PlanVersion).returning(PlanVersion.id,
                                                                          sort_by_parameter_order=True), versions)
                               .scalars())
            first_version = first_version or version_ids[0]
            budget = []
            for version_id in version_ids:
                for position in range(lines):
                    cash = position < 3
                    local = Decimal(rng.randrange(10_000, 400_000))
                    rate = Decimal("0.0045")
                    budget.append(dict(plan_version_id=version_id, line_key=str(uuid.UUID(int=rng.getrandbits(128))),
                                       position=position, kind="cash" if cash else "in_kind",
                                       category=None if cash else "equipment", description=f"Line {position + 1}",
                                       month=1 + position % 12,
                                       amount_dkk=Decimal("1000.00") if cash else (local * rate).quantize(Decimal("0.01")),
                                       currency=None if cash else "NGN", amount_local=None if cash else local,
                                       exchange_rate=None if cash else rate))
            conn.execute(insert(BudgetLine), budget)
            conn.execute(insert(Decision), [dict(plan_version_id=version_id, outcome="approved",
                                                 decided_by=user_ids["approver"],
                                                 decided_at=DECIDED_FROM + timedelta(minutes=i + start),
                                                 rate_table_id="2026-2029", rate_table_version=1,
                                                 content_sha256="0" * 64, reference_date=date(2027, 3, 1))
                                            for i, version_id in enumerate(version_ids)])
    return first_version


def measure_package(app, version_id: int) -> dict:
    from sqlmodel import Session

    from reintegration.exports import package
    from reintegration.models import PlanVersion

    times = []
    for attempt in range(6):
        with app.test_request_context(), Session(app.extensions["db_engine"]) as db:
            if attempt == 1:
                tracemalloc.start()
            started = time.perf_counter()
            result = package.build(db, db.get(PlanVersion, version_id), app.extensions["rate_tables"], "da")
            elapsed = time.perf_counter() - started
            if attempt == 1:
                traced = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
        if attempt:
            times.append(elapsed)
    times.sort()
    return {"ms_median": round(times[len(times) // 2] * 1000, 1), "ms_min": round(times[0] * 1000, 1),
            "bytes": len(result.data), "tracemalloc_peak_mb": round(traced / 2**20, 2)}


def measure_batch(url: str) -> dict:
    """Run in a fresh process (``--phase batch``): the batch workbook of every plan."""
    from flask_babel import force_locale
    from sqlmodel import Session

    from reintegration.exports.batch import write_batch

    app = make_app(url)
    baseline = peak_rss_mb()
    with tempfile.TemporaryDirectory() as directory, app.app_context(), force_locale("da"), \
            Session(app.extensions["db_engine"]) as db:
        out = Path(directory) / "batch.xlsx"
        started = time.perf_counter()
        rows = write_batch(db, date(2020, 1, 1), date(2035, 12, 31), str(out))
        seconds = time.perf_counter() - started
        size = out.stat().st_size
    # No tracemalloc here: it slows openpyxl's per-cell work about tenfold. Peak RSS is
    # the real figure; compare it with the RSS after start-up.
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
            "bytes": size, "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": baseline}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000, help="approved plans to seed (default 10000)")
    parser.add_argument("--lines", type=int, default=15, help="budget lines per plan (default 15)")
    parser.add_argument("--database-url", help="an empty or migrated database (default: a temporary SQLite file)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("--phase", choices=("all", "batch"), default="all", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase == "batch":
        print(json.dumps(measure_batch(args.database_url)))
        return 0

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench_exports.sqlite3"
        app = make_app(url)
        from reintegration.migrate import upgrade

        upgrade(app)
        started = time.perf_counter()
        version_id = seed(app, args.plans, args.lines, random.Random(2026))
        seeded = time.perf_counter() - started
        print(f"seeded {args.plans} approved plans x {args.lines} lines in {seeded:.1f} s ({url.split(':')[0]})",
              flush=True)
        package = measure_package(app, version_id)
        print(f"approval package, one plan: {package['ms_median']} ms median, {package['bytes']} bytes, "
              f"{package['tracemalloc_peak_mb']} MB allocated at peak", flush=True)
        app.extensions["db_engine"].dispose()
        child = subprocess.run([sys.executable, __file__, "--phase", "batch", "--database-url", url],
                               capture_output=True, text=True, cwd=ROOT, env={**os.environ})
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        batch = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"batch workbook, {args.plans} plans: {batch['rows']} rows in {batch['seconds']} s "
              f"({batch['rows_per_second']} rows/s), peak RSS {batch['peak_rss_mb']} MB "
              f"(after start-up {batch['baseline_rss_mb']} MB), {batch['bytes']} bytes")
    figures = {"plans": args.plans, "lines_per_plan": args.lines, "seed_seconds": round(seeded, 1),
               "package": package, "batch": batch}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

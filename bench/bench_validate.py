"""How fast are plans checked? ``python bench/bench_validate.py [--plans N] [--json FILE]``

Targets: re-validating open plans against a new rate table at >= 20,000 plans/s in one
process (check_plan alone, plans already loaded), and validating plan files in < 1 s per
1,000 plans (JSON text to JSON text: decode, parse_plan, check_plan, check_to_json,
encode). Plans are generated in memory with a fixed seed, so runs are comparable.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from reintegration.domain.budget import ACTIVITY_KINDS, CHILD_RESIDENCES, LINE_KINDS, check_plan  # noqa: E402
from reintegration.domain.planfile import PLAN_FORMAT, check_to_json, parse_plan  # noqa: E402
from reintegration.domain.rates import default_rates_dir, load_rate_tables  # noqa: E402
from reintegration.validate import message  # noqa: E402

REVALIDATION_TARGET = 20_000  # plans per second
FILE_TARGET_SECONDS = 1.0  # per 1,000 plans
TODAY = date(2026, 6, 1)


def generate_plan_files(count: int, rng: random.Random) -> list[str]:
    """``count`` varied plan files: 10-25 lines, 0-3 children, some over a cap."""
    return [json.dumps(_plan_document(rng)) for _ in range(count)]


def _plan_document(rng: random.Random) -> dict[str, Any]:
    reference = date(2026, 1, 1) + timedelta(days=rng.randrange(4 * 365))
    lines = [
        {
            "kind": rng.choice(LINE_KINDS),
            "amount_dkk": str(Decimal(rng.randrange(1, 400_000)).scaleb(-2)),
            "month": rng.randint(1, 12),
            "description": "Budget line",
        }
        for _ in range(rng.randint(10, 25))
    ]
    return {
        "format": PLAN_FORMAT,
        "reference_date": reference.isoformat(),
        "person": {"date_of_birth": "1990-05-17"},
        "children": [
            {
                "date_of_birth": (reference - timedelta(days=rng.randrange(20 * 365))).isoformat(),
                "lives_in": rng.choice(CHILD_RESIDENCES),
            }
            for _ in range(rng.randint(0, 3))
        ],
        "activity": {"kind": rng.choice(ACTIVITY_KINDS), "description": "Income-generating activity"},
        "lines": lines,
    }


def timed(work: Callable[[], object]) -> float:
    """Seconds for one run of ``work``, after a warm-up run."""
    work()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000, help="number of plans (default 10000)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)

    tables = load_rate_tables(default_rates_dir())
    files = generate_plan_files(args.plans, random.Random(2026))
    plans = [parse_plan(json.loads(text)) for text in files]

    def revalidate() -> None:
        for plan in plans:
            check_plan(plan, tables, TODAY)

    def validate_files() -> None:
        for text in files:
            check = check_plan(parse_plan(json.loads(text, parse_float=Decimal)), tables, TODAY)
            json.dumps(check_to_json(check, message))

    results = {
        "check_plan": _figures(args.plans, timed(revalidate)),
        "file_to_result": _figures(args.plans, timed(validate_files)),
    }
    print(f"{'run':<16}{'plans':>8}{'seconds':>10}{'plans/s':>11}{'ms/1000':>10}")
    for name, figures in results.items():
        print(
            f"{name:<16}{figures['plans']:>8}{figures['seconds']:>10.3f}"
            f"{figures['plans_per_second']:>11,.0f}{figures['ms_per_1000']:>10.1f}"
        )
    revalidation_ok = results["check_plan"]["plans_per_second"] >= REVALIDATION_TARGET
    files_ok = results["file_to_result"]["ms_per_1000"] < FILE_TARGET_SECONDS * 1000
    print(f"re-validation >= {REVALIDATION_TARGET:,} plans/s: {'PASS' if revalidation_ok else 'MISS'}")
    print(f"validate < {FILE_TARGET_SECONDS:g} s per 1000 plans: {'PASS' if files_ok else 'MISS'}")
    if args.json:
        results["targets"] = {"revalidation": revalidation_ok, "validate_files": files_ok}
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def _figures(plans: int, seconds: float) -> dict[str, Any]:
    return {
        "plans": plans,
        "seconds": round(seconds, 4),
        "plans_per_second": round(plans / seconds),
        "ms_per_1000": round(seconds / plans * 1_000_000, 2),
    }


if __name__ == "__main__":
    sys.exit(main())

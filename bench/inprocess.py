"""One page, in-process, on a bench database: median time, the round trips to the database
(statements, the pool's ping, BEGIN, COMMIT, ROLLBACK), Python function calls per request,
every SQL statement over 1 ms, and optionally a cProfile of N requests. For finding *why* a
page of `make bench` is slow.

    .venv/bin/python bench/inprocess.py [--db bench_full] [--profile N] [page ...]

Pages are the keys of `make bench` (health, case_list, case_search, case_page, plan_page,
approval_queue, approval_review, partner_due); none given: all of them. The database
must have been seeded by `make bench` / `make bench-full` (PostgreSQL on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import run  # noqa: E402
import seed as seeding  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--db", default="bench_full", help="bench database name (default bench_full)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile N requests per page")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"),
                        help="profile order (default tottime)")
    parser.add_argument("--lines", type=int, default=25, help="profile lines printed (default 25)")
    parser.add_argument("--callers", metavar="REGEX", action="append", default=[],
                        help="with --profile: also who calls the functions matching REGEX (repeatable)")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from reintegration import create_app

    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}"
    ids = run.probe_ids(url)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "MFA_REQUIRED_ROLES": []})
    engine = app.extensions["db_engine"]
    statements: list[tuple[float, str]] = []

    def before(_conn, _cursor, _statement, _params, context, _many):
        context._bench_started = time.perf_counter()

    def after(_conn, _cursor, statement, _params, context, _many):
        statements.append((time.perf_counter() - context._bench_started, " ".join(statement.split())[:140]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    round_trips = _count_round_trips()
    headers = {"User-Agent": load.USER_AGENT}
    clients = {}
    for page in run.page_plan(url, ids):
        if "missing" in page or (args.pages and page["key"] not in args.pages):
            continue
        email = page["role"] and (page["email"] or f"{page['role']}1@bench.test")
        client = clients.get(email)
        if client is None:
            client = clients[email] = app.test_client()
            if email:
                html = client.get("/login", headers=headers).get_data(as_text=True)
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
                client.post("/login", data={"email": email, "password": seeding.PASSWORD, "csrf_token": token},
                            headers=headers)
        client.get(page["path"], headers=headers)  # warm
        times = []
        for _ in range(args.repeat):
            statements.clear()
            round_trips.clear()
            started = time.perf_counter()
            response = client.get(page["path"], headers=headers)
            times.append(time.perf_counter() - started)
        sql = sum(seconds for seconds, _text in statements)
        print(f"{page['key']:<16} {response.status_code}  median {statistics.median(times) * 1000:6.1f} ms"
              f"  SQL {sql * 1000:5.1f} ms in {len(statements)} statements;"
              f" {len(round_trips)} round trips: {' '.join(round_trips)};"
              f" {_calls_per_request(client, page['path'], headers):,.0f} Python calls")
        for seconds, text in statements:
            if seconds > 0.001:
                print(f"    {seconds * 1000:7.1f} ms  {text}")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.profile):
                client.get(page["path"], headers=headers)
            profile.disable()
            stats = pstats.Stats(profile).sort_stats(args.sort)
            stats.print_stats(args.lines)
            for pattern in args.callers:
                stats.print_callers(pattern)
    engine.dispose()
    return 0


def _calls_per_request(client, path: str, headers: dict, requests: int = 20) -> float:
    """Python function calls per request (cProfile's count, built-ins included). Unlike
    the times, the same code and data give the same count on any machine and under any
    load: the figure to compare two versions of a page by on a noisy VM."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path, headers=headers)
    profile.disable()
    return pstats.Stats(profile).total_calls / requests


def _count_round_trips() -> list[str]:
    """Every exchange with the server, named, as psycopg makes it: the statements, the
    pool's pre-ping (a statement of its own), and the BEGIN psycopg sends before the first
    statement of a transaction, COMMIT and ROLLBACK (only when a transaction is open:
    otherwise psycopg sends nothing)."""
    import psycopg
    from psycopg.pq import TransactionStatus

    trips: list[str] = []
    execute, commit, rollback = psycopg.Cursor.execute, psycopg.Connection.commit, psycopg.Connection.rollback

    def counted_execute(cursor, query, *args, **kwargs):
        connection = cursor.connection
        if not connection.autocommit and connection.info.transaction_status == TransactionStatus.IDLE:
            trips.append("BEGIN")
        text = str(query).split(None, 1)
        trips.append("ping" if str(query).strip() == ";" else (text[0].upper() if text else "?"))
        return execute(cursor, query, *args, **kwargs)

    def counted(method, name):
        def wrapper(connection):
            if connection.info.transaction_status != TransactionStatus.IDLE:
                trips.append(name)
            return method(connection)
        return wrapper

    psycopg.Cursor.execute = counted_execute
    psycopg.Connection.commit = counted(commit, "COMMIT")
    psycopg.Connection.rollback = counted(rollback, "ROLLBACK")
    return trips


if __name__ == "__main__":
    sys.exit(main())

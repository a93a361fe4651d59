"""Soak run (issue #7 point 6): ``make soak`` = ``python bench/soak.py [--seconds 120] [--clients 50]``.

Seeds a fresh PostgreSQL database ``bench_soak`` (bench/seed.py, 1,000 cases), starts the
app under gunicorn (2 workers) and drives it from THIS process with ``--clients`` threads
(each its own keep-alive connection, reopened when the server closes it) for
``--seconds``, mixing reads and writes the way a working day does:

- reads: case list (filtered, random page), case page, plan page with its budget check,
  /health;
- writes: a comment on a plan (POST with the session's CSRF token; draft and submitted
  versions take comments) and a case edit (GET the form, POST it back unchanged with the
  revision it showed: optimistic locking, so two clients saving the same case at once
  give one ``409``, which is expected and counted apart).

Prints requests served, errors (every answer that is not 2xx/3xx, plus socket errors and
time-outs; must be 0), expected 409 conflicts, and p50/p95/p99 per kind and overall.
Exits 1 when there was an error. Loopback only.
"""

from __future__ import annotations

import argparse
import html.parser
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402
import seed as seeding  # noqa: E402

MIX = [("case_list", 35), ("case_page", 25), ("plan_page", 15), ("health", 10), ("comment", 10), ("case_edit", 5)]
WRITES = {"comment", "case_edit"}


class FormReader(html.parser.HTMLParser):
    """The fields of the first form whose action contains ``marker`` (or that has no action,
    so posts to the page's own URL), as a browser would post them unchanged (checked boxes, selected options, text areas)."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        action = a.get("action")
        if tag == "form" and not self.done and (not action or self.marker in action):  # no action: this URL
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else (self._first_option or "")
            self.fields.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False
            self.done = True


class Client:
    """One simulated user: a keep-alive connection and a signed-in session."""

    def __init__(self, base: str, cookie: str, token: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = cookie
        self.token = token
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: list[tuple[str, str]] | None = None) -> tuple[int, bytes]:
        headers = {"User-Agent": load.USER_AGENT, "Cookie": self.cookie}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection before this request: retry
                # once on a new one, as browsers do. Anything else is an error.
                self.close()
                if attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, payload
        raise RuntimeError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def targets(url: str) -> dict:
    """Case ids to read and edit, and plan versions that take comments."""
    from sqlalchemy import text

    from reintegration.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        readable = conn.execute(text(
            "SELECT v.case_id, v.id FROM planversion v ORDER BY v.id LIMIT 400")).all()
        commentable = conn.execute(text(
            "SELECT case_id, id FROM planversion WHERE status IN ('draft', 'submitted') ORDER BY id LIMIT 100")).all()
        editable = conn.execute(text(
            "SELECT id FROM \"case\" WHERE status IN ('preparing', 'awaiting_approval') ORDER BY id LIMIT 10")).all()
    engine.dispose()
    return {"plans": [tuple(r) for r in readable], "commentable": [tuple(r) for r in commentable],
            "editable": [r[0] for r in editable]}


def run(base: str, sessions: list[tuple[str, str]], data: dict, clients: int, seconds: float, seed: int) -> dict:
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
    statuses: dict[str, dict[int, int]] = {kind: {} for kind, _ in MIX}
    errors: list[str] = []
    conflicts = 0
    stop_at = time.perf_counter() + seconds
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]

    def worker(number: int) -> None:
        nonlocal conflicts
        rng = random.Random(seed + number)
        cookie, token = sessions[number % len(sessions)]
        client = Client(base, cookie, token)
        mine = {kind: [] for kind in kinds}
        codes = {kind: {} for kind in kinds}
        my_errors: list[str] = []
        my_conflicts = 0
        while time.perf_counter() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                if kind == "case_list":
                    status_filter = rng.choice(("", "in_followup", "closed", "preparing"))
                    status, _ = client.call("GET", f"/cases?status={status_filter}&page={rng.randint(1, 5)}")
                elif kind == "case_page":
                    status, _ = client.call("GET", f"/cases/{rng.choice(data['plans'])[0]}")
                elif kind == "plan_page":
                    case_id, version_id = rng.choice(data["plans"])
                    status, _ = client.call("GET", f"/cases/{case_id}/plans/{version_id}")
                elif kind == "health":
                    status, _ = client.call("GET", "/health")
                elif kind == "comment":
                    case_id, version_id = rng.choice(data["commentable"])
                    status, _ = client.call("POST", f"/cases/{case_id}/plans/{version_id}/comments",
                                            [("csrf_token", client.token),
                                             ("body", f"Soak comment {number}-{rng.randrange(10**6)}")])
                else:  # case_edit: read the form, post it back unchanged
                    case_id = rng.choice(data["editable"])
                    status, page = client.call("GET", f"/cases/{case_id}/edit")
                    if status == 200:
                        form = FormReader(f"/cases/{case_id}/edit")
                        form.feed(page.decode("utf-8", "replace"))
                        status, _ = client.call("POST", f"/cases/{case_id}/edit", form.fields)
            except Exception as error:  # noqa: BLE001 - every failure is counted, none ends the run
                client.close()
                my_errors.append(f"{kind}: {type(error).__name__}: {error}")
                continue
            mine[kind].append(time.perf_counter() - started)
            codes[kind][status] = codes[kind].get(status, 0) + 1
            if status == 409 and kind in WRITES:
                my_conflicts += 1
            elif not 200 <= status < 400:
                my_errors.append(f"{kind}: HTTP {status}")
        client.close()
        with lock:
            for kind in kinds:
                latencies[kind].extend(mine[kind])
                for code, n in codes[kind].items():
                    statuses[kind][code] = statuses[kind].get(code, 0) + n
            errors.extend(my_errors)
            conflicts += my_conflicts

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    def figures(values: list[float]) -> dict:
        values = sorted(values)
        return {"requests": len(values), "p50_ms": round(load.percentile(values, 50) * 1000, 1),
                "p95_ms": round(load.percentile(values, 95) * 1000, 1),
                "p99_ms": round(load.percentile(values, 99) * 1000, 1)}

    everything = [v for values in latencies.values() for v in values]
    return {"seconds": round(elapsed, 1), "clients": clients, "overall": figures(everything),
            "rps": round(len(everything) / elapsed, 1),
            "by_kind": {kind: {**figures(latencies[kind]), "statuses": statuses[kind]} for kind in kinds},
            "errors": len(errors), "error_samples": sorted(set(errors))[:10], "conflicts_409": conflicts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Soak run: concurrent readers and writers against gunicorn.")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)

    from reintegration.db import make_engine

    if not _postgres_up():
        print("PostgreSQL does not answer on 127.0.0.1:5432: the soak run needs it.")
        return 2
    url = seeding.fresh_postgres_database("bench_soak")
    seeding.migrate(url)
    engine = make_engine(url)
    seeded = seeding.seed(engine, args.cases)
    engine.dispose()
    data = targets(url)
    print(f"bench_soak: {args.cases:,} cases seeded in {seeded['seconds']} s; {args.clients} clients for "
          f"{args.seconds:g} s against gunicorn ({args.workers} workers) on PostgreSQL", flush=True)
    log = ROOT / "bench" / "out" / "gunicorn-soak.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with load.Server(url, workers=args.workers, log=log) as server:
        sessions = []
        for n in range(1, seeding.CASEWORKERS + 1):
            cookie = load.sign_in(server.base, f"caseworker{n}@bench.test", seeding.PASSWORD)
            case_id, version_id = data["commentable"][0]
            _s, headers, page = load.request(f"{server.base}/cases/{case_id}/plans/{version_id}", cookie=cookie)
            # The CSRF secret is stored in the session when the first form is rendered.
            jar = dict(part.split("=", 1) for part in cookie.split("; "))
            load.cookie_jar(jar, headers)
            sessions.append((load.cookie_header(jar), load.csrf_token(page)))
        result = run(server.base, sessions, data, args.clients, args.seconds, seed=2026)

    print(f"\nrequests served: {result['overall']['requests']:,} in {result['seconds']} s "
          f"({result['rps']:,} req/s)")
    print(f"errors: {result['errors']}   expected 409 conflicts: {result['conflicts_409']}")
    o = result["overall"]
    print(f"latency overall: p50 {o['p50_ms']} ms, p95 {o['p95_ms']} ms, p99 {o['p99_ms']} ms")
    print(f"  {'kind':<12}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind, fig in result["by_kind"].items():
        print(f"  {kind:<12}{fig['requests']:>10,}{fig['p50_ms']:>9}{fig['p95_ms']:>9}{fig['p99_ms']:>9}  "
              f"{fig['statuses']}")
    for sample in result["error_samples"]:
        print(f"  error: {sample}")
    out = ROOT / "bench" / "out" / f"soak-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return 1 if result["errors"] else 0


def _postgres_up() -> bool:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    sys.exit(main())

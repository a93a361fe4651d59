"""Load generation for the page benchmarks and the soak run.

- :class:`Server` starts the app under gunicorn (2 sync workers by default) on a free
  loopback port and stops it again.
- :func:`sign_in` signs in the way a browser does (GET /login for the CSRF token, POST the
  form) and returns the session cookie.
- :func:`drive` measures one URL for a bounded time with a load generator in a *second
  process*: ``wrk`` when installed (Debian package ``wrk``; a Lua script reports
  p50/p95/p99 and counts every non-2xx answer), else this file's own generator
  (``python bench/load.py generate ...``: threads with keep-alive ``http.client``).

Every request carries the same ``User-Agent``: Flask-Login's "strong" session protection
ties a session to the address and user agent it was created with.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USER_AGENT = "reintegration-bench/1"
WRK_SCRIPT = r"""
local threads = {}
setup = function(thread) table.insert(threads, thread) end
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""
# wrk runs response() in each thread's Lua state: done() merges them via setup()'s handles.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The app under gunicorn on a free loopback port (a context manager)."""

    def __init__(self, database_url: str, *, workers: int = 2, env: dict | None = None,
                 log: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.workers = workers
        self.extra_env = env or {}
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = dict(os.environ)
        env.update({
            "REINTEGRATION_DATABASE_URL": self.database_url,
            "REINTEGRATION_SECRET_KEY": "bench-secret-key",
            # The benchmark signs in programmatically; second factors are tested elsewhere.
            "REINTEGRATION_MFA_REQUIRED_ROLES": "[]",
        })
        env.update(self.extra_env)
        log = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--backlog", "2048", "--timeout", "120", "reintegration:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} (log: {self.log})")
            try:
                status, _headers, _body = request(self.base + "/health")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /health within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(url: str, *, method: str = "GET", cookie: str | None = None, body: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, path or "/", body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    result = (response.status, {k.lower(): v for k, v in response.getheaders()},
              payload, response.headers.get_all("Set-Cookie") or [])
    conn.close()
    return result[0], {**result[1], "_set_cookies": result[3]}, result[2]


def cookie_jar(jar: dict, headers: dict) -> None:
    for raw in headers.get("_set_cookies", []):
        name, _, rest = raw.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: bytes) -> str:
    match = CSRF_RE.search(html.decode("utf-8", "replace"))
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1) or match.group(2)


def sign_in(base: str, email: str, password: str) -> str:
    """The ``Cookie`` header of a signed-in session for ``email``."""
    jar: dict[str, str] = {}
    status, headers, body = request(base + "/login")
    cookie_jar(jar, headers)
    token = csrf_token(body)
    status, headers, body = request(base + "/login", method="POST", cookie=cookie_header(jar),
                                    body={"csrf_token": token, "email": email, "password": password})
    cookie_jar(jar, headers)
    if status not in (302, 303):
        raise RuntimeError(f"sign-in of {email} answered {status}, not a redirect")
    if "/login" in headers.get("location", "") or "mfa" in headers.get("location", ""):
        raise RuntimeError(f"sign-in of {email} needs another step: {headers.get('location')}")
    return cookie_header(jar)


def check_page(url: str, cookie: str) -> int:
    """One request as a preflight: the page must answer 200 for this session."""
    status, headers, _body = request(url, cookie=cookie)
    if status != 200:
        raise RuntimeError(f"{url} answered {status} {headers.get('location', '')}")
    return status


@dataclass
class Figures:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    statuses: dict
    tool: str
    lower_bound: bool = False  # no answer within the run: latencies are at least its length

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def drive(url: str, cookie: str | None, seconds: float, connections: int = 4,
          tool: str | None = None) -> Figures:
    """Load ``url`` for ``seconds`` from a second process; returns its figures."""
    tool = tool or ("wrk" if wrk_available() else "python")
    if tool == "wrk":
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                   "-s", script.name, "-H", f"User-Agent: {USER_AGENT}"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        try:
            out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(script.name)
        line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
        data = json.loads(line[len("BENCH_JSON "):])
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "generate", url, "--seconds", str(seconds),
                   "--connections", str(connections)]
        if cookie:
            command += ["--cookie", cookie]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        data = json.loads(out.strip().splitlines()[-1])
    statuses = {str(k): v for k, v in data["statuses"].items()}
    errors = data["socket_errors"] + sum(n for code, n in statuses.items() if not code.startswith("2"))
    if data["requests"] == 0:
        # Not one answer within the run: every connection was still waiting (a time-out).
        errors = max(errors, connections)
        # Latencies are then at least the run's length: report that as a lower bound.
        data.update(p50_ms=seconds * 1000, p95_ms=seconds * 1000, p99_ms=seconds * 1000, lower_bound=True)
    return Figures(requests=data["requests"], seconds=data["seconds"],
                   rps=round(data["requests"] / data["seconds"], 1) if data["seconds"] else 0.0,
                   p50_ms=round(data["p50_ms"], 2), p95_ms=round(data["p95_ms"], 2), p99_ms=round(data["p99_ms"], 2),
                   errors=errors, statuses=statuses, tool=tool, lower_bound=bool(data.get("lower_bound")))


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def generate(url: str, seconds: float, connections: int, cookie: str | None) -> dict:
    """The Python load generator: ``connections`` threads, each with its own keep-alive
    connection (reopened when the server closes it), for ``seconds``."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    socket_errors = 0
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal socket_errors
        conn = None
        mine: list[float] = []
        codes: dict[int, int] = {}
        errs = 0
        while time.perf_counter() < stop_at:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                start = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - start)
                codes[response.status] = codes.get(response.status, 0) + 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errs += 1
                if conn is not None:
                    conn.close()
                conn = None
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n
            socket_errors += errs

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "seconds": elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "max_ms": (latencies[-1] * 1000) if latencies else 0,
            "socket_errors": socket_errors, "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load one URL (the Python fallback for wrk).")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("url")
    gen.add_argument("--seconds", type=float, default=10)
    gen.add_argument("--connections", type=int, default=4)
    gen.add_argument("--cookie")
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.url, args.seconds, args.connections, args.cookie)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

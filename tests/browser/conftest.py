"""Browser-test fixtures: a fresh database of their own, a real server process on
127.0.0.1, headless Chromium (Debian's package, launched by path) and ``page_as(role)``,
which signs a user in through the real sign-in form.

The server gets its OWN database (the web tests' ``app`` fixture empties the shared test
database per test): a temporary SQLite file, or, when ``REINTEGRATION_TEST_DATABASE_URL``
names PostgreSQL, a database ``browser_<pid>`` created beside it and dropped afterwards.

A missing Chromium skips these tests, except when ``REINTEGRATION_REQUIRE_BROWSER=1``
(set by ``.ci/run``), where it fails them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser_helpers import (ARTIFACTS, AXE_FILE, AXE_PATH, ROOT, SHORT_SESSION_SECONDS, SHORT_WARNING_SECONDS,
                             Actor, Findings)

CHROMIUM = os.environ.get("REINTEGRATION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-gpu"]
SERVER_START_SECONDS = 60
SECRET_KEY = "browser-tests-secret-key"
REFLOW_VIEWPORT = (320, 640)  # WCAG 1.4.10: 320 CSS px wide, as 1280 px at 400 % zoom

# Demo accounts (reintegration/demo/accounts.py): role -> e-mail.
ACCOUNTS = {
    "caseworker": "caseworker@drc.demo",
    "caseworker2": "caseworker2@drc.demo",
    "cmm": "cmm@cmm.demo",
    "approver": "approver@hjem.demo",
    "approver2": "approver2@hjem.demo",
    "partner": "partner.ng@partner.demo",
    "partner_th": "partner.th@partner.demo",
    "admin": "admin@admin.demo",
}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("REINTEGRATION_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REINTEGRATION_REQUIRE_BROWSER=1: a missing browser is a failure)", pytrace=False)
    pytest.skip(reason)


# --- database -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server_database_url(tmp_path_factory):
    base = os.environ.get("REINTEGRATION_TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("browser-db") / "browser.sqlite3")
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"browser_{os.getpid()}"
    params = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                  password=url.password, dbname=url.database or "postgres", autocommit=True)
    with psycopg.connect(**params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare_database(url: str, upload_dir: str) -> None:
    """Migrate with the real migrations, then load the partner registry and the demo accounts."""
    from sqlmodel import Session

    from reintegration import create_app
    from reintegration.demo import accounts
    from reintegration.migrate import upgrade

    app = create_app({"SECRET_KEY": SECRET_KEY, "DATABASE_URL": url, "UPLOAD_DIR": upload_dir})
    try:
        upgrade(app)
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as db:
            accounts.load(db, app)
            db.commit()
    finally:
        app.extensions["db_engine"].dispose()


# --- the server -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_healthy(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
        try:
            proc.wait(timeout=0.2)  # a short pause that also notices a crashed server
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
    raise RuntimeError(f"the server did not answer /health within {SERVER_START_SECONDS}s ({last}):\n"
                       f"{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def server_files(server_database_url, tmp_path_factory):
    """The servers' database, migrated and loaded once, and their upload folder."""
    uploads = tmp_path_factory.mktemp("browser-uploads")
    _prepare_database(server_database_url, str(uploads))
    return server_database_url, uploads


@contextmanager
def _served(server_files, work: Path, log_name: str, **settings):
    """The app served by a real server process, with ``REINTEGRATION_<name>`` settings
    added; yields its base URL. Its log is kept as test-artifacts/``log_name``."""
    database_url, uploads = server_files
    port = _free_port()
    env = dict(os.environ,
               REINTEGRATION_DATABASE_URL=database_url,
               REINTEGRATION_SECRET_KEY=SECRET_KEY,
               REINTEGRATION_UPLOAD_DIR=str(uploads),
               REINTEGRATION_MAIL_BACKEND="console",
               FLASK_DEBUG="0",
               PYTHONUNBUFFERED="1",
               **{f"REINTEGRATION_{name}": str(value) for name, value in settings.items()})
    log = work / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "reintegration", "run", "--host", "127.0.0.1",
             "--port", str(port), "--no-reload", "--no-debugger", "--with-threads"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(proc, base_url, log)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / log_name)


@pytest.fixture(scope="session")
def live_server(server_files, tmp_path_factory):
    """The app served by a real server process; yields its base URL."""
    with _served(server_files, tmp_path_factory.mktemp("browser-server"), "server.log") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def short_session_server(server_files, tmp_path_factory):
    """A second server of the same database whose sessions end after SHORT_SESSION_SECONDS
    without a request, the timeout warning SHORT_WARNING_SECONDS before: what takes half an
    hour happens within seconds."""
    with _served(server_files, tmp_path_factory.mktemp("short-session-server"), "server-short-session.log",
                 PERMANENT_SESSION_LIFETIME=SHORT_SESSION_SECONDS,
                 SESSION_WARNING_BEFORE=SHORT_WARNING_SECONDS) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def small_pages_server(server_files, tmp_path_factory):
    """A server of the same database whose lists show one row a page: every list with two
    rows has page links (the pages with several paged lists, pages past the end)."""
    with _served(server_files, tmp_path_factory.mktemp("small-pages-server"), "server-small-pages.log",
                 PAGE_SIZE=1) as base_url:
        yield base_url


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# --- users ----------------------------------------------------------------------------------

_last_totp_step: dict[str, int] = {}


def totp_code(email: str, secret: str) -> str:
    """A valid authenticator code for ``email``. The app refuses a step already used
    (replay protection), so a second sign-in within 30 s uses the next step, which the
    app accepts for clock drift."""
    import pyotp

    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    step = max(now, _last_totp_step.get(email, 0) + 1)
    if step > now + 1:
        # A third code within one 30-second window: wait for the clock, as a person would.
        # Not the demo's recovery code: a test may have replaced the account's codes (new
        # recovery codes on the security page), and the browser tests share one database.
        time.sleep(max(0.0, (now + 1) * totp.interval - time.time()) + 0.5)
        now = int(time.time()) // totp.interval
        step = max(now, _last_totp_step.get(email, 0) + 1)
    _last_totp_step[email] = step
    return totp.generate_otp(step)


def demo_totp_secret(email: str) -> str | None:
    """The demo TOTP secret documented in demo/accounts.py (``DEMO_TOTP``: e-mail ->
    (secret, recovery code))."""
    from reintegration.demo import accounts

    entry = (getattr(accounts, "DEMO_TOTP", None) or {}).get(email)
    if entry is None:
        return None
    return entry[0] if isinstance(entry, (tuple, list)) else entry


class PageAs:
    """``page_as("caseworker")`` -> an :class:`Actor` signed in through the real form.

    Options: ``js=False`` (JavaScript disabled), ``viewport=(360, 740)``, ``axe=False``,
    ``locale="th-TH"`` (the browser's language, when it is not the user's), ``reflow=True``
    (a 320x640 desktop window, unless ``viewport`` says otherwise, and every page also
    checked for reflow: ``Actor.check_reflow``).
    Every context is closed after the test; :meth:`finish` asserts that every page
    every actor loaded was checked and that no check found anything."""

    def __init__(self, browser, base_url: str, findings: Findings):
        self.browser = browser
        self.base_url = base_url
        self.findings = findings
        self.actors: list[Actor] = []
        self.contexts = []

    def new_actor(self, name: str, lang: str = "da", js: bool = True, viewport=None, axe: bool = True,
                  locale: str | None = None, reflow: bool = False) -> Actor:
        locale = locale or ("da-DK" if lang == "da" else "en-GB")
        options = {"base_url": self.base_url, "java_script_enabled": js, "accept_downloads": True,
                   "locale": locale}
        if reflow:
            # A desktop window 320 CSS px wide (1280 px at 400 % zoom): no phone emulation,
            # which could shrink a too-wide page to fit instead of letting it scroll sideways.
            width, height = viewport or REFLOW_VIEWPORT
            options.update(viewport={"width": width, "height": height})
        elif viewport:
            options.update(viewport={"width": viewport[0], "height": viewport[1]}, is_mobile=True,
                           has_touch=True, device_scale_factor=2)
        context = self.browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.route(self.base_url + AXE_PATH,
                      lambda route: route.fulfill(path=str(AXE_FILE), content_type="application/javascript"))
        self.contexts.append(context)
        actor = Actor(context.new_page(), self.base_url, name, lang, self.findings, axe=axe and js,
                      browser_lang=locale.split("-")[0], reflow=reflow)
        self.actors.append(actor)
        return actor

    def __call__(self, role: str, **options) -> Actor:
        from reintegration.demo.accounts import USERS

        email = ACCOUNTS.get(role, role)
        locale = next((u[4] for u in USERS if u[0] == email), "da")
        actor = self.new_actor(role, lang=locale, **options)
        sign_in(actor, email)
        return actor

    def tab(self, actor: Actor, name: str) -> Actor:
        """A second tab of ``actor``'s browser (the same session): the same user with two
        pages open, as when a form is sent from a page opened before a change."""
        tab = Actor(actor.page.context.new_page(), self.base_url, name, actor.lang, self.findings, axe=actor.axe,
                    browser_lang=actor.browser_lang, reflow=actor.reflow)
        self.actors.append(tab)
        return tab

    def code(self, role: str) -> str:
        """A fresh authenticator code for ``role`` (one not used at sign-in), as the user
        would read it off their phone to confirm a change of their own settings."""
        email = ACCOUNTS.get(role, role)
        secret = _enrolled_secrets.get(email) or demo_totp_secret(email)
        assert secret, f"no TOTP secret is known for {email}"
        return totp_code(email, secret)

    def finish(self) -> None:
        for actor in self.actors:
            actor.assert_every_page_checked()
        self.findings.assert_clean()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


_enrolled_secrets: dict[str, str] = {}


def sign_in(actor: Actor, email: str, password: str | None = None) -> None:
    """Sign in through the sign-in form, then the second step where the role has one:
    the first time, enrolment (the key is read off the page, as a person would type it
    into an authenticator app); afterwards, a code from that key (or from the demo key
    documented in demo/accounts.py)."""
    from reintegration.demo.accounts import DEMO_PASSWORD

    page = actor.page
    # Until the second factor is passed the session is anonymous: the language kept from an
    # earlier sign-in (none in a new browser), else the browser's, else Danish.
    before = actor.browser_lang if actor.browser_lang in ("da", "en") else "da"
    actor.goto("/login", label="sign-in", lang=before)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password or DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/two-factor/enrol" in page.url:
        actor.settle("two-factor enrolment", lang=before)
        secret = page.locator("main code.app-secret").first.inner_text().strip()
        _enrolled_secrets[email] = secret
        page.locator("#code").fill(totp_code(email, secret))
        actor.submit(page.locator("main form button[type=submit]"), label="recovery codes")
        actor.submit(page.locator("main a.button-primary"), label="after enrolment")
    elif "/login/code" in page.url:
        actor.settle("second factor", lang=before)
        secret = _enrolled_secrets.get(email) or demo_totp_secret(email)
        assert secret, f"{email} is asked for a code, but no TOTP secret is known (demo/accounts.py)"
        page.locator("#code").fill(totp_code(email, secret))
        actor.submit(page.locator("main form button[type=submit]"), label="after second factor")
    else:
        actor.settle("after sign-in")
    assert "/login" not in page.url, f"sign-in as {email} failed: {page.url}"


@pytest.fixture
def findings(request):
    result = Findings()
    yield result
    result.write(request.node.name)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _crew(request, browser, base_url: str, findings):
    crew = PageAs(browser, base_url, findings)
    folder = ARTIFACTS / "failures" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)  # no stale evidence from an earlier run
    yield crew
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        # What each user was looking at when the test failed, for the reviewer.
        folder.mkdir(parents=True, exist_ok=True)
        for n, actor in enumerate(crew.actors):
            try:
                (folder / f"{n}-{actor.name}.html").write_text(actor.page.content(), encoding="utf-8")
                actor.page.screenshot(path=str(folder / f"{n}-{actor.name}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - evidence is best effort
                pass
        if findings.violations or findings.problems:
            print("\nAlso found on the way:\n" + findings.report())
    crew.close()


@pytest.fixture
def page_as(request, browser, live_server, findings):
    yield from _crew(request, browser, live_server, findings)


@pytest.fixture
def small_pages_page_as(request, browser, small_pages_server, findings):
    """``page_as`` on the server whose lists show one row a page (``small_pages_server``)."""
    yield from _crew(request, browser, small_pages_server, findings)


@pytest.fixture
def short_session_page_as(request, browser, short_session_server, findings):
    """``page_as`` on the server whose sessions last seconds (``short_session_server``)."""
    yield from _crew(request, browser, short_session_server, findings)

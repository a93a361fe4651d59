"""Crash tests with real processes: the app runs under ``flask run`` on a file SQLite
database (or the PostgreSQL test database), is stopped with SIGKILL in the middle of a
submission, an approval and an upload, and must leave the database consistent: no
half-made records, no record without its file, and no stray file that the sweep does
not remove. Then the restarted server does the same action successfully.

"The middle" is reached deterministically with ``reintegration.faults.checkpoint``:
the operation opens a FIFO just before it commits and blocks there; opening the FIFO
from the test returns exactly when the request is inside its transaction.
"""

from __future__ import annotations

import errno
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from support import TEST_PASSWORD, _empty_tables
from reintegration import create_app, uploads
from reintegration.admin.operations import create_user
from reintegration.models import (Attachment, AuditEvent, BudgetLine, Case, Decision, FollowUpReport, Organisation,
                                  PlanContributor, PlanVersion)
from reintegration.plans.mapping import content_sha256, load_plan
from security_helpers import PNG

FLASK = str(Path(sys.executable).with_name("flask"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, path, data: dict | None = None, files: dict | None = None):
        headers = {}
        body = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for key, value in (data or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
            for key, (name, content, ctype) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{name}"\r\n'
                             f'Content-Type: {ctype}\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def csrf(self, path="/login") -> str:
        return CSRF.search(self.request(path)[1]).group(1)

    def decision_form(self, path) -> dict:
        """The hidden values of a review page's decision form: the CSRF token and what the
        page showed (``approvals.operations.Seen``)."""
        page = self.request(path)[1]
        return {"csrf_token": CSRF.search(page).group(1), "seen": re.search(r'name="seen"[^>]*value="([^"]+)"',
                                                                            page).group(1)}

    def login(self, email):
        status, body = self.request("/login", {"email": email, "password": TEST_PASSWORD, "csrf_token": self.csrf()})
        assert status == 302, body[:500]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, upload_dir: Path, hook_dir: Path, log: Path):
        self.port = _free_port()
        env = dict(os.environ, REINTEGRATION_DATABASE_URL=url, REINTEGRATION_SECRET_KEY="fault-test",
                   REINTEGRATION_UPLOAD_DIR=str(upload_dir), REINTEGRATION_FAULT_HOOK_DIR=str(hook_dir),
                   REINTEGRATION_MFA_REQUIRED_ROLES="[]")
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [FLASK, "--app", "reintegration", "run", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-reload", "--no-debugger"], env=env, stdout=self.log, stderr=subprocess.PIPE)
        # Ready when the server says so (no polling, no sleeps).
        for line in self.process.stderr:
            self.log.write(line)
            if b"Running on" in line:
                break
        else:
            raise RuntimeError(f"the server did not start; see {log}")
        threading.Thread(target=self._drain, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self):
        for line in self.process.stderr:
            self.log.write(line)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()


def kill_at(server: Server, hook_dir: Path, name: str, action) -> None:
    """Run ``action`` (a request) in a thread and SIGKILL the server once the request
    is blocked in ``checkpoint(name)``."""
    fifo = hook_dir / name
    os.mkfifo(fifo)
    outcome = {}

    def run():
        try:
            outcome["response"] = action()
        except Exception as exc:  # the connection dies with the server
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only once the server reads
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
        thread.join(timeout=0.05)
        if not thread.is_alive():
            pytest.fail(f"the request finished without reaching checkpoint {name!r}: {outcome}")
    server.kill()
    os.close(fd)
    thread.join(timeout=60)
    fifo.unlink()


@pytest.fixture
def crash_env(_migrated, tmp_path):
    url = _migrated
    upload_dir = tmp_path / "uploads"
    hook_dir = tmp_path / "hooks"
    hook_dir.mkdir()
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": url, "UPLOAD_DIR": str(upload_dir)})
    engine = app.extensions["db_engine"]
    _empty_tables(engine)
    with Session(engine, expire_on_commit=False) as db:
        orgs = {}
        for kind in ("drc", "hjemrejsestyrelsen", "cmm"):
            orgs[kind] = Organisation(kind=kind, code=kind, name=kind)
            db.add(orgs[kind])
        orgs["partner"] = Organisation(kind="partner", code="p-ng", name="Partner NG", country="NG", currency="NGN")
        db.add(orgs["partner"])
        db.commit()
        users = {role: create_user(db, organisation=orgs[kind], email=f"{role}@crash.test", name=role, role=role,
                                   password=TEST_PASSWORD, locale="en")
                 for role, kind in (("caseworker", "drc"), ("approver", "hjemrejsestyrelsen"),
                                    ("partner", "partner"))}
    yield {"app": app, "engine": engine, "url": url, "upload_dir": upload_dir, "hook_dir": hook_dir,
           "users": users, "partner": orgs["partner"], "log": tmp_path / "server.log"}
    _empty_tables(engine)
    engine.dispose()


def _plan(db, env, status):
    cw = env["users"]["caseworker"]
    case = Case(reference=f"RT-CRASH-{uuid.uuid4().hex[:6]}", person_name="Person", person_date_of_birth=date(1990, 1, 1),
                return_country="NG", partner_id=env["partner"].id, caseworker_id=cw.id,
                planned_return=date(2027, 3, 1), status="awaiting_approval" if status == "submitted" else "preparing")
    db.add(case)
    db.commit()
    version = PlanVersion(case_id=case.id, number=1, status=status, activity_kind="business",
                          activity_description="Hair salon", realism="Trained hairdresser", created_by=cw.id,
                          submitted_by=cw.id if status == "submitted" else None,
                          submitted_at=datetime.now(timezone.utc) - timedelta(days=1) if status == "submitted" else None,
                          rate_table_id="2026-2029", rate_table_version=1, check_ok=True)
    db.add(version)
    db.commit()
    db.add(BudgetLine(plan_version_id=version.id, line_key=str(uuid.uuid4()), kind="in_kind",
                      description="Salon chairs", month=1, amount_dkk=Decimal("5000.00")))
    db.add(PlanContributor(plan_version_id=version.id, user_id=cw.id))
    db.commit()
    if status == "submitted":
        db.refresh(version)
        version.content_sha256 = content_sha256(load_plan(db, version))
        db.add(version)
        db.commit()
    return case, version


def _audit_ok(env):
    from reintegration import audit

    with Session(env["engine"]) as db:
        assert audit.verify_db(db) == []


def test_kill_during_submission_leaves_the_draft(crash_env):
    env = crash_env
    with Session(env["engine"], expire_on_commit=False) as db:
        case, version = _plan(db, env, "draft")
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    browser = Browser(server.base)
    browser.login("caseworker@crash.test")
    token = browser.csrf(f"/cases/{case.id}/plans/{version.id}")
    path = f"/cases/{case.id}/plans/{version.id}/submit"
    kill_at(server, env["hook_dir"], "plans.submit",
            lambda: browser.request(path, {"csrf_token": token, "revision": str(version.revision)}))
    with Session(env["engine"]) as db:
        assert db.get(PlanVersion, version.id).status == "draft"
        assert db.get(PlanVersion, version.id).submitted_at is None
        assert db.get(Case, case.id).status == "preparing"
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.submit")).first() is None
    _audit_ok(env)
    # The restarted server submits it.
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    try:
        browser = Browser(server.base)
        browser.login("caseworker@crash.test")
        token = browser.csrf(f"/cases/{case.id}/plans/{version.id}")
        status, body = browser.request(path, {"csrf_token": token, "revision": str(version.revision)})
        assert status == 302, body[:1000]
    finally:
        server.kill()
    with Session(env["engine"]) as db:
        assert db.get(PlanVersion, version.id).status == "submitted"
        assert db.get(Case, case.id).status == "awaiting_approval"
    _audit_ok(env)


def test_kill_during_approval_leaves_no_decision(crash_env):
    env = crash_env
    with Session(env["engine"], expire_on_commit=False) as db:
        case, version = _plan(db, env, "submitted")
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    browser = Browser(server.base)
    browser.login("approver@crash.test")
    form = browser.decision_form(f"/approvals/{version.id}")
    path = f"/approvals/{version.id}/decide"
    kill_at(server, env["hook_dir"], "approvals.decide",
            lambda: browser.request(path, {**form, "action": "approve", "reason": ""}))
    with Session(env["engine"]) as db:
        assert db.exec(select(Decision).where(Decision.plan_version_id == version.id)).first() is None
        assert db.get(PlanVersion, version.id).status == "submitted"
        assert db.get(Case, case.id).status == "awaiting_approval"
    _audit_ok(env)
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    try:
        browser = Browser(server.base)
        browser.login("approver@crash.test")
        form = browser.decision_form(f"/approvals/{version.id}")
        status, body = browser.request(path, {**form, "action": "approve", "reason": ""})
        assert status == 302, body[:1000]
    finally:
        server.kill()
    with Session(env["engine"]) as db:
        decisions = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()
        assert len(decisions) == 1 and db.get(PlanVersion, version.id).status == "approved"
    _audit_ok(env)


def test_kill_during_upload_leaves_no_record_and_no_file_after_the_sweep(crash_env):
    env = crash_env
    with Session(env["engine"], expire_on_commit=False) as db:
        case, version = _plan(db, env, "submitted")
        case = db.get(Case, case.id)
        case.status = "in_followup"
        case.actual_return = date.today() - timedelta(days=20)
        db.add(case)
        version.status = "approved"
        db.info["allow_frozen_change"] = True
        db.add(version)
        report = FollowUpReport(case_id=case.id, due_month=1, due_date=date.today() + timedelta(days=10))
        db.add(report)
        db.commit()
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    browser = Browser(server.base)
    browser.login("partner@crash.test")
    path = f"/partner/cases/{case.id}/attachments"
    token = browser.csrf(path)

    def upload():
        return browser.request(path, {"csrf_token": token, "target": f"report:{report.id}"},
                               files={"files": ("receipt.png", PNG, "image/png")})

    kill_at(server, env["hook_dir"], "uploads.store", upload)
    with Session(env["engine"]) as db:
        assert db.exec(select(Attachment)).first() is None
        # The file renamed just before the commit is a stray that the sweep removes.
        removed = uploads.sweep(db, env["upload_dir"], older_than_seconds=0)
        assert len(removed) == 1
    assert list(env["upload_dir"].iterdir()) == []
    _audit_ok(env)
    server = Server(env["url"], env["upload_dir"], env["hook_dir"], env["log"])
    try:
        browser = Browser(server.base)
        browser.login("partner@crash.test")
        token = browser.csrf(path)
        status, body = upload()
        assert status == 302, body[:1000]
    finally:
        server.kill()
    with Session(env["engine"]) as db:
        rows = db.exec(select(Attachment)).all()
        assert len(rows) == 1 and (env["upload_dir"] / rows[0].stored_name).read_bytes() == PNG
        assert uploads.sweep(db, env["upload_dir"], older_than_seconds=0) == []
    _audit_ok(env)

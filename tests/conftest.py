"""Fixtures shared by the web tests: a migrated database (SQLite, or PostgreSQL when
``REINTEGRATION_TEST_DATABASE_URL`` is set), the app, a client, and factories.

The schema is built once per run by the real Alembic migrations; each test starts
from empty tables.
"""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from reintegration import create_app
from reintegration.migrate import upgrade
from support import CSRF_RE, TEST_PASSWORD, _empty_tables  # noqa: F401

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("REINTEGRATION_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the test's own, for migration tests that go up and down
    (the shared test schema is never downgraded): a SQLite file, or a fresh PostgreSQL
    database when the suite runs there."""
    if not database_url.startswith("postgresql"):
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated(database_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": database_url})
    if database_url.startswith("postgresql"):
        with app.extensions["db_engine"].begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app)
    app.extensions["db_engine"].dispose()
    return database_url


@pytest.fixture
def app(_migrated, tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": _migrated,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_BACKEND": "memory",
        # Two-factor sign-in is tested explicitly in tests/security/test_mfa.py; other
        # tests sign approvers and administrators in with the password alone.
        "MFA_REQUIRED_ROLES": (),
    })
    _empty_tables(app.extensions["db_engine"])
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def db(app):
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -----------------------------------------------------------------

ROLE_ORG_KIND = {"caseworker": "drc", "cmm": "cmm", "approver": "hjemrejsestyrelsen",
                 "partner": "partner", "admin": "admin"}


@pytest.fixture
def make_org(db):
    from reintegration.models import Organisation

    def make(kind: str = "partner", code: str | None = None, country: str | None = None, **values):
        n = next(_seq)
        org = Organisation(kind=kind, code=code or f"{kind}-{n}", name=values.pop("name", f"{kind.title()} {n}"),
                           country=country or ("NG" if kind == "partner" else None),
                           currency=values.pop("currency", "NGN" if kind == "partner" else None), **values)
        db.add(org)
        db.commit()
        return org

    return make


@pytest.fixture
def make_user(db, make_org):
    from reintegration.admin.operations import create_user
    from reintegration.models import Organisation
    from sqlmodel import select

    def make(role: str = "caseworker", organisation=None, email: str | None = None, locale: str = "en", **kw):
        if organisation is None:
            kind = ROLE_ORG_KIND[role]
            organisation = db.exec(select(Organisation).where(Organisation.kind == kind)).first() \
                if kind != "partner" else None
            organisation = organisation or make_org(kind)
        n = next(_seq)
        return create_user(db, organisation=organisation, email=email or f"{role}{n}@example.org",
                           name=kw.pop("name", f"{role.title()} {n}"), role=role, password=TEST_PASSWORD,
                           locale=locale)

    return make


@pytest.fixture
def make_case(db, make_org):
    from reintegration.models import Case, Child

    def make(partner=None, children=(), **values):
        n = next(_seq)
        if partner is None:
            partner = make_org("partner")
        case = Case(reference=values.pop("reference", f"RT-2026-{n:04d}"),
                    person_name=values.pop("person_name", f"Person {n}"),
                    person_date_of_birth=values.pop("person_date_of_birth", date(1991, 3, 14)),
                    return_country=values.pop("return_country", partner.country or "NG"),
                    partner_id=partner.id, **values)
        db.add(case)
        db.commit()
        for i, dob in enumerate(children):
            db.add(Child(case_id=case.id, position=i, date_of_birth=dob, lives_in="home_country"))
        db.commit()
        return case

    return make


@pytest.fixture
def make_approved_case(db, make_case, make_user):
    """A case with an approved plan version (status "approved", with a Decision), for the
    follow-up tests. ``lines``: dicts of BudgetLine values (kind, month, amount_dkk, and
    optionally currency, amount_local, exchange_rate); line keys are ``L<case>-<i>``."""
    from decimal import Decimal

    from reintegration.models import BudgetLine, Decision, PlanVersion

    def make(partner=None, lines=None, **values):
        case = make_case(partner=partner, **values)
        version = PlanVersion(case_id=case.id, number=1, status="draft", activity_kind="business",
                              activity_description="Tailoring shop")
        db.add(version)
        db.commit()
        for i, spec in enumerate(lines or [{"kind": "cash", "month": 1, "amount_dkk": Decimal("5000.00")}]):
            db.add(BudgetLine(plan_version_id=version.id, line_key=f"L{case.id}-{i}", position=i,
                              description=spec.pop("description", f"Line {i + 1}"), **spec))
        db.commit()
        approver = make_user("approver")
        version.status = "approved"
        db.add(version)
        db.add(Decision(plan_version_id=version.id, outcome="approved", decided_by=approver.id,
                        rate_table_id="2026-2029", rate_table_version=1, content_sha256="0" * 64))
        case.status = "approved"
        db.add(case)
        db.commit()
        return case

    return make


@pytest.fixture
def returned_case(app, db, make_approved_case, make_user):
    """A case in follow-up: approved plan (a cash line in NGN at a frozen rate and an
    in-kind line in DKK), returned ``days_ago`` days ago, with its report schedule."""
    from datetime import date, timedelta
    from decimal import Decimal

    from reintegration.followup import operations as ops

    def make(partner=None, days_ago=40, lines=None, **values):
        lines = lines or [
            {"kind": "cash", "month": 1, "amount_dkk": Decimal("4515.00"), "currency": "NGN",
             "amount_local": Decimal("1000000"), "exchange_rate": Decimal("0.004515")},
            {"kind": "in_kind", "month": 2, "amount_dkk": Decimal("8000.00"), "category": "equipment"},
        ]
        case = make_approved_case(partner=partner, lines=lines, **values)
        approver = make_user("approver")
        with app.test_request_context():
            ops.record_return(db, case, date.today() - timedelta(days=days_ago), seen_revision=case.revision,
                              user=approver)
        db.refresh(case)
        return case

    return make




class AuthActions:
    """Signs a test client in as a user and posts forms with that session's CSRF token."""

    def __init__(self, client, make_user):
        self._client = client
        self._make_user = make_user
        self.user = None
        self.csrf = None

    def login(self, role_or_user="caseworker", **kw):
        user = self._make_user(role_or_user, **kw) if isinstance(role_or_user, str) else role_or_user
        page = self._client.get("/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        response = self._client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                                     "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        self.user = user
        self.csrf = self.token()
        return user

    def token(self) -> str:
        page = self._client.get("/login")
        return CSRF_RE.search(page.get_data(as_text=True)).group(1)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self._client.post(url, data=data, **kw)

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def auth(client, make_user):
    return AuthActions(client, make_user)

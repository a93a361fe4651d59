"""The foundation: app wiring, sign-in, CSRF, headers, schema, partners, demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import select

from reintegration import create_app
from reintegration.domain.rates import RateTableError
from reintegration.migrate import include_object
from reintegration.models import Organisation, User, metadata
from reintegration.partners import countries_without_active_partner, load_registry

from support import TEST_PASSWORD


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_migrations_match_models(app):
    """Every model change comes with a migration: the migrated schema equals the models."""
    with app.extensions["db_engine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_login_and_logout(client, auth):
    user = auth.login("caseworker")
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and user.name in home.get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    # Signed out: pages send to sign-in again.
    assert "/login" in client.get("/", follow_redirects=False).headers["Location"]
    assert user.email


def test_login_wrong_password_same_message_as_unknown_account(client, auth, make_user):
    user = make_user("caseworker")
    token = auth.token()
    wrong = client.post("/login", data={"email": user.email, "password": "nope-nope-nope", "csrf_token": token})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "nope-nope-nope",
                                          "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 422
    text = "The e-mail or password is wrong"
    assert (text in wrong.get_data(as_text=True)) == (text in unknown.get_data(as_text=True))


def test_login_is_throttled_per_account(client, auth, make_user):
    user = make_user("caseworker")
    token = auth.token()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-password!", "csrf_token": token})
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 422  # refused even with the right password


def test_post_without_csrf_token_is_refused(client, auth):
    auth.login("caseworker")
    response = client.post("/logout", data={})
    assert response.status_code == 400


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client, auth):
    auth.login("caseworker")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_unknown_route_is_404_not_500(client):
    assert client.get("/no/such/page").status_code == 404


def test_broken_rate_file_stops_start_up_naming_file_and_key(tmp_path):
    (tmp_path / "broken.toml").write_text('id = "x"\n', encoding="utf-8")
    with pytest.raises(RateTableError) as info:
        create_app({"SECRET_KEY": "x", "RATES_DIR": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert "broken.toml" in str(info.value)


def test_partner_registry_loads_idempotently(app, db):
    directory = Path(app.config["PARTNERS_DIR"])
    created, updated = load_registry(db, directory)
    assert created >= 2 and updated == 0
    assert load_registry(db, directory) == (0, 0)
    partners = db.exec(select(Organisation).where(Organisation.kind == "partner")).all()
    assert {p.country for p in partners} >= {"NG", "TH"}
    # Each in its own time zone, which the partner portal shows times in.
    assert {p.code: p.timezone for p in partners if p.country in ("NG", "TH")} == {
        "ng-edo-reintegration": "Africa/Lagos", "th-chiang-mai-support": "Asia/Bangkok"}
    # Morocco's only partner is prospective: no active partner there.
    assert countries_without_active_partner(db, ["MA", "NG"]) == {"MA"}


def test_demo_command_creates_every_role_and_is_idempotent(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    roles = set(db.exec(select(User.role)).all())
    assert roles == {"caseworker", "cmm", "approver", "partner", "admin"}
    # The demo's partner officers read times in their organisation's zone, not in UTC.
    officers = db.exec(select(Organisation).join(User, User.organisation_id == Organisation.id)
                       .where(User.role == "partner")).all()
    assert officers and all(org.timezone for org in officers)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output


def test_demo_users_can_sign_in(runner, client, auth):
    from reintegration.demo import DEMO_PASSWORD

    runner.invoke(args=["demo"])
    token = auth.token()
    response = client.post("/login", data={"email": "caseworker@drc.demo", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_tests_import_helpers_from_support_not_conftest():
    """With several conftest.py files, ``from conftest import`` gets whichever loaded
    first; shared test helpers live in tests/support.py."""
    tests_dir = Path(__file__).parent
    offenders = [str(p.relative_to(tests_dir)) for p in tests_dir.rglob("*.py")
                 if "from conftest import" in p.read_text(encoding="utf-8")
                 and p.name != "test_foundation.py"]
    assert offenders == []


def test_template_imports_behave_as_in_jinja(app):
    """``web.ImportingTemplate`` only makes Jinja's import check cheaper: a macro module
    is reused while the importing template brings no globals of its own, and made afresh
    with them when it does, exactly as with Jinja's own template class."""
    from jinja2 import DictLoader, Environment

    from reintegration.web import ImportingTemplate

    page = '{% from "macros.html" import who %}{{ who() }}'
    sources = {"macros.html": "{% macro who() %}{{ extra | default('none') }}{% endmacro %}",
               "page.html": page, "own.html": page}
    shown = []
    for template_class in (ImportingTemplate, Environment.template_class):
        env = Environment(loader=DictLoader(sources))
        env.template_class = template_class
        plain, module = env.get_template("page.html"), env.get_template("macros.html").module
        assert env.get_template("macros.html")._get_default_module(plain.new_context()) is module
        own = env.get_template("own.html", globals={"extra": "own global"})
        assert env.get_template("macros.html")._get_default_module(own.new_context()) is not module
        shown.append((plain.render(), plain.render(extra="a context variable is not seen"), own.render()))
    assert shown[0] == shown[1] == ("none", "none", "own global")
    assert app.jinja_env.template_class is ImportingTemplate

"""The access matrix: every route × every role (and anonymous) × own and foreign objects.

Routes are read from ``app.url_map`` at collection time, so routes added later are
covered without editing this file, unless they use a URL argument not in ``ARGS``:
then the test fails and names it (add the argument below).

What must hold:
- every view declares a policy (``access.allow``); undeclared routes answer 404;
- a role outside the policy gets 403; anonymous users are sent to the sign-in page;
- a partner officer or CMM contact asking for another organisation's case, version,
  report, payment, file, alert or comment gets 404 (ids reveal nothing);
- an object of another case in a URL that names a case answers 404 to every role, even
  one that may see both cases (``/cases/A/plans/<a version of B>``);
- a page or download a partner officer or CMM contact can open never names another
  organisation's case;
- a request that is not a GET is refused without the form's CSRF token, and writes
  nothing; a GET writes nothing but the audit trail (a cross-site link or image carries
  the session cookie on a GET: SameSite=Lax lets it, so a GET must change nothing);
- nobody ever gets a 500.
POST rules are sent with a valid CSRF token and empty form data.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from support import _empty_tables
from reintegration import create_app
from reintegration.access import PUBLIC
from reintegration.models import (Attachment, BudgetLine, Case, Child, Comment, Decision, Disbursement,
                                  FollowUpReport, Organisation, PlanContributor, PlanVersion, RiskAlert, User)

ROLES = ("caseworker", "cmm", "approver", "partner", "admin")
CASE_ARGS = ("case_id", "version_id", "report_id", "disbursement_id", "attachment_id", "alert_id", "comment_id")
ARGS = CASE_ARGS + ("user_id", "org_id")
# Roles whose case scope is narrower than "every case" (see access.case_scope).
SCOPED_ROLES = ("partner", "cmm")
# Fixed values for arguments that are not objects.
FIXED = {("core.vendor", "filename"): "css/dkfds-virkdk.min.css"}
SKIP_ENDPOINTS = {"static"}

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def _collect():
    app = create_app({"SECRET_KEY": "collect", "DATABASE_URL": "sqlite://", "TESTING": True})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, rule.rule, method, tuple(sorted(rule.arguments))))
    return app, sorted(rules)


_APP, RULES = _collect()
CASES = [pytest.param(r, role, side, id=f"{r[2]} {r[1]} [{r[0]}] as {role or 'anonymous'}, {side} objects")
         for r in RULES for role in (None,) + ROLES
         for side in (("own", "foreign") if any(a in CASE_ARGS + ("user_id", "org_id") for a in r[3]) else ("own",))]


def test_every_route_declares_a_policy():
    missing = [endpoint for endpoint, view in _APP.view_functions.items()
               if endpoint not in SKIP_ENDPOINTS and getattr(view, "access_roles", None) is None]
    assert not missing, f"routes without @allow(...): {missing}"


def test_every_route_argument_is_known():
    unknown = sorted({(endpoint, arg) for endpoint, _rule, _m, args in RULES for arg in args
                      if arg not in ARGS and (endpoint, arg) not in FIXED})
    assert not unknown, ("URL arguments the access matrix cannot fill (use the standard names or add "
                         f"them to tests/test_access_matrix.py ARGS/FIXED): {unknown}")


def test_an_undeclared_route_answers_404(app):
    app.add_url_rule("/undeclared-test-route", "undeclared", lambda: "secret")
    assert app.test_client().get("/undeclared-test-route").status_code == 404


# --- the world ---------------------------------------------------------------------------

def _side(db: Session, upload_dir: Path, key: str, country: str, shared: dict) -> dict:
    partner = Organisation(kind="partner", code=f"partner-{key}", name=f"Partner {key}", country=country,
                           currency="NGN" if country == "NG" else "THB")
    cmm_org = Organisation(kind="cmm", code=f"cmm-{key}", name=f"CMM {key}")
    db.add(partner)
    db.add(cmm_org)
    db.commit()
    orgs = {"caseworker": shared["drc"], "cmm": cmm_org, "approver": shared["hjem"], "partner": partner,
            "admin": shared["admin"]}
    users = {}
    for role in ROLES:
        user = User(organisation_id=orgs[role].id, email=f"{role}-{key}@matrix.test", name=f"{role} {key}",
                    role=role, password_hash="!", locale="en", session_token=secrets.token_hex(16))
        db.add(user)
        db.commit()
        users[role] = user
    # The object of user_id routes: never one of the acting users (admin forms may
    # deactivate it or reset its password).
    target = User(organisation_id=orgs["caseworker"].id, email=f"target-{key}@matrix.test", name=f"Target {key}",
                  role="caseworker", password_hash="!", locale="en", session_token=secrets.token_hex(16))
    db.add(target)
    db.commit()
    case = Case(reference=f"RT-MATRIX-{key}", person_name=f"Person {key}", person_date_of_birth=date(1990, 5, 1),
                return_country=country, partner_id=partner.id, caseworker_id=users["caseworker"].id,
                cmm_contact_id=users["cmm"].id, status="in_followup", planned_return=date(2026, 1, 10),
                actual_return=date(2026, 1, 10))
    db.add(case)
    db.commit()
    db.add(Child(case_id=case.id, position=0, first_name="Child", date_of_birth=date(2015, 2, 2),
                 lives_in="home_country"))
    versions = {}
    for number, status in ((1, "approved"), (2, "submitted"), (3, "draft")):
        version = PlanVersion(case_id=case.id, number=number, status=status, activity_kind="business",
                              activity_description="Tailoring shop", created_by=users["caseworker"].id,
                              submitted_by=users["caseworker"].id if status != "draft" else None,
                              submitted_at=datetime(2026, 1, 1, tzinfo=timezone.utc) if status != "draft" else None,
                              content_sha256="0" * 64 if status != "draft" else None,
                              rate_table_id="2026-2029", rate_table_version=1, check_ok=True)
        db.add(version)
        db.commit()
        versions[status] = version
        db.add(BudgetLine(plan_version_id=version.id, line_key=f"line-{key}-1", position=0, kind="cash",
                          category="business", description="Sewing machine", month=1, amount_dkk=Decimal("5000")))
        db.add(PlanContributor(plan_version_id=version.id, user_id=users["caseworker"].id))
    db.add(Decision(plan_version_id=versions["approved"].id, outcome="approved", decided_by=users["approver"].id,
                    rate_table_id="2026-2029", rate_table_version=1, content_sha256="0" * 64))
    comment = Comment(plan_version_id=versions["submitted"].id, author_id=users["cmm"].id, body="Risk noted")
    report = FollowUpReport(case_id=case.id, due_month=1, due_date=date(2026, 2, 10), status="submitted",
                            submitted_by=users["partner"].id, notes="Doing well", risk_indicators="debt")
    db.add(comment)
    db.add(report)
    db.commit()
    disbursement = Disbursement(case_id=case.id, line_key=f"line-{key}-1", plan_version_id=versions["approved"].id,
                                paid_on=date(2026, 2, 1), amount_dkk=Decimal("2500"), recorded_by=users["partner"].id)
    db.add(disbursement)
    db.commit()
    stored = secrets.token_hex(16)
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / stored).write_bytes(PNG)
    attachment = Attachment(case_id=case.id, followup_id=report.id, disbursement_id=disbursement.id,
                            stored_name=stored, original_name="receipt.png", content_type="image/png",
                            size=len(PNG), sha256="0" * 64, uploaded_by=users["partner"].id)
    alert = RiskAlert(case_id=case.id, followup_id=report.id, indicators="debt")
    db.add(attachment)
    db.add(alert)
    db.commit()
    return {"names": (case.person_name, case.reference), "users": {r: u.id for r, u in users.items()},
            "versions": [versions[s].id for s in ("submitted", "draft", "approved")],
            "args": {"case_id": case.id, "report_id": report.id, "disbursement_id": disbursement.id,
                     "attachment_id": attachment.id, "alert_id": alert.id, "comment_id": comment.id,
                     "user_id": target.id, "org_id": partner.id}}


@pytest.fixture(scope="module")
def world(_migrated, tmp_path_factory):
    upload_dir = tmp_path_factory.mktemp("matrix-uploads")
    app = create_app({"TESTING": True, "SECRET_KEY": "matrix-secret", "DATABASE_URL": _migrated,
                      "UPLOAD_DIR": str(upload_dir), "MAIL_BACKEND": "memory", "MFA_REQUIRED_ROLES": ()})
    engine = app.extensions["db_engine"]
    _empty_tables(engine)
    with Session(engine, expire_on_commit=False) as db:
        db.info["allow_frozen_change"] = True  # build decided versions with their lines directly
        shared = {}
        for name, kind in (("drc", "drc"), ("hjem", "hjemrejsestyrelsen"), ("admin", "admin")):
            shared[name] = Organisation(kind=kind, code=f"{kind}-matrix", name=kind)
            db.add(shared[name])
        db.commit()
        sides = {"own": _side(db, upload_dir, "A", "NG", shared), "foreign": _side(db, upload_dir, "B", "TH", shared)}
    yield app, sides
    _empty_tables(engine)
    engine.dispose()


def _client_for(app, user_id: int | None):
    """A client with a session for the user (as Flask-Login writes it) and a CSRF token."""
    client = app.test_client()
    raw = secrets.token_hex(20)
    with client.session_transaction() as sess:
        sess["csrf_token"] = raw
        if user_id is not None:
            from flask_login.utils import _create_identifier

            with Session(app.extensions["db_engine"]) as db:
                user = db.get(User, user_id)
                user.active = True  # in case an earlier POST (empty admin form) changed it
                db.add(user)
                db.commit()
                token = user.session_token
            with app.test_request_context():
                sess["_id"] = _create_identifier()
            sess["_user_id"] = f"{user_id}:{token}"
            sess["_fresh"] = True
    key = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return client, URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(raw)


def _urls(app, endpoint, args, side_data) -> list[str]:
    values = {}
    for arg in args:
        if (endpoint, arg) in FIXED:
            values[arg] = FIXED[(endpoint, arg)]
        elif arg in side_data["args"]:
            values[arg] = side_data["args"][arg]
        elif arg != "version_id":
            pytest.fail(f"{endpoint}: URL argument {arg!r} is unknown to the access matrix; add it to ARGS")
    with app.test_request_context():
        from flask import url_for

        if "version_id" in args:
            return [url_for(endpoint, **values, version_id=v) for v in side_data["versions"]]
        return [url_for(endpoint, **values)]


@pytest.mark.parametrize("rule, role, side", CASES)
def test_access(world, rule, role, side):
    app, sides = world
    endpoint, _path, method, args = rule
    roles = app.view_functions[endpoint].access_roles
    acting = sides["own"]["users"][role] if role else None
    client, token = _client_for(app, acting)
    for url in _urls(app, endpoint, args, sides[side]):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        status = response.status_code
        where = f"{method} {url} as {role or 'anonymous'} ({side} objects)"
        assert status < 500, f"{where}: {status}"
        if PUBLIC in roles:
            continue
        if role is None:
            assert status == 302 and "/login" in response.headers.get("Location", ""), f"{where}: {status}"
        elif role not in roles:
            assert status == 403, f"{where}: {role} is not in {sorted(roles)} but got {status}"
        else:
            assert status != 403 or endpoint.startswith("approvals."), f"{where}: declared role refused (403)"
            if side == "foreign" and role in SCOPED_ROLES and any(a in CASE_ARGS for a in args):
                assert status == 404, f"{where}: another organisation's object answered {status}, not 404"


ID_RULES = [pytest.param(r, id=f"{r[2]} {r[1]}") for r in RULES if any(a in ARGS for a in r[3])]


@pytest.mark.parametrize("rule", ID_RULES)
def test_an_id_no_database_row_can_have_answers_404(world, rule):
    """Beyond the largest id a database holds (2**63 - 1), a number matches no route:
    404, as for any id that names no row (SQLite could not even bind it: a 500)."""
    app, sides = world
    endpoint, path, method, args = rule
    allowed = [role for role in ROLES if role in app.view_functions[endpoint].access_roles]
    client, token = _client_for(app, sides["own"]["users"][allowed[0]] if allowed else None)
    for huge in (2**63, 10**30):
        url = path
        for arg in args:
            url = re.sub(rf"<(?:\w+:)?{arg}>", str(FIXED.get((endpoint, arg), huge)), url)
        response = client.get(url) if method == "GET" else client.open(url, method=method,
                                                                        data={"csrf_token": token})
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"


# --- beyond the policy: mixed objects, what pages name, and what requests may change -----

# Routes naming a case and another object of it: each object must belong to the case.
NESTED_RULES = [pytest.param(r, role, id=f"{r[2]} {r[1]} as {role}") for r in RULES
                if "case_id" in r[3] and sum(a in CASE_ARGS for a in r[3]) >= 2 for role in ROLES
                if role in _APP.view_functions[r[0]].access_roles]


def test_there_are_nested_routes_to_check():
    assert NESTED_RULES, "no route names a case and another object: the mixed-object test checks nothing"


@pytest.mark.parametrize("rule, role", NESTED_RULES)
def test_an_object_of_another_case_in_the_url_answers_404(world, rule, role):
    """``/cases/<A>/plans/<a version of B>`` and the like: 404 for every role allowed,
    caseworkers and approvers (who may see both cases) included, as if the pair did not
    exist; nothing about B is read or changed through A's URL."""
    app, sides = world
    endpoint, _path, method, args = rule
    client, token = _client_for(app, sides["own"]["users"][role])
    from flask import url_for

    for swapped in (a for a in args if a in CASE_ARGS):
        values = {}
        for arg in args:
            side = sides["foreign" if arg == swapped else "own"]
            values[arg] = side["versions"][0] if arg == "version_id" else side["args"][arg]
        with app.test_request_context():
            url = url_for(endpoint, **values)
        response = client.get(url) if method == "GET" else client.open(url, method=method,
                                                                         data={"csrf_token": token})
        assert response.status_code == 404, f"{method} {url} as {role} ({swapped} of another case): " \
                                             f"{response.status_code}"


def _texts(response) -> bytes:
    """The response's bytes, and those of every member of a ZIP (packages, workbooks)."""
    body = response.get_data()
    if body[:4] != b"PK\x03\x04":
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return body + b"".join(archive.read(name) for name in archive.namelist())


READ_RULES = [pytest.param(r, role, id=f"{r[1]} as {role}") for r in RULES if r[2] == "GET"
              for role in SCOPED_ROLES if role in _APP.view_functions[r[0]].access_roles]


@pytest.mark.parametrize("rule, role", READ_RULES)
def test_a_scoped_reader_never_sees_another_organisations_case(world, rule, role):
    """Every page and download a partner officer or CMM contact opens (lists, counts,
    search, follow-up overview, files, packages, workbooks, and the refusals of the
    other organisation's objects) never names the other organisation's person or case."""
    app, sides = world
    endpoint, _path, _method, args = rule
    client, _token = _client_for(app, sides["own"]["users"][role])
    urls = _urls(app, endpoint, args, sides["own"])
    if any(a in ARGS for a in args):
        urls += _urls(app, endpoint, args, sides["foreign"])
    for url in urls:
        text = _texts(client.get(url))
        for name in sides["foreign"]["names"]:
            assert name.encode() not in text, f"GET {url} as {role} names {name!r} of another organisation"


def _rows(engine, leave_out=()) -> dict[str, list]:
    """Every row of every table (but ``leave_out``), to compare before and after a request."""
    with engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(sa_select(table)).all()))
                for table in SQLModel.metadata.sorted_tables if table.name not in leave_out}


def _first_allowed(roles) -> str | None:
    return next((role for role in ROLES if role in roles), None)


WRITE_RULES = [pytest.param(r, id=f"{r[2]} {r[1]}") for r in RULES if r[2] != "GET"]


@pytest.mark.parametrize("rule", WRITE_RULES)
def test_a_change_without_the_form_token_is_refused_and_writes_nothing(world, rule):
    """Every route that is not a GET, sent as a role it allows (anonymous for the public
    ones) on its own objects, without the CSRF token: 400, and no row anywhere changed,
    the audit trail included. A route exempted from the check would fail here."""
    app, sides = world
    endpoint, _path, method, args = rule
    roles = app.view_functions[endpoint].access_roles
    role = None if PUBLIC in roles else _first_allowed(roles)
    client, _token = _client_for(app, sides["own"]["users"][role] if role else None)
    engine = app.extensions["db_engine"]
    for url in _urls(app, endpoint, args, sides["own"]):
        before = _rows(engine)
        response = client.open(url, method=method, data={})
        assert response.status_code == 400, f"{method} {url} as {role or 'anonymous'} without a CSRF token: " \
                                             f"{response.status_code}"
        assert _rows(engine) == before, f"{method} {url} without a CSRF token changed the database"


GET_RULES = [pytest.param(r, role, id=f"{r[1]} as {role or 'anonymous'}") for r in RULES if r[2] == "GET"
             for role in (None,) + ROLES]


@pytest.mark.parametrize("rule, role", GET_RULES)
def test_a_get_changes_nothing_but_the_audit_trail(world, rule, role):
    """A GET, by anyone, on own or another organisation's objects, writes no row but the
    audit trail's (reads are recorded). A cross-site page can make the browser send a GET
    with the session cookie (SameSite=Lax allows it), and no form token guards it."""
    app, sides = world
    endpoint, _path, _method, args = rule
    client, _token = _client_for(app, sides["own"]["users"][role] if role else None)
    engine = app.extensions["db_engine"]
    trail = ("auditevent", "auditeventcase")
    before = _rows(engine, trail)
    for side in ("own", "foreign") if any(a in ARGS for a in args) else ("own",):
        for url in _urls(app, endpoint, args, sides[side]):
            client.get(url)
    after = _rows(engine, trail)
    assert after == before, f"GET {rule[1]} as {role or 'anonymous'} changed " \
                            f"{sorted(t for t in before if before[t] != after[t])}"

"""Plan files in the app: export a version as PLAN_FORMAT JSON, import one into a draft.

The export is the contract's shape (so ``python -m reintegration validate`` judges it as the
app does); the import replaces the draft's activity and lines, refuses anything that is not
a plan at the field with its path, and never answers 500."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import select

from reintegration.models import AuditEvent, Organisation, PlanContributor, PlanVersion
from reintegration.plans import operations as ops
from reintegration.plans.mapping import load_plan

from plan_helpers import base_form, edit_url, plan_case, start_draft, stored_lines  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _url(version, action):
    return f"/cases/{version.case_id}/plans/{version.id}/{action}"


def _fresh(db, version):
    db.expire_all()
    return db.get(PlanVersion, version.id)


def _document(**changes) -> dict:
    document = {
        "format": "reintegration-plan/1",
        "reference_date": "2026-06-01",
        "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False},
        "children": [],
        "activity": {"kind": "business", "description": "Hair salon in Benin City"},
        "lines": [
            {"kind": "cash", "amount_dkk": "4000.00", "month": 1, "category": "allowance",
             "description": "Monthly allowance"},
            {"kind": "in_kind", "amount_dkk": "14500.00", "month": 1, "category": "equipment",
             "description": "Two salon chairs, dryer, mirror", "currency": "NGN", "amount_local": "3222222.22",
             "exchange_rate": "0.0045"},
        ],
    }
    document.update(changes)
    return document


def _import(auth, version, document=None, *, text=None, raw=None, filename="plan.json", revision=None):
    data = {"revision": str(version.revision if revision is None else revision)}
    if text is not None:
        data["plan_text"] = text
    if raw is None and document is not None:
        raw = json.dumps(document).encode("utf-8")
    if raw is not None:
        data["plan_file"] = (io.BytesIO(raw), filename)
    return auth.post(_url(version, "import"), data, content_type="multipart/form-data")


@pytest.fixture
def draft(auth, db, plan_case, start_draft):
    auth.login("caseworker", locale="en")
    return _fresh(db, start_draft(plan_case))


# --- export ------------------------------------------------------------------------------

def test_export_downloads_the_version_as_a_plan_file(auth, db, plan_case, draft):
    auth.post(edit_url(draft), base_form(draft, [{"kind": "cash", "amount_dkk": "4,000.00", "category": "allowance"},
                                                 {"amount_dkk": "14,500.00", "currency": "NGN",
                                                  "amount_local": "3,222,222.22", "exchange_rate": "0.0045"}]))
    version = _fresh(db, draft)
    response = auth._client.get(_url(version, "plan.json"))
    assert response.status_code == 200
    assert response.mimetype == "application/json" and response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename={plan_case.reference}-v1.json"
    assert response.headers["Cache-Control"] == "private, no-store"  # the person's data: never kept in a cache
    body = response.get_data(as_text=True)
    assert body.startswith('{\n  "format": "reintegration-plan/1"')  # pretty-printed
    document = json.loads(body)
    assert document["reference_date"] == "2026-06-01"
    assert document["activity"] == {"kind": "business", "description": "Hair salon in Benin City"}
    assert [line["amount_dkk"] for line in document["lines"]] == ["4000.00", "14500.00"]
    assert document["lines"][1]["exchange_rate"] == "0.0045"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "plan.export_json",
                                            AuditEvent.object_id == str(version.id))).first()
    show = auth._client.get(f"/cases/{version.case_id}/plans/{version.id}").get_data(as_text=True)
    assert _url(version, "plan.json") in show


def test_a_case_without_a_return_date_exports_no_reference_date(auth, db, make_case, start_draft):
    """PLAN_FORMAT: reference_date absent = today. A case with neither a planned nor an
    actual return has no reference date, so the file has none (not null, not a guess),
    and validate judges it on the day given as --today, as the app judges it today."""
    auth.login("caseworker", locale="en")
    case = make_case(partner=None, children=[date(2008, 6, 1)])  # 18 on 2026-06-01
    version = _fresh(db, start_draft(case))
    document = json.loads(auth._client.get(_url(version, "plan.json")).get_data())
    assert "reference_date" not in document
    assert document["children"] == [{"date_of_birth": "2008-06-01", "lives_in": "home_country"}]
    for today, minors in (("2026-05-31", 1), ("2026-06-01", 0)):
        result = subprocess.run([sys.executable, "-m", "reintegration", "validate", "-", "--today", today],
                                input=json.dumps(document).encode(), capture_output=True, cwd=ROOT, timeout=120)
        output = json.loads(result.stdout)
        assert (output["reference_date"], output["minor_children"]) == (today, minors)


@pytest.mark.parametrize("role", ["cmm", "approver", "partner"])
def test_other_roles_may_export_visible_versions(auth, db, make_user, make_case, plan_case, draft, role):
    user = make_user(role, organisation=db.get(Organisation, plan_case.partner_id)) if role == "partner" \
        else make_user(role)
    if role == "cmm":
        plan_case.cmm_contact_id = user.id
        db.add(plan_case)
        db.commit()
    auth.logout()
    auth.login(user)
    assert auth._client.get(_url(draft, "plan.json")).status_code == 200
    other = make_case(partner=None)
    foreign = PlanVersion(case_id=other.id, number=1, status="draft")
    db.add(foreign)
    db.commit()
    if role in ("partner", "cmm"):
        assert auth._client.get(_url(foreign, "plan.json")).status_code == 404


# --- import ------------------------------------------------------------------------------

def test_import_replaces_activity_and_lines_of_the_draft(auth, db, draft):
    auth.post(edit_url(draft), base_form(draft, [{"amount_dkk": "100", "description": "Old line"}],
                                         housing="Lives with an aunt"))
    draft = _fresh(db, draft)
    old_keys = {line.line_key for line in stored_lines(db, draft)}
    seen = draft.revision
    response = _import(auth, draft, _document())
    assert response.status_code == 302 and response.headers["Location"].endswith(edit_url(draft))
    version = _fresh(db, draft)
    assert (version.activity_kind, version.activity_description) == ("business", "Hair salon in Benin City")
    assert version.housing == "Lives with an aunt"  # texts the file does not hold stay
    lines = stored_lines(db, version)
    assert [(l.kind, l.amount_dkk, l.month, l.category, l.description) for l in lines] == [
        ("cash", Decimal("4000.00"), 1, "allowance", "Monthly allowance"),
        ("in_kind", Decimal("14500.00"), 1, "equipment", "Two salon chairs, dryer, mirror")]
    assert (lines[1].currency, lines[1].amount_local, lines[1].exchange_rate) == (
        "NGN", Decimal("3222222.22"), Decimal("0.0045"))
    assert not old_keys & {line.line_key for line in lines}
    assert version.revision == seen + 1 and version.check_ok is True
    assert db.exec(select(PlanContributor).where(PlanContributor.plan_version_id == version.id)).first()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "plan.import_json")).one()
    assert event.object_id == str(version.id)
    page = auth._client.get(edit_url(version)).get_data(as_text=True)
    assert "The plan file is imported: 2 budget lines." in page
    assert "differ" not in page  # same person, no children, same reference date


def test_the_conflict_page_names_whoever_imported_the_file_last(auth, db, draft, make_user):
    """An import is a save: a colleague's conflict page names the importer, not whoever
    saved the form before the import."""
    auth.post(edit_url(draft), base_form(draft, [{"amount_dkk": "100", "description": "Old line"}]))
    auth.logout()
    importer = auth.login(make_user("caseworker", name="Ida Importer"))
    assert _import(auth, _fresh(db, draft), _document()).status_code == 302
    assert ops.last_editor(db, _fresh(db, draft)).id == importer.id


def test_pasted_json_imports_too(auth, db, draft):
    response = auth.post(_url(draft, "import"), {"revision": str(draft.revision),
                                                 "plan_text": json.dumps(_document(lines=[]))})
    assert response.status_code == 302
    assert stored_lines(db, draft) == []


def test_a_differing_person_or_children_is_a_warning_and_not_imported(auth, db, plan_case, draft):
    document = _document(person={"date_of_birth": "1990-01-01"},
                         children=[{"date_of_birth": "2017-09-02", "lives_in": "home_country"}])
    response = _import(auth, draft, document)
    assert response.status_code == 302
    page = auth._client.get(edit_url(draft)).get_data(as_text=True)
    assert "the file&#39;s verdict may differ" in page or "the file's verdict may differ" in page
    assert "date of birth: 1990-01-01 in the file, 1991-03-14 on the case" in page
    assert "children: 2017-09-02 (home_country) in the file, - on the case" in page
    db.expire_all()
    assert db.get(type(plan_case), plan_case.id).person_date_of_birth == date(1991, 3, 14)


def test_three_decimal_amount_is_refused_naming_the_line_amount_rule(auth, db, draft):
    # The contract makes 12.345 a budget-check finding (line.amount), but the tool keeps
    # amounts in whole øre, so such a file cannot become a draft: refused at the field.
    document = _document(lines=[{"kind": "cash", "amount_dkk": "12.345", "month": 1}])
    response = _import(auth, draft, document)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "lines[0].amount_dkk has more than two decimals: 12.345." in page
    assert stored_lines(db, draft) == [] and _fresh(db, draft).revision == 1


def test_trailing_zeros_are_read_as_the_value_as_validate_reads_them(auth, db, draft):
    # `validate` reads an amount by its value: "4000.000" is 4,000.00 kr. and passes. The
    # import reads every number the same way, so a file `validate` passes is imported:
    # trailing zeros in the local amount and the rate included (the rate keeps six
    # decimals, the local amount two).
    line = {"kind": "in_kind", "amount_dkk": "14500.000", "month": 1, "currency": "NGN",
            "amount_local": "3222222.2200", "exchange_rate": "0.004500000"}
    response = _import(auth, draft, _document(lines=[line]))
    assert response.status_code == 302, response.get_data(as_text=True)
    (stored,) = stored_lines(db, _fresh(db, draft))
    assert (stored.amount_dkk, stored.amount_local, stored.exchange_rate) == (
        Decimal("14500.00"), Decimal("3222222.22"), Decimal("0.0045"))


@pytest.mark.parametrize("name, value", [("amount_local", "3222222.221"), ("exchange_rate", "0.0045001")])
def test_a_local_amount_or_rate_finer_than_kept_is_refused_at_the_field(auth, db, draft, name, value):
    line = {"kind": "in_kind", "amount_dkk": "14500.00", "month": 1, "currency": "NGN",
            "amount_local": "3222222.22", "exchange_rate": "0.0045", name: value}
    response = _import(auth, draft, _document(lines=[line]))
    assert response.status_code == 422
    assert f"lines[0].{name}" in response.get_data(as_text=True)
    assert stored_lines(db, draft) == []


def test_findings_are_imported_and_shown_by_the_check(auth, db, draft):
    document = _document(lines=[{"kind": "cash", "amount_dkk": "0.00", "month": 13}])
    response = _import(auth, draft, document)
    assert response.status_code == 302
    [line] = stored_lines(db, draft)
    assert (line.amount_dkk, line.month) == (Decimal("0.00"), 13)
    page = auth._client.get(edit_url(draft)).get_data(as_text=True)
    assert "line.amount" in page and "line.month" in page  # the rules of the findings
    assert _fresh(db, draft).check_ok is False


@pytest.mark.parametrize("raw, message", [
    (b"{not json", "Not JSON: the text cannot be read at line 1, column 2."),
    (b"\xff\xfe{}", "not UTF-8"),
    (json.dumps({"format": "reintegration-plan/2"}).encode(), "format must be one of reintegration-plan/1; the file has &#39;reintegration-plan/2&#39;."),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "12,5x", "month": 1}])).encode(),
     "lines[0].amount_dkk is not an amount such as"),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "1", "month": 1},
                                 {"kind": "cash", "amount_dkk": "2", "month": 1},
                                 {"kind": "cash", "amount_dkk": "12,5x", "month": 1}])).encode(),
     "(a point before the øre, no thousands separators): &#39;12,5x&#39;."),
    (json.dumps(_document(activity={"kind": "piracy", "description": "x"})).encode(),
     "activity.kind must be one of business"),
    (json.dumps(_document(lines=[{"kind": "loan", "amount_dkk": "1", "month": 1}])).encode(),
     "lines[0].kind must be one of cash, in_kind; the file has &#39;loan&#39;."),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "1", "month": 1, "currency": "NAIRA"}])).encode(),
     "lines[0].currency is not a three-letter currency code such as NGN: NAIRA."),
    # The audit's case: 5,000,000 NGN of cash at 0.0045 is 22,500.00 DKK, over the cash cap,
    # written in the file as 100.00 DKK; the caps count the DKK figure, so the file is refused.
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "100.00", "month": 1, "currency": "NGN",
                                  "amount_local": "5000000", "exchange_rate": "0.0045"}])).encode(),
     "lines[0].amount_dkk must be amount_local times exchange_rate, rounded to øre (22500.00); the file has "
     "100.00. Correct the amount, or the local amount or the rate."),
    # One øre off the product is refused too; the product rounded half up to øre is taken.
    (json.dumps(_document(lines=[{"kind": "in_kind", "amount_dkk": "14499.99", "month": 1, "currency": "NGN",
                                  "amount_local": "3222222.22", "exchange_rate": "0.0045"}])).encode(),
     "lines[0].amount_dkk must be amount_local times exchange_rate"),
    # A name given twice: validate refuses it (readers differ on which value counts), so does the import.
    (json.dumps(_document()).replace('"amount_dkk": "4000.00"', '"amount_dkk": "40000.00", "amount_dkk": "4000.00"')
     .encode(), "lines[0].amount_dkk is given twice in the file; give it once."),
    # NaN and Infinity are not JSON (validate exits 2 on them), also where the format ignores the value.
    (json.dumps(_document(colour=1.5)).replace("1.5", "NaN").encode(), "Not JSON: NaN is not a number in JSON."),
    (json.dumps(_document(colour=1.5)).replace("1.5", "-Infinity").encode(),
     "Not JSON: -Infinity is not a number in JSON."),
    (b" ", "The file is empty."),
    (b"[" * 100_000 + b"]" * 100_000, "Not JSON"),
    (b"{" + b" " * (1024 * 1024) + b"}", "larger than 1 MB"),
])
def test_a_file_that_is_not_a_plan_is_refused_at_the_field(auth, db, draft, raw, message):
    response = _import(auth, draft, raw=raw)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="plan_file-error"' in page and 'href="#plan_file"' in page
    assert stored_lines(db, draft) == [] and _fresh(db, draft).revision == 1
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "plan.import_json")).first()


def test_an_empty_submission_asks_for_a_file(auth, draft):
    response = auth.post(_url(draft, "import"), {"revision": str(draft.revision)})
    assert response.status_code == 422
    assert "Choose a plan file or paste the plan&#39;s JSON." in response.get_data(as_text=True)


def test_pasted_text_error_is_at_the_text_field(auth, draft):
    response = auth.post(_url(draft, "import"), {"revision": str(draft.revision), "plan_text": "[]"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="plan_text-error"' in page and "plan must be an object; the file has a list." in page


@pytest.mark.parametrize("text, english, danish", [
    ("[]", "plan must be an object; the file has a list.", "plan skal være et objekt; filen har en liste."),
    (json.dumps(_document(person=[])), "person must be an object; the file has a list.",
     "person skal være et objekt; filen har en liste."),
    (json.dumps(_document(lines=[{"kind": {}, "amount_dkk": "1.00", "month": 1}])),
     "lines[0].kind must be one of cash, in_kind; the file has an object.",
     "lines[0].kind skal være en af cash, in_kind; filen har et objekt."),
])
def test_a_list_or_object_in_the_file_is_named_in_the_readers_language(auth, plan_case, start_draft, text,
                                                                          english, danish):
    for locale, said in (("en", english), ("da", danish)):
        auth.login("caseworker", locale=locale)
        version = start_draft(plan_case)
        response = auth.post(_url(version, "import"), {"revision": str(version.revision), "plan_text": text})
        assert response.status_code == 422
        assert said in response.get_data(as_text=True)


def test_a_stale_revision_is_a_conflict_and_imports_nothing(auth, db, draft):
    seen = draft.revision
    auth.post(edit_url(draft), base_form(draft, [{"amount_dkk": "100"}]))
    response = _import(auth, draft, _document(), revision=seen)
    assert response.status_code == 409
    assert [line.amount_dkk for line in stored_lines(db, draft)] == [Decimal("100.00")]


def test_missing_csrf_token_is_400(auth, db, draft):
    response = auth._client.post(_url(draft, "import"), data={"revision": str(draft.revision),
                                                              "plan_text": json.dumps(_document())})
    assert response.status_code == 400
    assert stored_lines(db, draft) == []


@pytest.mark.parametrize("role", ["partner", "cmm", "approver"])
def test_only_the_caseworker_may_import(auth, db, draft, role):
    auth.logout()
    auth.login(role)
    assert _import(auth, draft, _document()).status_code == 403
    assert stored_lines(db, draft) == []


def test_another_organisations_case_answers_404(auth, db, make_case, make_org, make_user, plan_case, draft):
    """A caseworker sees every DRC case; a partner of another organisation gets 404 on export."""
    stranger = make_user("partner", organisation=make_org("partner"))
    auth.logout()
    auth.login(stranger)
    assert auth._client.get(_url(draft, "plan.json")).status_code == 404
    assert _import(auth, draft, _document()).status_code == 403  # the role is refused before the object


def test_import_into_a_version_that_is_not_a_draft_is_refused(auth, db, draft):
    _import(auth, draft, _document())
    version = _fresh(db, draft)
    assert auth.post(_url(version, "submit"), {"revision": str(version.revision)}).status_code == 302
    version = _fresh(db, draft)
    before = [(l.line_key, l.amount_dkk) for l in stored_lines(db, version)]
    response = _import(auth, version, _document(lines=[]))
    assert response.status_code == 409 and "can no longer be changed" in response.get_data(as_text=True)
    assert auth._client.get(_url(version, "import")).status_code == 302  # opening it shows the version
    assert [(l.line_key, l.amount_dkk) for l in stored_lines(db, version)] == before


# --- round trip --------------------------------------------------------------------------

def test_round_trip_export_import_and_validate(auth, db, make_case, plan_case, start_draft, draft):
    children = [date(2017, 9, 2), date(2004, 1, 1)]
    source_case = make_case(partner=None, planned_return=date(2026, 6, 1), children=children)
    target_case = make_case(partner=None, planned_return=date(2026, 6, 1), children=children)
    source = _fresh(db, start_draft(source_case))
    auth.post(edit_url(source), base_form(source, [
        {"kind": "cash", "amount_dkk": "24,000.00", "category": "allowance"},
        {"amount_dkk": "14,500.00", "currency": "NGN", "amount_local": "3,222,222.22", "exchange_rate": "0.0045"},
        {"amount_dkk": "0.50", "month": "12", "description": "Ærø – 'quoted' \"text\""}]))
    source = _fresh(db, source)
    exported = auth._client.get(_url(source, "plan.json")).get_data()

    target = _fresh(db, start_draft(target_case))
    response = _import(auth, target, raw=exported, filename="export.json")
    assert response.status_code == 302
    page = auth._client.get(edit_url(target)).get_data(as_text=True)
    assert "verdict may differ" not in page

    fields = ("kind", "amount_dkk", "month", "category", "description", "currency", "amount_local", "exchange_rate")
    source_lines = [tuple(getattr(l, f) for f in fields) for l in stored_lines(db, source)]
    target_lines = stored_lines(db, target)
    assert [tuple(getattr(l, f) for f in fields) for l in target_lines] == source_lines
    assert not {l.line_key for l in target_lines} & {l.line_key for l in stored_lines(db, source)}
    target = _fresh(db, target)
    assert (target.activity_kind, target.activity_description) == (source.activity_kind,
                                                                    source.activity_description)

    tables = auth._client.application.extensions["rate_tables"]
    check = ops.check_version(db, load_plan(db, source), tables, date.today())
    assert ops.check_version(db, load_plan(db, target), tables, date.today()).findings == check.findings
    result = subprocess.run([sys.executable, "-m", "reintegration", "validate", "-"], input=exported,
                            capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == (0 if check.ok else 1), result.stderr
    output = json.loads(result.stdout)
    assert output["ok"] == check.ok is False  # the cash is above the provider cap
    assert [f["rule"] for f in output["findings"]] == [f.rule for f in check.findings]
    assert "cash.max" in [f["rule"] for f in output["findings"]]


# --- anything at all ---------------------------------------------------------------------

JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)
# Plan-shaped documents with arbitrary values in places, to get past the first fields.
PLANISH = st.fixed_dictionaries({
    "format": st.just("reintegration-plan/1"),
    "person": st.fixed_dictionaries({"date_of_birth": st.just("1991-03-14") | JSON_LIKE}),
    "activity": st.fixed_dictionaries({"kind": st.sampled_from(["business", "other"]) | JSON_LIKE,
                                       "description": st.text(max_size=30) | JSON_LIKE}),
    "lines": st.lists(st.fixed_dictionaries({
        "kind": st.sampled_from(["cash", "in_kind"]) | JSON_LIKE,
        "amount_dkk": st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str) | JSON_LIKE,
        "month": st.integers() | JSON_LIKE,
        "description": st.text(max_size=30),
        "currency": st.text(max_size=4),
        "exchange_rate": st.decimals(min_value=0, max_value=10, places=7).map(str)}), max_size=3),
})
PAYLOAD = (JSON_LIKE.map(lambda v: ("file", json.dumps(v).encode()))
           | PLANISH.map(lambda v: ("file", json.dumps(v).encode()))
           | PLANISH.map(lambda v: ("text", json.dumps(v)))
           | st.binary(max_size=200).map(lambda b: ("file", b))
           | st.text(max_size=200).map(lambda t: ("text", t)))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=PAYLOAD)
def test_any_input_is_imported_or_refused_at_the_field_never_500(auth, db, plan_case, start_draft, payload):
    if auth.user is None:
        auth.login("caseworker", locale="en")
        start_draft(plan_case)
    db.expire_all()
    stored = db.exec(select(PlanVersion).where(PlanVersion.case_id == plan_case.id)).first()
    version = SimpleNamespace(id=stored.id, case_id=stored.case_id, revision=stored.revision)
    db.rollback()  # hold no transaction (and no lock) open while the app works
    where, value = payload
    response = _import(auth, version, raw=value) if where == "file" else _import(auth, version, text=value)
    status = response.status_code
    assert status in (302, 422), status
    if status == 422:
        page = response.get_data(as_text=True)
        field = "plan_file" if where == "file" or not value.strip() else "plan_text"
        assert f'id="{field}-error"' in page


@pytest.mark.parametrize("raw, message", [
    (b"{not json", "Ikke JSON: teksten kan ikke læses i linje 1, kolonne 2."),
    (json.dumps({"format": "reintegration-plan/2"}).encode(),
     "Planfilen kan ikke importeres. format skal være en af reintegration-plan/1; filen har "
     "&#39;reintegration-plan/2&#39;."),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "12,5x", "month": 1}])).encode(),
     "lines[0].amount_dkk er ikke et beløb som"),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": "1.005", "month": 1}])).encode(),
     "lines[0].amount_dkk har mere end to decimaler: 1.005."),
    (json.dumps(_document(lines=[{"kind": "cash", "amount_dkk": 12, "month": 1}])).encode(),
     "lines[0].amount_dkk skal være et beløb skrevet som tekst"),
    (json.dumps({"format": "reintegration-plan/1"}).encode(), "person mangler."),
    (b'{"format": "reintegration-plan/1", "format": "reintegration-plan/1"}', "format står to gange i filen"),
    (b'{"format": "reintegration-plan/1", "x": Infinity}', "Ikke JSON: Infinity er ikke et tal i JSON."),
])
def test_a_danish_reader_is_told_why_in_danish(auth, db, plan_case, start_draft, raw, message):
    """The field keeps the contract's path; the reason is in the reader's language."""
    auth.login("caseworker", locale="da")
    draft = start_draft(plan_case)
    response = _import(auth, draft, raw=raw)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "must be" not in page and "not a decimal" not in page


def test_a_stale_import_names_who_saved_and_when(app, auth, db, draft, make_user):
    seen = draft.revision
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    assert other.post(edit_url(draft), base_form(draft, [{"amount_dkk": "100"}])).status_code == 302
    response = _import(auth, draft, text=json.dumps(_document()), revision=seen)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Karen Colleague saved it at" in page
    assert "&#34;lines&#34;" in page or "&quot;lines&quot;" in page  # the pasted plan is kept


def test_the_same_import_sent_twice_imports_once(auth, db, draft):
    seen = draft.revision
    assert _import(auth, draft, _document(), revision=seen).status_code == 302
    lines = [(line.line_key, line.amount_dkk) for line in stored_lines(db, draft)]
    again = _import(auth, draft, _document(), revision=seen)
    assert again.status_code == 302
    db.expire_all()
    assert [(line.line_key, line.amount_dkk) for line in stored_lines(db, draft)] == lines
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "plan.import_json")).all()) == 1


@pytest.mark.parametrize("locale, optional", [("en", "(optional)"), ("da", "(valgfrit)")])
def test_the_import_form_marks_neither_way_in_optional(auth, db, draft, locale, optional):
    """A file or its pasted JSON: one of the two is needed, so neither label says
    "(optional)", as every other field not required does."""
    auth.logout()
    auth.login("caseworker", locale=locale)
    page = auth._client.get(_url(draft, "import")).get_data(as_text=True)
    labels = re.findall(r'<label class="form-label" for="(plan_file|plan_text)">(.*?)</label>', page, re.S)
    assert [name for name, _text in labels] == ["plan_file", "plan_text"]
    assert all(optional not in text for _name, text in labels), labels

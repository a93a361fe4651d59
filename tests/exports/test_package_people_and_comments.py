"""The approval package names who drafted, submitted and approved the plan, and holds the
comments the approver read, in every form (workbook, printable page, manifest) and as
they were at the decision: an account renamed (or re-used) later changes none of them."""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import case_of  # noqa: E402
from approval_factories import approve, approver, comment, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402
from reintegration.models import Comment, Decision, PlanContributor, User  # noqa: E402

DECIDED = datetime(2027, 1, 15, 10, 30, 7, tzinfo=timezone.utc)
WRITTEN = datetime(2027, 1, 14, 9, 5, 41, tzinfo=timezone.utc)
HEADINGS = {"en": ("Drafted by", "Submitted (UTC)", "Submitted by", "Comments", "Written by", "Written (UTC)",
                   "Comment"),
            "da": ("Udarbejdet af", "Indsendt (UTC)", "Indsendt af", "Kommentarer", "Skrevet af", "Skrevet (UTC)",
                   "Kommentar")}


def build(app, db, version, lang="en"):
    with app.test_request_context():
        return packages.build(db, version, app.extensions["rate_tables"], lang)


def files(data: bytes):
    """The workbook, the printable page and the manifest of a package."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        wb = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx")))))
        page = archive.read(next(n for n in names if n.endswith(".html"))).decode()
        manifest = json.loads(archive.read("manifest.json"))
    return wb, page, manifest


@pytest.fixture
def people(make_user):
    return {"drafter": make_user("caseworker", name="Dorte Drafter"),
            "editor": make_user("partner", name="Erik Editor"),
            "commenter": make_user("cmm", name="Camilla Commenter"),
            "approver": make_user("approver", name="Anders Approver")}


@pytest.fixture
def decided(db, make_plan, approve, people):
    """A version drafted by two people, submitted by one, commented on by two and
    approved; then every account renamed."""
    version = make_plan(by=people["drafter"])
    db.add(PlanContributor(plan_version_id=version.id, user_id=people["editor"].id))
    db.add(Comment(plan_version_id=version.id, author_id=people["commenter"].id, created_at=WRITTEN,
                   body="Debt to the uncle is settled.\nSee the note of 12 January."))
    db.add(Comment(plan_version_id=version.id, author_id=people["drafter"].id,
                   created_at=WRITTEN + timedelta(hours=2), body="<b>Thanks</b>, noted."))
    db.commit()
    approve(version, user=people["approver"], now=DECIDED)
    for user in people.values():
        user.name = f"Renamed {user.id}"
        db.add(user)
    db.commit()
    db.refresh(version)
    return version


def test_the_decision_keeps_the_names_as_they_were(db, decided, people):
    decision = db.exec(select(Decision).where(Decision.plan_version_id == decided.id)).one()
    assert (decision.decided_by_name, decision.submitted_by_name) == ("Anders Approver", "Dorte Drafter")
    assert json.loads(decision.drafter_names) == ["Dorte Drafter", "Erik Editor"]
    assert sorted(json.loads(decision.comment_author_names).values()) == ["Camilla Commenter", "Dorte Drafter"]


@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_form_names_the_people_and_holds_the_comments_as_decided(app, db, decided, lang):
    wb, page, manifest = files(build(app, db, decided, lang).data)
    drafted, submitted_at, submitted_by, comments, written_by, written_at, comment = HEADINGS[lang]

    summary = {row[0].value: row[1].value for row in wb.worksheets[0].iter_rows(min_row=2)}
    assert summary[drafted] == "Dorte Drafter, Erik Editor" and summary[submitted_by] == "Dorte Drafter"
    trail = [[c.value for c in row] for row in wb.worksheets[5].iter_rows()]
    assert trail[0][1:4] == [drafted, submitted_at, submitted_by]
    assert trail[1][1] == "Dorte Drafter, Erik Editor" and trail[1][3] == "Dorte Drafter"
    assert trail[1][2] == decided.submitted_at.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    assert trail[1][5] == "Anders Approver"
    sheet = wb.worksheets[6]
    assert sheet.title == comments
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        [written_by, written_at, comment],
        ["Camilla Commenter", WRITTEN.replace(tzinfo=None),
         "Debt to the uncle is settled.\nSee the note of 12 January."],
        ["Dorte Drafter", datetime(2027, 1, 14, 11, 5, 41), "<b>Thanks</b>, noted."]]
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss" and sheet["C2"].data_type == "s"

    for heading in (drafted, submitted_at, submitted_by, comments, written_by, written_at, comment):
        assert f'<th scope="col">{heading}</th>' in page or re.search(f"<h2[^>]*>{heading}</h2>", page)
    assert "<td>Dorte Drafter, Erik Editor</td>" in page
    assert f"<td>{decided.submitted_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC</td><td>Dorte Drafter</td>" in page
    assert "<td>Camilla Commenter</td><td>2027-01-14 09:05 UTC</td>" in page
    assert "Debt to the uncle is settled.\nSee the note of 12 January." in page
    assert "&lt;b&gt;Thanks&lt;/b&gt;, noted." in page and "<b>Thanks</b>" not in page
    assert "Renamed" not in page

    assert manifest["approver"] == "Anders Approver"
    assert manifest["drafted_by"] == ["Dorte Drafter", "Erik Editor"]
    assert manifest["submitted_by"] == "Dorte Drafter"
    assert manifest["comments"] == [
        {"author": "Camilla Commenter", "written_at": "2027-01-14T09:05:41Z",
         "text": "Debt to the uncle is settled.\nSee the note of 12 January."},
        {"author": "Dorte Drafter", "written_at": "2027-01-14T11:05:41Z", "text": "<b>Thanks</b>, noted."}]


def test_a_version_without_comments_says_so(app, db, make_plan, approve):
    version = make_plan()
    approve(version, now=DECIDED)
    db.refresh(version)
    wb, page, manifest = files(build(app, db, version).data)
    assert wb.worksheets[6].max_row == 1 and manifest["comments"] == []
    assert "<p>No comments.</p>" in page


def test_an_amendment_names_the_drafters_of_each_version_in_the_trail(app, db, make_plan, approve, make_user):
    first, second = make_user("caseworker", name="First Drafter"), make_user("caseworker", name="Second Drafter")
    v1 = make_plan(by=first)
    approve(v1, now=DECIDED)
    db.refresh(v1)
    v2 = make_plan(case=case_of(db, v1), amends=v1, by=second)
    approve(v2, now=DECIDED + timedelta(days=10))
    db.refresh(v2)
    wb, page, manifest = files(build(app, db, v2).data)
    trail = [[c.value for c in row] for row in wb.worksheets[5].iter_rows(min_row=2)]
    # Everyone the four-eyes rule barred from deciding: the earlier version's drafters too.
    assert [row[1] for row in trail] == ["First Drafter", "First Drafter, Second Drafter"]
    assert [row[3] for row in trail] == ["First Drafter", "Second Drafter"]
    assert manifest["drafted_by"] == ["First Drafter", "Second Drafter"]


def test_a_decision_recorded_without_the_names_reads_them_now(app, db, make_plan, approve, approver):
    version = make_plan()
    approve(version, now=DECIDED)
    decision = db.exec(select(Decision).where(Decision.plan_version_id == version.id)).one()
    decision.decided_by_name = decision.submitted_by_name = None
    decision.drafter_names = decision.comment_author_names = None
    db.add(decision)
    db.commit()
    db.refresh(version)
    manifest = files(build(app, db, version).data)[2]
    drafter = db.get(User, version.submitted_by)
    assert (manifest["approver"], manifest["drafted_by"], manifest["submitted_by"]) == (
        approver.name, [drafter.name], drafter.name)

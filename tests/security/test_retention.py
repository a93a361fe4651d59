"""Retention: anonymisation after the retention period, legal hold, and the data
subject's export."""

from __future__ import annotations

import io
import secrets
import json
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, select

from reintegration import audit, retention
from reintegration.models import (Attachment, AuditEvent, BudgetLine, Case, Child, Comment, Decision,
                                  Disbursement, FollowUpReport, PlanVersion, RiskAlert, RiskAlertNote, User)
from security_helpers import full_case, people  # noqa: F401

CLOSED_LONG_AGO = datetime(2019, 6, 30, tzinfo=timezone.utc)


def _make(db, app, people, **kw):
    return full_case(db, app.config["UPLOAD_DIR"], **people, **kw)


def _stored_as_text(column) -> bool:
    """Text in the database, also behind a type decorator (SQLModel's AutoString for every
    ``str`` field, the exact decimals): a bare isinstance check saw none of those."""
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, (String, Text))


def test_every_text_column_has_a_retention_decision():
    assert _stored_as_text(Decision.__table__.c.plan_document)  # a str field: the case the check missed
    for model, policy in retention.POLICY.items():
        decided = set(policy["clear"]) | set(policy["keep"])
        texts = {c.name for c in model.__table__.columns if _stored_as_text(c)}
        texts -= {"person_name"}  # replaced by "Anonymised", handled explicitly
        assert texts <= decided, f"{model.__name__}: decide clear or keep for {sorted(texts - decided)}"


def test_retention_run_anonymises_old_closed_cases_and_keeps_numbers(app, db, runner, people):
    old = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    recent = _make(db, app, people, status="closed", closed_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    held = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO, legal_hold=True)
    open_case = _make(db, app, people)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    old_file = db.exec(select(Attachment.stored_name).where(Attachment.case_id == old.id)).one()

    result = runner.invoke(args=["retention", "run", "--today", "2026-11-27"])
    assert result.exit_code == 0, result.output
    assert old.reference in result.output and recent.reference not in result.output
    db.expire_all()

    case = db.get(Case, old.id)
    assert case.person_name == "Anonymised" and case.person_date_of_birth == date(1994, 1, 1)
    assert case.closure_note is None and case.anonymised_at is not None
    assert case.return_country == "NG" and case.status == "closed"
    child = db.exec(select(Child).where(Child.case_id == old.id)).one()
    assert child.first_name is None and child.date_of_birth == date(2016, 1, 1)
    version = db.exec(select(PlanVersion).where(PlanVersion.case_id == old.id)).one()
    assert version.activity_description is None and version.risk_traffickers is None
    assert version.expected_monthly_income == Decimal("1200") and version.activity_kind == "business"
    line = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)).one()
    assert line.description is None and line.amount_dkk == Decimal("7500.50") and line.month == 1
    assert db.exec(select(Comment.body).where(Comment.plan_version_id == version.id)).one() == ""
    assert db.exec(select(Decision.reason).where(Decision.plan_version_id == version.id)).one() is None
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == old.id)).one()
    assert report.notes is None and report.wellbeing is None and report.monthly_income == Decimal("900")
    assert report.score_economic == Decimal("0.5")
    payment = db.exec(select(Disbursement).where(Disbursement.case_id == old.id)).one()
    assert payment.note is None and payment.amount_dkk == Decimal("2500.25")
    alert = db.exec(select(RiskAlert).where(RiskAlert.case_id == old.id)).one()
    assert alert.action_taken is None and alert.indicators == "debt"
    # The note added to it: its text and its author's name as written go, as the text the
    # name stood in before notes had their own rows; who wrote it (the user id) stays.
    note = db.exec(select(RiskAlertNote).where(RiskAlertNote.alert_id == alert.id)).one()
    assert (note.text, note.author_name, note.author_id) == ("", None, people["caseworker"].id)
    assert db.exec(select(Attachment).where(Attachment.case_id == old.id)).first() is None
    assert not (upload_dir / old_file).exists()

    for untouched in (recent, held, open_case):
        row = db.get(Case, untouched.id)
        assert row.person_name == "Blessing Okafor" and row.anonymised_at is None
        assert db.exec(select(RiskAlertNote.text).join(RiskAlert, RiskAlert.id == RiskAlertNote.alert_id)
                       .where(RiskAlert.case_id == untouched.id)).one() == "Her sister in Benin City was told"
        assert db.exec(select(Attachment).where(Attachment.case_id == untouched.id)).first() is not None

    events = db.exec(select(AuditEvent).where(AuditEvent.action == "retention.anonymise")).all()
    assert [e.case_id for e in events] == [old.id]
    # Idempotent: a second run changes nothing.
    again = runner.invoke(args=["retention", "run", "--today", "2026-11-27"])
    assert "Anonymised 0 case(s)" in again.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_retention_period_is_configurable(app, db, runner, people):
    case = _make(db, app, people, status="closed", closed_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    app.config["RETENTION_YEARS_AFTER_CLOSURE"] = 2
    runner.invoke(args=["retention", "run", "--today", "2026-01-02"])
    db.expire_all()
    assert db.get(Case, case.id).person_name == "Anonymised"


def test_legal_hold_toggle_is_audited_and_limited(app, db, client, auth, people):
    case = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    auth.login(people["caseworker"])
    page = client.get(f"/cases/{case.id}/data-protection")
    assert page.status_code == 200
    seen = case.revision
    response = auth.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": seen})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).legal_hold
    # A stale form (old revision) changes nothing.
    auth.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": seen})
    db.expire_all()
    assert db.get(Case, case.id).legal_hold
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert actions.count("case.legal_hold_set") == 1
    auth.logout()
    for role in ("cmm", "approver", "partner"):
        auth.login(role)
        assert auth.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": seen + 1}).status_code == 403
        auth.logout()
    auth.login("admin")
    assert auth.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": seen + 1}).status_code == 302
    db.expire_all()
    assert not db.get(Case, case.id).legal_hold


def test_subject_export_holds_everything_about_the_person(app, db, runner, client, auth, people, tmp_path):
    case = _make(db, app, people)
    from reintegration import audit
    audit.record(db, "case.read", user=people["caseworker"], obj=case, case_id=case.id, detail={"page": "test"})
    db.commit()
    auth.login("admin")
    response = client.get(f"/cases/{case.id}/subject-export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        data = json.loads(zf.read("data.json"))
        files = [n for n in zf.namelist() if n.startswith("files/")]
        assert len(files) == 1 and zf.read(files[0]).startswith(b"\x89PNG")
    assert data["case"]["person_name"] == "Blessing Okafor"
    # Who saw or changed the case and when, not the staff's addresses nor the chain's hashes.
    assert data["audit_events"] and all({"ip", "hash", "prev_hash"}.isdisjoint(row) and "user_id" in row
                                        for row in data["audit_events"])
    for key in ("children", "plan_versions", "budget_lines", "comments", "decisions", "followup_reports",
                "disbursements", "risk_alerts", "risk_alert_notes", "attachments"):
        assert len(data[key]) == 1, key
    [note] = data["risk_alert_notes"]
    assert note["alert_id"] == data["risk_alerts"][0]["id"] and note["text"] == "Her sister in Benin City was told"
    assert note["author_name"] == "Dorte Caseworker" and note["created_at"]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "case.subject_export",
                                            AuditEvent.case_id == case.id)).first() is not None

    out = tmp_path / "export.zip"
    result = runner.invoke(args=["subject-export", case.reference, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).namelist()[0] == "data.json"
    folder = tmp_path / "folder"
    assert runner.invoke(args=["subject-export", case.reference, "-o", str(folder)]).exit_code == 0
    assert (folder / "data.json").is_file() and len(list((folder / "files").iterdir())) == 1
    assert runner.invoke(args=["subject-export", "RT-NOPE", "-o", str(out)]).exit_code != 0


def test_subject_export_respects_case_scope(app, db, client, auth, people, make_org, make_user):
    case = _make(db, app, people)
    for role in ("partner", "cmm", "approver"):
        auth.login(role)
        assert client.get(f"/cases/{case.id}/subject-export.zip").status_code == 403
        auth.logout()


def test_subject_export_holds_the_lists_that_showed_the_person_but_not_whom_else(app, db, runner, client, auth,
                                                                                 people):
    """Who has seen the person's data is part of what is held about them: a list that
    showed the case is in its subject export, without the ids of the other people the
    list showed. Anonymisation keeps the events and their case links (ids only), so
    the export and the case filter still find the list afterwards."""
    case = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    others = [_make(db, app, people), _make(db, app, people)]
    auth.login(people["caseworker"])
    assert client.get("/cases").status_code == 200
    auth.logout()

    def exported_reads():
        auth.login("admin")
        response = client.get(f"/cases/{case.id}/subject-export.zip")
        auth.logout()
        with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
            events = json.loads(zf.read("data.json"))["audit_events"]
        return [e for e in events if e["action"] == "case_list.read"]

    (read,) = exported_reads()
    assert read["user_id"] == people["caseworker"].id and read["case_id"] is None
    assert json.loads(read["detail"]) == {"page": "cases.index", "cases": 3, "searched": False}
    assert runner.invoke(args=["retention", "run", "--today", "2026-11-27"]).exit_code == 0
    db.expire_all()
    assert db.get(Case, case.id).anonymised_at is not None
    assert [r["id"] for r in exported_reads()] == [read["id"]]
    for other in others:  # the other people's exports find the same list
        assert db.exec(audit.filtered(case_id=other.id, action="case_list.")).one().id == read["id"]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_legal_hold_sent_twice_or_stale(app, db, client, auth, people, make_user):
    """The button sent twice (a double click) does it once and says so; a click from a
    page opened before someone else changed the case is a 409 naming them, and changes
    nothing."""
    case = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    auth.login(people["caseworker"])
    seen = case.revision
    assert auth.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": seen}).status_code == 302
    again = auth.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": seen}, follow_redirects=True)
    assert "Legal hold is on" in again.get_data(as_text=True)
    assert "in the meantime" not in again.get_data(as_text=True)
    db.expire_all()
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert actions.count("case.legal_hold_set") == 1

    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    assert other.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": seen + 1}).status_code == 302
    stale = auth.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": seen + 1})
    assert stale.status_code == 409
    assert "Karen Colleague lifted the legal hold on the case at" in stale.get_data(as_text=True)


def test_a_legal_hold_set_while_the_run_reads_the_due_cases_stops_the_anonymisation(app, db, people, monkeypatch):
    """A caseworker sets a legal hold on a case after the daily run has listed it as due
    (a lawyer asked for the file that morning): the case is kept, whole, and the run
    anonymises the others."""
    held = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    other = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    listed = retention.due_cases

    def listed_then_held(session, today, years):
        cases = listed(session, today, years)
        with Session(app.extensions["db_engine"]) as elsewhere:
            case = elsewhere.get(Case, held.id)
            assert retention.set_legal_hold(elsewhere, case, True, user=elsewhere.get(User, people["caseworker"].id),
                                            seen_revision=case.revision)
        return cases

    monkeypatch.setattr(retention, "due_cases", listed_then_held)
    with Session(app.extensions["db_engine"]) as session:
        done = retention.run(session, Path(app.config["UPLOAD_DIR"]), date(2026, 11, 27), 5)
    db.expire_all()
    kept, anonymised = db.get(Case, held.id), db.get(Case, other.id)
    assert done == [anonymised.reference]
    assert kept.legal_hold and kept.anonymised_at is None and kept.person_name != "Anonymised"
    assert anonymised.person_name == "Anonymised"


def test_a_legal_hold_sent_as_the_run_anonymises_the_case_names_the_anonymisation(app, db, auth, people, make_user,
                                                                                  monkeypatch):
    """The run anonymises a case between the legal-hold request reading it and its write
    (``retention._lock_if_still_due``: the hold then finds the case changed). The 409 names
    the anonymisation and when, not the change before it (a colleague lifting the hold
    last week). An edit form opened before the case was anonymised is no conflict: a
    closed case, anonymised or not, refuses edits outright."""
    from flask_babel import force_locale

    from reintegration.i18n import format_when

    case = _make(db, app, people, status="closed", closed_at=CLOSED_LONG_AGO)
    other = type(auth)(app.test_client(), make_user)
    other.login(make_user("caseworker", name="Karen Colleague"))
    assert other.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": case.revision}).status_code == 302
    assert other.post(f"/cases/{case.id}/legal-hold", {"hold": "off", "revision": case.revision + 1}
                      ).status_code == 302
    db.expire_all()
    seen = db.get(Case, case.id).revision
    hold = retention.set_legal_hold

    def anonymised_first(session, held, on, *, user, seen_revision):
        with Session(app.extensions["db_engine"]) as run:
            assert case.reference in retention.run(run, Path(app.config["UPLOAD_DIR"]), date(2026, 11, 27), 5)
        return hold(session, held, on, user=user, seen_revision=seen_revision)

    monkeypatch.setattr(retention, "set_legal_hold", anonymised_first)
    auth.login(people["caseworker"])
    response = auth.post(f"/cases/{case.id}/legal-hold", {"hold": "on", "revision": seen})

    assert response.status_code == 409
    db.expire_all()
    assert db.get(Case, case.id).anonymised_at is not None and not db.get(Case, case.id).legal_hold
    event = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                             AuditEvent.action == "retention.anonymise")).one()
    with app.test_request_context(), force_locale("en"):
        at = format_when(event.at)
    said = f"The case was anonymised at {at}, as its retention period had ended."
    page = " ".join(response.get_data(as_text=True).split())
    assert " ".join(said.split()) in page  # spaced as the page (the time has a narrow no-break space)
    assert "Karen Colleague" not in page

    stale = auth.post(f"/cases/{case.id}/edit", {"revision": str(seen), "person_name": "Blessing Okafor"},
                      follow_redirects=True)
    assert "A closed case cannot be changed." in stale.get_data(as_text=True)
    db.expire_all()
    assert db.get(Case, case.id).person_name == "Anonymised"


def test_subject_export_file_names_fit_a_file_system_and_keep_their_letters(app, db, runner, people, tmp_path):
    """A file's name in the export keeps its letters with their accents and vowel signs
    (Thai, Vietnamese, Danish), and fits the 255 bytes a file system takes for a name, so
    that the export can be unpacked: a long Thai name once made the folder export fail
    ("File name too long"), and Thai lost its vowel signs."""
    case = _make(db, app, people)
    attachment = db.exec(select(Attachment).where(Attachment.case_id == case.id)).one()
    names = {"thai": "ใบเสร็จ ค่าเช่า.png", "long": "ใบเสร็จรับเงินค่าเช่าบ้าน" * 6 + ".png",
             "vietnamese": "Hóa đơn tiếng Việt.png", "danish": "kvittering æøå.png"}
    for name in names.values():
        db.add(Attachment(case_id=case.id, followup_id=attachment.followup_id, stored_name=secrets.token_hex(16),
                          original_name=name, content_type="image/png", size=3, sha256="c" * 64,
                          uploaded_by=attachment.uploaded_by))
    db.commit()
    for row in db.exec(select(Attachment).where(Attachment.case_id == case.id)).all():
        (Path(app.config["UPLOAD_DIR"]) / row.stored_name).write_bytes(b"\x89PNG")
    folder = tmp_path / "folder"
    result = runner.invoke(args=["subject-export", case.reference, "-o", str(folder)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (folder / "files").iterdir())
    assert len(written) == 5 and all(len(name.encode()) <= 255 for name in written)
    assert any(name.endswith("-ใบเสร็จ ค่าเช่า.png") for name in written)
    assert any(name.endswith("-kvittering æøå.png") for name in written)
    assert any(name.endswith("-Hóa đơn tiếng Việt.png") for name in written)
    assert any("-ใบเสร็จรับเงินค่าเช่าบ้านใบเสร็จ" in name and name.endswith(".png") for name in written)


def test_subject_export_names_a_recorded_file_it_could_not_find(app, db, runner, client, auth, people, tmp_path):
    """A recorded file missing from the uploads folder (lost, or not restored with a
    backup) is not left out unsaid: data.json names it (``files_not_found``), the command
    says so, and the audit trail holds it; the files that are there are exported."""
    case = _make(db, app, people)
    kept = db.exec(select(Attachment).where(Attachment.case_id == case.id)).one()
    lost = Attachment(case_id=case.id, followup_id=kept.followup_id, stored_name=secrets.token_hex(16),
                      original_name="receipt.png", content_type="image/png", size=3, sha256="d" * 64,
                      uploaded_by=kept.uploaded_by)
    db.add(lost)
    db.commit()
    auth.login("admin")
    response = client.get(f"/cases/{case.id}/subject-export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        data = json.loads(zf.read("data.json"))
        members = [n for n in zf.namelist() if n.startswith("files/")]
        assert members == [f"files/{kept.id}-{retention._safe_member(kept.original_name)}"]
        assert zf.read(members[0]).startswith(b"\x89PNG")
    assert data["files_not_found"] == [lost.id] and len(data["attachments"]) == 2
    out = tmp_path / "export.zip"
    result = runner.invoke(args=["subject-export", case.reference, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 file(s)" in result.output and f"attachment(s) {lost.id}" in result.output
    details = [json.loads(e.detail) if isinstance(e.detail, str) else e.detail
               for e in db.exec(select(AuditEvent).where(AuditEvent.action == "case.subject_export")).all()]
    assert [d.get("files_not_found") for d in details] == [[lost.id], [lost.id]]


def test_subject_export_of_a_case_whose_files_are_all_there_says_none_is_missing(app, db, auth, client, people):
    case = _make(db, app, people)
    auth.login("admin")
    with zipfile.ZipFile(io.BytesIO(client.get(f"/cases/{case.id}/subject-export.zip").data)) as zf:
        assert json.loads(zf.read("data.json"))["files_not_found"] == []

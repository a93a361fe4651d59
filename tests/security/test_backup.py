"""Backups: ``flask backup`` while the app writes, ``flask restore``, and a round trip
that compares every row of every table and every file."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select, text
from sqlmodel import Session

from reintegration import audit
from reintegration.models import metadata
from security_helpers import full_case, people  # noqa: F401


def _snapshot(app):
    engine = app.extensions["db_engine"]
    rows = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(sa_select(table).order_by(*pk))]
    upload_dir = Path(app.config["UPLOAD_DIR"])
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in upload_dir.iterdir() if p.is_file()}
    return rows, files


def _round_trip(app, db, runner, people, tmp_path):
    full_case(db, app.config["UPLOAD_DIR"], **people)
    full_case(db, app.config["UPLOAD_DIR"], **people)
    db.close()
    before = _snapshot(app)
    assert before[1] and before[0]["case"]

    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output

    # Damage everything: rows, files, extra files.
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM attachment"))
        conn.execute(text("UPDATE \"case\" SET person_name = 'changed'"))
    upload_dir = Path(app.config["UPLOAD_DIR"])
    for p in upload_dir.iterdir():
        p.unlink()
    (upload_dir / "stray").write_bytes(b"x")
    engine.dispose()

    # The archive holds the whole database and every upload: the owner's alone.
    assert archive.stat().st_mode & 0o777 == 0o600
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    engine.dispose()
    # Restored as the application keeps them: the folder and its files the owner's alone.
    assert upload_dir.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in upload_dir.iterdir()} == {0o600}
    after = _snapshot(app)
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_round_trip_sqlite(app, db, runner, people, tmp_path):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite round trip: the test database is PostgreSQL")
    _round_trip(app, db, runner, people, tmp_path)


def test_round_trip_postgresql(app, db, runner, people, tmp_path):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL round trip: set REINTEGRATION_TEST_DATABASE_URL to a PostgreSQL database")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not on PATH")
    _round_trip(app, db, runner, people, tmp_path)


def test_backup_while_writers_write_is_consistent(app, runner, tmp_path):
    """Writers keep adding audit entries during the backup; the copy is one
    consistent moment (its hash chain verifies)."""
    stop = threading.Event()
    errors = []

    def writer():
        try:
            while not stop.is_set():
                with Session(app.extensions["db_engine"]) as s:
                    audit.record(s, "test.during_backup")
                    s.commit()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    with Session(app.extensions["db_engine"]) as s:
        for _ in range(50):
            audit.record(s, "test.before_backup")
        s.commit()
    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    archive = tmp_path / "live.tar.gz"
    try:
        result = runner.invoke(args=["backup", "-o", str(archive)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert result.exit_code == 0, result.output
    assert not errors
    app.extensions["db_engine"].dispose()
    assert runner.invoke(args=["restore", str(archive), "--yes"]).exit_code == 0
    app.extensions["db_engine"].dispose()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_restore_refuses_something_else(runner, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar")
    assert runner.invoke(args=["restore", str(bogus), "--yes"]).exit_code != 0


def test_missing_pg_dump_is_a_clear_error(monkeypatch, tmp_path):
    from reintegration import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not on PATH"):
        backup.backup("postgresql+psycopg://u@h/db", tmp_path, tmp_path / "x.tar.gz")


def test_a_file_deleted_while_the_backup_runs_does_not_stop_it(app, db, runner, people, tmp_path, monkeypatch):
    """The retention run or the sweep may delete files while a backup copies the uploads
    (both are scheduled, often at night): the backup goes on with the others and counts
    what it holds, instead of failing and leaving no backup that night."""
    import tarfile

    full_case(db, app.config["UPLOAD_DIR"], **people)
    full_case(db, app.config["UPLOAD_DIR"], **people)
    db.close()
    upload_dir = Path(app.config["UPLOAD_DIR"])
    first, second = sorted(upload_dir.iterdir())
    add = tarfile.TarFile.add

    def add_then_delete(self, name, arcname=None, **kwargs):
        add(self, name, arcname, **kwargs)
        if Path(name) == first:
            second.unlink()  # as the retention run deletes an anonymised case's files

    monkeypatch.setattr(tarfile.TarFile, "add", add_then_delete)
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert f"uploads/{first.name}" in names and f"uploads/{second.name}" not in names
    assert manifest["files"] == 1

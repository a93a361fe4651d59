"""Consistent backups while the application runs, and restore.

``flask backup -o FILE`` writes one tar archive holding ``manifest.json``, the
database and ``uploads/``:

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while others keep reading and writing.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot by MVCC); a clear
  error if ``pg_dump`` is not on PATH.

Uploaded files are immutable once stored (random names, never rewritten), so copying
the folder after the database snapshot gives every recorded file; files stored in
between are extra (``flask uploads sweep`` removes them after a restore). A file deleted
while the folder is copied (the retention run, the sweep) is left out, and the backup goes
on; the manifest counts the files the archive holds. Temporary ``.part`` files are left
out.

``flask restore FILE`` is for a stopped application: SQLite's file is replaced
atomically (``os.replace``, WAL side files removed); PostgreSQL gets
``pg_restore --clean --if-exists``; the uploads folder is swapped in whole.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from .models._common import utcnow

FORMAT = "reintegration-backup/1"


class BackupError(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not on PATH; install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client) to back up or restore PostgreSQL")
    return path


def backup(url: str, upload_dir: Path, output: Path, *, audit_head: str | None = None) -> dict:
    """Write a backup archive to ``output`` (atomically: a temporary file is renamed)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        tmp = Path(tmp)
        if url.startswith("sqlite"):
            kind, db_member = "sqlite", "database.sqlite3"
            src = sqlite3.connect(str(_sqlite_path(url)), timeout=30)
            dest = sqlite3.connect(str(tmp / db_member))
            try:
                with dest:
                    src.backup(dest, pages=1024)
            finally:
                dest.close()
                src.close()
        elif url.startswith("postgresql"):
            kind, db_member = "postgresql", "database.pgdump"
            result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                     "--file", str(tmp / db_member), "--dbname", _libpq_url(url)],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise BackupError(f"no backup method for {make_url(url).drivername}")
        files = sorted(p for p in Path(upload_dir).rglob("*") if p.is_file() and not p.name.endswith(".part")) \
            if Path(upload_dir).is_dir() else []
        partial = output.with_name(output.name + ".part")
        # The whole database and every upload: readable by the owner only, whatever the umask.
        partial.touch(mode=0o600)
        os.chmod(partial, 0o600)
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp / db_member, db_member)
            held = 0
            for path in files:
                try:
                    tar.add(path, "uploads/" + path.relative_to(upload_dir).as_posix())
                except FileNotFoundError:
                    # Deleted since the listing, by the retention run (its row goes with it)
                    # or the sweep (it had none): the backup goes on without it.
                    continue
                held += 1
            # Last, so that it counts the files the archive holds.
            manifest = {"format": FORMAT, "database": kind, "created_at": utcnow().isoformat(),
                        "files": held, "audit_head": audit_head}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            tar.add(tmp / "manifest.json", "manifest.json")
        os.replace(partial, output)
    return manifest


def _owner_only(directory: Path) -> None:
    """The restored uploads as the application keeps them: the folder 0700, its files 0600
    (a tar made without folder entries, and copytree, would leave them as the umask says)."""
    os.chmod(directory, 0o700)
    for path in directory.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def restore(url: str, upload_dir: Path, archive: Path) -> dict:
    """Bring a backup back: database and uploads. The application must be stopped."""
    with tempfile.TemporaryDirectory(prefix=".restore-") as tmp:
        tmp = Path(tmp)
        try:
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(tmp, filter="data")  # refuses absolute paths, .., links out
            manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise BackupError(f"not a backup made by `flask backup`: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError("not a backup made by `flask backup`")
        kind = manifest["database"]
        if kind == "sqlite":
            if not url.startswith("sqlite"):
                raise BackupError("this backup is of a SQLite database; the app is configured for another")
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = target.with_name(target.name + ".restoring")
            shutil.copyfile(tmp / "database.sqlite3", staged)
            os.chmod(staged, 0o600)
            check = sqlite3.connect(str(staged))
            try:
                if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("the database in the backup is damaged")
            finally:
                check.close()
            for side in ("-wal", "-shm"):
                Path(str(target) + side).unlink(missing_ok=True)
            os.replace(staged, target)
        elif kind == "postgresql":
            if not url.startswith("postgresql"):
                raise BackupError("this backup is of a PostgreSQL database; the app is configured for another")
            result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                                     "--no-privileges", "--single-transaction", "--dbname", _libpq_url(url),
                                     str(tmp / "database.pgdump")], capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise BackupError(f"unknown database kind {kind!r} in the backup")
        upload_dir = Path(upload_dir)
        upload_dir.parent.mkdir(parents=True, exist_ok=True)
        incoming = tmp / "uploads"
        incoming.mkdir(exist_ok=True)
        staged_dir = upload_dir.with_name(upload_dir.name + ".restoring")
        shutil.rmtree(staged_dir, ignore_errors=True)
        shutil.copytree(incoming, staged_dir)
        _owner_only(staged_dir)
        old = upload_dir.with_name(upload_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if upload_dir.exists():
            os.replace(upload_dir, old)
        os.replace(staged_dir, upload_dir)
        shutil.rmtree(old, ignore_errors=True)
    return manifest


def register_cli(app) -> None:
    import click
    from flask import current_app
    from flask.cli import with_appcontext
    from sqlmodel import Session

    from . import audit
    from .db import database_url

    @click.command("backup")
    @with_appcontext
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The archive to write.")
    def backup_command(output):
        """Back up the database and uploaded files, while the app runs."""
        with Session(current_app.extensions["db_engine"]) as db:
            head = audit.head(db)
        try:
            manifest = backup(database_url(current_app), Path(current_app.config["UPLOAD_DIR"]), Path(output),
                              audit_head=head)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backup written to {output}: {manifest['database']} database, {manifest['files']} file(s), "
                   f"audit head {head}.")

    @click.command("restore")
    @with_appcontext
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(archive, yes):
        """Replace the database and uploaded files with a backup. Stop the app first."""
        if not yes:
            click.confirm("This replaces the current database and uploaded files. Continue?", abort=True)
        current_app.extensions["db_engine"].dispose()
        try:
            manifest = restore(database_url(current_app), Path(current_app.config["UPLOAD_DIR"]), Path(archive))
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        current_app.extensions["db_engine"].dispose()
        click.echo(f"Restored the backup of {manifest['created_at']} ({manifest['files']} file(s)).")

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

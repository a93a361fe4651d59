"""Safe file storage for attachments (receipts, photos, signed documents).

- Only PDF, JPEG, PNG and HEIC are accepted, recognised by their content (magic bytes),
  never by the file name or the content type the browser claims.
- ``UPLOAD_MAX_BYTES`` limits each file (``MAX_CONTENT_LENGTH`` the whole request: 413).
- Files live in ``UPLOAD_DIR`` (``instance/uploads``, outside the web root) under random
  names; the SHA-256 of the content is recorded.
- A file is first copied to a temporary file in the same folder and fsynced; the
  database row is added and the file renamed to its final name inside the transaction,
  and both are removed again if the commit fails (the file only if its row is surely not
  recorded: a commit can fail after the database made it). An interrupted upload
  therefore leaves no record, and at most a stray file that ``flask uploads sweep``
  removes; never a record without its file.
- A file the server cannot write (disk full, folder not writable: any ``OSError``) is an
  :class:`UploadError` (``unstored``) like a refused one, so the form it came with is shown
  again with what was typed, never a 500; the error is logged for the operator.
- Files are served only through the views that check the case (``case_scope``), always
  as a download, with the stored content type and ``X-Content-Type-Options: nosniff``.
- A form that takes files (its view marked :func:`takes_files`) may be sent by a
  signed-in user up to ``UPLOAD_REQUEST_MAX_BYTES``, and each of its files is kept only
  up to one byte over ``UPLOAD_MAX_BYTES`` while the request is read
  (:class:`UploadRequest`): a file too large, or a video chosen by mistake, is refused at
  the file field with everything typed kept, not by a 413 that loses the form.

Errors are codes (:class:`UploadError`); the web layer words them.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

import click
from flask import Request, abort, current_app, send_file, session
from flask.cli import AppGroup
from sqlmodel import Session, select
from werkzeug.exceptions import RequestEntityTooLarge

from .models import Attachment
from .faults import checkpoint

CHUNK = 64 * 1024
TEMP_SUFFIX = ".part"
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"mif1", b"msf1")
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic"}
ACCEPTED_TYPES = tuple(EXTENSIONS)
MAX_FILES = 5  # files per send (``followup.forms.accepted_files``)


class UploadError(Exception):
    """A file that is refused. ``code``: ``empty``, ``type`` or ``too_large``; or
    ``unstored``: the server could not write it (nothing of the send was saved)."""

    def __init__(self, code: str, limit: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.limit = limit


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, or None if not accepted."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def upload_dir() -> Path:
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def takes_files(view):
    """Marks a view whose form takes files limited by ``UPLOAD_MAX_BYTES`` (see
    :class:`UploadRequest`). Put it under the route, above the access check."""
    view.takes_files = True
    return view


class UploadRequest(Request):
    """The application's request. For a view marked :func:`takes_files`, sent by a
    signed-in user, the whole request may be ``UPLOAD_REQUEST_MAX_BYTES`` (not
    ``MAX_CONTENT_LENGTH``), and each file is kept only up to ``UPLOAD_MAX_BYTES + 1``
    bytes, the rest read and dropped: the form's check then finds the file too large and
    says so at its field, with the rest of the form kept. What the request keeps of all
    its files together is at most ``MAX_FILES + 1`` files at that size (413 beyond)."""

    def _takes_files(self) -> bool:
        if not current_app or not self.endpoint:
            return False
        return getattr(current_app.view_functions.get(self.endpoint), "takes_files", False)

    _limit_set_for_request = False

    @property
    def max_content_length(self) -> int | None:
        # Signed in: the session says so. The user is not loaded here, while the request is
        # read (before the hooks that run first, such as the session's being made permanent).
        # A limit a view sets on its request (Flask's documented setter) is kept as set.
        limit = super().max_content_length
        if not self._limit_set_for_request and self._takes_files() and session.get("_user_id"):
            return max(limit or 0, int(current_app.config["UPLOAD_REQUEST_MAX_BYTES"]))
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._limit_set_for_request = value is not None  # None: the default again, as in Flask
        Request.max_content_length.fset(self, value)

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if not self._takes_files():
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        cap = max_bytes() + 1
        if not hasattr(self, "_file_room"):
            self._file_room = [(MAX_FILES + 1) * cap]
        return _CappedPart(cap, self._file_room)


class _CappedPart(tempfile.SpooledTemporaryFile):
    """One file of a request: its first ``cap`` bytes kept (in memory, on disk past
    500 kB), the rest dropped; ``room`` (shared by the request's files) is what all of
    them may still keep together."""

    def __init__(self, cap: int, room: list[int]) -> None:
        super().__init__(max_size=500 * 1024, mode="rb+")
        self._cap = cap
        self._room = room

    def write(self, data) -> int:
        kept = bytes(data[: self._cap])
        if kept:
            if len(kept) > self._room[0]:
                raise RequestEntityTooLarge()
            self._room[0] -= len(kept)
            self._cap -= len(kept)
            super().write(kept)
        return len(data)


def check(stream: BinaryIO, limit: int | None = None) -> str:
    """Check an uploaded stream without storing anything: its content type, or
    :class:`UploadError`. The stream is left at its start (form validators use this)."""
    limit = max_bytes() if limit is None else limit
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError("empty")
    if size > limit:
        raise UploadError("too_large", limit)
    content_type = sniff(head)
    if content_type is None:
        raise UploadError("type")
    return content_type


def base_name(filename: str | None) -> str:
    """The client's file name without the folders some browsers send with it."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1]


# The endings of the accepted kinds' file names (HEIC photos are also saved as .heif).
NAMED_ACCEPTED = (".pdf", ".jpg", ".jpeg", ".png", ".heic", ".heif")


def named_as_accepted(filename: str | None) -> bool:
    """Whether the file's name ends as an accepted kind's does: a file so named whose
    content is not of that kind is damaged or renamed, not a kind that was never taken."""
    return base_name(filename).strip().lower().endswith(NAMED_ACCEPTED)


def clean_name(filename: str | None, content_type: str) -> str:
    """The client's file name, kept only for display and download: no folders, no
    control characters, at most 200 characters, and the extension of the real type."""
    name = base_name(filename)
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip(" .")[:200] or "file"
    extension = EXTENSIONS[content_type]
    if not name.lower().endswith(extension) and not (content_type == "image/jpeg" and name.lower().endswith(".jpeg")):
        name += extension
    return name


@dataclass
class StagedFile:
    """A checked file in a temporary file beside its final place, not yet recorded."""

    temp_path: Path
    stored_name: str
    content_type: str
    size: int
    sha256: str
    original_name: str

    @property
    def final_path(self) -> Path:
        return self.temp_path.with_name(self.stored_name)


def stage(stream: BinaryIO, filename: str | None) -> StagedFile:
    """Copy an upload into a temporary file in ``UPLOAD_DIR``, checking its type from the
    first bytes and its size while copying; fsynced. Raises :class:`UploadError` (and
    leaves nothing behind) when the file is refused."""
    limit = max_bytes()
    stream.seek(0)
    head = b""
    while len(head) < 16:
        chunk = stream.read(16 - len(head))
        if not chunk:
            break
        head += chunk
    if not head:
        raise UploadError("empty")
    content_type = sniff(head)
    if content_type is None:
        raise UploadError("type")
    try:
        directory = upload_dir()
    except OSError as error:
        raise _unstored(error) from error
    stored_name = secrets.token_hex(16)
    temp_path = directory / (stored_name + TEMP_SUFFIX)
    digest = hashlib.sha256()
    size = 0
    try:
        # 0600: readable by the application's own user only, whatever the umask.
        with os.fdopen(os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise UploadError("too_large", limit)
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        _remove(temp_path)
        raise _unstored(error) from error
    except BaseException:
        _remove(temp_path)
        raise
    return StagedFile(temp_path, stored_name, content_type, size, digest.hexdigest(),
                      clean_name(filename, content_type))


def digest(stream: BinaryIO) -> str:
    """The SHA-256 of an upload's content (as :func:`stage` stores it in
    ``Attachment.sha256``), read without storing it; the stream is left at its start.
    Reading stops past the size limit: a file that large is never attached."""
    stream.seek(0)
    sha, size, chunk = hashlib.sha256(), 0, stream.read(CHUNK)
    while chunk and size <= max_bytes():
        size += len(chunk)
        sha.update(chunk)
        chunk = stream.read(CHUNK)
    stream.seek(0)
    return sha.hexdigest()


def add_attachment(db: Session, staged: StagedFile, *, case_id: int, user_id: int,
                   followup_id: int | None = None, disbursement_id: int | None = None) -> Attachment:
    """Add the row for a staged file to the session (see :func:`commit_with_files`)."""
    attachment = Attachment(case_id=case_id, followup_id=followup_id, disbursement_id=disbursement_id,
                            stored_name=staged.stored_name, original_name=staged.original_name,
                            content_type=staged.content_type, size=staged.size, sha256=staged.sha256,
                            uploaded_by=user_id)
    db.add(attachment)
    return attachment


def commit_with_files(db: Session, staged: Iterable[StagedFile]) -> None:
    """Move staged files to their final names and commit, as one: if anything fails,
    the transaction is rolled back and the files are removed. A commit that fails may
    have been made all the same (the connection lost during COMMIT): the files whose
    rows a fresh session then finds are kept (:func:`_discard_unrecorded`)."""
    staged = list(staged)
    committing = False
    try:
        db.flush()
        try:
            for item in staged:
                os.replace(item.temp_path, item.final_path)
        except OSError as error:
            raise _unstored(error) from error
        if staged:
            _fsync_dir(staged[0].final_path.parent)
        checkpoint("uploads.store")  # crash tests stop the process here (no-op otherwise)
        committing = True
        db.commit()
    except BaseException:
        db.rollback()
        if committing:
            _discard_unrecorded(db, staged)
        else:
            discard(staged)
        raise


def _discard_unrecorded(db: Session, staged: list[StagedFile]) -> None:
    """After a failed commit, remove the staged files that no row names. The commit may
    have been made (its outcome is unknown when the connection is lost during COMMIT), so
    a fresh session looks for the rows; a file is removed only when its row is surely
    absent. If the database cannot be asked, the files stay: ``flask uploads sweep``
    removes them an hour later if no row names them, so a recorded file is never lost."""
    names = [item.stored_name for item in staged]
    if not names:
        return
    try:
        with Session(db.get_bind()) as fresh:
            recorded = set(fresh.exec(select(Attachment.stored_name).where(Attachment.stored_name.in_(names))).all())
    except Exception:
        current_app.logger.warning("after a failed commit, %d upload(s) are left for the sweep", len(names))
        return
    discard(item for item in staged if item.stored_name not in recorded)


def _unstored(error: OSError) -> UploadError:
    """The refusal of a file the server could not write, logged for the operator (the
    error names our own path and the reason, never the client's file name)."""
    current_app.logger.error("an upload could not be stored: %s", error)
    return UploadError("unstored")


def discard(staged: Iterable[StagedFile]) -> None:
    """Remove staged files (temporary or already moved) that will not be recorded."""
    for item in staged:
        _remove(item.temp_path)
        _remove(item.final_path)


def send_attachment(attachment: Attachment):
    """The stored file as a download with its recorded content type; 404 if missing."""
    if not STORED_NAME.match(attachment.stored_name):
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", attachment.id, attachment.stored_name)
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def sweep(db: Session, directory: Path, older_than_seconds: int = 3600, now: float | None = None) -> list[str]:
    """Remove temporary files and files without a database row that are older than
    ``older_than_seconds`` (younger ones may belong to an upload in progress)."""
    if not directory.is_dir():
        return []
    now = time.time() if now is None else now
    known = set(db.exec(select(Attachment.stored_name)).all())
    removed = []
    for path in directory.iterdir():
        if not path.is_file() or now - path.stat().st_mtime < older_than_seconds:
            continue
        stray_temp = path.name.endswith(TEMP_SUFFIX) and STORED_NAME.match(path.name[: -len(TEMP_SUFFIX)])
        orphan = STORED_NAME.match(path.name) and path.name not in known
        if stray_temp or orphan:
            _remove(path)
            removed.append(path.name)
    return removed


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


cli = AppGroup("uploads", help="Stored attachments.")


@cli.command("sweep")
@click.option("--older-than", default=3600, show_default=True, help="Seconds a stray file must be old.")
def sweep_command(older_than: int):
    """Remove stray temporary files and files without a record (older than an hour)."""
    with Session(current_app.extensions["db_engine"]) as db:
        removed = sweep(db, Path(current_app.config["UPLOAD_DIR"]), older_than)
    click.echo(f"Removed {len(removed)} stray file(s).")

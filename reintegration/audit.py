"""The tamper-evident audit trail.

Each event carries the SHA-256 of its own content chained to the previous event's
hash, so an edited, inserted or deleted row breaks the chain (``flask audit verify``).
Events are added to the caller's transaction: an action and its audit record are
committed together or not at all.

No free text about a person in ``detail``: the trail is kept for good (hash-chained,
never anonymised by retention), so it holds non-personal facts only: ids, codes,
outcomes, the *names* of changed fields, counts and lengths, digests. Reasons, notes,
comments, names and e-mail addresses of the people concerned stay on their own rows,
which retention anonymises (a decision's reason is logged as ``reason_chars``). A
failed sign-in names a known account by id and an unknown typed e-mail only by a
keyed, truncated digest (what was typed may be a password or a name).

An event about many cases (a list page that showed people's names, the batch export) is
one event whose detail names the cases, with a link row per case (``AuditEventCase``) by
which the trail's case filter finds it under each: ``record_for_cases``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timezone
from typing import Any, Iterable, NamedTuple

from flask import has_request_context, request
from sqlalchemy import text, union_all
from sqlmodel import Session, func, select
from werkzeug.local import LocalProxy

from .models import AuditEvent, AuditEventCase, User
from .models._common import utcnow

GENESIS = "0" * 64


def _utc_text(at) -> str:
    # The same text whether the database hands the time back aware or naive (UTC).
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


# The event's content, in the order it is hashed.
_CONTENT = ("at", "user_id", "organisation_id", "action", "object_type", "object_id", "case_id", "detail", "ip")


def _canonical(content: dict[str, Any]) -> bytes:
    fields = [_utc_text(content["at"]), *(content[name] for name in _CONTENT[1:])]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def _chained(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(content)).hexdigest()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return _chained(prev_hash, {name: getattr(event, name) for name in _CONTENT})


class Recorded(NamedTuple):
    """An event as ``record`` stored it: its id and its place in the chain."""

    id: int
    prev_hash: str
    hash: str


# How the chain stays one chain: writers are serialised so two events never share a
# predecessor.
#
# PostgreSQL: the function ``audit_append`` (migration 0004) takes a transaction-scoped
# advisory lock (released at commit or rollback), reads the last hash and inserts, in
# one round trip. The last hash must be read by a *later* statement than the one that
# waits for the lock (in READ COMMITTED each statement sees the data committed when it
# starts); inside a VOLATILE function each statement takes a fresh snapshot.
#
# The cost of the chain is the time the lock is held: from the append to COMMIT, of
# which the WAL flush (fsync) at commit was the largest part. For the record of a *read*
# (``case.read``, ``report.read``...) in a transaction that has written nothing else
# (``pg_current_xact_id_if_assigned()`` is still NULL), the commit does not wait for the
# flush (``synchronous_commit = off`` for this transaction only), so the lock is released
# as soon as the commit is in the WAL buffers. Tamper evidence is unchanged: the hash
# chain, the lock and the order of events are the same; WAL is written in order, so a
# crash can at worst lose the last few milliseconds of *read* records as a whole tail
# (never a gap in the chain: any later durable commit flushes them first). Records of
# changes, and reads in a transaction that also changes data, stay fully durable.
#
# ``at`` is the moment of the action, taken before the lock is waited for (on PostgreSQL
# it is part of the content the function chains): under contention two events may follow
# each other in the chain a few milliseconds out of time order. The chain's order (``id``)
# is the one the trail is read and verified in.
#
# SQLite: a write statement that changes nothing makes the driver open the transaction
# and take SQLite's single write lock now (other writers wait on ``busy_timeout``), so
# the last hash read after it cannot change before commit. This is BEGIN IMMEDIATE in
# effect, without changing how the driver begins transactions.
_SQLITE_LOCK = text("UPDATE auditevent SET id = id WHERE 0 = 1")


def record(db: Session, action: str, *, user=None, obj: Any = None, case_id: int | None = None,
           detail: dict | None = None, object_type: str | None = None, object_id: Any = None) -> Recorded:
    """Add an audit event for ``action`` to the session's transaction (the caller commits)."""
    if isinstance(obj, LocalProxy):  # ``obj=current_user``: the user, not the proxy ("localproxy")
        obj = obj._get_current_object()
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    return _append(db, _content(action, user, case_id, detail, object_type, object_id))


def record_for_cases(db: Session, action: str, case_ids: Iterable[int], *, user=None,
                     detail: dict | None = None) -> Recorded:
    """Record ``action`` on many cases at once (a list page that showed their people, the
    batch export of their plans) as *one* event whose ``detail`` names the cases
    (``"cases": [ids]``, sorted), plus one ``AuditEventCase`` row per case, by which the
    trail's case filter finds the event under each of them.

    The chained detail is the record; the link rows are an index of it, not a second
    source of truth: the hash chain protects the list of cases (edit it, and ``verify``
    reports changed content), and ``verify`` compares the link rows with that list, so a
    link row deleted (to hide a read from the filter) or added (to put one on a case) is
    reported as well. The link rows hold ids only, like the trail, and are written in the
    same transaction by one more statement after the event (an executemany on SQLite).
    A list read commits as other reads do (``audit_append`` on PostgreSQL: without
    waiting for the WAL flush); the event and its links are one transaction, kept or
    lost together."""
    ids = sorted({int(case_id) for case_id in case_ids})
    recorded = _append(db, _content(action, user, None, (detail or {}) | {"cases": ids}, None, None))
    if not ids:
        return recorded
    if db.get_bind().dialect.name == "postgresql":
        # One statement with the ids as one array: cheaper than an executemany of one
        # row each (0.5 against 0.8 ms for a list of 50 on this machine).
        db.execute(_LINK, {"event_id": recorded.id, "case_ids": ids})
    else:
        db.connection().execute(AuditEventCase.__table__.insert(),
                                [{"event_id": recorded.id, "case_id": case_id} for case_id in ids])
    return recorded


_LINK = text("INSERT INTO auditeventcase (event_id, case_id) "
             "SELECT :event_id, unnest(CAST(:case_ids AS integer[]))")


def saved_revision(db: Session, action: str, obj: Any, user) -> int | None:
    """The revision ``user``'s latest ``action`` on ``obj`` saved, from its detail's
    ``"revision"`` (None if they never did). A revision is made by one save only, so
    this equal to the object's revision now means that save was theirs: a form sent
    twice (a double click) is then told apart from someone else's save in between."""
    detail = db.exec(select(AuditEvent.detail).where(
        AuditEvent.action == action, AuditEvent.object_type == type(obj).__name__.lower(),
        AuditEvent.object_id == str(obj.id), AuditEvent.user_id == getattr(user, "id", None))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    try:
        revision = json.loads(detail).get("revision") if detail else None
    except (ValueError, AttributeError):
        return None
    return revision if isinstance(revision, int) and not isinstance(revision, bool) else None


def last_change(db: Session, obj: Any, actions: Iterable[str], *, also: Iterable[str] = ()) -> AuditEvent | None:
    """The latest of ``actions`` done on ``obj`` (or of the object-less ``also``, such as
    a reload of the partner registry), from the trail: who changed it and when, for a
    conflict page."""
    on_obj = (AuditEvent.object_type == type(obj).__name__.lower()) & (AuditEvent.object_id == str(obj.id)) \
        & AuditEvent.action.in_(tuple(actions))
    condition = on_obj | AuditEvent.action.in_(tuple(also)) if also else on_obj
    return db.exec(select(AuditEvent).where(condition).order_by(AuditEvent.id.desc()).limit(1)).first()


def done_by(db: Session, event: AuditEvent | None) -> tuple[User | None, Any]:
    """Who did ``event`` and when, for a conflict page: ``(None, None)`` without an event,
    ``(None, at)`` when the trail names no account (a command, or an account since removed)."""
    if event is None:
        return None, None
    return (db.get(User, event.user_id) if event.user_id else None), event.at


def changed_fields(event: AuditEvent | None) -> list[str]:
    """The field names an event's detail lists (``"fields": [...]``), if any."""
    try:
        fields = json.loads(event.detail).get("fields") if event is not None and event.detail else None
    except (ValueError, AttributeError):
        return []
    return [name for name in fields if isinstance(name, str)] if isinstance(fields, list) else []


def cases_named(detail: str | None) -> frozenset[int]:
    """The cases an event's ``detail`` names as a list (``"cases": [ids]``, written by
    ``record_for_cases``): the link rows the event must have. Not a count: the batch's
    records made before migration 0014 said ``"cases": 3`` and have no link rows."""
    if not detail or '"cases"' not in detail:  # most events: no JSON to parse
        return frozenset()
    try:
        value = json.loads(detail)
    except ValueError:
        return frozenset()
    cases = value.get("cases") if isinstance(value, dict) else None
    if not isinstance(cases, list):
        return frozenset()
    return frozenset(v for v in cases if isinstance(v, int) and not isinstance(v, bool))


def _content(action: str, user, case_id: int | None, detail: dict | None, object_type: str | None,
             object_id: Any) -> dict[str, Any]:
    """An event's content (``_CONTENT``), as it is stored and hashed."""
    if isinstance(user, LocalProxy):  # ``current_user``: looked up once, not per attribute
        user = user._get_current_object()
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None
    return {
        "at": utcnow(), "user_id": getattr(user, "id", None),
        "organisation_id": getattr(user, "organisation_id", None), "action": action,
        "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "case_id": case_id, "detail": _detail_text(detail) if detail else None,
        "ip": request.remote_addr if has_request_context() else None,
    }


def _detail_text(detail: dict) -> str:
    return json.dumps(detail, sort_keys=True, default=str)


def _append(db: Session, content: dict[str, Any]) -> Recorded:
    """Chain ``content`` to the last event and insert it, under the chain's lock."""
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        # Lock, last hash and insert in one round trip (migration 0004); no ORM object
        # is made for the row (a case page records a read on every view).
        return Recorded(*db.execute(_APPEND, content | {
            "content": _canonical(content), "read": content["action"].endswith(".read")}).one())
    db.execute(_SQLITE_LOCK)
    last = db.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = last or GENESIS
    event = AuditEvent(**content, prev_hash=prev_hash, hash=_chained(prev_hash, content))
    db.add(event)
    db.flush()
    return Recorded(event.id, event.prev_hash, event.hash)


# The same chaining as ``event_hash``, in the database: see migration 0004.
_APPEND = text("SELECT new_id, new_prev_hash, new_hash FROM audit_append("
               "CAST(:at AS timestamptz), :user_id, :organisation_id, :action, :object_type, :object_id, "
               ":case_id, :detail, :ip, :content, :read)")


def all_events(db: Session) -> Iterable[AuditEvent]:
    """Every event in chain order, streamed."""
    return db.exec(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000))


def all_links(db: Session) -> Iterable[tuple[int, int]]:
    """Every ``(event_id, case_id)`` link row in the order of its primary key, streamed."""
    return db.exec(select(AuditEventCase.event_id, AuditEventCase.case_id)
                   .order_by(AuditEventCase.event_id, AuditEventCase.case_id).execution_options(yield_per=5000))


def verify(events: Iterable[AuditEvent], links: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, str]]:
    """Problems in the chain as ``(event id, what is wrong)``; empty when intact.

    ``links``, the ``(event_id, case_id)`` link rows ordered as ``all_links`` gives them:
    each event's rows must be exactly the cases its chained detail names
    (``cases_named``); the chain protects the detail, this check the rows that index it.
    Both streams are read once, side by side (memory stays flat)."""
    problems: list[tuple[int, str]] = []
    pending = iter(links if links is not None else ())
    link = next(pending, None)
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev:
            problems.append((event.id, "chain broken: an entry before this one was inserted or deleted"))
        if event_hash(event.prev_hash, event) != event.hash:
            problems.append((event.id, "content changed after it was recorded"))
        prev = event.hash
        if links is None:
            continue
        linked = set()
        while link is not None and link[0] <= event.id:
            if link[0] < event.id:
                problems.append((link[0], f"a case link to case {link[1]} without its entry"))
            else:
                linked.add(link[1])
            link = next(pending, None)
        named = cases_named(event.detail)
        for case_id in sorted(named - linked):
            problems.append((event.id, f"case link to case {case_id} removed: the entry names the case"))
        for case_id in sorted(linked - named):
            problems.append((event.id, f"case link to case {case_id} added: the entry does not name the case"))
    while link is not None:
        problems.append((link[0], f"a case link to case {link[1]} without its entry"))
        link = next(pending, None)
    return problems


def verify_db(db: Session) -> list[tuple[int, str]]:
    """Check the whole stored chain and its case links. A deleted *last* entry cannot be
    seen from the chain alone; ``flask audit verify --expect-head HASH`` (a head noted
    elsewhere, e.g. in the backup log) covers that."""
    return verify(all_events(db), all_links(db))


def head(db: Session) -> str:
    return db.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first() or GENESIS


# --- reading: filters, CSV, command line ----------------------------------------

CSV_COLUMNS = ("id", "at", "user_id", "user_email", "organisation_id", "action", "object_type",
               "object_id", "case_id", "detail", "ip", "prev_hash", "hash")


def loggable_action(action: str | None) -> str | None:
    """An action filter as the trail may keep it: typed text only when it looks like an
    action name. Free text could name a person, and the trail is permanent."""
    if action is None or re.fullmatch(r"[a-z0-9_.]{1,64}", action):
        return action
    return f"(other text, {len(action)} characters)"


def filtered(*, user_id: int | None = None, action: str | None = None, case_id: int | None = None,
             date_from=None, date_to=None):
    """A select of events matching the filters (all optional), newest first.
    ``action`` matches a prefix (``case.`` finds every case action). ``case_id`` finds
    the events of the case (their own ``case_id``) and the events about many cases linked
    to it (``AuditEventCase``: a list that showed the case, a batch export that held it),
    each once: the ids of both, by their indexes, then the events by primary key."""
    from datetime import date

    from .i18n import local_day_bounds

    stmt = select(AuditEvent)
    if user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == user_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if case_id is not None:
        stmt = stmt.where(AuditEvent.id.in_(union_all(
            select(AuditEvent.id).where(AuditEvent.case_id == case_id),
            select(AuditEventCase.event_id).where(AuditEventCase.case_id == case_id))))
    # Days in Denmark, as the page shows the entries' times.
    start, end = local_day_bounds(date_from or date.min, date_to or date.max)
    if date_from is not None:
        stmt = stmt.where(AuditEvent.at >= start)
    if date_to is not None and date_to < date_to.max:
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.id.desc())


def _cell(value) -> str:
    text_value = "" if value is None else str(value)
    # A spreadsheet must never run a cell as a formula (CSV injection).
    if text_value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text_value = "'" + text_value
    return text_value


def write_csv(events: Iterable[AuditEvent], out, emails: dict[int, str] | None = None) -> int:
    import csv

    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    emails = emails or {}
    for e in events:
        writer.writerow([_cell(v) for v in (
            e.id, _utc_text(e.at) + "Z", e.user_id, emails.get(e.user_id, ""), e.organisation_id, e.action,
            e.object_type, e.object_id, e.case_id, e.detail, e.ip, e.prev_hash, e.hash)])
        n += 1
    return n


def user_emails(db: Session) -> dict[int, str]:
    from .models import User

    return {uid: email for uid, email in db.exec(select(User.id, User.email)).all()}


def register_cli(app) -> None:
    import sys

    import click
    from flask import current_app
    from flask.cli import AppGroup

    group = AppGroup("audit", help="The tamper-evident audit trail.")

    def _session() -> Session:
        return Session(current_app.extensions["db_engine"], expire_on_commit=False)

    @group.command("verify")
    @click.option("--expect-head", default=None, help="The newest hash noted earlier (detects deleted tail entries).")
    def verify_command(expect_head):
        """Check the hash chain; exit status 1 on any edited, inserted or deleted entry."""
        with _session() as db:
            problems = verify_db(db)
            count = db.exec(select(func.count()).select_from(AuditEvent)).one()
            current_head = head(db)
        if expect_head and expect_head != current_head:
            with _session() as db:
                hashes = set(db.exec(select(AuditEvent.hash)).all())
            if expect_head not in hashes:
                problems.append((0, f"the noted head {expect_head} is no longer in the trail: entries were removed"))
        for event_id, what in problems:
            click.echo(f"entry {event_id}: {what}")
        if problems:
            click.echo(f"TAMPERED: {len(problems)} problem(s) in {count} entries.", err=True)
            sys.exit(1)
        click.echo(f"OK: {count} entries, head {current_head}")

    @group.command("export")
    @click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", help="CSV file (default: standard output)")
    @click.option("--user-id", type=int)
    @click.option("--action")
    @click.option("--case-id", type=int)
    @click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]),
                  help="From this day (YYYY-MM-DD), in Danish time, as the audit trail page filters.")
    @click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]),
                  help="To this day (YYYY-MM-DD), inclusive, in Danish time.")
    def export_command(output, user_id, action, case_id, date_from, date_to):
        """Write the audit trail (optionally filtered) as CSV. The export is itself audited."""
        with _session() as db:
            stmt = filtered(user_id=user_id, action=action, case_id=case_id,
                            date_from=date_from.date() if date_from else None,
                            date_to=date_to.date() if date_to else None)
            events = db.exec(stmt.execution_options(yield_per=2000))
            emails = user_emails(db)
            if output == "-":
                n = write_csv(events, sys.stdout, emails)
            else:
                with open(output, "w", newline="", encoding="utf-8") as fh:
                    n = write_csv(events, fh, emails)
            record(db, "audit.export", detail={"via": "cli", "rows": n, "user_id": user_id,
                                                "action": loggable_action(action),
                                                "case_id": case_id, "from": str(date_from or ""),
                                                "to": str(date_to or "")})
            db.commit()
        if output != "-":
            click.echo(f"Wrote {n} entries to {output}.")

    app.cli.add_command(group)

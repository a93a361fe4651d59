"""The tamper-evident audit trail.

Each event carries the SHA-256 of its own content chained to the previous event's
hash, so an edited, inserted or deleted row breaks the chain (``flask audit verify``).
Events are added to the caller's transaction: an action and its audit record are
committed together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from flask import has_request_context, request
from sqlalchemy import text
from sqlmodel import Session, select

from .models import AuditEvent
from .models._common import utcnow

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    fields = [
        event.at.isoformat(timespec="microseconds"), event.user_id, event.organisation_id,
        event.action, event.object_type, event.object_id, event.case_id, event.detail, event.ip,
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def _lock_chain(db: Session) -> None:
    """Serialise writers of the chain so two events never share a predecessor."""
    bind = db.get_bind()
    if bind.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(727001)"))


def record(db: Session, action: str, *, user=None, obj: Any = None, case_id: int | None = None,
           detail: dict | None = None, object_type: str | None = None, object_id: Any = None) -> AuditEvent:
    """Add an audit event for ``action`` to the session (the caller commits)."""
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None
    if obj is not None:
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    ip = request.remote_addr if has_request_context() else None
    db.flush()
    _lock_chain(db)
    last = db.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    event = AuditEvent(
        at=utcnow(), user_id=getattr(user, "id", None),
        organisation_id=getattr(user, "organisation_id", None), action=action,
        object_type=object_type, object_id=None if object_id is None else str(object_id),
        case_id=case_id, detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
        ip=ip, prev_hash=last or GENESIS, hash="",
    )
    event.hash = event_hash(event.prev_hash, event)
    db.add(event)
    db.flush()
    return event


def verify(events: Iterable[AuditEvent]) -> list[tuple[int, str]]:
    """Problems in the chain as ``(event id, what is wrong)``; empty when intact."""
    problems: list[tuple[int, str]] = []
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev:
            problems.append((event.id, "chain broken: an entry before this one was inserted or deleted"))
        if event_hash(event.prev_hash, event) != event.hash:
            problems.append((event.id, "content changed after it was recorded"))
        prev = event.hash
    return problems

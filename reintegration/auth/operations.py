"""Accounts: password hashing, sign-in with throttling."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlmodel import Session, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import LoginAttempt, Organisation, User
from ..models._common import utcnow
from ..models.organisations import INACTIVE

# Throttling: after this many failures in the window, further attempts for the
# account (or from the address) are refused until the window has passed.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=15)
# How long sign-in steps (a keyed digest of the typed e-mail, the address, the outcome)
# are kept: long enough to look into a wave of attempts, then deleted.
KEEP_ATTEMPTS = timedelta(days=30)
# A hash to compare against when the account does not exist, so the answer takes
# the same time either way.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's current default


def new_session_token() -> str:
    return secrets.token_hex(16)


def may_sign_in(db: Session, user: User) -> bool:
    """An active account of an organisation that is not inactive: the users of an
    organisation set inactive can no longer sign in (nor stay signed in, see
    ``security.load_user``)."""
    organisation = db.get(Organisation, user.organisation_id)
    return bool(user.active) and organisation is not None and organisation.status != INACTIVE


def attempt_key(email: str) -> str:
    """How a sign-in step names the account it was for (``LoginAttempt.email``): a keyed
    digest of the typed e-mail, never the text. What is typed there may be a password or
    a name; the throttle needs only to tell the same text again."""
    key = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _account_failures(email: str, since):
    """The account's failed sign-in steps in the window that count towards its lock: those
    after an administrator last lifted it (``User.sign_in_lock_lifted_at``), if they did."""
    lifted = select(User.sign_in_lock_lifted_at).where(User.email == email.strip().lower()).scalar_subquery()
    return (LoginAttempt.email == attempt_key(email), LoginAttempt.success == False,  # noqa: E712
            LoginAttempt.at >= since, or_(lifted.is_(None), LoginAttempt.at > lifted))


def throttled(db: Session, email: str, ip: str) -> bool:
    since = utcnow() - WINDOW
    by_account = db.exec(select(func.count()).select_from(LoginAttempt).where(*_account_failures(email, since))).one()
    by_address = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.success == False, LoginAttempt.at >= since)).one()  # noqa: E712
    return by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS


def sign_in_lock(db: Session, user: User) -> tuple[int, datetime | None]:
    """How many failed sign-in steps count against the account now, and until when it is
    locked (None when it is not). The lock ends when fewer than
    ``MAX_FAILURES_PER_ACCOUNT`` of them are left in the window, that is, when the
    ``MAX_FAILURES_PER_ACCOUNT``-th newest leaves it. A lock on the address (many accounts
    tried from one place) is not the account's and is not shown here."""
    times = db.exec(select(LoginAttempt.at).where(*_account_failures(user.email, utcnow() - WINDOW))
                    .order_by(LoginAttempt.at.desc())).all()
    if len(times) < MAX_FAILURES_PER_ACCOUNT:
        return len(times), None
    return len(times), times[MAX_FAILURES_PER_ACCOUNT - 1] + WINDOW


def forget_old_attempts(db: Session, now: datetime | None = None) -> int:
    """Delete the sign-in steps older than ``KEEP_ATTEMPTS``: the throttle reads fifteen
    minutes of them, and the audit trail keeps who failed to sign in (``auth.login_failed``).
    Run by ``flask retention run``. The caller commits; returns how many went."""
    cutoff = (now or utcnow()) - KEEP_ATTEMPTS
    return db.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount or 0


def record_attempt(db: Session, email: str, ip: str, success: bool) -> None:
    """Record a sign-in step (password or second factor); failures count towards
    the throttle of both the account and the address. The caller commits."""
    db.add(LoginAttempt(email=attempt_key(email), ip=ip[:45], success=success))


def authenticate(db: Session, email: str, password: str, ip: str) -> User | None:
    """The user whose e-mail and password match, or None. Every attempt is recorded;
    a throttled account or address gets None even with the right password."""
    email = email.strip().lower()
    if throttled(db, email, ip):
        check_password_hash(_DUMMY_HASH, password)
        return None
    user = db.exec(select(User).where(User.email == email)).first()
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and may_sign_in(db, user)
    db.add(LoginAttempt(email=attempt_key(email), ip=ip[:45], success=ok))
    if ok:
        user.last_login_at = utcnow()
        db.add(user)
    db.commit()
    return user if ok else None

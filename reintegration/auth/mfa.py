"""Two-factor authentication: TOTP (RFC 6238, via pyotp) and single-use recovery codes.

Decisions:
- The secret is generated on the server and shown as text (and as an ``otpauth://``
  URI); no external QR service ever sees it.
- Recovery codes carry 50 random bits each, so a fast hash (SHA-256) is enough to
  store them; they are shown once and each works once.
- A code is accepted for the current 30-second step and one step either side (clock
  drift). The last step used is remembered per user (``last_step`` in the JSON
  document that also holds the hashed recovery codes), so a code seen over someone's
  shoulder cannot be replayed within its window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

import pyotp
from flask import current_app
from sqlmodel import Session

from ..models import User

ISSUER = "Reintegration"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def required_for(user: User) -> bool:
    roles = current_app.config.get("MFA_REQUIRED_ROLES") or ()
    return "all" in roles or user.role in roles


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _state(user: User) -> dict:
    try:
        data = json.loads(user.recovery_codes or "{}")
    except ValueError:
        data = {}
    if isinstance(data, list):  # tolerate a bare list of hashes
        data = {"codes": data}
    data.setdefault("codes", [])
    data.setdefault("last_step", 0)
    return data


def remaining_recovery_codes(user: User) -> int:
    return len(_state(user)["codes"])


def check_code(secret: str, code: str, *, last_step: int = 0) -> int | None:
    """The time step ``code`` belongs to, or None. Steps at or before ``last_step`` are refused."""
    code = _normalise(code)
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enable(db: Session, user: User, secret: str, codes: list[str] | None = None, *,
           last_step: int = 0) -> list[str]:
    """Turn on two-factor authentication with ``secret``; returns the recovery codes
    (new ones unless given). ``last_step`` is the time step of the code that confirmed
    the enrolment (from :func:`check_code`): it is used up as a code used to sign in is,
    so it cannot sign in again within its window. The caller records the audit event and
    commits."""
    codes = codes or new_recovery_codes()
    user.totp_secret = secret
    user.mfa_enabled = True
    user.recovery_codes = json.dumps({"codes": [_hash(c) for c in codes], "last_step": last_step})
    db.add(user)
    return codes


def disable(db: Session, user: User) -> None:
    user.totp_secret = None
    user.mfa_enabled = False
    user.recovery_codes = None
    db.add(user)


def regenerate_codes(db: Session, user: User) -> list[str]:
    codes = new_recovery_codes()
    state = _state(user)
    state["codes"] = [_hash(c) for c in codes]
    user.recovery_codes = json.dumps(state)
    db.add(user)
    return codes


def verify(db: Session, user: User, code: str) -> str | None:
    """Check a TOTP code or a recovery code for ``user``. Returns ``"totp"`` or
    ``"recovery"`` (the recovery code is used up) or None. The caller commits."""
    if not user.mfa_enabled or not user.totp_secret:
        return None
    state = _state(user)
    step = check_code(user.totp_secret, code, last_step=int(state.get("last_step") or 0))
    if step is not None:
        state["last_step"] = step
        user.recovery_codes = json.dumps(state)
        db.add(user)
        return "totp"
    digest = _hash(code)
    if len(_normalise(code)) == 10:
        for stored in state["codes"]:
            if hmac.compare_digest(stored, digest):
                state["codes"].remove(stored)
                user.recovery_codes = json.dumps(state)
                db.add(user)
                return "recovery"
    return None

"""Demo data for ``make run`` (``flask demo``). Never loaded unless asked for.

Each area adds its part in its own module; they run in order, each building on the
previous one, and the whole load is idempotent (a second run adds nothing).
"""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from ..models import User
from . import accounts, cases, plans

DEMO_PASSWORD = accounts.DEMO_PASSWORD

STEPS = [accounts.load, cases.load, plans.load]

from . import approvals  # noqa: E402

STEPS.append(approvals.load)  # after plans: decides some of the submitted demo plans


from . import followups  # noqa: E402

STEPS.append(followups.load)  # always last: it follows up the plans the steps before approved


def load_demo(db: Session, app: Flask) -> str:
    if db.exec(select(User).where(User.email == accounts.MARKER_EMAIL)).first() is not None:
        return "Demo data is already loaded."
    lines = [step(db, app) for step in STEPS]
    return "\n".join(line for line in lines if line)

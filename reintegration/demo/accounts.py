"""Demo organisations and one or more users of every role."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlmodel import Session, select

from ..admin.operations import create_user, ensure_organisation
from ..models import Organisation
from ..partners import load_registry

DEMO_PASSWORD = "reintegration-demo"
MARKER_EMAIL = "caseworker@drc.demo"

# (e-mail, name, role, organisation code, language)
USERS = [
    ("caseworker@drc.demo", "Anna Holm", "caseworker", "drc", "da"),
    ("caseworker2@drc.demo", "Jonas Berg", "caseworker", "drc", "da"),
    ("cmm@cmm.demo", "Mette Lund", "cmm", "cmm", "da"),
    ("approver@hjem.demo", "Peter Skov", "approver", "hjemrejsestyrelsen", "da"),
    ("approver2@hjem.demo", "Sara Dahl", "approver", "hjemrejsestyrelsen", "da"),
    ("partner.ng@partner.demo", "Grace Osagie", "partner", "ng-edo-reintegration", "en"),
    ("partner.th@partner.demo", "Somchai Wongsa", "partner", "th-chiang-mai-support", "en"),
    ("admin@admin.demo", "Lars Admin", "admin", "admin", "da"),
]

# Approvers and administrators must use two-factor sign-in (MFA_REQUIRED_ROLES). The demo
# enrols them with fixed TOTP secrets and one known recovery code each (see README.md);
# never use these outside the demo.
DEMO_TOTP = {
    "approver@hjem.demo": ("JBSWY3DPEHPK3PXPAPPROVER", "apprv-demo1"),
    "approver2@hjem.demo": ("JBSWY3DPEHPK3PXPAPPROVR2", "apprv-demo2"),
    "admin@admin.demo": ("JBSWY3DPEHPK3PXPADMINXYZ", "admin-demo1"),
}

FIXED_ORGANISATIONS = [
    ("drc", "drc", "DRC Dansk Flygtningehjælp"),
    ("cmm", "cmm", "Center mod Menneskehandel"),
    ("hjemrejsestyrelsen", "hjemrejsestyrelsen", "Hjemrejsestyrelsen"),
    ("admin", "admin", "Administration"),
]


def load(db: Session, app: Flask) -> str:
    load_registry(db, Path(app.config["PARTNERS_DIR"]))
    for kind, code, name in FIXED_ORGANISATIONS:
        ensure_organisation(db, kind=kind, code=code, name=name)
    for email, name, role, org_code, locale in USERS:
        org = db.exec(select(Organisation).where(Organisation.code == org_code)).one()
        user = create_user(db, organisation=org, email=email, name=name, role=role,
                           password=DEMO_PASSWORD, locale=locale)
        if email in DEMO_TOTP:
            from ..auth.mfa import enable, new_recovery_codes

            secret, code = DEMO_TOTP[email]
            enable(db, user, secret, [code] + new_recovery_codes()[:9])
            db.commit()
    return f"Demo accounts: {len(USERS)} users, password {DEMO_PASSWORD!r}."

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
        create_user(db, organisation=org, email=email, name=name, role=role,
                    password=DEMO_PASSWORD, locale=locale)
    return f"Demo accounts: {len(USERS)} users, password {DEMO_PASSWORD!r}."

"""The partner organisation registry: ``partners/*.toml`` loaded into the database."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from .models import Organisation

STATUSES = ("active", "prospective", "inactive")


class RegistryError(ValueError):
    """A registry file is not valid: ``path``, the ``key`` at fault ("(file)" when the
    file is not TOML) and the reason."""

    def __init__(self, path: Path, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path, self.key, self.reason = Path(path), key, message


@dataclass(frozen=True)
class PartnerEntry:
    code: str
    name: str
    country: str
    languages: tuple[str, ...]
    currency: str
    status: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None


def _require(path: Path, data: dict, key: str, pattern: str | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(path, key, "missing or not text")
    if pattern and not re.fullmatch(pattern, value):
        raise RegistryError(path, key, f"not valid: {value!r}")
    return value.strip()


def read_registry(directory: Path) -> list[PartnerEntry]:
    entries = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(path, "(file)", f"not valid TOML: {exc}") from exc
        status = _require(path, data, "status")
        if status not in STATUSES:
            raise RegistryError(path, "status", f"must be one of {', '.join(STATUSES)}: {status!r}")
        languages = data.get("languages", [])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise RegistryError(path, "languages", "must be a list of language codes")
        contact = data.get("contact", {})
        if not isinstance(contact, dict):
            raise RegistryError(path, "contact", "must be a table")
        entries.append(PartnerEntry(
            code=path.stem, name=_require(path, data, "name"),
            country=_require(path, data, "country", r"[A-Z]{2}"),
            languages=tuple(languages), currency=_require(path, data, "currency", r"[A-Z]{3}"),
            status=status, contact_name=contact.get("name"), contact_email=contact.get("email"),
            contact_phone=contact.get("phone"),
        ))
    return entries


def load_registry(db: Session, directory: Path) -> tuple[int, int]:
    """Insert new partners and update changed ones. Returns (created, updated);
    a second load of the same files returns (0, 0)."""
    created = updated = 0
    for entry in read_registry(directory):
        values = {
            "kind": "partner", "name": entry.name, "country": entry.country,
            "languages": ",".join(entry.languages), "currency": entry.currency,
            "status": entry.status, "contact_name": entry.contact_name,
            "contact_email": entry.contact_email, "contact_phone": entry.contact_phone,
        }
        org = db.exec(select(Organisation).where(Organisation.code == entry.code)).first()
        if org is None:
            db.add(Organisation(code=entry.code, **values))
            created += 1
        elif any(getattr(org, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(org, k, v)
            db.add(org)
            updated += 1
    db.commit()
    return created, updated


def countries_without_active_partner(db: Session, countries: list[str]) -> set[str]:
    active = set(db.exec(select(Organisation.country).where(
        Organisation.kind == "partner", Organisation.status == "active")).all())
    return {c for c in countries if c not in active}

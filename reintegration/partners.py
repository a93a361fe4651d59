"""The partner organisation registry: ``partners/*.toml`` loaded into the database."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from .forms import CONTROL_CHARACTERS
from .i18n import is_time_zone
from .models import Organisation
from .models.organisations import ACTIVE, INACTIVE, PARTNER, PROSPECTIVE

STATUSES = (ACTIVE, PROSPECTIVE, INACTIVE)


# Why a registry file is refused, by code: the registry's own (English) words, which the
# command line prints; the admin page says them in the reader's language
# (``admin.views.REGISTRY_REASONS``, the same codes and parameters).
REASONS = {
    "not_toml": "not valid TOML: {detail}",
    "missing": "missing or not text",
    "invalid": "not valid: {value}",
    "status": "must be one of {choices}: {value}",
    "languages": "must be a list of language codes",
    "not_table": "must be a table",
    "not_text": "not text",
    "too_long": "longer than {limit} characters",
    "timezone": "not a time zone name (such as Africa/Lagos): {value}",
}


class RegistryError(ValueError):
    """A registry file is not valid: ``path``, the ``key`` at fault ("(file)" when the
    file is not TOML), the ``code`` of the reason and its ``params``; ``reason`` in words."""

    def __init__(self, path: Path, key: str, code: str, **params):
        self.path, self.key, self.code, self.params = Path(path), key, code, params
        self.reason = REASONS[code].format(**params)
        super().__init__(f"{path}: {key}: {self.reason}")


@dataclass(frozen=True)
class PartnerEntry:
    code: str
    name: str
    country: str
    languages: tuple[str, ...]
    currency: str
    status: str
    timezone: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None


def _require(path: Path, data: dict, key: str, pattern: str | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(path, key, "missing")
    # A control character (a vertical tab pasted into a name) has no place in a name or a
    # code, and a spreadsheet cannot even hold most of them: refused as the forms refuse it.
    if (pattern and not re.fullmatch(pattern, value)) or CONTROL_CHARACTERS.search(value):
        raise RegistryError(path, key, "invalid", value=repr(value))
    return value.strip()


def _time_zone(path: Path, data: dict) -> str:
    """The partner's IANA time zone, required: the partner portal shows its officers
    times in it, and a name zoneinfo does not know would be UTC without a word."""
    value = _require(path, data, "timezone")
    if not is_time_zone(value):
        raise RegistryError(path, "timezone", "timezone", value=repr(value))
    return value


def read_registry(directory: Path) -> list[PartnerEntry]:
    entries = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(path, "(file)", "not_toml", detail=str(exc)) from exc
        status = _require(path, data, "status")
        if status not in STATUSES:
            raise RegistryError(path, "status", "status", choices=", ".join(STATUSES), value=repr(status))
        languages = data.get("languages", [])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise RegistryError(path, "languages", "languages")
        contact = data.get("contact", {})
        if not isinstance(contact, dict):
            raise RegistryError(path, "contact", "not_table")
        for key in ("name", "email", "phone"):
            value = contact.get(key, "")
            if not isinstance(value, str):
                raise RegistryError(path, f"contact.{key}", "not_text")
            if CONTROL_CHARACTERS.search(value):
                raise RegistryError(path, f"contact.{key}", "invalid", value=repr(value))
        entry = PartnerEntry(
            code=path.stem, name=_require(path, data, "name"),
            country=_require(path, data, "country", r"[A-Z]{2}"),
            languages=tuple(languages), currency=_require(path, data, "currency", r"[A-Z]{3}"),
            status=status, timezone=_time_zone(path, data), contact_name=contact.get("name"),
            contact_email=contact.get("email"), contact_phone=contact.get("phone"),
        )
        _check_lengths(path, entry)
        entries.append(entry)
    return entries


# The registry's key for each stored column, for a value too long for its column.
_KEYS = {"code": "(file name)", "name": "name", "languages": "languages", "contact_name": "contact.name",
         "contact_email": "contact.email", "contact_phone": "contact.phone"}


def _check_lengths(path: Path, entry: PartnerEntry) -> None:
    """Every value fits its column (the database would refuse it, on PostgreSQL, with
    nothing to say which file and key)."""
    values = _stored_values(entry) | {"code": entry.code}
    for column, key in _KEYS.items():
        limit = Organisation.__table__.c[column].type.length
        if values[column] is not None and len(values[column]) > limit:
            raise RegistryError(path, key, "too_long", limit=limit)


def _stored_values(entry: PartnerEntry) -> dict:
    return {
        "kind": PARTNER, "name": entry.name, "country": entry.country,
        "languages": ",".join(entry.languages), "currency": entry.currency,
        "status": entry.status, "timezone": entry.timezone, "contact_name": entry.contact_name,
        "contact_email": entry.contact_email, "contact_phone": entry.contact_phone,
    }


def load_registry(db: Session, directory: Path) -> tuple[int, int]:
    """Insert new partners and update changed ones. Returns (created, updated);
    a second load of the same files returns (0, 0)."""
    created = updated = 0
    for entry in read_registry(directory):
        values = _stored_values(entry)
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
        Organisation.kind == PARTNER, Organisation.status == ACTIVE)).all())
    return {c for c in countries if c not in active}

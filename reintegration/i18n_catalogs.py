"""Refresh the message catalogs from the source: ``make extract``.

Each area ``X`` with a ``reintegration/X/translations`` folder owns the strings in
``reintegration/X/`` and ``templates/X/``; the core catalog
(``reintegration/translations``) owns everything else. New entries arrive
untranslated; translate them into Danish in the area's ``da`` catalog.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reintegration"
TEMPLATES = ROOT / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "true"}


def areas() -> dict[str, Path]:
    found = {p.parent.name: p for p in PACKAGE.glob("*/translations") if p.is_dir()}
    return found


def sources_by_catalog() -> dict[Path, list[Path]]:
    owned = areas()
    catalogs: dict[Path, list[Path]] = {PACKAGE / "translations": []}
    for d in owned.values():
        catalogs[d] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        area = rel[0] if len(rel) > 1 and rel[0] in owned else None
        catalogs[owned[area] if area else PACKAGE / "translations"].append(path)
    for path in sorted(TEMPLATES.rglob("*.html")):
        rel = path.relative_to(TEMPLATES).parts
        area = rel[0] if len(rel) > 1 and rel[0] in owned else None
        catalogs[owned[area] if area else PACKAGE / "translations"].append(path)
    return catalogs


def extract(paths: list[Path]) -> Catalog:
    template = Catalog(project="reintegration")
    for path in paths:
        method = "python" if path.suffix == ".py" else "jinja2"
        for lineno, message, comments, context in extract_from_file(
                method, str(path), keywords=KEYWORDS, options=OPTIONS if method == "jinja2" else None):
            template.add(message, None, [(str(path.relative_to(ROOT)), lineno)],
                         auto_comments=comments, context=context)
    return template


def refresh() -> None:
    for directory, paths in sources_by_catalog().items():
        template = extract(paths)
        for locale in ("da",):
            po_path = directory / locale / "LC_MESSAGES" / "messages.po"
            po_path.parent.mkdir(parents=True, exist_ok=True)
            if po_path.exists():
                with po_path.open("rb") as f:
                    catalog = read_po(f, locale=locale)
            else:
                catalog = Catalog(locale=locale, project="reintegration")
            created = catalog.creation_date
            catalog.update(template, update_header_comment=False)
            catalog.creation_date = created  # no churn in the header when nothing changed
            catalog.obsolete.clear()
            catalog.fuzzy = False  # the header flag would stop pybabel from compiling it
            with po_path.open("wb") as f:
                write_po(f, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
            missing = sum(1 for m in catalog if m.id and not m.string)
            print(f"{po_path.relative_to(ROOT)}: {len(template)} messages, {missing} untranslated")


if __name__ == "__main__":
    refresh()

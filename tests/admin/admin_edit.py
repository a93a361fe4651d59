"""Helpers for the admin edit pages, imported by name (not a conftest): an edit is
posted as the browser would, with the fingerprint of the values the page was opened with."""

from __future__ import annotations

import re

FINGERPRINT_RE = re.compile(r'name="fingerprint"[^>]*value="([0-9a-f]{64})"')


def opened(client, url: str) -> str:
    """Open an edit page; the fingerprint it carries ("" if none)."""
    page = client.get(url)
    assert page.status_code == 200, url
    found = FINGERPRINT_RE.search(page.get_data(as_text=True))
    return found.group(1) if found else ""


def save(client, auth, url: str, data: dict, **kw):
    """Open the edit page at ``url`` and post ``data`` from it at once."""
    return auth.post(url, dict(data, fingerprint=opened(client, url)), **kw)


def error_at(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error"><span class="sr-only">[^<]*</span>([^<]*)</span>', page)
    return match.group(1) if match else ""


def text_of(page: str) -> str:
    """The page's text, tags removed and white space collapsed."""
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())

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


def browser_as(app, auth, user):
    """A second browser signed in as ``user``: its test client and its sign-in helper
    (for two administrators on the same page)."""
    other = app.test_client()
    actions = type(auth)(other, None)
    actions.login(user)
    return other, actions


def events(db, action: str):
    """The audit events of ``action``, oldest first."""
    from sqlmodel import select

    from reintegration.models import AuditEvent

    return db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def account_form(user, organisation, **changes) -> dict:
    """The account edit form as its page fills it for ``user`` (a caseworker of
    ``organisation``), with ``changes`` typed in."""
    return dict({"name": user.name, "email": user.email, "organisation_id": str(organisation.id),
                 "role": "caseworker", "locale": "en"}, **changes)


def partner_form(org, **changes) -> dict:
    """The organisation edit form as its page fills it for an active Nigerian partner
    ``org`` in Lagos time with no contact details, with ``changes`` typed in."""
    return dict({"kind": "partner", "code": org.code, "name": org.name, "country": "NG", "languages": "",
                 "currency": "NGN", "timezone": "Africa/Lagos", "contact_name": "", "contact_email": "",
                 "contact_phone": "", "status": "active"},
                **changes)

"""The audit trail is kept for good and never anonymised, so it holds no free text
that could be about a person: failed sign-ins name no typed e-mail, the audit page's
filters are logged only when they look like action names."""

from __future__ import annotations

import json

from sqlmodel import select

from support import CSRF_RE
from reintegration.models import AuditEvent


def _failed_login(client, email):
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": "wrong-password-123",
                                           "csrf_token": token})
    assert response.status_code == 422


def _failures(db):
    db.expire_all()
    return db.exec(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
                   .order_by(AuditEvent.id)).all()


def test_a_failed_sign_in_names_a_known_account_by_id_only(client, db, make_user):
    user = make_user("caseworker")
    _failed_login(client, user.email.upper())
    (event,) = _failures(db)
    assert (event.object_type, event.object_id) == ("user", str(user.id))
    assert json.loads(event.detail) == {"account": "known"}
    assert user.email not in (event.detail or "")


def test_a_failed_sign_in_keeps_no_typed_text_for_an_unknown_account(client, db):
    typed = "Adaeze Okafor hunter2"  # a name, or a password typed in the wrong field
    _failed_login(client, typed)
    _failed_login(client, typed)
    _failed_login(client, "someone.else@example.org")
    first, second, other = _failures(db)
    for event in (first, second, other):
        detail = json.loads(event.detail)
        assert detail["account"] == "unknown" and len(detail["email_hmac"]) == 16
        assert "Okafor" not in event.detail and "hunter2" not in event.detail and "example.org" not in event.detail
    # Repeated tries with the same text can still be grouped; different text cannot be confused.
    assert json.loads(first.detail) == json.loads(second.detail) != json.loads(other.detail)


def test_the_audit_page_logs_an_action_filter_only_when_it_is_an_action_name(client, auth, db):
    auth.login("admin")
    assert client.get("/admin/audit?action=case.").status_code == 200
    assert client.get("/admin/audit?action=Adaeze+Okafor").status_code == 200
    db.expire_all()
    views = [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(AuditEvent.action == "audit.view")
                                                   .order_by(AuditEvent.id)).all()]
    assert views[0]["action"] == "case."
    assert "Okafor" not in json.dumps(views[1]) and views[1]["action"].startswith("(other text")

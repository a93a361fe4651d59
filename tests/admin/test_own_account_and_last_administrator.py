"""An administrator cannot take away their own access (role, organisation), and no
change leaves the application without an active administrator, even two at once."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from admin_edit import error_at, save
from reintegration.admin import operations as ops
from reintegration.models import Organisation, User
from support import waits_for_commit


def _own(admin, **overrides) -> dict:
    data = {"name": admin.name, "email": admin.email, "organisation_id": str(admin.organisation_id),
            "role": "admin", "locale": admin.locale}
    data.update(overrides)
    return data


@pytest.mark.parametrize("locale, message", [
    ("en", "You cannot change the role of your own account. Another administrator can."),
    ("da", "Du kan ikke ændre rollen for din egen konto. Det kan en anden administrator."),
])
def test_an_administrator_cannot_change_their_own_role(client, auth, db, make_org, locale, message):
    admin = auth.login("admin", locale=locale)
    drc = make_org("drc")
    response = save(client, auth, f"/admin/users/{admin.id}",
                    _own(admin, role="caseworker", organisation_id=str(drc.id)))
    assert response.status_code == 422
    assert error_at(response.get_data(as_text=True), "role") == message
    db.expire_all()
    assert (db.get(User, admin.id).role, db.get(User, admin.id).organisation_id) == ("admin", admin.organisation_id)
    assert client.get("/admin/users").status_code == 200  # still an administrator, still signed in


@pytest.mark.parametrize("locale, message", [
    ("en", "You cannot move your own account to another organisation. Another administrator can."),
    ("da", "Du kan ikke flytte din egen konto til en anden organisation. Det kan en anden administrator."),
])
def test_an_administrator_cannot_move_their_own_account(client, auth, db, make_org, locale, message):
    admin = auth.login("admin", locale=locale)
    other = make_org("admin")
    response = save(client, auth, f"/admin/users/{admin.id}", _own(admin, organisation_id=str(other.id)))
    assert response.status_code == 422
    assert error_at(response.get_data(as_text=True), "organisation_id") == message
    db.expire_all()
    assert db.get(User, admin.id).organisation_id == admin.organisation_id


def test_an_administrator_may_still_edit_the_rest_of_their_own_account(client, auth, db):
    admin = auth.login("admin")
    assert save(client, auth, f"/admin/users/{admin.id}", _own(admin, name="New Name")).status_code == 302
    db.expire_all()
    assert db.get(User, admin.id).name == "New Name"


def test_another_administrator_can_change_an_administrator_s_role(client, auth, db, make_user, make_org):
    other = make_user("admin")
    auth.login("admin")
    drc = make_org("drc")
    response = save(client, auth, f"/admin/users/{other.id}", _own(other, role="caseworker",
                                                                    organisation_id=str(drc.id)))
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, other.id).role == "caseworker"


def test_two_administrators_removing_each_other_at_once_leave_one(app, db, make_user, make_org):
    """A demotes B while B demotes A: the second change waits for the first and then
    finds itself about to remove the last administrator."""
    a, b = make_user("admin"), make_user("admin")
    drc = make_org("drc")

    def a_removed_by_b(conn):  # B's save, taken as far as its commit
        conn.execute(text('UPDATE "user" SET role = \'caseworker\', organisation_id = :org WHERE id = :id'),
                     {"org": drc.id, "id": a.id})

    def b_removed_by_a(conn):
        with Session(bind=conn) as session:
            target, actor = session.get(User, b.id), session.get(User, a.id)
            ops.update_user(session, target, actor=actor, organisation=session.get(Organisation, drc.id),
                            email=target.email, name=target.name, role="caseworker", locale="en",
                            seen=ops.fingerprint(target))

    with pytest.raises(ops.AccountError, match="At least one active administrator must remain"):
        waits_for_commit(app.extensions["db_engine"], a_removed_by_b, b_removed_by_a)
    db.expire_all()
    assert db.exec(select(User.id).where(User.role == "admin")).all() == [b.id]


def test_the_last_administrator_is_not_deactivated(db, make_user):
    """Only reachable when the acting account is no longer an administrator itself (a
    change made at the same time): the operation still refuses."""
    last, former = make_user("admin"), make_user("admin")
    former.active = False
    db.add(former)
    db.commit()
    with pytest.raises(ops.AccountError, match="At least one active administrator must remain"):
        ops.set_active(db, last, False, actor=former)
    db.rollback()
    db.expire_all()
    assert db.get(User, last.id).active

"""Migration 0008: each payment can carry the one-time token of the form that recorded
it, unique; payments without one (those recorded before, or in code) are not held to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from reintegration import create_app
from reintegration.followup.status import version_in_force
from reintegration.migrate import downgrade, upgrade
from reintegration.models import Disbursement


def test_0008_adds_the_token_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0008")
    with engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("disbursement")}
        indexes = {i["name"]: i for i in inspect(conn).get_indexes("disbursement")}
    assert columns["request_token"]["nullable"]
    assert indexes["ix_disbursement_request_token"]["unique"]
    downgrade(app, "0007")
    with engine.connect() as conn:
        assert "request_token" not in {c["name"] for c in inspect(conn).get_columns("disbursement")}
        assert "ix_disbursement_request_token" not in {i["name"] for i in inspect(conn).get_indexes("disbursement")}
    upgrade(app, "head")
    engine.dispose()


def test_a_token_records_one_payment_and_no_token_any_number(db, make_user, make_approved_case):
    case = make_approved_case()
    user = make_user("partner")
    version_id = version_in_force(db, case.id).id

    def paid(token):
        return Disbursement(case_id=case.id, line_key=f"L{case.id}-0", plan_version_id=version_id,
                            paid_on=date.today(), amount_dkk=Decimal("1.00"), recorded_by=user.id,
                            request_token=token)

    db.add_all([paid(None), paid(None), paid("a" * 32)])
    db.commit()
    db.add(paid("a" * 32))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()

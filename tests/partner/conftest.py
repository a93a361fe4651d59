"""Partner portal fixtures (the same as the follow-up ones): returned cases and files."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import importlib.util
from pathlib import Path

import pytest

# Test modules elsewhere do ``from support import ...``; the module named "conftest" is
# whichever conftest pytest loaded last, possibly this one. Offer the root conftest's
# helpers here too, so such imports work whatever the order.
_spec = importlib.util.spec_from_file_location("_root_conftest", Path(__file__).parents[1] / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)
TEST_PASSWORD, CSRF_RE, AuthActions, ROLE_ORG_KIND = _root.TEST_PASSWORD, _root.CSRF_RE, _root.AuthActions, _root.ROLE_ORG_KIND
_empty_tables = _root._empty_tables

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAKE_PDF = b"MZ\x90\x00 this is an executable pretending to be a PDF"


@pytest.fixture
def returned_case(app, db, make_approved_case, make_user):
    """A case in follow-up: approved plan (a cash line in NGN at a frozen rate and an
    in-kind line in DKK), returned ``days_ago`` days ago, with its report schedule."""
    from reintegration.followup import operations as ops

    def make(partner=None, days_ago=40, lines=None, **values):
        lines = lines or [
            {"kind": "cash", "month": 1, "amount_dkk": Decimal("4515.00"), "currency": "NGN",
             "amount_local": Decimal("1000000"), "exchange_rate": Decimal("0.004515")},
            {"kind": "in_kind", "month": 2, "amount_dkk": Decimal("8000.00"), "category": "equipment"},
        ]
        case = make_approved_case(partner=partner, lines=lines, **values)
        approver = make_user("approver")
        with app.test_request_context():
            ops.record_return(db, case, date.today() - timedelta(days=days_ago), user=approver)
        db.refresh(case)
        return case

    return make

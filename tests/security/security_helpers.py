"""Helpers for the security tests."""

from __future__ import annotations

import re

import pytest

from support import CSRF_RE, TEST_PASSWORD  # tests/conftest.py


def csrf_of(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


class SignIn:
    """Drive the real sign-in pages step by step (no shortcuts)."""

    def __init__(self, client):
        self.client = client

    def password(self, email: str, password: str = TEST_PASSWORD):
        token = csrf_of(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def code(self, code: str, url: str = "/login/code"):
        token = csrf_of(self.client.get(url).get_data(as_text=True))
        return self.client.post(url, data={"code": code, "csrf_token": token})


@pytest.fixture
def signin(client):
    return SignIn(client)


@pytest.fixture
def mfa_required(app):
    app.config["MFA_REQUIRED_ROLES"] = ("approver", "admin")
    return app


SECRET_RE = re.compile(r'<code class="app-secret">([A-Z2-7]{16,})</code>')


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def full_case(db, upload_dir, *, partner, caseworker, approver, partner_user, cmm=None, **case_values):
    """A case with everything that hangs off it: a child, an approved version with a
    line, a comment and a decision, a follow-up report, a payment, a file, an alert
    with a note added."""
    import secrets
    from datetime import date, datetime, timezone
    from decimal import Decimal
    from pathlib import Path

    from reintegration.models import (Attachment, BudgetLine, Case, Child, Comment, Decision, Disbursement,
                                      FollowUpReport, PlanVersion, RiskAlert, RiskAlertNote)

    db.info["allow_frozen_change"] = True
    n = secrets.token_hex(3)
    case = Case(reference=case_values.pop("reference", f"RT-SEC-{n}"),
                person_name=case_values.pop("person_name", "Blessing Okafor"),
                person_date_of_birth=date(1994, 7, 23), return_country=partner.country or "NG",
                partner_id=partner.id, caseworker_id=caseworker.id,
                cmm_contact_id=cmm.id if cmm else None, status=case_values.pop("status", "in_followup"),
                closure_note=case_values.pop("closure_note", "Moved in with her sister in Benin City"),
                **case_values)
    db.add(case)
    db.commit()
    db.add(Child(case_id=case.id, first_name="Precious", date_of_birth=date(2016, 9, 30), lives_in="home_country"))
    version = PlanVersion(case_id=case.id, number=1, status="approved", activity_kind="business",
                          activity_description="Hair salon on Sapele Road", activity_location="Benin City",
                          expected_monthly_income=Decimal("1200"), risk_traffickers="Owes madam 3,000 EUR",
                          created_by=caseworker.id, submitted_by=caseworker.id,
                          submitted_at=datetime(2026, 1, 5, tzinfo=timezone.utc), content_sha256="a" * 64,
                          rate_table_id="2026-2029", rate_table_version=1, check_ok=True)
    db.add(version)
    db.commit()
    db.add(BudgetLine(plan_version_id=version.id, line_key=f"l-{n}", kind="cash", category="business",
                      description="Dryer for the salon", month=1, amount_dkk=Decimal("7500.50")))
    db.add(Comment(plan_version_id=version.id, author_id=caseworker.id, body="She fears the madam's brother"))
    db.add(Decision(plan_version_id=version.id, outcome="approved", reason="Realistic plan",
                    decided_by=approver.id, rate_table_id="2026-2029", rate_table_version=1, content_sha256="a" * 64))
    report = FollowUpReport(case_id=case.id, due_month=1, due_date=date(2026, 2, 5), status="submitted",
                            submitted_by=partner_user.id, monthly_income=Decimal("900"),
                            score_economic=Decimal("0.5"), housing="Rents a room", wellbeing="Sleeps badly",
                            notes="Visited at home", risk_indicators="debt")
    db.add(report)
    db.commit()
    payment = Disbursement(case_id=case.id, line_key=f"l-{n}", plan_version_id=version.id, paid_on=date(2026, 2, 1),
                           amount_dkk=Decimal("2500.25"), note="Paid in cash at the office", recorded_by=partner_user.id)
    db.add(payment)
    db.commit()
    stored = secrets.token_hex(16)
    Path(upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(upload_dir) / stored).write_bytes(PNG)
    db.add(Attachment(case_id=case.id, followup_id=report.id, disbursement_id=payment.id, stored_name=stored,
                      original_name="receipt-okafor.png", content_type="image/png", size=len(PNG),
                      sha256="b" * 64, uploaded_by=partner_user.id))
    alert = RiskAlert(case_id=case.id, followup_id=report.id, indicators="debt", action_taken="Called CMM")
    db.add(alert)
    db.commit()
    db.add(RiskAlertNote(alert_id=alert.id, author_id=caseworker.id, author_name="Dorte Caseworker",
                         text="Her sister in Benin City was told"))
    db.commit()
    db.info.pop("allow_frozen_change", None)
    return case


@pytest.fixture
def people(make_org, make_user):
    partner = make_org("partner", country="NG")
    return {"partner": partner, "caseworker": make_user("caseworker"), "approver": make_user("approver"),
            "partner_user": make_user("partner", organisation=partner), "cmm": make_user("cmm")}

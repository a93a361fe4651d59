"""Writes on one case take its row lock first (``reintegration.locks``): a payment can
never slip in between the budget check of an approval or a submission (which counts
what has been paid) and its commit, and no two writers take the case and a plan version
in opposite orders (a deadlock on PostgreSQL).

Each writer runs in a thread on a session of its own, as concurrent requests do. The
operation under test is held between its check and its commit by its fault checkpoint
(``reintegration.faults.checkpoint``), where the other writer is started; on SQLite the
write lock serialises writers in the same way as the row lock on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from reintegration import revalidation
from reintegration.approvals import operations as approvals
from reintegration.followup import operations as followup
from reintegration.followup.status import version_in_force
from reintegration.models import AuditEvent, BudgetLine, Case, Decision, Disbursement, PlanVersion
from reintegration.plans import operations as plans
from reintegration.plans.operations import LineValues

PAID = Decimal("4000.00")  # more than the amendment leaves on the line, less than approved
LOWERED = Decimal("3000.00")
WAIT = 0.5  # how long a writer is watched for not finishing (as support.waits_for_commit)


def _values(line: BudgetLine, **changed) -> LineValues:
    fields = ("kind", "month", "amount_dkk", "category", "description", "currency", "amount_local", "exchange_rate",
              "line_key")
    return LineValues(**({name: getattr(line, name) for name in fields} | changed))


@pytest.fixture
def amendment(app, db, returned_case, make_user, make_org):
    """A case in follow-up (an in-kind line of 8,000 DKK approved, nothing paid on it)
    and a draft amendment that lowers that line to 3,000 DKK; returns the case, the
    draft, the line's key, the caseworker and a partner officer."""
    partner = make_org("partner", currency="NGN")
    case = returned_case(partner=partner)
    caseworker = make_user("caseworker")
    officer = make_user("partner", organisation=partner)
    tables = app.extensions["rate_tables"]
    draft = plans.create_draft(db, case, caseworker, tables, date.today())
    lines = db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == draft.id)
                    .order_by(BudgetLine.position)).all()
    key = next(line.line_key for line in lines if line.kind == "in_kind")
    plans.save_draft(db, draft, seen_revision=draft.revision, narrative={"activity_kind": "business",
                                                                         "activity_description": "Tailoring shop"},
                     lines=[_values(line, amount_dkk=LOWERED) if line.line_key == key else _values(line)
                            for line in lines], user=caseworker, tables=tables, today=date.today())
    db.refresh(draft)
    assert draft.check_ok, "the amendment is fine while nothing is paid on the line"
    return case, draft, key, caseworker, officer


def _session(app) -> Session:
    return Session(app.extensions["db_engine"], expire_on_commit=False)


class Meanwhile:
    """What another writer did while the operation under test waited at a checkpoint."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.finished_inside = None  # finished while the operation was between check and commit
        self.result = None
        self.errors: list[BaseException] = []


@contextmanager
def meanwhile(module, name: str, action):
    """While the block runs, the first time an operation of ``module`` reaches the
    checkpoint ``name`` (between its check and its commit), run ``action`` in a thread
    of its own and give it ``WAIT`` seconds to finish before the operation goes on."""
    seen = Meanwhile()
    original = module.checkpoint

    def run():
        try:
            seen.result = action()
        except BaseException as error:  # raised in the test's own thread
            seen.errors.append(error)

    def hook(at: str) -> None:
        if at == name and seen.thread is None:
            seen.thread = threading.Thread(target=run)
            seen.thread.start()
            seen.thread.join(WAIT)
            seen.finished_inside = not seen.thread.is_alive()
        original(at)

    module.checkpoint = hook
    try:
        yield seen
    finally:
        module.checkpoint = original
        if seen.thread is not None:
            seen.thread.join(30)
    assert seen.thread is not None, f"the operation never reached {name}"
    if seen.errors:
        raise seen.errors[0]


def _pay(app, case_id: int, key: str, officer):
    def pay():
        with app.test_request_context(), _session(app) as s:
            try:
                followup.record_disbursement(s, s.get(Case, case_id), user=officer, line_key=key,
                                             paid_on=date.today() - timedelta(days=1), amount_local=None,
                                             amount_dkk=PAID, note=None)
                return "paid"
            except followup.FieldErrors:
                return "refused"
    return pay


def _paid_within_approved(db, case_id: int) -> list[tuple[str, Decimal, Decimal]]:
    """The lines of the version in force with more paid on them than approved (the harm)."""
    db.expire_all()
    version = version_in_force(db, case_id)
    over = []
    for line in db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version.id)).all():
        paid = db.exec(select(func.coalesce(func.sum(Disbursement.amount_dkk), 0))
                       .where(Disbursement.case_id == case_id, Disbursement.line_key == line.line_key)).one()
        if Decimal(paid) > line.amount_dkk:
            over.append((line.line_key, line.amount_dkk, Decimal(paid)))
    return over


def _submit(app, db, draft, caseworker):
    with _session(app) as s:
        plans.submit_version(s, s.get(PlanVersion, draft.id), seen_revision=draft.revision, user=caseworker,
                             tables=app.extensions["rate_tables"], today=date.today())
    db.refresh(draft)


# --- the decision and the submission against a payment --------------------------------


def test_a_payment_while_an_amendment_is_approved_waits_and_is_checked_against_it(app, db, amendment,
                                                                                   make_user):
    case, draft, key, caseworker, officer = amendment
    _submit(app, db, draft, caseworker)
    approver = make_user("approver")

    with meanwhile(approvals, "approvals.decide.checked", _pay(app, case.id, key, officer)) as payment:
        with app.app_context(), _session(app) as s:
            approvals.decide(s, draft.id, approver, "approve", None, app.extensions["rate_tables"], date.today())

    assert _paid_within_approved(db, case.id) == [], "money paid above the approved line"
    assert payment.finished_inside is False, "the payment did not wait for the decision"
    assert version_in_force(db, case.id).id == draft.id
    # The payment, checked after the decision, is against the amendment's 3,000 DKK.
    assert payment.result == "refused"
    assert db.exec(select(func.count()).select_from(Disbursement).where(Disbursement.case_id == case.id)).one() == 0


def test_a_refused_decision_lets_the_waiting_payment_through(app, db, amendment, make_user):
    """The refusal path rolls back (and so lets go of the case) before it records the
    refusal: the payment that waited goes through against the version still in force."""
    case, draft, key, caseworker, officer = amendment
    _submit(app, db, draft, caseworker)

    with meanwhile(approvals, "approvals.decide.checked", _pay(app, case.id, key, officer)) as payment:
        with app.app_context(), _session(app) as s, pytest.raises(approvals.DecisionRefused) as refused:
            # Sending back without the points to fix is refused.
            approvals.decide(s, draft.id, make_user("approver"), "send_back", None, app.extensions["rate_tables"],
                             date.today())

    assert [v.code for v in refused.value.violations] == ["decision.reason_missing"]
    refusals = db.exec(select(AuditEvent.detail).where(AuditEvent.action == "approval.refused",
                                                       AuditEvent.object_id == str(draft.id))).all()
    assert [json.loads(detail)["violations"] for detail in refusals] == [["decision.reason_missing"]]
    assert payment.finished_inside is False
    assert payment.result == "paid"
    assert db.exec(select(func.count()).select_from(Decision).where(Decision.plan_version_id == draft.id)).one() == 0
    assert _paid_within_approved(db, case.id) == []


def test_a_payment_while_an_amendment_is_submitted_waits_for_the_submission(app, db, amendment, make_user):
    """The submission's check counts every payment committed before the submission:
    a payment made meanwhile waits, and then counts against the version in force."""
    case, draft, key, caseworker, officer = amendment

    with meanwhile(plans, "plans.submit.checked", _pay(app, case.id, key, officer)) as payment:
        _submit(app, db, draft, caseworker)

    assert payment.finished_inside is False, "the payment did not wait for the submission"
    assert draft.status == "submitted" and payment.result == "paid"
    # Paid after the submission: the approver's check (counting it) refuses the amendment.
    with app.app_context(), _session(app) as s, pytest.raises(approvals.DecisionRefused) as refused:
        approvals.decide(s, draft.id, make_user("approver"), "approve", None, app.extensions["rate_tables"],
                         date.today())
    assert "decision.has_errors" in [v.code for v in refused.value.violations]
    assert _paid_within_approved(db, case.id) == []


# --- the lock order: the case, then its plan versions ------------------------------------


def case_then_version(app, case_id: int, version_id: int, path) -> None:
    """Hold the case's lock, as a writer that locks the case first does (the decision, a
    payment, a case edit that checks the open versions again), start ``path`` in another
    thread, then change the plan version as such a writer does next, and commit. A path
    that took the version before the case would now hold what this transaction waits for
    while waiting for the case (a deadlock; PostgreSQL breaks it by failing one of them).
    ``path`` must wait for the case and then finish. On SQLite the write lock already
    orders writers: the path waits all the same."""
    engine = app.extensions["db_engine"]
    finished, errors = threading.Event(), []
    conn = engine.connect()
    transaction = conn.begin()
    if engine.dialect.name == "postgresql":
        conn.execute(text('SELECT id FROM "case" WHERE id = :id FOR UPDATE'), {"id": case_id})
    else:
        conn.execute(text('UPDATE "case" SET revision = revision WHERE id = :id'), {"id": case_id})

    def run():
        try:
            with app.test_request_context():
                path()
        except BaseException as error:  # raised below, in the test's own thread
            errors.append(error)
        finally:
            finished.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert not finished.wait(WAIT), "the path did not wait for the case's lock"
        # What the case-first writer does next: the version's check (and, by the
        # planversion trigger of migration 0002, the case's plan attention).
        conn.execute(text("UPDATE planversion SET check_ok = NOT check_ok WHERE id = :id"), {"id": version_id})
        conn.execute(text("UPDATE planversion SET check_ok = NOT check_ok WHERE id = :id"), {"id": version_id})
        transaction.commit()
    finally:
        if transaction.is_active:
            transaction.rollback()
        conn.close()
        thread.join(30)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def _over_cap(line: BudgetLine) -> LineValues:
    return _values(line, amount_dkk=Decimal("90000.00"))


def _lines(db, version_id: int) -> list[BudgetLine]:
    return db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version_id)
                   .order_by(BudgetLine.position)).all()


def _over_cap_lines(db, version_id: int, key: str) -> list[LineValues]:
    """The version's lines, the one of ``key`` far above the household cap."""
    return [_over_cap(line) if line.line_key == key else _values(line) for line in _lines(db, version_id)]


def test_saving_a_draft_takes_the_case_before_the_version(app, db, amendment):
    case, draft, key, caseworker, _officer = amendment

    def save():
        with _session(app) as s:
            check = plans.save_draft(s, s.get(PlanVersion, draft.id), seen_revision=draft.revision,
                                     narrative={"activity_kind": "business", "activity_description": "Shop"},
                                     lines=_over_cap_lines(s, draft.id, key),
                                     user=caseworker, tables=app.extensions["rate_tables"], today=date.today())
            assert not check.ok  # the case's plan attention changes with it

    case_then_version(app, case.id, draft.id, save)
    db.expire_all()
    assert db.get(Case, case.id).plan_attention == "draft_errors"


def test_importing_a_plan_file_takes_the_case_before_the_version(app, db, amendment):
    from reintegration.domain.planfile import PLAN_FORMAT, parse_plan

    case, draft, _key, caseworker, _officer = amendment
    plan = parse_plan({"format": PLAN_FORMAT, "person": {"date_of_birth": "1990-01-01"},
                       "activity": {"kind": "business", "description": "Shop"},
                       "lines": [{"kind": "cash", "month": 1, "amount_dkk": "90000.00"}]})

    def import_file():
        with _session(app) as s:
            plans.import_plan(s, s.get(PlanVersion, draft.id), seen_revision=draft.revision, plan=plan,
                              user=caseworker, tables=app.extensions["rate_tables"], today=date.today())

    case_then_version(app, case.id, draft.id, import_file)
    db.expire_all()
    assert db.get(Case, case.id).plan_attention == "draft_errors"


def test_discarding_a_draft_takes_the_case_before_the_version(app, db, amendment):
    case, draft, key, caseworker, _officer = amendment
    plans.save_draft(db, draft, seen_revision=draft.revision,
                     narrative={"activity_kind": "business", "activity_description": "Shop"},
                     lines=_over_cap_lines(db, draft.id, key),
                     user=caseworker, tables=app.extensions["rate_tables"], today=date.today())
    db.refresh(draft)
    db.expire_all()
    assert db.get(Case, case.id).plan_attention == "draft_errors"

    def discard():
        with _session(app) as s:
            plans.discard_draft(s, s.get(PlanVersion, draft.id), seen_revision=draft.revision, user=caseworker)

    case_then_version(app, case.id, draft.id, discard)
    db.expunge(draft)
    assert db.exec(select(func.count()).select_from(PlanVersion).where(PlanVersion.id == draft.id)).one() == 0
    db.expire_all()
    assert db.get(Case, case.id).plan_attention is None


def test_submitting_takes_the_case_before_the_version(app, db, amendment):
    case, draft, _key, caseworker, _officer = amendment
    case_then_version(app, case.id, draft.id, lambda: _submit(app, db, draft, caseworker))
    assert draft.status == "submitted"


def test_deciding_takes_the_case_before_the_version(app, db, amendment, make_user):
    case, draft, _key, caseworker, _officer = amendment
    _submit(app, db, draft, caseworker)
    approver = make_user("approver")

    def decide():
        with _session(app) as s:
            approvals.decide(s, draft.id, approver, "send_back", "Lower the cash line", app.extensions["rate_tables"],
                             date.today())

    case_then_version(app, case.id, draft.id, decide)
    db.refresh(draft)
    assert draft.status == "returned"


def test_revalidation_takes_the_cases_before_their_versions(app, db, amendment):
    """A verdict that changes moves the case's plan attention (the planversion trigger):
    the re-validation locks those cases before it writes their versions."""
    case, draft, key, caseworker, _officer = amendment
    plans.save_draft(db, draft, seen_revision=draft.revision,
                     narrative={"activity_kind": "business", "activity_description": "Shop"},
                     lines=_over_cap_lines(db, draft.id, key),
                     user=caseworker, tables=app.extensions["rate_tables"], today=date.today())
    db.execute(text("UPDATE planversion SET check_ok = :ok WHERE id = :id"), {"ok": True, "id": draft.id})
    db.commit()  # a verdict stored before the rates changed, say

    def revalidate():
        with _session(app) as s:
            result = revalidation.revalidate_open_plans(s, app.extensions["rate_tables"], date.today())
            assert [change.new_ok for change in result.changes] == [False]

    case_then_version(app, case.id, draft.id, revalidate)
    db.expire_all()
    assert db.get(PlanVersion, draft.id).check_ok is False
    assert db.get(Case, case.id).plan_attention == "draft_errors"

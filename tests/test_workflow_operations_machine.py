"""Random sequences of the workflow's writes, by random people, against the real
operations and database (start, save, submit, decide, return, pay, report, close,
discard, a case edit), with the invariants DOMAIN.md promises checked after every step.
The domain rules alone are driven the same way, faster and further, in
tests/domain/test_workflow_machine.py; this one proves the operations keep them:

- a case has at most one open version (draft or submitted) and at most one approved one;
- nobody decides on a plan they (or their account, in another role) helped draft, and only
  an approver of Hjemrejsestyrelsen decides;
- a decided version never changes: its lines stay as decided, its status moves only from
  approved to superseded;
- every approved version is within the caps on its decision's reference date;
- what has been paid on a line never exceeds the line in the version in force, every paid
  line is in it with the kind it was paid as, and every payment lies in the period after
  the return;
- a closed case stays closed, takes no new version, payment, report or approval any more.

Each run works on a case of its own. Kept small (a few examples and steps, a few seconds):
it runs on every CI pass, twice; raise ``max_examples`` locally to search longer.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, \
    run_state_machine_as_test
from sqlmodel import select

from reintegration.approvals import operations as approvals
from reintegration.cases.operations import CaseInput, ChildInput, update_case
from reintegration.domain import workflow as wf
from reintegration.domain.budget import check_plan
from reintegration.domain.followup import outside_period, period_end
from reintegration.domain.planfile import parse_plan
from reintegration.followup import operations as followup
from reintegration.followup.questions import current as current_questions
from reintegration.models import (BudgetLine, Case, Decision, Disbursement, FollowUpReport, PlanContributor,
                                  PlanVersion, User)
from reintegration.plans import operations as plans

START = date(2026, 3, 2)
NARRATIVE = {name: None for name in plans.NARRATIVE_FIELDS} | {
    "activity_kind": "business", "activity_description": "Hair salon in Benin City"}
# Mostly amounts a plan may hold; now and then one that breaks a cap on its own.
CASH_AMOUNTS = [Decimal(a) for a in ("500.00", "1000.00", "2500.00", "2500.00", "5000.00", "10000.00", "12000.00")]
IN_KIND_AMOUNTS = [Decimal(a) for a in ("1000.00", "3000.00", "8000.00", "8000.00", "15000.00", "30000.01")]
PAY_AMOUNTS = [Decimal(a) for a in ("100.00", "1000.00", "2500.00", "5000.00", "12000.00")]

line_specs = st.one_of(
    st.tuples(st.just("cash"), st.sampled_from(CASH_AMOUNTS), st.integers(1, 12)),
    st.tuples(st.just("in_kind"), st.sampled_from(IN_KIND_AMOUNTS), st.sampled_from([1, 2, 2, 6, 12, 13])))
edits = st.one_of(
    st.tuples(st.just("replace"), st.lists(line_specs, min_size=1, max_size=3)),
    st.tuples(st.just("add"), line_specs),
    st.tuples(st.just("remove"), st.integers(0, 3)),
    st.tuples(st.just("amount"), st.integers(0, 3), st.sampled_from(CASH_AMOUNTS + IN_KIND_AMOUNTS)),
    st.tuples(st.just("kind"), st.integers(0, 3)),
)


class WorkflowMachine(RuleBasedStateMachine):
    """One case per run, worked on by two caseworkers, two approvers, a partner officer,
    CMM, and a caseworker who may be moved to the approvers' organisation midway."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        w = self.world
        self.app, self.db, self.tables = w["app"], w["db"], w["app"].extensions["rate_tables"]
        self.people = w["people"]
        self.monkeypatch = w["monkeypatch"]
        self.today = START
        self.monkeypatch.setattr(followup, "today", lambda: self.today)
        turncoat = self.people["turncoat"]
        turncoat.role, turncoat.organisation_id = "caseworker", w["drc"].id
        self.db.add(turncoat)
        self.db.commit()
        case = Case(reference=f"RT-2026-{uuid.uuid4().hex[:6]}", person_name="Person",
                    person_date_of_birth=date(1991, 3, 14), return_country="NG", partner_id=w["partner_org"].id,
                    planned_return=date(2026, 6, 1), caseworker_id=self.people["cw1"].id)
        self.db.add(case)
        self.db.commit()
        self.case_id = case.id
        # What was decided (version id -> outcome and lines), and what the case had when
        # it was closed.
        self.decided: dict[int, tuple[str, tuple]] = {}
        self.closed_counts: tuple | None = None

    @initialize(start=st.sampled_from(["new", "approved", "returned"]))
    def begin(self, start):
        """Two runs in three start further on: a plan approved, and the person returned."""
        if start == "new":
            return
        self.start_draft("cw1")
        self.save_draft("cw1", ("replace", [("cash", Decimal("5000.00"), 1), ("in_kind", Decimal("8000.00"), 2)]))
        self.submit("cw1")
        self.decide("ap1", wf.APPROVE, None, -1)
        assert self.status() == wf.CASE_APPROVED
        if start == "returned":
            self.record_return("ap1", 10)
            assert self.status() == wf.IN_FOLLOWUP

    # --- reads ------------------------------------------------------------------------

    def case(self) -> Case:
        self.db.expire_all()
        return self.db.get(Case, self.case_id)

    def versions(self) -> list[PlanVersion]:
        self.db.expire_all()
        return list(self.db.exec(select(PlanVersion).where(PlanVersion.case_id == self.case_id)
                                 .order_by(PlanVersion.number)).all())

    def lines(self, version_id: int) -> tuple:
        rows = self.db.exec(select(BudgetLine).where(BudgetLine.plan_version_id == version_id)
                            .order_by(BudgetLine.position, BudgetLine.id)).all()
        return tuple((line.line_key, line.kind, line.amount_dkk, line.month, line.exchange_rate) for line in rows)

    def open_version(self) -> PlanVersion | None:
        return next((v for v in self.versions() if v.status in wf.OPEN_PLAN_STATUSES), None)

    def payments(self) -> list[Disbursement]:
        return list(self.db.exec(select(Disbursement).where(Disbursement.case_id == self.case_id)).all())

    def user(self, name: str) -> User:
        return self.db.get(User, self.people[name].id)

    # --- the writes, as the views call them ---------------------------------------------

    def status(self) -> str:
        return self.case().status

    def has(self, *statuses: str) -> bool:
        return any(v.status in statuses for v in self.versions())

    @rule(who=st.sampled_from(["cw1", "cw2", "turncoat"]))
    def start_draft(self, who):
        """Also on a closed case or with a version open: the operation refuses both."""
        user = self.user(who)
        if user.role != "caseworker":
            return  # the page's role (plans.views.EDIT_ROLES)
        try:
            plans.create_draft(self.db, self.case(), user, self.tables, self.today)
        except (plans.OpenVersionExists, plans.CaseClosed):
            self.db.rollback()

    @precondition(lambda self: self.has(wf.DRAFT))
    @rule(who=st.sampled_from(["cw1", "cw2", "turncoat"]), edit=edits)
    def save_draft(self, who, edit):
        user, version = self.user(who), self.open_version()
        if user.role != "caseworker" or version is None or version.status != wf.DRAFT:
            return
        current = [plans.LineValues(kind=k, month=m, amount_dkk=a, line_key=key)
                   for key, k, a, m, _rate in self.lines(version.id)]
        what = edit[0]
        if what == "replace":
            current = [plans.LineValues(kind=k, month=m, amount_dkk=a) for k, a, m in edit[1]]
        elif what == "add":
            kind, amount, month = edit[1]
            current.append(plans.LineValues(kind=kind, month=month, amount_dkk=amount))
        elif current and what == "remove":
            del current[edit[1] % len(current)]
        elif current and what == "amount":
            current[edit[1] % len(current)].amount_dkk = edit[2]
        elif current and what == "kind":
            line = current[edit[1] % len(current)]
            line.kind = "cash" if line.kind == "in_kind" else "in_kind"
        lines = plans.prepare_lines(current, [key for key, *_ in self.lines(version.id)], None)
        try:
            plans.save_draft(self.db, version, seen_revision=version.revision, narrative=NARRATIVE, lines=lines,
                             user=user, tables=self.tables, today=self.today)
        except plans.PlanFrozen:
            self.db.rollback()

    @precondition(lambda self: self.has(wf.DRAFT))
    @rule(who=st.sampled_from(["cw1", "cw2", "turncoat"]))
    def submit(self, who):
        user, version = self.user(who), self.open_version()
        if user.role != "caseworker" or version is None:
            return
        try:
            plans.submit_version(self.db, version, seen_revision=version.revision, user=user, tables=self.tables,
                                 today=self.today)
        except (plans.SubmitRefused, plans.PlanFrozen):
            self.db.rollback()

    @precondition(lambda self: self.versions())
    @rule(who=st.sampled_from(["ap1", "ap2", "ap1", "ap2", "turncoat", "cw1", "partner", "cmm"]),
          action=st.sampled_from(wf.DECISIONS + (wf.APPROVE, wf.APPROVE)),
          reason=st.sampled_from([None, "Please lower the cash.", "Please lower the cash."]),
          which=st.integers(-3, 5))
    def decide(self, who, action, reason, which):
        versions = self.versions()
        # Mostly the version awaiting a decision; sometimes any other, which must be refused.
        version = next((v for v in versions if v.status == wf.SUBMITTED), versions[-1]) if which < 0 \
            else versions[which % len(versions)]
        before = version.status
        try:
            decision = approvals.decide(self.db, version.id, self.user(who), action, reason, self.tables,
                                        self.today)
        except (approvals.DecisionRefused, approvals.DecidedAlready):
            self.db.rollback()
            return
        assert before == wf.SUBMITTED
        self.decided[version.id] = (decision.outcome, self.lines(version.id))

    @precondition(lambda self: self.status() != wf.CLOSED and self.has(wf.APPROVED))
    @rule(who=st.sampled_from(["ap1", "cw1"]), days_ago=st.integers(0, 40))
    def record_return(self, who, days_ago):
        case = self.case()
        if case.status == wf.CLOSED:
            return  # the view refuses
        with self.app.test_request_context():
            try:
                followup.record_return(self.db, case, self.today - timedelta(days=days_ago),
                                       seen_revision=case.revision, user=self.user(who))
            except (followup.FieldErrors, followup.Conflict, followup.CaseClosed):
                self.db.rollback()

    @precondition(lambda self: self.status() == wf.IN_FOLLOWUP)
    @rule(which=st.integers(0, 5), amount=st.sampled_from(PAY_AMOUNTS), days_ago=st.integers(0, 30))
    def pay(self, which, amount, days_ago):
        case = self.case()
        # In the order of the versions and their lines (line keys are random: never sort by them).
        keys = list(dict.fromkeys(key for v in self.versions() for key, *_ in self.lines(v.id)))
        if not keys or case.status == wf.CLOSED:
            return
        with self.app.test_request_context():
            try:
                followup.record_disbursement(self.db, case, user=self.user("partner"), line_key=keys[which % len(keys)],
                                             paid_on=self.today - timedelta(days=days_ago), amount_local=None,
                                             amount_dkk=amount, note=None, token=uuid.uuid4().hex, another=True)
            except (followup.FieldErrors, followup.CaseClosed):
                self.db.rollback()

    @precondition(lambda self: self.status() == wf.IN_FOLLOWUP)
    @rule(which=st.integers(0, 4), days_ago=st.integers(0, 20), risk=st.booleans())
    def report(self, which, days_ago, risk):
        case = self.case()
        reports = list(self.db.exec(select(FollowUpReport).where(FollowUpReport.case_id == self.case_id)
                                    .order_by(FollowUpReport.due_month)).all())
        if not reports or case.status == wf.CLOSED:
            return
        report = reports[which % len(reports)]
        data = followup.ReportInput(contact_date=self.today - timedelta(days=days_ago), contact_kind="visit",
                                    activity_status="running", income_local=None, monthly_income=None, housing=None,
                                    health=None, schooling=None, wellbeing=None, notes=None, answers={},
                                    risk_indicators=("threats",) if risk else ())
        with self.app.test_request_context():
            try:
                followup.submit_report(self.db, case, report, report.revision, data, user=self.user("partner"),
                                       questions=current_questions())
            except (followup.FieldErrors, followup.Conflict, followup.CaseClosed):
                self.db.rollback()

    @precondition(lambda self: self.status() != wf.CLOSED)
    @rule(reason=st.sampled_from(["completed", "withdrew", "contact_lost"]), confirmed=st.booleans(),
          now=st.integers(0, 3))
    def close(self, reason, confirmed, now):
        case = self.case()
        if case.status == wf.CLOSED or now != 3:  # mostly the caseworker thinks again: runs go further
            return
        with self.app.test_request_context():
            try:
                followup.close_case(self.db, case, user=self.user("cw1"), reason=reason, note="Ended",
                                    seen_alerts=frozenset(followup.open_alert_ids(self.db, case.id)),
                                    confirmed=confirmed)
            except (followup.AlertsUnconfirmed, followup.CaseClosed):
                self.db.rollback()

    @precondition(lambda self: self.has(wf.DRAFT))
    @rule(who=st.sampled_from(["cw1", "cw2"]), now=st.integers(0, 3))
    def discard(self, who, now):
        version = self.open_version()
        if version is None or version.status != wf.DRAFT or now != 3:
            return
        try:
            plans.discard_draft(self.db, version, seen_revision=version.revision, user=self.user(who))
        except (plans.PlanFrozen, plans.PlanConflict):
            self.db.rollback()

    @precondition(lambda self: self.status() != wf.CLOSED)
    @rule(children=st.sampled_from([(), (date(2008, 9, 1),), (date(2015, 4, 2), date(2008, 9, 1))]),
          planned=st.sampled_from([date(2026, 6, 1), date(2026, 10, 1), None]))
    def edit_case(self, children, planned):
        """The caseworker edits the household or the planned return: the caps move (the
        older child turns 18 on 1 September 2026)."""
        case = self.case()
        data = CaseInput(person_name=case.person_name, person_date_of_birth=case.person_date_of_birth,
                         person_sex=None, nationality=None, unaccompanied_minor=False,
                         return_country=case.return_country, partner_id=case.partner_id, cmm_contact_id=None,
                         caseworker_id=case.caseworker_id, reflection_start=None, reflection_end=None,
                         planned_return=planned,
                         children=tuple(ChildInput(None, born, "home_country") for born in children))
        update_case(self.db, case, case.revision, data, user=self.user("cw2"), tables=self.tables, today=self.today)

    @rule(days=st.sampled_from([1, 7, 31, 92, 200]))
    def time_passes(self, days):
        self.today += timedelta(days=days)

    @rule()
    def turncoat_becomes_an_approver(self):
        """An administrator moves a caseworker to Hjemrejsestyrelsen: what they drafted
        still bars them from deciding it."""
        turncoat = self.user("turncoat")
        turncoat.role, turncoat.organisation_id = "approver", self.world["hjem"].id
        self.db.add(turncoat)
        self.db.commit()

    # --- what must always hold -------------------------------------------------------------

    @invariant()
    def one_open_and_one_in_force(self):
        versions = self.versions()
        assert sum(v.status in wf.OPEN_PLAN_STATUSES for v in versions) <= 1
        assert sum(v.status == wf.APPROVED for v in versions) <= 1
        approved = [v.number for v in versions if v.status in (wf.APPROVED, wf.SUPERSEDED)]
        in_force = [v.number for v in versions if v.status == wf.APPROVED]
        assert not approved or in_force == [max(approved)]  # the latest approval is the one in force

    @invariant()
    def nobody_decides_their_own_plan(self):
        for decision, version in self.db.exec(select(Decision, PlanVersion)
                                              .join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                                              .where(PlanVersion.case_id == self.case_id)).all():
            earlier = select(PlanVersion.id).where(PlanVersion.case_id == self.case_id,
                                                   PlanVersion.number <= version.number)
            drafters = set(self.db.exec(select(PlanContributor.user_id)
                                        .where(PlanContributor.plan_version_id.in_(earlier))).all())
            for created, submitted in self.db.exec(select(PlanVersion.created_by, PlanVersion.submitted_by)
                                                   .where(PlanVersion.id.in_(earlier))).all():
                drafters |= {created, submitted}
            assert decision.decided_by not in drafters
            assert decision.decided_by in {self.people["ap1"].id, self.people["ap2"].id, self.people["turncoat"].id}

    @invariant()
    def a_decided_version_never_changes(self):
        statuses = {v.id: v.status for v in self.versions()}
        for version_id, (outcome, lines) in self.decided.items():
            assert self.lines(version_id) == lines
            expected = {"approved": (wf.APPROVED, wf.SUPERSEDED), "sent_back": (wf.RETURNED,),
                        "rejected": (wf.REJECTED,)}[outcome]
            assert statuses[version_id] in expected

    @invariant()
    def every_approval_is_within_the_caps_of_its_reference_date(self):
        for decision in self.db.exec(select(Decision).join(PlanVersion, PlanVersion.id == Decision.plan_version_id)
                                     .where(PlanVersion.case_id == self.case_id,
                                            Decision.outcome == "approved")).all():
            plan = parse_plan(json.loads(decision.plan_document))
            assert plan.reference_date == decision.reference_date
            assert check_plan(plan, self.tables, decision.reference_date).ok

    @invariant()
    def paid_never_exceeds_what_is_approved(self):
        versions = self.versions()
        in_force = next((v for v in versions if v.status == wf.APPROVED), None)
        payments = self.payments()
        if not payments:
            return
        assert in_force is not None
        lines = {key: (kind, amount) for key, kind, amount, _m, _r in self.lines(in_force.id)}
        paid: dict[str, Decimal] = {}
        for payment in payments:
            paid[payment.line_key] = paid.get(payment.line_key, Decimal(0)) + payment.amount_dkk
        for key, amount in paid.items():
            assert key in lines and amount <= lines[key][1]
        case = self.case()
        assert case.actual_return is not None
        end = period_end(case.actual_return, self.tables.for_date(case.actual_return))
        for payment in payments:
            assert outside_period(payment.paid_on, case.actual_return, end) is None
        for key, kind in approvals.paid_lines_as_paid(self.db, self.case_id).items():
            assert lines[key][0] == kind[0]  # cash paid out stays cash

    @invariant()
    def the_case_status_follows_its_plans(self):
        case, versions = self.case(), self.versions()
        in_force = any(v.status == wf.APPROVED for v in versions)
        if case.status == wf.CLOSED:
            counts = (len(versions), len(self.payments()),
                      len(self.db.exec(select(FollowUpReport.id).where(FollowUpReport.case_id == self.case_id,
                                                                      FollowUpReport.status == "submitted")).all()),
                      sum(v.status == wf.APPROVED for v in versions) + sum(v.status == wf.SUPERSEDED for v in versions),
                      case.actual_return)
            if self.closed_counts is None:
                self.closed_counts = counts
            assert counts == self.closed_counts  # no new version, payment, report, approval or return
            return
        assert self.closed_counts is None  # never reopened
        if case.status == wf.IN_FOLLOWUP:
            assert in_force and case.actual_return is not None
        elif case.status == wf.CASE_APPROVED:
            assert in_force and case.actual_return is None
        else:
            assert not in_force and case.actual_return is None
            submitted = any(v.status == wf.SUBMITTED for v in versions)
            assert case.status == (wf.AWAITING_APPROVAL if submitted else wf.PREPARING)


@pytest.fixture
def world(app, db, make_org, make_user, monkeypatch):
    partner_org = make_org("partner", country="NG", currency="NGN")
    drc, hjem = make_org("drc"), make_org("hjemrejsestyrelsen")
    people = {name: make_user(role, organisation=org) for name, role, org in (
        ("cw1", "caseworker", drc), ("cw2", "caseworker", drc), ("turncoat", "caseworker", drc),
        ("ap1", "approver", hjem), ("ap2", "approver", hjem), ("partner", "partner", partner_org),
        ("cmm", "cmm", None))}
    return {"app": app, "db": db, "people": people, "partner_org": partner_org, "drc": drc, "hjem": hjem,
            "monkeypatch": monkeypatch}


def test_random_sequences_keep_the_workflow_invariants(world):
    WorkflowMachine.world = world
    run_state_machine_as_test(WorkflowMachine, settings=settings(
        max_examples=6, stateful_step_count=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)))

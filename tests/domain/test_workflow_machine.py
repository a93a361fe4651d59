"""The workflow rules of the domain core, driven by random sequences of actions by
random people (a stateful property test; no app, no database).

The machine keeps a case as the operations do and asks the domain before every step:
``workflow.start_violations`` before a version is started, ``submit_violations`` and
``decision_violations`` (with the budget check of ``budget.check_plan``, counting what
has been paid, as the drafting and approval checks do) before a submission or a
decision, ``transition`` and ``case_status_after`` for what follows. Payments are made
as the partner's payment form makes them: on a line of the version in force, up to that
line, within the period after the return (``followup.outside_period``). After every step
it asserts what DOMAIN.md promises:

- at most one open version and one version in force, the latest approved;
- no one decides a plan they drafted (in any earlier version), only an approver of the
  Return Agency decides, and only a submitted version;
- a decided version never changes (its lines; its status only from approved to superseded);
- an approved version is within the caps of its reference date;
- what has been paid on a line never exceeds that line in the version in force, and a paid
  line keeps the kind it was paid as;
- a closed case stays closed and takes no submission, approval or new version.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from reintegration.domain import workflow as wf
from reintegration.domain.budget import Activity, BudgetLine, Child, Person, Plan, RemovedLine, check_plan
from reintegration.domain.followup import outside_period, period_end
from reintegration.domain.rates import default_rates_dir, load_rate_tables

TABLES = load_rate_tables(default_rates_dir())
PLANNED_RETURN = date(2026, 6, 1)
# One child turns 18 on 1 September 2026: a provider on the planned return date, not on a
# return three months later.
CHILDREN = (Child(date(2008, 9, 1), "home_country"),)
PERSON = Person(date(1991, 3, 14))
ACTIVITY = Activity("business", "Hair salon in Benin City")

# Who acts: (role, organisation kind). "turncoat" starts as a caseworker and may be moved
# to the Return Agency as an approver midway (an administrator's change).
PEOPLE = {"cw1": ("caseworker", "drc"), "cw2": ("caseworker", "drc"), "turncoat": ("caseworker", "drc"),
          "ap1": ("approver", "hjemrejsestyrelsen"), "ap2": ("approver", "hjemrejsestyrelsen"),
          "cmm": ("cmm", "cmm"), "partner": ("partner", "partner")}
IDS = {name: number for number, name in enumerate(PEOPLE, start=1)}
EDIT_ROLES = ("caseworker",)  # the drafting pages' roles (plans.views.EDIT_ROLES)

amounts = st.sampled_from([Decimal(a) for a in ("500.00", "2500.00", "5000.00", "9999.99", "10000.00", "12000.00",
                                                "20000.00", "30000.01")])
new_lines = st.tuples(st.sampled_from(["cash", "in_kind"]), amounts, st.sampled_from([1, 2, 6, 12, 13]))
# A save of the drafting form: as it is (most often), a line added, removed, its amount
# or its kind changed; with the line's index, a new line and an amount.
edits = st.tuples(st.sampled_from(["keep", "keep", "amount", "add", "remove", "kind"]), st.integers(0, 3), new_lines,
                  amounts)


@dataclass(frozen=True)
class Line:
    key: str
    kind: str
    amount: Decimal
    month: int


@dataclass
class Version:
    number: int
    status: str = wf.DRAFT
    lines: tuple[Line, ...] = ()
    drafters: set[int] = field(default_factory=set)  # who started, saved or submitted it


@dataclass(frozen=True)
class Decided:
    outcome: str
    by: int
    reference_date: date
    lines: tuple[Line, ...]


@functools.lru_cache(maxsize=None)
def within_caps(lines: tuple[Line, ...], reference_date: date) -> bool:
    """The plan's lines within the caps on ``reference_date`` (nothing paid counted)."""
    return check_plan(plan_of(lines, reference_date), TABLES, reference_date).ok


def plan_of(lines: tuple[Line, ...], reference_date: date) -> Plan:
    return Plan(PERSON, CHILDREN, ACTIVITY, tuple(BudgetLine(line.kind, line.amount, line.month) for line in lines),
                reference_date)


class WorkflowRules(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.roles = dict(PEOPLE)
        self.case_status = wf.PREPARING
        self.return_date: date | None = None
        self.today = date(2026, 3, 2)
        self.versions: list[Version] = []
        self.decided: dict[int, Decided] = {}
        self.payments: list[tuple[str, str, Decimal, date]] = []  # key, kind as paid, amount, day
        self.keys = (f"line-{n}" for n in itertools.count(1))
        self.closed: tuple | None = None  # what the case had when it was closed

    @initialize(start=st.sampled_from(["new", "approved", "paid", "amending", "awaiting", "overtaken"]),
                drafter=st.sampled_from(["cw1", "turncoat"]))
    def begin(self, start, drafter):
        """Most runs start further on, by the same rules: a first plan (5,000 kr. cash,
        8,000 kr. in kind) drafted and approved; then the person returned and the partner
        paid 2,500 kr. and 5,000 kr. on its lines; then an amendment started, or submitted
        lowering the in-kind line to 6,000 kr., and maybe overtaken by a payment of 3,000 kr.
        more on that line of the plan in force. Runs go deep from there: amendments of paid
        lines, payments under them, decisions on them, the case closed under them."""
        if start == "new":
            return
        self.start(drafter)
        self.edit(drafter, ("add", 0, ("cash", Decimal("5000.00"), 1), None))
        self.edit(drafter, ("add", 0, ("in_kind", Decimal("8000.00"), 2), None))
        self.submit(drafter)
        self.decide("ap1", wf.APPROVE, True, -1)
        assert self.case_status == wf.CASE_APPROVED
        if start == "approved":
            return
        self.record_return(20)
        self.pay(0, Decimal("2500.00"), 10)
        self.pay(1, Decimal("5000.00"), 5)
        assert len(self.payments) == 2
        if start == "paid":
            return
        self.draft("cw2", ("keep", 0, None, None), False)
        if start in ("awaiting", "overtaken"):
            self.edit("cw2", ("amount", 1, None, Decimal("6000.00")))
            self.submit("cw2")
            assert self.open_version().status == wf.SUBMITTED
        if start == "overtaken":
            self.pay(1, Decimal("3000.00"), 0)
            assert not self.check(self.open_version()).ok

    # --- what the domain is asked with ----------------------------------------------------

    def open_version(self) -> Version | None:
        return next((v for v in self.versions if v.status in wf.OPEN_PLAN_STATUSES), None)

    def in_force(self) -> Version | None:
        return next((v for v in reversed(self.versions) if v.status == wf.APPROVED), None)

    def paid(self) -> dict[str, Decimal]:
        total: dict[str, Decimal] = {}
        for key, _kind, amount, _day in self.payments:
            total[key] = total.get(key, Decimal(0)) + amount
        return total

    def check(self, version: Version):
        """The drafting, submission and approval check: the budget rules on the case's
        reference date, counting what has been paid on each line key."""
        paid, kinds = self.paid(), {key: kind for key, kind, _a, _d in self.payments}
        keys = [line.key for line in version.lines]
        return check_plan(plan_of(version.lines, self.return_date or PLANNED_RETURN), TABLES, self.today,
                          {i: paid[key] for i, key in enumerate(keys) if key in paid},
                          tuple(RemovedLine(amount, key) for key, amount in sorted(paid.items()) if key not in keys),
                          {i: kinds[key] for i, key in enumerate(keys) if key in kinds})

    def drafters_up_to(self, version: Version) -> set[int]:
        return set().union(*(v.drafters for v in self.versions if v.number <= version.number))

    # --- the actions -----------------------------------------------------------------------

    @rule(who=st.sampled_from(["cw1", "cw2", "turncoat"]), edit=edits, new=st.booleans())
    def draft(self, who, edit, new):
        """A caseworker starts a version (the case page's button) when there is none open,
        or asks for one anyway (``new``), then saves the draft with a change."""
        if new or self.open_version() is None:
            self.start(who)
        self.edit(who, edit)

    def start(self, who):
        """A new version, as ``plans.operations.create_draft`` starts it: a copy of the last
        one decided (sent back, rejected or approved)."""
        current = self.open_version()
        refused = wf.start_violations(self.case_status, current.status if current else None)
        if refused or self.roles[who][0] not in EDIT_ROLES:
            return
        latest = self.versions[-1] if self.versions else None
        base = latest if latest and latest.status in (wf.RETURNED, wf.REJECTED, wf.APPROVED) else None
        self.versions.append(Version(len(self.versions) + 1, lines=base.lines if base else (), drafters={IDS[who]}))

    def edit(self, who, edit):
        """Saving a draft: only a draft, only on an open case (``plans.operations._claim_draft``)."""
        version = self.open_version()
        if version is None or version.status != wf.DRAFT or self.roles[who][0] not in EDIT_ROLES \
                or self.case_status == wf.CLOSED:
            return
        lines = list(version.lines)
        what, index, new, amount = edit
        i = index % len(lines) if lines else None
        if what == "add":
            lines.append(Line(next(self.keys), *new))
        elif i is not None and what == "remove":
            del lines[i]
        elif i is not None and what == "amount":
            lines[i] = replace(lines[i], amount=amount)
        elif i is not None and what == "kind":
            lines[i] = replace(lines[i], kind="cash" if lines[i].kind == "in_kind" else "in_kind")
        version.lines = tuple(lines)
        version.drafters.add(IDS[who])

    @precondition(lambda self: self.open_version() is not None)
    @rule(who=st.sampled_from(["cw1", "cw2", "turncoat"]))
    def submit(self, who):
        version = self.open_version()
        refused = wf.submit_violations(version.status, not self.check(version).ok, self.case_status)
        if refused or self.roles[who][0] not in EDIT_ROLES:
            return
        in_force = self.in_force() is not None
        version.status = wf.transition(version.status, wf.SUBMIT)
        version.drafters.add(IDS[who])
        self.case_status = wf.case_status_after(self.case_status, wf.SUBMIT, approved_in_force=in_force)

    @precondition(lambda self: self.versions)
    @rule(who=st.sampled_from(["ap1", "ap2", "turncoat", "turncoat", "cw1", "partner", "cmm"]),
          action=st.sampled_from(wf.DECISIONS + (wf.APPROVE,)), reason=st.booleans(),
          which=st.sampled_from([-1, -1, -1, -1, 0, 1]))
    def decide(self, who, action, reason, which):
        version = (self.open_version() or self.versions[-1]) if which < 0 else self.versions[which % len(self.versions)]
        role, organisation = self.roles[who]
        check = self.check(version)
        refused = wf.decision_violations(
            decider_user_id=IDS[who], decider_org_kind=organisation, drafter_user_ids=self.drafters_up_to(version),
            has_errors=not check.ok, status=version.status, action=action, decider_role=role,
            reason_given=reason, case_status=self.case_status)
        if refused:
            return
        assert version.number not in self.decided
        others = [v for v in self.versions if v.status == wf.APPROVED and v is not version]
        version.status = wf.transition(version.status, action)
        if action == wf.APPROVE:
            for other in others:
                other.status = wf.transition(other.status, wf.SUPERSEDE)
        self.case_status = wf.case_status_after(self.case_status, action, approved_in_force=bool(others))
        self.decided[version.number] = Decided(version.status, IDS[who], check.reference_date, version.lines)

    @precondition(lambda self: self.case_status != wf.CLOSED and self.in_force() is not None)
    @rule(days_ago=st.integers(0, 120))
    def record_return(self, days_ago):
        """The departure date (``followup.operations.record_return``): only with a plan in
        force and a rate table on the day (its period), and it leaves every payment in the period."""
        day = self.today - timedelta(days=days_ago)
        if TABLES.for_date(day) is None:
            return
        end = period_end(day, TABLES.for_date(day))
        if any(outside_period(paid_on, day, end) for _k, _kind, _a, paid_on in self.payments):
            return
        self.return_date = day
        self.case_status = wf.IN_FOLLOWUP

    @precondition(lambda self: self.case_status == wf.IN_FOLLOWUP)
    @rule(which=st.integers(0, 5), amount=amounts, days_ago=st.integers(0, 40))
    def pay(self, which, amount, days_ago):
        """A payment as the partner's form takes it: on a line of the version in force, at
        most what is left of it, within the period after the return."""
        lines = self.in_force().lines
        if not lines:
            return
        line, day = lines[which % len(lines)], self.today - timedelta(days=days_ago)
        left = line.amount - self.paid().get(line.key, Decimal(0))
        end = period_end(self.return_date, TABLES.for_date(self.return_date))
        if outside_period(day, self.return_date, end) is None and left > 0:
            self.payments.append((line.key, line.kind, min(amount, left), day))

    @precondition(lambda self: self.case_status != wf.CLOSED)
    @rule(now=st.integers(0, 9))
    def close(self, now):
        if now == 9:  # seldom: runs go further
            self.case_status = wf.CLOSED

    @rule(days=st.sampled_from([1, 30, 95]), turncoat_moves=st.booleans())
    def time_passes(self, days, turncoat_moves):
        """Time passes; meanwhile an administrator may move the caseworker "turncoat" to
        the Return Agency as an approver: what they drafted still bars them."""
        self.today += timedelta(days=days)
        if turncoat_moves:
            self.roles["turncoat"] = ("approver", "hjemrejsestyrelsen")

    # --- what must always hold -----------------------------------------------------------------

    @invariant()
    def one_open_version_and_the_latest_approval_in_force(self):
        assert sum(v.status in wf.OPEN_PLAN_STATUSES for v in self.versions) <= 1
        approved = [v.number for v in self.versions if v.status in (wf.APPROVED, wf.SUPERSEDED)]
        in_force = [v.number for v in self.versions if v.status == wf.APPROVED]
        assert in_force == ([max(approved)] if approved else [])

    @invariant()
    def only_an_approver_who_did_not_draft_it_decides(self):
        for number, decided in self.decided.items():
            version = self.versions[number - 1]
            assert decided.by not in self.drafters_up_to(version)
            assert decided.by in (IDS["ap1"], IDS["ap2"], IDS["turncoat"])

    @invariant()
    def a_decided_version_never_changes(self):
        for number, decided in self.decided.items():
            version = self.versions[number - 1]
            assert version.lines == decided.lines
            allowed = (wf.APPROVED, wf.SUPERSEDED) if decided.outcome == wf.APPROVED else (decided.outcome,)
            assert version.status in allowed

    @invariant()
    def an_approved_plan_is_within_the_caps_of_its_reference_date(self):
        for decided in self.decided.values():
            if decided.outcome == wf.APPROVED:
                assert within_caps(decided.lines, decided.reference_date)

    @invariant()
    def paid_out_never_exceeds_what_is_approved(self):
        if not self.payments:
            return
        lines = {line.key: line for line in self.in_force().lines}
        for key, amount in self.paid().items():
            assert key in lines and amount <= lines[key].amount
        for key, kind, _amount, _day in self.payments:
            assert lines[key].kind == kind

    def since_closing(self) -> tuple:
        """What a closed case must no longer get: versions, submissions, approvals, payments."""
        return (len(self.versions), sum(v.status != wf.DRAFT for v in self.versions),
                sum(d.outcome == wf.APPROVED for d in self.decided.values()), len(self.payments), self.return_date)

    @invariant()
    def the_case_status_follows_its_plans(self):
        if self.closed is not None:
            assert self.case_status == wf.CLOSED and self.since_closing() == self.closed
            return
        if self.case_status == wf.CLOSED:
            self.closed = self.since_closing()
            return
        in_force = self.in_force() is not None
        if self.case_status == wf.IN_FOLLOWUP:
            assert in_force and self.return_date is not None
        elif self.case_status == wf.CASE_APPROVED:
            assert in_force and self.return_date is None
        else:
            submitted = any(v.status == wf.SUBMITTED for v in self.versions)
            assert not in_force and self.case_status == (wf.AWAITING_APPROVAL if submitted else wf.PREPARING)


TestWorkflowRules = WorkflowRules.TestCase
# About three seconds: the suite runs twice in CI.
TestWorkflowRules.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)

"""Re-validating open plans when the rate table changes (an administrator's task)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from reintegration.domain.rates import load_rate_tables
from reintegration.models import AuditEvent, BudgetLine, PlanVersion
from reintegration.revalidation import revalidate_open_plans
from sqlmodel import Session, select
from support import approved_plan_and_amendment


def _version(db, case, status, amounts):
    version = PlanVersion(case_id=case.id, number=1, status="draft",
                          activity_kind="business", activity_description="Tailoring workshop")
    db.add(version)
    db.commit()
    for i, amount in enumerate(amounts):
        db.add(BudgetLine(plan_version_id=version.id, line_key=f"k{version.id}-{i}", position=i,
                          kind="in_kind", month=1, amount_dkk=Decimal(amount)))
    version.status = status  # lines first: an approved version's lines can never change
    db.add(version)
    db.commit()
    return version


def _tables_with_lower_adult_total(app, tmp_path: Path):
    source = Path(app.config["RATES_DIR"]) / "2026-2029.toml"
    text = source.read_text(encoding="utf-8")
    text = text.replace("version = 1", "version = 2", 1)
    head, rest = text.split("[figures.adult_total]", 1)
    rest = rest.replace('amount = "40000.00"', 'amount = "30000.00"', 1)
    (tmp_path / "2026-2029.toml").write_text(head + "[figures.adult_total]" + rest, encoding="utf-8")
    return load_rate_tables(tmp_path)


def test_open_plans_are_rechecked_against_a_new_table(app, db, make_case, tmp_path):
    case = make_case(planned_return=date(2026, 6, 1))
    draft = _version(db, case, "draft", ["20000.00", "15000.00"])  # 35,000: ok before, not after
    approved = _version(db, make_case(planned_return=date(2026, 6, 1)), "approved", ["35000.00"])
    small_case = make_case(planned_return=date(2026, 6, 1))
    small = _version(db, small_case, "draft", ["10000.00"])  # ok before and after
    tables = app.extensions["rate_tables"]

    first = revalidate_open_plans(db, tables, date(2026, 5, 1))
    assert first.checked == 2 and [c.new_ok for c in first.changes] == [True, True]
    assert revalidate_open_plans(db, tables, date(2026, 5, 1)).changes == ()  # nothing new

    result = revalidate_open_plans(db, _tables_with_lower_adult_total(app, tmp_path), date(2026, 5, 1))
    assert [(c.case_reference, c.new_ok, c.new_table) for c in result.changes] == \
        [(case.reference, False, "2026-2029 v2"), (small_case.reference, True, "2026-2029 v2")]
    for row in (draft, approved, small, case, small_case):
        db.refresh(row)
    assert (draft.rate_table_version, draft.check_ok) == (2, False)
    assert (small.rate_table_version, small.check_ok) == (2, True)  # the table only: its verdict stands
    assert (case.plan_attention, small_case.plan_attention) == ("draft_errors", None)  # the caseworker sees it
    assert approved.rate_table_id is None  # approved versions keep what they were approved against


def test_dry_run_saves_nothing(app, db, make_case):
    case = make_case(planned_return=date(2026, 6, 1))
    draft = _version(db, case, "draft", ["1000.00"])
    result = revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1), dry_run=True)
    assert len(result.changes) == 1
    db.refresh(draft)
    assert draft.check_ok is None


def test_revalidate_command(runner, db, make_case):
    _version(db, make_case(planned_return=date(2026, 6, 1)), "submitted", ["1000.00"])
    result = runner.invoke(args=["rates", "revalidate", "--today", "2026-05-01"])
    assert result.exit_code == 0, result.output
    assert "1 open plans checked, 1 changed." in result.output


def test_a_version_saved_meanwhile_keeps_the_verdict_of_its_own_save(app, db, make_case, monkeypatch):
    """The re-validation writes only versions still at the revision it read: a caseworker
    who saved the draft in between ran the check on the new content already."""
    import reintegration.revalidation as revalidation

    draft = _version(db, make_case(planned_return=date(2026, 6, 1)), "draft", ["1000.00"])
    real_verdict = revalidation.verdict

    def judge_while_someone_saves(plan, summary, tables, today):
        with Session(db.get_bind()) as other:  # another request, its own transaction
            other.execute(PlanVersion.__table__.update().where(PlanVersion.__table__.c.id == draft.id)
                          .values(revision=PlanVersion.__table__.c.revision + 1, check_ok=False))
            other.commit()
        return real_verdict(plan, summary, tables, today)

    monkeypatch.setattr(revalidation, "verdict", judge_while_someone_saves)
    result = revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1))
    assert len(result.changes) == 1  # reported as found ...
    db.expire_all()
    stored = db.get(PlanVersion, draft.id)
    assert (stored.revision, stored.check_ok, stored.rate_table_id) == (2, False, None)  # ... the save is kept


def test_a_version_saved_meanwhile_keeps_its_record_when_only_the_table_changes(app, db, make_case, monkeypatch,
                                                                                tmp_path):
    """The same for a version whose verdict stands and gets only the new table (the
    write that leaves check_ok alone)."""
    import reintegration.revalidation as revalidation

    draft = _version(db, make_case(planned_return=date(2026, 6, 1)), "draft", ["1000.00"])
    assert len(revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1)).changes) == 1
    real_verdict = revalidation.verdict

    def judge_while_someone_saves(plan, summary, tables, today):
        with Session(db.get_bind()) as other:
            other.execute(PlanVersion.__table__.update().where(PlanVersion.__table__.c.id == draft.id)
                          .values(revision=PlanVersion.__table__.c.revision + 1))
            other.commit()
        return real_verdict(plan, summary, tables, today)

    monkeypatch.setattr(revalidation, "verdict", judge_while_someone_saves)
    result = revalidate_open_plans(db, _tables_with_lower_adult_total(app, tmp_path), date(2026, 5, 1))
    assert [(c.old_ok, c.new_ok, c.new_table) for c in result.changes] == [(True, True, "2026-2029 v2")]
    db.expire_all()
    stored = db.get(PlanVersion, draft.id)
    assert (stored.revision, stored.check_ok, stored.rate_table_version) == (2, True, 1)  # the save is kept


def test_a_plan_is_checked_with_all_its_lines_children_and_dates(app, db, make_case):
    """Many plans, interleaved line ids: each plan is judged on its own lines only."""
    from reintegration.models import Child

    over = make_case(planned_return=date(2026, 6, 1))
    under = make_case(planned_return=date(2026, 6, 1))
    with_child = make_case(planned_return=date(2026, 6, 1))
    db.add(Child(case_id=with_child.id, position=0, date_of_birth=date(2020, 1, 1), lives_in="with_parent"))
    db.commit()
    a = _version(db, over, "draft", ["30000.00", "10000.01"])         # 40,000.01: over the adult cap
    b = _version(db, under, "submitted", ["30000.00", "10000.00"])    # 40,000.00: the cap exactly
    c = _version(db, with_child, "draft", ["40000.00", "9000.00"])    # adult + one minor child's in-kind
    result = revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1))
    assert result.checked == 3
    verdicts = {c.case_reference: c.new_ok for c in result.changes}
    assert verdicts == {over.reference: False, under.reference: True, with_child.reference: True}
    db.expire_all()
    assert [db.get(PlanVersion, v.id).check_ok for v in (a, b, c)] == [False, True, True]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "rates.revalidate")).one()
    assert '"changed": 3' in event.detail and '"checked": 3' in event.detail


line_strategy = st.fixed_dictionaries({
    "kind": st.sampled_from(["cash", "in_kind"]),
    "ore": st.integers(min_value=-100_000, max_value=3_000_000),
    "month": st.integers(min_value=0, max_value=15),
    "category": st.one_of(st.none(), st.sampled_from(["stock", "rent", "tools"])),
    "description": st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)),
    "local": st.one_of(st.none(), st.tuples(st.sampled_from(["NGN", "THB", "RON"]),
                                            st.integers(min_value=1, max_value=10**9),
                                            st.integers(min_value=1, max_value=10**6))),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=st.lists(st.tuples(st.lists(line_strategy, max_size=6), st.integers(min_value=0, max_value=2),
                                st.sampled_from(["draft", "submitted"])), min_size=1, max_size=4))
def test_the_revalidation_judges_a_plan_as_the_drafting_check_does(app, db, make_case, plans):
    """The re-validation reads of the lines only what the database sums up (totals,
    lowest amount, first and last month); whatever else a line holds (text, currency,
    local amount, rate), its verdict and rate table are exactly those of the check of
    the whole stored plan."""
    from reintegration.domain.budget import Verdict, check_plan, verdict
    from reintegration.models import Child
    from reintegration.plans.mapping import domain_plan, load_plan
    from reintegration.revalidation import open_plans

    tables, today = app.extensions["rate_tables"], date(2026, 5, 1)
    db.rollback()
    for version in db.exec(select(PlanVersion).where(PlanVersion.status.in_(("draft", "submitted")))).all():
        version.status = "superseded"  # earlier examples' plans are no longer open
        db.add(version)
    db.commit()
    made = []
    for lines, children, status in plans:
        case = make_case(planned_return=date(2026, 6, 1))
        for n in range(children):
            db.add(Child(case_id=case.id, position=n, date_of_birth=date(2015 + 8 * n, 1, 1), lives_in="with_parent"))
        version = PlanVersion(case_id=case.id, number=1, status="draft", activity_kind="business",
                              activity_description="Tailoring workshop")
        db.add(version)
        db.commit()
        for i, line in enumerate(lines):
            currency, local, rate = line["local"] or (None, None, None)
            db.add(BudgetLine(plan_version_id=version.id, line_key=f"p{version.id}-{i}", position=i,
                              kind=line["kind"], month=line["month"], amount_dkk=Decimal(line["ore"]).scaleb(-2),
                              category=line["category"], description=line["description"], currency=currency,
                              amount_local=None if local is None else Decimal(local).scaleb(-2),
                              exchange_rate=None if rate is None else Decimal(rate).scaleb(-6)))
        version.status = status
        db.add(version)
        db.commit()
        made.append(version.id)
    read = {head.id: (plan, summary) for head, plan, summary in open_plans(db)}
    db.rollback()
    assert sorted(read) == sorted(made)
    for version_id in made:
        whole = domain_plan(load_plan(db, db.get(PlanVersion, version_id)))
        check = check_plan(whole, tables, today)
        assert verdict(*read[version_id], tables, today) == Verdict(check.ok, check.rate_table)


def test_many_batches_are_read_ahead_and_written_while_the_reading_goes_on(app, db, make_case, monkeypatch):
    """Versions are fetched and written a batch at a time (on PostgreSQL, the writing in a
    thread of its own while the next batch is read): every version is judged once, in
    order, and every change is saved with the one audit record."""
    import reintegration.revalidation as revalidation

    monkeypatch.setattr(revalidation, "BATCH", 2)
    amounts = ["1000.00", "40000.01", "40000.00", "500.00", "45000.00"]
    versions = [_version(db, make_case(planned_return=date(2026, 6, 1)), "draft", [a]) for a in amounts]
    result = revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1))
    assert result.checked == 5
    assert [c.new_ok for c in result.changes] == [True, False, True, True, False]  # in version order
    db.expire_all()
    assert [db.get(PlanVersion, v.id).check_ok for v in versions] == [True, False, True, True, False]
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "rates.revalidate")).all()
    assert len(events) == 1 and '"changed": 5' in events[0].detail


def test_a_failed_write_saves_no_change_and_no_audit_record(app, db, make_case, monkeypatch):
    """The changes and the audit record are one transaction: a batch the database refuses
    (here the one with the last version; on PostgreSQL the third, after two written) leaves
    every version as it was, the batches written before it included, and the error reaches
    the caller."""
    import reintegration.revalidation as revalidation

    monkeypatch.setattr(revalidation, "BATCH", 2)
    versions = [_version(db, make_case(planned_return=date(2026, 6, 1)), "draft", ["1000.00"]) for _ in range(5)]
    real_write, calls = revalidation._write, []

    def refuse_the_last_version(session, updates):
        calls.append(len(updates))
        if versions[-1].id in [u.vid for u in updates]:
            raise RuntimeError("the database refused the batch")
        real_write(session, updates)

    monkeypatch.setattr(revalidation, "_write", refuse_the_last_version)
    with pytest.raises(RuntimeError, match="refused"):
        revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1))
    assert calls == ([2, 2, 1] if db.get_bind().dialect.name == "postgresql" else [5])
    db.expire_all()
    monkeypatch.setattr(revalidation, "_write", real_write)
    _assert_nothing_saved_then_the_next_run_saves_all(app, db, versions)


def test_read_ahead_keeps_order_passes_errors_on_and_stops_when_left():
    from reintegration.revalidation import read_ahead

    assert list(read_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]
    assert list(read_ahead([])) == []

    def failing():
        yield 1
        raise ValueError("the connection broke")

    items = read_ahead(failing())
    assert next(items) == 1
    with pytest.raises(ValueError, match="broke"):
        next(items)

    taken = []

    def counted():
        for n in range(100):
            taken.append(n)
            yield n

    items = read_ahead(counted())
    assert next(items) == 0
    items.close()  # the caller stops: at most the one item fetched ahead is taken
    assert taken == [0, 1]


def test_an_error_while_judging_stops_the_reading_and_saves_nothing(app, db, make_case, monkeypatch):
    """A plan the rules fail on (here the fourth of five, after two batches were handed to
    the writer) stops the run: the reading ahead ends, nothing is saved, and the session
    can go on (the next run saves every change)."""
    import reintegration.revalidation as revalidation

    monkeypatch.setattr(revalidation, "BATCH", 2)
    versions = [_version(db, make_case(planned_return=date(2026, 6, 1)), "draft", ["1000.00"]) for _ in range(5)]
    real_verdict, judged = revalidation.verdict, []

    def fail_on_the_fourth(plan, summary, tables, today):
        judged.append(plan)
        if len(judged) == 4:
            raise RuntimeError("the rules failed")
        return real_verdict(plan, summary, tables, today)

    monkeypatch.setattr(revalidation, "verdict", fail_on_the_fourth)
    with pytest.raises(RuntimeError, match="rules failed"):
        revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1))
    db.rollback()
    monkeypatch.setattr(revalidation, "verdict", real_verdict)
    _assert_nothing_saved_then_the_next_run_saves_all(app, db, versions)


def _assert_nothing_saved_then_the_next_run_saves_all(app, db, versions):
    """After a failed run: no version changed and no audit record; and nothing is left
    locked or half-done, so the next run saves every change."""
    assert [db.get(PlanVersion, v.id).check_ok for v in versions] == [None] * len(versions)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "rates.revalidate")).all() == []
    assert len(revalidate_open_plans(db, app.extensions["rate_tables"], date(2026, 5, 1)).changes) == len(versions)
    db.expire_all()
    assert [db.get(PlanVersion, v.id).check_ok for v in versions] == [True] * len(versions)


# An approved plan with 8,000 kr. paid on its in-kind line, and amendments of it.
PAID_APPROVED = [("cash-1", "cash", "4515.00", "Monthly allowance"),
                 ("kit-1", "in_kind", "8000.00", "Sewing machines")]
PAID_AMENDMENTS = {
    "lowered below what was paid": [("cash-1", "cash", "4515.00", "Monthly allowance"),
                                    ("kit-1", "in_kind", "5000.00", "Sewing machines")],
    "paid line removed": [("cash-1", "cash", "4515.00", "Monthly allowance"),
                          ("rent-1", "in_kind", "30000.00", "Workshop rent")],
    "every line removed": [],
    "paid line kept": [("cash-1", "cash", "4515.00", "Monthly allowance"),
                       ("kit-1", "in_kind", "8000.00", "Sewing machines"),
                       ("rent-1", "in_kind", "27485.00", "Workshop rent")],  # 40,000 kr.: the cap exactly
}


def _paid_amendment(db, make_case, make_user, lines, status="draft"):
    case = make_case(planned_return=date(2026, 6, 1))
    _first, amendment = approved_plan_and_amendment(db, case, approved=PAID_APPROVED, paid={"kit-1": "8000.00"},
                                                    amendment=lines, recorded_by=make_user("partner").id,
                                                    status=status)
    return case, amendment


def _drafting_check(db, version, tables, today):
    from reintegration.plans.mapping import load_plan
    from reintegration.plans.operations import check_version

    db.expire_all()
    return check_version(db, load_plan(db, db.get(PlanVersion, version.id)), tables, today)


@pytest.mark.parametrize("amendment", list(PAID_AMENDMENTS))
def test_an_amendment_with_money_paid_is_judged_as_the_drafting_check_does(app, db, make_case, make_user,
                                                                           tmp_path, amendment):
    """What was paid stays paid in the re-validation too: a line lowered below what was
    paid or a paid line removed keeps the amendment failing, whatever the table."""
    from reintegration.plans.operations import recheck_open_versions

    tables, today = app.extensions["rate_tables"], date(2026, 5, 1)
    case, version = _paid_amendment(db, make_case, make_user, PAID_AMENDMENTS[amendment],
                                    status="submitted" if amendment == "paid line removed" else "draft")
    recheck_open_versions(db, case.id, tables, today)  # as drafting stores it
    db.commit()
    expected = amendment == "paid line kept"
    assert _drafting_check(db, version, tables, today).ok is expected
    assert revalidate_open_plans(db, tables, today).changes == ()  # the stored verdict stands
    db.expire_all()
    assert db.get(PlanVersion, version.id).check_ok is expected

    lower = _tables_with_lower_adult_total(app, tmp_path)  # 30,000 kr.: the kept plan fails too
    [change] = revalidate_open_plans(db, lower, today).changes
    assert (change.new_table, change.new_ok) == ("2026-2029 v2", False)
    assert _drafting_check(db, version, lower, today).ok is False


def test_only_amendments_with_money_paid_leave_the_fast_path(app, db, make_case, make_user, monkeypatch):
    """A version with nothing paid on its case is judged from its line summary alone;
    the amendment with money paid, by the whole check, with its lines."""
    import reintegration.revalidation as revalidation

    tables, today = app.extensions["rate_tables"], date(2026, 5, 1)
    plain = _version(db, make_case(planned_return=date(2026, 6, 1)), "draft", ["1000.00"])
    _case, paid = _paid_amendment(db, make_case, make_user, PAID_AMENDMENTS["paid line removed"])
    summarised, whole = [], []

    def counted(judge, judged):
        def judge_and_count(plan, *rest):
            judged.append(plan)
            return judge(plan, *rest)
        return judge_and_count

    monkeypatch.setattr(revalidation, "verdict", counted(revalidation.verdict, summarised))
    monkeypatch.setattr(revalidation, "judged_whole", counted(revalidation.judged_whole, whole))
    result = revalidate_open_plans(db, tables, today)
    assert [len(p.lines) for p in summarised] == [0] and [len(p.lines) for p in whole] == [2]
    assert [c.new_ok for c in result.changes] == [True, False]
    db.expire_all()
    assert [db.get(PlanVersion, v.id).check_ok for v in (plain, paid)] == [True, False]

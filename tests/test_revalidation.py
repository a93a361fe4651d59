"""Re-validating open plans when the rate table changes (an administrator's task)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from reintegration.domain.rates import load_rate_tables
from reintegration.models import BudgetLine, PlanVersion
from reintegration.revalidation import revalidate_open_plans


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
    tables = app.extensions["rate_tables"]

    first = revalidate_open_plans(db, tables, date(2026, 5, 1))
    assert first.checked == 1 and first.changes[0].new_ok is True
    assert revalidate_open_plans(db, tables, date(2026, 5, 1)).changes == ()  # nothing new

    result = revalidate_open_plans(db, _tables_with_lower_adult_total(app, tmp_path), date(2026, 5, 1))
    assert [(c.case_reference, c.new_ok, c.new_table) for c in result.changes] == \
        [(case.reference, False, "2026-2029 v2")]
    db.refresh(draft)
    db.refresh(approved)
    assert (draft.rate_table_version, draft.check_ok) == (2, False)
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

"""Budget findings in the reader's language, each with the rule and the passage of the
rate table it rests on. The domain gives codes and parameters; the words live here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..domain.budget import (ACTIVITY_MISSING, CASH, CASH_MAX, CHILD_NOT_MINOR, LINE_AMOUNT, LINE_BELOW_DISBURSED,
                             LINE_KIND_DISBURSED, LINE_MONTH, LINE_REMOVED_DISBURSED, RATES_NONE, TOTAL_MAX,
                             BudgetCheck, Finding)
from ..i18n import format_day, format_dkk, gettext as _, language, ngettext


@dataclass(frozen=True)
class ShownFinding:
    rule: str
    severity: str
    message: str
    source: str | None  # the rate table's quoted source for the figure behind the rule
    line: int | None  # 0-based line index, to show the finding beside its line
    child: int | None
    field: str | None  # the form field that caused it, for the error summary link
    # A removed paid line (line.removed_disbursed): its key and name, so the drafting
    # page can offer to put it back.
    restore_key: str | None = None
    restore_name: str | None = None


def _figures(finding: Finding, check: BudgetCheck) -> tuple[str, ...]:
    if finding.rule == CASH_MAX:
        return (check.rate_table.cash_figure(check.provider),)
    if finding.rule == TOTAL_MAX:
        return ("adult_total", "child_in_kind") if check.minor_children else ("adult_total",)
    return ()


def message(finding: Finding, check: BudgetCheck, line_number: int | None = None) -> str:
    """``line_number``: the number the reader sees on the finding's line, where that is
    not simply its position among the checked lines plus one (the drafting form leaves
    blank and unreadable rows out of the check, yet numbers every row)."""
    n = line_number if line_number is not None else (finding.line + 1) if finding.line is not None else None
    if finding.rule == RATES_NONE:
        return _("No rate table is valid on %(date)s. An administrator must add one.",
                 date=format_day(check.reference_date))
    if finding.rule == ACTIVITY_MISSING:
        if finding.params.get("kind_missing"):
            return _("Choose the kind of income-generating activity the plan is built around, and describe it.")
        return _("Describe the income-generating activity the plan is built around.")
    if finding.rule == LINE_AMOUNT:
        return _("Line %(n)d: the amount must be greater than zero and have at most two decimals.", n=n)
    if finding.rule == LINE_MONTH:
        return _("Line %(n)d: the month must be from 1 to %(max)d, within the year after the return.",
                 n=n, max=finding.params["period_months"])
    if finding.rule == LINE_BELOW_DISBURSED:
        return _("Line %(n)d: %(amount)s is less than the %(paid)s already paid out on it.",
                 n=n, amount=format_dkk(finding.actual), paid=format_dkk(finding.limit))
    if finding.rule == LINE_KIND_DISBURSED:
        if finding.params.get("paid_as") == CASH:
            return _("Line %(n)d: money has been paid out on it as cash, so it must stay a cash line.", n=n)
        return _("Line %(n)d: money has been paid out on it in kind, so it must stay an in-kind line.", n=n)
    if finding.rule == LINE_REMOVED_DISBURSED:
        named = finding.params.get("description") or finding.params.get("key")
        return _("A removed line (%(description)s) had %(paid)s paid out on it; lower it to what was paid "
                 "instead of removing it.", description=named, paid=format_dkk(finding.limit))
    if finding.rule == CASH_MAX:
        if check.provider:
            return _("Cash %(actual)s exceeds the provider cash rate of %(limit)s.",
                     actual=format_dkk(finding.actual), limit=format_dkk(finding.limit))
        return _("Cash %(actual)s exceeds the cash rate of %(limit)s for a person who is not a provider.",
                 actual=format_dkk(finding.actual), limit=format_dkk(finding.limit))
    if finding.rule == TOTAL_MAX:
        if not check.minor_children:
            return _("Cash and in-kind together, %(actual)s, exceed the household cap of %(limit)s "
                     "(the adult rate).", actual=format_dkk(finding.actual), limit=format_dkk(finding.limit))
        return ngettext("Cash and in-kind together, %(actual)s, exceed the household cap of %(limit)s "
                        "(the adult rate plus %(num)d minor child).",
                        "Cash and in-kind together, %(actual)s, exceed the household cap of %(limit)s "
                        "(the adult rate plus %(num)d minor children).", check.minor_children,
                        actual=format_dkk(finding.actual), limit=format_dkk(finding.limit))
    if finding.rule == CHILD_NOT_MINOR:
        if finding.params.get("born_after"):
            return _("Child %(n)d is born after %(date)s and is not counted in the caps.",
                     n=finding.child + 1, date=format_day(check.reference_date))
        return _("Child %(n)d is 18 or older on %(date)s and is not counted in the caps.",
                 n=finding.child + 1, date=format_day(check.reference_date))
    return finding.rule


def shown_findings(check: BudgetCheck, field_for_line=None,
                   line_numbers: Sequence[int] | None = None) -> list[ShownFinding]:
    """``field_for_line(index, rule)`` may name the form field a line finding belongs to;
    ``line_numbers[index]`` the number its row carries, where that is not ``index + 1``."""
    shown = []
    for finding in check.findings:
        figures = _figures(finding, check)
        source = " ".join(check.rate_table.source(f, language()) for f in figures).strip() if figures else None
        field = None
        if finding.line is not None and field_for_line:
            field = field_for_line(finding.line, finding.rule)
        elif finding.rule == ACTIVITY_MISSING:
            field = "activity_kind" if finding.params.get("kind_missing") else "activity_description"
        number = (line_numbers[finding.line] if line_numbers is not None and finding.line is not None
                  and finding.line < len(line_numbers) else None)
        restore_key = restore_name = None
        if finding.rule == LINE_REMOVED_DISBURSED and finding.params.get("key"):
            restore_key = str(finding.params["key"])
            restore_name = str(finding.params.get("description") or restore_key)
        shown.append(ShownFinding(finding.rule, finding.severity, message(finding, check, number), source or None,
                                  finding.line, finding.child, field, restore_key, restore_name))
    return shown

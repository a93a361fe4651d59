"""``python -m reintegration validate``: check a plan file against the rate tables.

The contract is PLAN_FORMAT.md: one JSON object on standard output and exit status 0 (no
error finding) or 1 (at least one); exit status 2 when the input is not a plan or the
rate tables cannot be read, with one ``error: <field>: <what is wrong>`` line on standard
error and nothing on standard output. Needs no database and no server.

Without a reference date a plan is checked on the day of checking, counted as the app
counts it (``i18n.local_today``): the day in Denmark, not on the machine's clock, so that
a plan file and the drafting page agree on who is a minor and which table applies from
midnight to 01:00 (02:00 in summer) Danish time on a server that runs on UTC.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import Defaults
from .domain import budget as rules
from .domain.budget import Finding, check_plan
from .domain.money import dkk
from .domain.planfile import (PlanFormatError, check_to_json, json_constant, json_object, parse_iso_date,
                              parse_plan)
from .domain.rates import RateTableError, default_rates_dir, load_rate_tables

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_NOT_A_PLAN = 2
STDIN = "-"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand to the top-level parser."""
    parser = commands.add_parser(
        "validate",
        help="check a plan file against the rate tables",
        description="Check a reintegration plan file (reintegration-plan/1) against the rate tables.",
    )
    parser.add_argument("plan", metavar="PLAN.json", help="the plan file, or - for standard input")
    parser.add_argument(
        "--rates", type=Path, metavar="DIR", help="folder of rate tables (default: the project's rates/)"
    )
    parser.add_argument(
        "--today",
        type=_iso_date_argument,
        metavar="YYYY-MM-DD",
        help="the day of checking, used when the plan has no reference_date (default: today in Denmark)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check one plan file; returns the exit status of the contract."""
    try:
        plan = parse_plan(read_json(args.plan))
        tables = load_rate_tables(args.rates or default_rates_dir())
    except (PlanFormatError, RateTableError) as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_NOT_A_PLAN
    check = check_plan(plan, tables, today=args.today or today())
    status = EXIT_OK if check.ok else EXIT_FINDINGS
    try:
        print(json.dumps(check_to_json(check, message), indent=2, ensure_ascii=False))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (``validate plan.json | head``): the verdict stands, and
        # the exit status says it; no traceback, which a caller would read as exit 1. The
        # descriptor goes to devnull so that the interpreter's own flush at exit is quiet
        # (the recipe of the signal module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return status


def today() -> date:
    """The date in Denmark, as the app's ``i18n.local_today``: a plan without a reference
    date gets the same rate table and minors from the command as from the app, also on a
    server whose clock runs on UTC (still yesterday from midnight to 01:00 or 02:00)."""
    return datetime.now(ZoneInfo(Defaults.BABEL_DEFAULT_TIMEZONE)).date()


def one_line(text: str) -> str:
    """``text`` with every line break or other unprintable character escaped (``\\n``),
    so that the error is the one line on standard error the contract promises, whatever
    the file or folder is called."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def read_json(name: str) -> Any:
    """The decoded JSON document in file ``name`` (``-``: standard input).

    Every way of not being JSON becomes a ``PlanFormatError`` on the file itself.
    """
    where = "<stdin>" if name == STDIN else name
    try:
        raw = sys.stdin.buffer.read() if name == STDIN else Path(name).read_bytes()
    except OSError as error:
        raise PlanFormatError(where, f"cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanFormatError(where, f"not UTF-8 text: invalid byte at offset {error.start}") from None
    try:
        # Decimal for JSON numbers: no float ever enters, even in an error message.
        return json.loads(text, parse_float=Decimal, parse_constant=json_constant, object_pairs_hook=json_object)
    except json.JSONDecodeError as error:
        raise PlanFormatError(where, f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except ValueError as error:  # NaN and Infinity, or an integer too long to read
        raise PlanFormatError(where, f"not JSON: {error}") from None
    except RecursionError:
        raise PlanFormatError(where, "not JSON: nested too deeply") from None


def message(finding: Finding) -> str:
    """The English message for a finding, as the CLI prints it."""
    params = finding.params
    match finding.rule:
        case rules.RATES_NONE:
            return f"No rate table is valid on {params['reference_date']}."
        case rules.ACTIVITY_MISSING:
            return "The plan has no income-generating activity, or its description is blank."
        case rules.LINE_AMOUNT:
            problem = "must be more than zero" if params["amount"] <= 0 else "has more than two decimals"
            return f"lines[{finding.line}]: the amount {params['amount']:f} kr. {problem}."  # as written, never 0E-7
        case rules.LINE_MONTH:
            return (
                f"lines[{finding.line}]: month {params['month']} is outside the reintegration period, "
                f"months 1 to {params['period_months']} after the return."
            )
        case rules.LINE_BELOW_DISBURSED:
            return (
                f"lines[{finding.line}]: {_kr(finding.actual)} is less than "
                f"the {_kr(finding.limit)} already paid out."
            )
        case rules.CASH_MAX:
            who = "provider" if params["provider"] else "non-provider"
            return f"Cash {_kr(finding.actual)} exceeds the {who} cash rate of {_kr(finding.limit)}"
        case rules.TOTAL_MAX:
            return (
                f"Cash and in-kind {_kr(finding.actual)} exceed the total rate of {_kr(finding.limit)} "
                f"{_household(params['minor_children'])}."
            )
        case rules.CHILD_NOT_MINOR:
            if params.get("born_after"):
                return f"children[{finding.child}] is born after {params['reference_date']} and is not counted."
            return f"children[{finding.child}] is 18 or older on {params['reference_date']} and is not counted."
    raise ValueError(f"no message for rule {finding.rule!r}")


def _household(minor_children: int) -> str:
    if minor_children == 0:
        return "for an adult"
    return f"for an adult with {minor_children} minor {'child' if minor_children == 1 else 'children'}"


def _kr(amount: Decimal | None) -> str:
    """``24,000.00 kr.``: English digit grouping, as in the contract's example.

    The abbreviation's full stop also ends a sentence that ends with an amount.
    """
    return f"{dkk(amount):,} kr."


def _iso_date_argument(text: str) -> date:
    try:
        return parse_iso_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}: {text!r}") from None


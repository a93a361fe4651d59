"""``python -m reintegration validate`` against the contract in PLAN_FORMAT.md, end to end."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CONTRACT_INPUT = {
    "format": "reintegration-plan/1",
    "reference_date": "2026-06-01",
    "person": {"date_of_birth": "1991-03-14", "unaccompanied_minor": False},
    "children": [{"date_of_birth": "2017-09-02", "lives_in": "home_country"}],
    "activity": {"kind": "business", "description": "Hair salon in Benin City"},
    "lines": [
        {"kind": "cash", "amount_dkk": "24000.00", "month": 1, "description": "Monthly allowance"},
        {"kind": "in_kind", "amount_dkk": "14500.00", "month": 1, "category": "equipment",
         "description": "Two salon chairs, dryer, mirror"},
    ],
}
CONTRACT_OUTPUT = {
    "ok": False,
    "rate_table": "2026-2029",
    "reference_date": "2026-06-01",
    "provider": True,
    "minor_children": 1,
    "caps": {"cash": "20000.00", "total": "49000.00"},
    "totals": {"cash": "24000.00", "in_kind": "14500.00", "total": "38500.00"},
    "findings": [
        {"rule": "cash.max", "severity": "error", "limit": "20000.00", "actual": "24000.00",
         "message": "Cash 24,000.00 kr. exceeds the provider cash rate of 20,000.00 kr."}
    ],
}


def validate(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reintegration", "validate", *args],
        cwd=REPO, input=stdin, capture_output=True, timeout=60,
    )


def plan_file(tmp_path: Path, content: bytes | str | dict) -> str:
    path = tmp_path / "plan.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def with_line(**changes) -> dict:
    line = {**CONTRACT_INPUT["lines"][0], **changes}
    return {**CONTRACT_INPUT, "lines": [CONTRACT_INPUT["lines"][1], line]}


def test_the_contract_example(tmp_path):
    result = validate(plan_file(tmp_path, CONTRACT_INPUT))
    assert result.returncode == 1
    assert result.stderr == b""
    assert json.loads(result.stdout) == CONTRACT_OUTPUT
    assert list(json.loads(result.stdout)) == list(CONTRACT_OUTPUT)  # keys in the contract's order


def test_a_plan_within_the_rates_exits_0_read_from_stdin():
    within = {**CONTRACT_INPUT, "lines": [{"kind": "cash", "amount_dkk": "20000.00", "month": 12}]}
    result = validate("-", stdin=json.dumps(within).encode())
    assert result.returncode == 0
    output = json.loads(result.stdout)
    assert (output["ok"], output["findings"]) == (True, [])
    assert output["totals"] == {"cash": "20000.00", "in_kind": "0.00", "total": "20000.00"}


def test_line_and_child_findings_carry_their_index(tmp_path):
    plan = {**with_line(amount_dkk="12.345", month=13), "reference_date": "2036-01-01"}
    result = validate(plan_file(tmp_path, plan))
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert (output["rate_table"], output["caps"]) == (None, None)
    assert output["findings"] == [
        {"rule": "rates.none", "severity": "error", "message": "No rate table is valid on 2036-01-01."},
        {"rule": "line.amount", "severity": "error", "line": 1,
         "message": "lines[1]: the amount 12.345 kr. has more than two decimals."},
        # PLAN_FORMAT: "a month outside 1 to 12", with or without a rate table.
        {"rule": "line.month", "severity": "error", "line": 1,
         "message": "lines[1]: month 13 is outside the reintegration period, months 1 to 12 after the return."},
        {"rule": "child.not_minor", "severity": "warning", "child": 0,
         "message": "children[0] is 18 or older on 2036-01-01 and is not counted."},
    ]


@pytest.mark.parametrize("amount, message", [
    ("0.0000000", "lines[1]: the amount 0.0000000 kr. must be more than zero."),
    ("0.00000001", "lines[1]: the amount 0.00000001 kr. has more than two decimals."),
])
def test_the_amount_in_a_message_is_as_the_file_writes_it(tmp_path, amount, message):
    """Not Decimal's scientific form ("0E-7 kr.", "1E-8 kr."), which nobody wrote."""
    result = validate(plan_file(tmp_path, with_line(amount_dkk=amount)))
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "line.amount"]
    assert finding["message"] == message


def test_today_stands_in_for_a_missing_reference_date(tmp_path):
    plan = {key: value for key, value in CONTRACT_INPUT.items() if key != "reference_date"}
    output = json.loads(validate(plan_file(tmp_path, plan), "--today", "2036-01-01").stdout)
    assert (output["reference_date"], output["rate_table"], output["provider"]) == ("2036-01-01", None, False)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"{\"format\": ", "{file}: not JSON: Expecting value at line 1 column 12"),
        (b"", "{file}: not JSON: Expecting value at line 1 column 1"),
        (bytes(range(256)), "{file}: not UTF-8 text: invalid byte at offset 128"),
        (b"[" * 100_000 + b"]" * 100_000, "{file}: not JSON: nested too deeply"),
        (b"{\"format\": NaN}", "{file}: not JSON: NaN is not allowed"),
        (b"[]", "plan: must be an object, not a list"),
        ({**CONTRACT_INPUT, "format": "reintegration-plan/2"},
         "format: must be reintegration-plan/1: 'reintegration-plan/2'"),
        ({key: value for key, value in CONTRACT_INPUT.items() if key != "person"}, "person: missing"),
        (with_line(amount_dkk="12,5x"), "lines[1].amount_dkk: not a decimal number: '12,5x'"),
        (with_line(amount_dkk=24000), "lines[1].amount_dkk: must be a decimal string, not 24000"),
        (json.dumps(with_line()).replace('"24000.00"', "24000.00"),
         "lines[1].amount_dkk: must be a decimal string, not 24000.00"),
        (json.dumps(with_line()).replace('"month": 1, "description": "Monthly', '"month": 1.0, "description": "Monthly'), "lines[1].month: must be an integer, not 1.0"),
        (with_line(kind="gift"), "lines[1].kind: must be one of cash, in_kind: 'gift'"),
        (with_line(month="3"), "lines[1].month: must be an integer, not '3'"),
        (with_line(amount_dkk="1e999"), "lines[1].amount_dkk: not a decimal number: '1e999'"),
        (json.dumps(with_line()).replace('"24000.00"', "1e999"),
         "lines[1].amount_dkk: must be a decimal string, not 1E+999"),
        (with_line(amount_dkk="99999999999999999999999"),
         "lines[1].amount_dkk: out of range: '99999999999999999999999'"),
    ],
)
def test_what_is_not_a_plan_exits_2_with_one_line_naming_the_field(tmp_path, content, error):
    path = plan_file(tmp_path, content)
    result = validate(path)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"error: {error.format(file=path)}\n"


def test_a_file_that_cannot_be_read(tmp_path):
    result = validate(str(tmp_path / "missing.json"))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"error: {tmp_path / 'missing.json'}: cannot read: No such file or directory\n"


def test_broken_rate_tables_exit_2_naming_the_file(tmp_path):
    rates = tmp_path / "rates"
    rates.mkdir()
    (rates / "2026-2029.toml").write_text('id = "2026-2029"\n', encoding="utf-8")
    result = validate(plan_file(tmp_path, CONTRACT_INPUT), "--rates", str(rates))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"error: {rates / '2026-2029.toml'}: version: missing\n"


@pytest.mark.parametrize("args", [("--today", "1 June"), (), ("a.json", "b.json"), ("a.json", "b\nc.json"),
                                  ("--rates\nx", "a.json")])
def test_usage_errors_are_one_line_too(args):
    result = subprocess.run([sys.executable, "-m", "reintegration", "validate", *args],
                            cwd=REPO, capture_output=True, timeout=60)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.startswith(b"error: ") and result.stderr.count(b"\n") == 1


def test_totals_are_never_negative_zero(tmp_path):
    """Lines of "-0.001" (an error, but a plan) add up to a cash total of 0.00, not "-0.00"."""
    lines = [{"kind": "cash", "amount_dkk": "-0.001", "month": 1}, {"kind": "in_kind", "amount_dkk": "-0.00", "month": 1}]
    result = validate(plan_file(tmp_path, {**CONTRACT_INPUT, "lines": lines}))
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert output["totals"] == {"cash": "0.00", "in_kind": "0.00", "total": "0.00"}
    assert [f["rule"] for f in output["findings"]] == ["line.amount", "line.amount"]


@pytest.mark.parametrize("name", ["two\nlines.json", "carriage\rreturn.json", "separator\u2028.json"])
def test_the_error_is_one_line_whatever_the_file_is_called(tmp_path, name):
    """PLAN_FORMAT: exit 2 with "one line on standard error". A line break in the file's
    name (or anywhere in the message) is shown escaped, not as a second line."""
    result = validate(str(tmp_path / name))
    assert (result.returncode, result.stdout) == (2, b"")
    line = result.stderr.decode()
    assert line.endswith("\n") and len(line.splitlines()) == 1, line
    assert line.startswith("error: ") and line.endswith(": cannot read: No such file or directory\n")


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"\xef\xbb\xbf" + json.dumps(CONTRACT_INPUT).encode(), None),  # a byte order mark is allowed
        ("\ufeff" + json.dumps(CONTRACT_INPUT), None),
        (json.dumps(CONTRACT_INPUT).encode("utf-16"), "{file}: not UTF-8 text: invalid byte at offset 0"),
        (json.dumps(CONTRACT_INPUT).encode("latin-1").replace(b"Hair", b"H\xe5ir"),
         "{file}: not UTF-8 text: invalid byte at offset {offset}"),
    ],
)
def test_a_plan_file_is_utf8_with_or_without_a_byte_order_mark(tmp_path, content, error):
    path = plan_file(tmp_path, content)
    result = validate(path)
    if error is None:
        assert (result.returncode, result.stderr) == (1, b"")
        assert json.loads(result.stdout) == CONTRACT_OUTPUT
    else:
        offset = Path(path).read_bytes().find(b"\xe5")
        assert (result.returncode, result.stdout) == (2, b"")
        assert result.stderr.decode() == f"error: {error.format(file=path, offset=offset)}\n"


def test_a_folder_or_empty_standard_input_is_not_a_plan(tmp_path):
    result = validate(str(tmp_path))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"error: {tmp_path}: cannot read: Is a directory\n"
    result = validate("-", stdin=b"")
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == "error: <stdin>: not JSON: Expecting value at line 1 column 1\n"


@pytest.mark.parametrize("utc, danish", [
    (datetime(2029, 12, 31, 23, 30, tzinfo=timezone.utc), "2030-01-01"),  # 00:30 in Denmark (winter, UTC+1)
    (datetime(2029, 12, 31, 22, 59, tzinfo=timezone.utc), "2029-12-31"),  # 23:59
    (datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc), "2026-06-02"),  # 00:30 in summer (UTC+2)
])
def test_without_a_reference_date_today_is_the_danish_date_as_in_the_app(tmp_path, monkeypatch, capsys, utc, danish):
    """PLAN_FORMAT: reference_date absent = today, which picks the rate table. The app's
    today is the date in Denmark (i18n.local_today), so the command's is too: on a server
    on UTC at 00:30 on 1 January 2030 Danish time, the app finds no rate table while the
    command, still on 31 December, passed the same file."""
    from reintegration import validate as command
    from reintegration.__main__ import main

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return utc.astimezone(tz) if tz else utc.replace(tzinfo=None)

        @classmethod
        def today(cls):
            return utc.replace(tzinfo=None)

    monkeypatch.setattr(command, "datetime", Clock, raising=False)
    monkeypatch.setattr(command, "date", type("FixedDate", (date,), {"today": classmethod(lambda cls: utc.date())}))
    plan = {key: value for key, value in CONTRACT_INPUT.items() if key != "reference_date"}
    status = main(["validate", plan_file(tmp_path, plan)])
    output = json.loads(capsys.readouterr().out)
    assert output["reference_date"] == danish
    assert output["rate_table"] == (None if danish == "2030-01-01" else "2026-2029")
    assert status == 1


def test_it_needs_no_app_no_database_and_no_particular_folder(tmp_path):
    """PLAN_FORMAT: "needs no database and no running server": run from another folder,
    with no instance configuration and an unusable database setting, it reads the
    project's rates/ and never loads Flask or SQLAlchemy."""
    path = plan_file(tmp_path, CONTRACT_INPUT)
    code = ("import sys, runpy; sys.argv = ['reintegration', 'validate', sys.argv[1]]\n"
            "try:\n    runpy.run_module('reintegration', run_name='__main__')\n"
            "except SystemExit as end:\n"
            "    print(sorted(m for m in ('flask', 'sqlalchemy', 'sqlmodel') if m in sys.modules), file=sys.stderr)\n"
            "    raise\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "REINTEGRATION_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = subprocess.run([sys.executable, "-c", code, path], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout) == CONTRACT_OUTPUT
    assert result.stderr == b"[]\n"


@pytest.mark.parametrize(("text", "error"), [
    ('"amount_dkk": "24000.00"', "lines[0].amount_dkk: given twice in the file"),
    ('"format": "reintegration-plan/1"', "format: given twice in the file"),
    ('"kind": "business"', "activity.kind: given twice in the file"),
    ('"date_of_birth": "2017-09-02"', "children[0].date_of_birth: given twice in the file"),
])
def test_a_name_given_twice_is_not_a_plan(tmp_path, text, error):
    """A JSON object with a name twice is read differently by different readers (Python
    keeps the last value, others the first or refuse it): a file showing a reviewer one
    amount must not pass with another. Refused at the field, exit 2."""
    first = json.dumps(CONTRACT_INPUT)
    assert text in first
    twice = first.replace(text, f"{text}, {text.replace('24000.00', '100.00')}", 1)
    result = validate(plan_file(tmp_path, twice))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"error: {error}\n"


def test_a_name_twice_inside_a_value_the_format_ignores_is_ignored_too(tmp_path):
    plan = json.dumps({**CONTRACT_INPUT, "colour": {"x": 1}}).replace('{"x": 1}', '{"x": 1, "x": 2}')
    result = validate(plan_file(tmp_path, plan))
    assert (result.returncode, json.loads(result.stdout)) == (1, CONTRACT_OUTPUT)


def test_a_warning_alone_exits_0(tmp_path):
    """PLAN_FORMAT: exit 0 and "ok": true when no finding has severity error; a child of 18
    or older is a warning and is not counted (no provider, caps of an adult)."""
    plan = {**CONTRACT_INPUT, "children": [{"date_of_birth": "2008-06-01", "lives_in": "denmark"}],
            "lines": [{"kind": "cash", "amount_dkk": "10000.00", "month": 1},
                      {"kind": "in_kind", "amount_dkk": "30000.00", "month": 12}]}
    result = validate(plan_file(tmp_path, plan))
    assert result.returncode == 0
    output = json.loads(result.stdout)
    assert (output["ok"], output["provider"], output["minor_children"]) == (True, False, 0)
    assert output["caps"] == {"cash": "10000.00", "total": "40000.00"}
    assert output["findings"] == [{"rule": "child.not_minor", "severity": "warning", "child": 0,
                                   "message": "children[0] is 18 or older on 2026-06-01 and is not counted."}]


@pytest.mark.parametrize(("lines", "status", "rules"), [
    ([("cash", "20000.00"), ("in_kind", "29000.00")], 0, []),
    ([("cash", "20000.01"), ("in_kind", "28999.99")], 1, ["cash.max"]),
    ([("cash", "20000.00"), ("in_kind", "29000.01")], 1, ["total.max"]),
    ([("cash", "0.01"), ("in_kind", "48999.99")], 0, []),
])
def test_the_caps_are_inclusive_to_the_ore_end_to_end(tmp_path, lines, status, rules):
    """PLAN_FORMAT: "exactly 40,000.00 kr. is allowed, 40,000.01 kr. is not" (here with one
    minor child: 20,000.00 cash, 49,000.00 in all)."""
    plan = {**CONTRACT_INPUT, "lines": [{"kind": kind, "amount_dkk": amount, "month": 6} for kind, amount in lines]}
    result = validate(plan_file(tmp_path, plan))
    output = json.loads(result.stdout)
    assert (result.returncode, [f["rule"] for f in output["findings"]]) == (status, rules)
    assert output["caps"] == {"cash": "20000.00", "total": "49000.00"}


def test_another_folder_of_rate_tables_gives_its_figures(tmp_path):
    """PLAN_FORMAT: the figures come from the rate table file, never from code, and an
    option may point at another folder."""
    rates = tmp_path / "rates"
    rates.mkdir()
    shipped = (REPO / "rates" / "2026-2029.toml").read_text(encoding="utf-8")
    changed = shipped.replace('amount = "20000.00"', 'amount = "25000.00"', 1)
    assert changed != shipped
    (rates / "2026-2029.toml").write_text(changed, encoding="utf-8")
    result = validate(plan_file(tmp_path, CONTRACT_INPUT), "--rates", str(rates))
    assert (result.returncode, result.stderr) == (0, b"")
    output = json.loads(result.stdout)
    assert (output["ok"], output["caps"], output["findings"]) == (True, {"cash": "25000.00", "total": "49000.00"}, [])


@pytest.mark.parametrize("utc, danish_day", [
    ("2026-06-01T22:30:00+00:00", "2026-06-02"),  # 00:30 in Denmark (summer time)
    ("2026-06-01T21:59:00+00:00", "2026-06-01"),  # 23:59 in Denmark
])
def test_without_a_reference_date_the_day_of_checking_is_the_day_in_denmark(tmp_path, monkeypatch, capsys, utc,
                                                                            danish_day):
    """As on the drafting page (``local_today``), not the machine's date: on a server on
    UTC at 00:30 Danish time, a child turning 18 that Danish day made the file a
    provider's plan still, while the page said it was not."""
    from datetime import date, datetime

    from reintegration import __main__ as cli, validate as command

    moment = datetime.fromisoformat(utc)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    class MachineDate(date):  # what date.today() says on a server whose clock is on UTC
        @classmethod
        def today(cls):
            return moment.date()

    monkeypatch.setattr(command, "datetime", Clock, raising=False)
    monkeypatch.setattr(command, "date", MachineDate, raising=False)
    plan = {**{key: value for key, value in CONTRACT_INPUT.items() if key != "reference_date"},
            "children": [{"date_of_birth": "2008-06-02", "lives_in": "home_country"}],
            "lines": [{"kind": "cash", "amount_dkk": "20000.00", "month": 1}]}
    status = cli.main(["validate", plan_file(tmp_path, plan)])
    output = json.loads(capsys.readouterr().out)
    turned_18 = danish_day == "2026-06-02"
    assert output["reference_date"] == danish_day
    assert (output["provider"], output["ok"], status) == (not turned_18, not turned_18, 1 if turned_18 else 0)


@pytest.mark.parametrize("lines, status", [
    (CONTRACT_INPUT["lines"], 1),  # the contract's example: findings
    ([{"kind": "in_kind", "amount_dkk": "100.00", "month": 1}], 0),
])
def test_a_reader_that_stops_early_gets_the_verdicts_status_and_no_traceback(tmp_path, lines, status):
    """``validate plan.json | head -1``: the pipe closes before the JSON is written. The
    exit status is still the verdict's (0 or 1), never a traceback read as "findings"."""
    path = plan_file(tmp_path, {**CONTRACT_INPUT, "lines": lines})
    script = ("import os, sys\n"
              "from reintegration.__main__ import main\n"
              "read, write = os.pipe()\n"
              "os.close(read)\n"  # a reader that is already gone
              "os.dup2(write, sys.stdout.fileno())\n"
              f"sys.exit(main(['validate', {path!r}]))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=60)
    assert result.stderr == b""
    assert result.returncode == status

"""Bulk seeding for the benchmarks: realistic data at a given scale, straight into the
tables (never through the web layer).

``python bench/seed.py --cases 1000 --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_quick``

- Deterministic: one ``random.Random(seed)`` drives everything, and every date hangs off
  the fixed ``ANCHOR`` day, so two runs with the same arguments give the same rows.
- PostgreSQL: ``COPY ... FROM STDIN`` (psycopg), in chunks of cases. Anything else
  (SQLite, the test fixture): SQLAlchemy Core ``insert()`` executemany in batches.
- Ids are assigned here, so rows reference each other without a round trip; the
  PostgreSQL sequences are moved past them at the end.
- Every account gets the same known password, hashed once (``PASSWORD``).
- Columns this file does not name get the model's default (or NULL), so a column
  added to a model later does not break seeding.

Shape per case (``status``): children 0-3; plan versions draft / returned (sent back;
preparing), submitted (awaiting approval), approved, or superseded+approved amendment
(approved, in follow-up, closed); 10-25 budget lines each, within the caps for all but a
few drafts; a decision for every decided version; follow-up reports from the return date
at the programme months (1, 3, 6, 12); cash disbursements on paid lines.
Probe cases (the first ``PROBE_CASES`` ids) have exactly 20 lines, an approved plan and
partner 1, so page benchmarks can open "a case with its plan of 20 lines".
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from reintegration.db_types import Kroner  # noqa: E402
from reintegration.domain.money import from_ore  # noqa: E402
from reintegration.models import metadata  # noqa: E402

PASSWORD = "bench-password-2026"
ANCHOR = date(2026, 11, 27)  # "today" for the seeded data (dates are relative to it)
ANCHOR_TS = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
PARTNERS = 20  # the same number at every scale: per-partner lists grow with the data
CASEWORKERS, CMM_USERS, APPROVERS = 10, 5, 5
PROBE_CASES = 50
RATE_TABLE_ID, RATE_TABLE_VERSION = "2026-2029", 1
# The household caps of table 2026-2029 (rates/2026-2029.toml), used only to shape the
# generated budgets so that most plans pass; the app's check never sees these numbers.
ADULT_TOTAL, CASH_NON_PROVIDER, CASH_PROVIDER, CHILD_IN_KIND = 40_000, 10_000, 20_000, 9_000
FOLLOWUP_MONTHS = (1, 3, 6, 12)
COUNTRIES = [("NG", "NGN"), ("TH", "THB"), ("RO", "RON"), ("VN", "VND"), ("UG", "UGX"),
             ("AL", "ALL"), ("UA", "UAH"), ("PH", "PHP"), ("GH", "GHS"), ("KE", "KES")]
FIRST = ["Grace", "Joy", "Blessing", "Mai", "Lan", "Elena", "Ioana", "Amina", "Sarah", "Linh",
         "Maria", "Ana", "Fatima", "Esther", "Mercy", "Oksana", "Irina", "Precious", "Hope", "Thu"]
LAST = ["Osagie", "Okafor", "Nguyen", "Tran", "Popescu", "Ionescu", "Wongsa", "Achieng", "Mensah",
        "Hoxha", "Shevchenko", "Santos", "Reyes", "Nakato", "Boateng", "Pham", "Dumitru", "Oboh"]
CATEGORIES = ["equipment", "stock", "rent", "training", "tools", "transport", "health", "housing",
              "school", "livestock", "seeds", "allowance"]
ACTIVITIES = ["business", "education", "employment", "agriculture", "other"]
# Case status mix over the decade: most cases are finished or in their follow-up year.
STATUS_MIX = [("preparing", 12), ("awaiting_approval", 6), ("approved", 7), ("in_followup", 25), ("closed", 50)]

TABLE_ORDER = ["organisation", "user", "case", "child", "planversion", "budgetline", "plancontributor",
               "comment", "decision", "followupreport", "disbursement"]
COLUMNS = {
    "organisation": ("id", "kind", "code", "name", "country", "languages", "currency", "status", "created_at"),
    "user": ("id", "organisation_id", "email", "name", "role", "password_hash", "locale", "active",
             "mfa_enabled", "session_token", "password_changed_at", "created_at"),
    "case": ("id", "reference", "status", "person_name", "person_date_of_birth", "person_sex", "nationality",
             "unaccompanied_minor", "return_country", "partner_id", "caseworker_id", "cmm_contact_id",
             "reflection_start", "reflection_end", "planned_return", "actual_return", "closed_at",
             "closure_reason", "legal_hold", "created_at", "updated_at", "revision"),
    "child": ("id", "case_id", "position", "first_name", "date_of_birth", "lives_in"),
    "planversion": ("id", "case_id", "number", "status", "amends_id", "activity_kind", "activity_description",
                    "activity_location", "expected_monthly_income", "activity_start_month", "realism",
                    "social_support", "housing", "health", "schooling", "risk_health", "risk_traffickers",
                    "risk_management", "rate_table_id", "rate_table_version", "check_ok", "created_by",
                    "created_at", "updated_at", "submitted_by", "submitted_at", "content_sha256", "revision"),
    "budgetline": ("id", "plan_version_id", "line_key", "position", "kind", "category", "description",
                   "month", "amount_dkk", "currency"),
    "plancontributor": ("id", "plan_version_id", "user_id"),
    "comment": ("id", "plan_version_id", "author_id", "body", "created_at"),
    "decision": ("id", "plan_version_id", "outcome", "reason", "decided_by", "decided_at", "rate_table_id",
                 "rate_table_version", "content_sha256"),
    "followupreport": ("id", "case_id", "due_month", "due_date", "final", "status", "submitted_by",
                       "submitted_at", "contact_date", "contact_kind", "activity_status", "risk_indicators",
                       "notes", "revision"),
    "disbursement": ("id", "case_id", "line_key", "plan_version_id", "paid_on", "currency", "amount_dkk",
                     "note", "recorded_by", "recorded_at"),
}


@dataclass
class Accounts:
    """Ids of the seeded organisations and users, and their e-mail addresses."""

    partner_orgs: list[int] = field(default_factory=list)
    partner_country: dict[int, tuple[str, str]] = field(default_factory=dict)
    partner_users: dict[int, int] = field(default_factory=dict)  # organisation id -> first officer
    caseworkers: list[int] = field(default_factory=list)
    cmm_users: list[int] = field(default_factory=list)
    approvers: list[int] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)  # role -> an e-mail that signs in


class Ids:
    """Next id per table."""

    def __init__(self) -> None:
        self._next = {name: 1 for name in TABLE_ORDER}

    def __call__(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def last(self, table: str) -> int:
        return self._next[table] - 1


class Writer:
    """Writes rows (tuples in ``COLUMNS`` order, amounts in øre) table by table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.counts = {name: 0 for name in TABLE_ORDER}
        self._extra: dict[str, tuple[tuple[str, ...], tuple]] = {}
        for name in TABLE_ORDER:
            table = metadata.tables[name]
            names, values = [], []
            for column in table.columns:
                if column.name in COLUMNS[name]:
                    continue
                if column.default is None and column.server_default is not None:
                    continue  # the database's own (line summaries: its triggers keep them)
                names.append(column.name)
                values.append(_column_default(column))
            self._extra[name] = (tuple(names), tuple(values))
        self._raw = None

    def __enter__(self) -> Writer:
        if self.postgres:
            self._raw = self.engine.raw_connection()
            with self._raw.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
        return self

    def __exit__(self, *exc) -> None:
        if self._raw is not None:
            if exc[0] is None:
                self._raw.commit()
            self._raw.close()

    def write(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        extra_names, extra_values = self._extra[name]
        columns = COLUMNS[name] + extra_names
        self.counts[name] += len(rows)
        if self.postgres:
            quoted = ", ".join(f'"{c}"' for c in columns)
            with self._raw.cursor() as cur:
                with cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    if extra_values:
                        for row in rows:
                            copy.write_row(row + extra_values)
                    else:
                        for row in rows:
                            copy.write_row(row)
            return
        table = metadata.tables[name]
        kroner = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Kroner)]
        batch = []
        with self.engine.begin() as conn:
            for row in rows:
                values = list(row + extra_values)
                for i in kroner:
                    if values[i] is not None:
                        values[i] = from_ore(values[i])
                batch.append(dict(zip(columns, values)))
                if len(batch) == 5000:
                    conn.execute(insert(table), batch)
                    batch = []
            if batch:
                conn.execute(insert(table), batch)

    def commit(self) -> None:
        if self._raw is not None:
            self._raw.commit()


def _column_default(column):
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        try:
            return default.arg(None)
        except TypeError:
            return ANCHOR_TS
    return None


def seed(engine: Engine, cases: int, *, seed: int = 2026, chunk: int = 5000,
         progress: Callable[[str], None] | None = None, digests: bool = True,
         statuses: list[tuple[str, int]] | None = None) -> dict:
    """Seed ``cases`` cases (plus accounts) into an empty, migrated database.
    Returns counts per table, the accounts, the seconds taken and the probe case ids."""
    from reintegration.auth.operations import hash_password

    say = progress or (lambda _message: None)
    started = time.perf_counter()
    rng = random.Random(seed)
    ids = Ids()
    accounts = Accounts()
    password_hash = hash_password(PASSWORD)  # once: scrypt is deliberately slow
    mix = statuses or STATUS_MIX
    status_names = [name for name, _weight in mix]
    status_weights = [weight for _name, weight in mix]
    with Writer(engine) as writer:
        _seed_accounts(writer, ids, accounts, password_hash)
        writer.commit()
        done = 0
        while done < cases:
            size = min(chunk, cases - done)
            rows = {name: [] for name in TABLE_ORDER}
            for _ in range(size):
                case_id = ids("case")
                probe = case_id <= PROBE_CASES
                status = "in_followup" if probe else rng.choices(status_names, status_weights)[0]
                _one_case(rows, rng, ids, accounts, case_id, status, probe, digests)
            for name in TABLE_ORDER[2:]:
                writer.write(name, rows[name])
            writer.commit()
            done += size
            say(f"  seeded {done:,}/{cases:,} cases ({time.perf_counter() - started:.0f} s)")
    finish(engine)
    return {
        "cases": cases,
        "seconds": round(time.perf_counter() - started, 2),
        "rows": dict(writer.counts),
        "emails": dict(accounts.emails),
        "probe_cases": list(range(1, min(PROBE_CASES, cases) + 1)),
        "partner_org": accounts.partner_orgs[0],
    }


def finish(engine: Engine) -> None:
    """Move the sequences past the assigned ids and refresh the planner's statistics."""
    _autocommit(engine, [f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                         f"COALESCE((SELECT max(id) FROM \"{name}\"), 0) + 1, false)" for name in TABLE_ORDER])
    vacuum(engine)


def vacuum(engine: Engine, *tables: str) -> None:
    """VACUUM ANALYZE ``tables`` (or the whole database) on PostgreSQL: what autovacuum
    does on a production server, done by hand because a benchmark's rewrites come faster
    than autovacuum's naptime (and some servers, this machine's among them, run without
    it). Without it, each re-validation run leaves 40,703 dead versions behind, and the
    next run and every page reading plan versions pay for them."""
    _autocommit(engine, ["VACUUM ANALYZE " + ", ".join(f'"{name}"' for name in tables)])


def _autocommit(engine: Engine, statements: list[str]) -> None:
    """Run ``statements`` outside a transaction (VACUUM refuses one), on PostgreSQL only."""
    if engine.dialect.name != "postgresql":
        return
    raw = engine.raw_connection()
    try:
        raw.rollback()
        raw.driver_connection.autocommit = True
        with raw.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        # Back to the pool as it came: a later transaction on this connection (the
        # re-validation's writes) would otherwise commit statement by statement.
        raw.driver_connection.autocommit = False
        raw.close()


def _seed_accounts(writer: Writer, ids: Ids, accounts: Accounts, password_hash: str) -> None:
    orgs, users = [], []
    fixed = {}
    for kind, code, name in [("drc", "drc", "DRC Dansk Flygtningehjælp"), ("cmm", "cmm", "Center mod Menneskehandel"),
                             ("hjemrejsestyrelsen", "hjemrejsestyrelsen", "Hjemrejsestyrelsen"),
                             ("admin", "admin", "Administration")]:
        fixed[kind] = ids("organisation")
        orgs.append((fixed[kind], kind, code, name, "DK", "da", "DKK", "active", ANCHOR_TS))
    for n in range(1, PARTNERS + 1):
        org_id = ids("organisation")
        country, currency = COUNTRIES[(n - 1) % len(COUNTRIES)]
        accounts.partner_orgs.append(org_id)
        accounts.partner_country[org_id] = (country, currency)
        orgs.append((org_id, "partner", f"bench-partner-{n:02d}", f"Bench partner {n:02d} ({country})",
                     country, "en", currency, "active", ANCHOR_TS))
    writer.write("organisation", orgs)

    def user(org_id: int, email: str, name: str, role: str, locale: str = "en") -> int:
        user_id = ids("user")
        users.append((user_id, org_id, email, name, role, password_hash, locale, True, False,
                       f"bench{user_id:027d}", ANCHOR_TS, ANCHOR_TS))
        accounts.emails.setdefault(role, email)
        return user_id

    for n in range(1, CASEWORKERS + 1):
        accounts.caseworkers.append(user(fixed["drc"], f"caseworker{n}@bench.test", f"Caseworker {n}", "caseworker"))
    for n in range(1, CMM_USERS + 1):
        accounts.cmm_users.append(user(fixed["cmm"], f"cmm{n}@bench.test", f"CMM contact {n}", "cmm"))
    for n in range(1, APPROVERS + 1):
        accounts.approvers.append(user(fixed["hjemrejsestyrelsen"], f"approver{n}@bench.test",
                                       f"Approver {n}", "approver"))
    for n, org_id in enumerate(accounts.partner_orgs, start=1):
        accounts.partner_users[org_id] = user(org_id, f"partner{n}@bench.test", f"Partner officer {n}", "partner")
    user(fixed["admin"], "admin@bench.test", "Bench admin", "admin")
    writer.write("user", users)


def _one_case(rows: dict[str, list], rng: random.Random, ids: Ids, accounts: Accounts, case_id: int,
              status: str, probe: bool, digests: bool) -> None:
    partner = accounts.partner_orgs[0] if probe else rng.choice(accounts.partner_orgs)
    country, currency = accounts.partner_country[partner]
    caseworker = rng.choice(accounts.caseworkers)
    actual_return = planned_return = closed_at = closure_reason = None
    if status == "in_followup":
        actual_return = ANCHOR - timedelta(days=rng.randint(10, 360))
        created = actual_return - timedelta(days=rng.randint(40, 120))
    elif status == "closed":
        created = ANCHOR - timedelta(days=rng.randint(500, 3650))
    else:  # submissions and decisions come 15-25 days after creation: all before ANCHOR
        created = ANCHOR - timedelta(days=rng.randint(30, 150))
    reflection_start = created
    reflection_end = created + timedelta(days=30)
    if status == "in_followup":
        planned_return = actual_return
    elif status == "closed":
        actual_return = created + timedelta(days=rng.randint(30, 120))
        planned_return = actual_return
        closed_at = datetime.combine(min(actual_return + timedelta(days=365), ANCHOR), datetime.min.time(),
                                     tzinfo=timezone.utc)
        closure_reason = rng.choice(("completed", "completed", "period_ended", "withdrew", "contact_lost"))
    else:
        planned_return = ANCHOR + timedelta(days=rng.randint(20, 200))
    # Plans are checked on their reference date; keep it within the seeded rate table.
    reference = max(actual_return or planned_return, date(2026, 1, 2))
    dob = reference - timedelta(days=rng.randint(19 * 365, 45 * 365))
    created_ts = datetime.combine(created, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=9)
    updated_ts = closed_at or created_ts + timedelta(days=rng.randint(0, 30))
    rows["case"].append((
        case_id, f"BN-{case_id:07d}", status, f"{rng.choice(FIRST)} {rng.choice(LAST)}", dob,
        rng.choice(("female", "female", "female", "male")), country, False, country, partner, caseworker,
        rng.choice(accounts.cmm_users), reflection_start, reflection_end, planned_return, actual_return,
        closed_at, closure_reason, False, created_ts, updated_ts, 1,
    ))
    minors = 0
    children = []
    for position in range(0 if probe else rng.choice((0, 0, 1, 1, 2, 3))):
        adult = rng.random() < 0.1
        child_dob = reference - timedelta(days=rng.randint(18 * 365 + 5, 21 * 365) if adult
                                          else rng.randint(100, 17 * 365))
        minors += 0 if adult else 1
        lives_in = rng.choice(("denmark", "home_country"))
        children.append(SimpleNamespace(date_of_birth=child_dob, lives_in=lives_in))
        rows["child"].append((ids("child"), case_id, position, rng.choice(FIRST), child_dob, lives_in))

    # The versions of the plan, oldest first: (status, decision outcome or None).
    # A version sent back stays the same version ("returned", then reopened as a draft).
    if status == "preparing":
        versions = [("draft", None)] if rng.random() < 0.85 else [("returned", "sent_back")]
    elif status == "awaiting_approval":
        versions = [("submitted", None)]
    elif probe or rng.random() < 0.85:
        versions = [("approved", "approved")]
    else:
        versions = [("superseded", "approved"), ("approved", "approved")]
    n_lines = 20 if probe else rng.randint(10, 25)
    provider = minors > 0
    cash_cap = CASH_PROVIDER if provider else CASH_NON_PROVIDER
    total_cap = ADULT_TOTAL + CHILD_IN_KIND * minors
    case_ns = SimpleNamespace(reference=f"BN-{case_id:07d}", person_date_of_birth=dob, unaccompanied_minor=False,
                              actual_return=actual_return, planned_return=planned_return)
    previous_id = None
    approved_version = approved_lines = None
    activity = rng.choice(ACTIVITIES)
    for number, (v_status, outcome) in enumerate(versions, start=1):
        version_id = ids("planversion")
        over = v_status == "draft" and rng.random() < 0.05  # a few drafts over a cap
        lines = _budget(rng, n_lines, cash_cap, total_cap, over)
        decided = outcome is not None
        submitted = v_status != "draft"
        submitted_ts = created_ts + timedelta(days=10 + 5 * number) if submitted else None
        version_ns = SimpleNamespace(
            activity_kind=activity, activity_description=f"{activity.capitalize()} in {country}",
            activity_location=f"{country} city", activity_start_month=1, realism="Local market demand seen.",
            social_support="Partner visits monthly.", housing="With family.", health="Clinic nearby.",
            schooling="Children enrolled." if children else None, risk_health=None,
            risk_traffickers="No contact since departure.", risk_management="Safe address, partner check-ins.",
            expected_monthly_income=Decimal(rng.randint(5, 40) * 100), number=number)
        line_ns = [SimpleNamespace(kind=k, amount_dkk=from_ore(a), month=m, category=c, description=d,
                                   currency=currency, amount_local=None, exchange_rate=None)
                   for (k, a, m, c, d) in lines]
        sha = _digest(case_ns, tuple(children), version_ns, line_ns) if (submitted and digests) else None
        rows["planversion"].append((
            version_id, case_id, number, v_status, previous_id if (number > 1 and versions[0][0] == "superseded")
            else None, activity, version_ns.activity_description, version_ns.activity_location,
            int(version_ns.expected_monthly_income * 100), 1, version_ns.realism, version_ns.social_support,
            version_ns.housing, version_ns.health, version_ns.schooling, None, version_ns.risk_traffickers,
            version_ns.risk_management, RATE_TABLE_ID, RATE_TABLE_VERSION, not over, caseworker,
            created_ts + timedelta(days=number), submitted_ts or created_ts + timedelta(days=number),
            caseworker if submitted else None, submitted_ts, sha, 1,
        ))
        rows["plancontributor"].append((ids("plancontributor"), version_id, caseworker))
        for position, (kind, amount, month, category, description) in enumerate(lines):
            rows["budgetline"].append((ids("budgetline"), version_id, f"bl-{case_id:09d}-{position:03d}", position,
                                       kind, category, description, month, amount, currency))
        if submitted and rng.random() < 0.3:
            rows["comment"].append((ids("comment"), version_id, rng.choice(accounts.cmm_users),
                                    "Risk assessment reviewed; no objections.", submitted_ts + timedelta(days=1)))
        if decided:
            rows["decision"].append((
                ids("decision"), version_id, outcome, "Points to fix: budget detail." if outcome == "sent_back"
                else None, rng.choice(accounts.approvers), submitted_ts + timedelta(days=3), RATE_TABLE_ID,
                RATE_TABLE_VERSION, sha or "0" * 64,
            ))
        if v_status == "approved":
            approved_version, approved_lines = version_id, lines
        previous_id = version_id

    if actual_return is None:
        return
    officer = accounts.partner_users[partner]
    end = closed_at.date() if closed_at else ANCHOR
    for due_month in FOLLOWUP_MONTHS:
        due = _add_months(actual_return, due_month)
        if status == "closed" and due > end:
            break
        done = due < ANCHOR - timedelta(days=14) or (status == "closed")
        rows["followupreport"].append((
            ids("followupreport"), case_id, due_month, due, due_month == FOLLOWUP_MONTHS[-1],
            "submitted" if done else "due", officer if done else None,
            datetime.combine(due, datetime.min.time(), tzinfo=timezone.utc) if done else None,
            due if done else None, rng.choice(("visit", "phone", "video")) if done else None,
            rng.choice(("running", "running", "delayed", "changed")) if done else None, "",
            "Activity running; person well." if done else None, 1,
        ))
    # Cash instalments and in-kind purchases already paid: lines whose month has passed.
    months_since = (end - actual_return).days // 30
    for position, (kind, amount, month, _category, _description) in enumerate(approved_lines):
        if month <= months_since and rng.random() < 0.5:
            paid_on = _add_months(actual_return, month - 1) + timedelta(days=rng.randint(0, 20))
            rows["disbursement"].append((
                ids("disbursement"), case_id, f"bl-{case_id:09d}-{position:03d}", approved_version, paid_on,
                currency, amount, None, officer,
                datetime.combine(paid_on, datetime.min.time(), tzinfo=timezone.utc),
            ))


def _budget(rng: random.Random, n: int, cash_cap: int, total_cap: int, over: bool) -> list[tuple]:
    """``n`` budget lines (kind, amount in øre, month, category, description) within the caps
    (or, when ``over``, above the total cap)."""
    n_cash = max(1, round(n * rng.uniform(0.2, 0.4)))
    cash_total = cash_cap * rng.uniform(0.6, 0.98)
    total = total_cap * (rng.uniform(1.02, 1.2) if over else rng.uniform(0.7, 0.98))
    lines = []
    for kind, count, amount in (("cash", n_cash, cash_total), ("in_kind", n - n_cash, total - cash_total)):
        weights = [rng.random() + 0.2 for _ in range(count)]
        scale = amount / sum(weights)
        for weight in weights:
            ore = int(weight * scale) * 100  # whole kroner, so the sums stay under the cap
            if kind == "cash":
                lines.append(("cash", ore, rng.randint(1, 12), "allowance", "Monthly cash instalment"))
            else:
                category = rng.choice(CATEGORIES)
                lines.append(("in_kind", ore, rng.randint(1, 12), category, f"Purchase: {category}"))
    return lines


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return date(year, month % 12 + 1, min(day.day, 28))


def _digest(case, children, version, lines) -> str:
    """The real content digest (plans.mapping.content_sha256) from plain objects."""
    from reintegration.plans.mapping import StoredPlan, content_sha256

    return content_sha256(StoredPlan(case, children, version, tuple(lines)))


def fresh_postgres_database(name: str, host: str = "127.0.0.1", port: int = 5432, user: str = "postgres") -> str:
    """Drop and create database ``name``; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def database_comment(url: str, comment: str | None = None) -> str | None:
    """Read (or set) the bench's marker on a PostgreSQL database: what was seeded in it."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    host_part = url.split("@", 1)[1].rsplit("/", 1)[0]
    host, _, port = host_part.partition(":")
    try:
        with psycopg.connect(host=host, port=int(port or 5432), user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=5) as conn:
            if comment is not None:
                conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
                return comment
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               (name,)).fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def migrate(url: str) -> None:
    """Build the schema with the app's own Alembic migrations."""
    from reintegration import create_app
    from reintegration.migrate import upgrade

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
    upgrade(app)
    app.extensions["db_engine"].dispose()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in TABLE_ORDER}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seed a fresh database for the benchmarks.")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--url", help="database URL (default: a fresh PostgreSQL database bench_seed)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(list(argv) if argv is not None else None)
    url = args.url or fresh_postgres_database("bench_seed")
    migrate(url)
    from reintegration.db import make_engine

    engine = make_engine(url)
    result = seed(engine, args.cases, seed=args.seed, progress=print)
    print(f"seeded {args.cases:,} cases in {result['seconds']} s: {result['rows']}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Steps of the journey, shared by the journey, refusal, no-JavaScript and keyboard tests.

Fields are found by their ids (WTForms names, the same in both languages); buttons by
the ``action`` value they post, so a step does not depend on a translation. What the
user reads (amounts in Danish format, findings, statuses) is asserted where it matters.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta

from playwright.sync_api import expect

from browser_helpers import Actor, sha256, tiny_pdf, tiny_png

_names = itertools.count(1)

TODAY = date.today()
CHILDREN = (date(TODAY.year - 9, 5, 1), date(TODAY.year - 5, 9, 15))  # two minors


@dataclass
class CaseRef:
    id: int
    reference: str
    person_name: str


@dataclass
class PlanRef:
    case: CaseRef
    version_id: int

    @property
    def edit_url(self) -> str:
        return f"/cases/{self.case.id}/plans/{self.version_id}/edit"

    @property
    def show_url(self) -> str:
        return f"/cases/{self.case.id}/plans/{self.version_id}"


def unique_name(prefix: str = "Journey") -> str:
    return f"{prefix} Person {next(_names)}-{TODAY:%m%d}"


def choose(select, text: str) -> None:
    """Choose the option of a <select> whose label contains ``text``."""
    option = select.locator("option", has_text=text).first
    value = option.get_attribute("value")
    assert value, f"no option with {text!r}"
    select.select_option(value)


def action_button(actor: Actor, value: str, scope: str = "main"):
    """The visible button posting ``action=value`` (forms also carry a hidden default
    "save" button first, so Enter saves)."""
    return actor.page.locator(f"{scope} button[name=action][value='{value}']:not(.sr-only)")


def case_id(url: str) -> int:
    match = re.search(r"/cases/(\d+)", url)
    assert match, url
    return int(match.group(1))


# --- DRC: case and plan ---------------------------------------------------------------------

def create_case(cw: Actor, name: str | None = None, children=CHILDREN, partner: str = "Edo",
                cmm: str | None = "Mette Lund", country: str = "NG") -> CaseRef:
    """Create a case through the form: the person, children (each "Add a child" is a
    round trip that keeps what was typed), the return, the partner."""
    page = cw.page
    name = name or unique_name()
    if "/cases" not in page.url or page.url.rstrip("/").endswith("/new"):
        cw.goto("/cases")
    cw.submit(page.locator(f"main a[href$='/cases/new']"), label="new case")
    page.locator("#person_name").fill(name)
    page.locator("#person_date_of_birth").fill("1990-04-12")
    page.locator("#person_sex").select_option("female")
    page.locator("#nationality").select_option(country)
    page.locator("#return_country").select_option(country)
    for i, born in enumerate(children):
        cw.submit(action_button(cw, "add_child"), label=f"new case, child {i + 1} added")
        page.locator(f"#children-{i}-first_name").fill(["Ada", "Ben", "Cy"][i % 3])
        page.locator(f"#children-{i}-date_of_birth").fill(born.isoformat())
    choose(page.locator("#partner_id"), partner)
    if cmm:
        choose(page.locator("#cmm_contact_id"), cmm)
    page.locator("#planned_return").fill((TODAY + timedelta(days=14)).isoformat())
    cw.submit(action_button(cw, "save"), label="case created")
    expect(page.locator("main h1")).to_be_visible()
    reference = re.search(r"RT-[\w-]+", page.locator("main h1").inner_text())
    assert reference, page.locator("main h1").inner_text()
    return CaseRef(case_id(page.url), reference.group(0), name)


def type_new_case(actor: Actor, name: str) -> None:
    """Open the new-case form and type a whole case into it, without sending it (the
    tests of what happens to typing when the session ends or another tab signs in)."""
    actor.goto("/cases/new", label="case form")
    page = actor.page
    page.locator("#person_name").fill(name)
    page.locator("#person_date_of_birth").fill("1990-04-12")
    page.locator("#person_sex").select_option("female")
    page.locator("#nationality").select_option("NG")
    page.locator("#return_country").select_option("NG")
    choose(page.locator("#partner_id"), "Edo")
    page.locator("#planned_return").fill((TODAY + timedelta(days=14)).isoformat())
    page.locator("#person_name").focus()


def start_plan(cw: Actor, case: CaseRef) -> PlanRef:
    page = cw.page
    if not page.url.endswith(f"/cases/{case.id}"):
        cw.goto(f"/cases/{case.id}")
    cw.submit(page.locator(f"main form[action$='/cases/{case.id}/plans'] button[type=submit]"), label="plan started")
    match = re.search(r"/plans/(\d+)/edit", page.url)
    assert match, page.url
    return PlanRef(case, int(match.group(1)))


NARRATIVE = {
    "activity_description": "A tailoring workshop: sewing machine, fabric and a market stall.",
    "activity_location": "Benin City",
    "activity_start_month": "2",
    "realism": "She trained as a tailor in Denmark and has a stall promised by her aunt.",
    "housing": "Lives with her aunt the first months.",
    "risk_traffickers": "A debt to the recruiter was mentioned; the partner follows up.",
    "risk_management": "Monthly contact; the partner knows the local police contact.",
}


def fill_narrative(cw: Actor, income: str = "1.500,00") -> None:
    page = cw.page
    page.locator("#activity_kind").select_option("business")
    for name, value in NARRATIVE.items():
        page.locator(f"#{name}").fill(value)
    page.locator("#expected_monthly_income").fill(income)


def fill_line(cw: Actor, n: int, kind: str, category: str, description: str, month: int, amount: str) -> None:
    page = cw.page
    page.locator(f"#lines-{n}-kind").select_option(kind)
    page.locator(f"#lines-{n}-category").select_option(category)
    page.locator(f"#lines-{n}-description").fill(description)
    page.locator(f"#lines-{n}-month").fill(str(month))
    page.locator(f"#lines-{n}-amount_dkk").fill(amount)


def add_line(cw: Actor, label: str = "plan, line added") -> None:
    cw.submit(action_button(cw, "add_line"), label=label)


def save_plan(cw: Actor, label: str = "plan saved") -> None:
    cw.submit(action_button(cw, "save"), label=label)


# Danish amounts: the cash (12.500,50 + 9.000,00 = 21.500,50) is over the provider's
# cash rate of 20.000 kr.; lowering the second instalment to 7.000,00 fixes it.
LINES = [
    ("cash", "allowance", "Living allowance, first month", 1, "12.500,50"),
    ("cash", "allowance", "Living allowance, second month", 2, "9.000,00"),
    ("in_kind", "equipment", "Sewing machine and fabric", 1, "25.000,00"),
]
FIXED_SECOND_CASH = "7.000,00"


def draft_plan_over_cap(cw: Actor, plan: PlanRef) -> None:
    """Narrative and three lines, typed in Danish format, one "Add a line" at a time."""
    fill_narrative(cw)
    add_line(cw)
    for n, line in enumerate(LINES):
        fill_line(cw, n, *line)
        if n < len(LINES) - 1:
            add_line(cw)
    save_plan(cw, label="plan saved with a cap finding")


def submit_plan(cw: Actor, plan: PlanRef, label: str = "plan submitted") -> None:
    cw.submit(cw.page.locator(f"main form[action$='/plans/{plan.version_id}/submit'] button[type=submit]"),
              label=label)


def valid_plan(cw: Actor, name: str | None = None, submit: bool = True, **case_options) -> PlanRef:
    """A case with a plan within the caps, submitted (for tests that need one quickly)."""
    case = create_case(cw, name=name, **case_options)
    plan = start_plan(cw, case)
    fill_narrative(cw)
    add_line(cw)
    fill_line(cw, 0, "cash", "allowance", "Living allowance", 1, "10.000,00")
    save_plan(cw)
    expect(cw.page.locator("#plan-check .app-check-status--ok")).to_be_visible()
    if submit:
        submit_plan(cw, plan)
        assert cw.page.url.endswith(plan.show_url), cw.page.url
    return plan


# --- approval package ------------------------------------------------------------------------

def check_package(data: bytes) -> dict:
    """The ZIP's manifest lists every other file with its SHA-256 and size, and they match."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "manifest.json" in names, names
        manifest = json.loads(archive.read("manifest.json"))
        listed = {entry["name"]: entry for entry in manifest["files"]}
        assert set(listed) == set(names) - {"manifest.json"}, (sorted(listed), names)
        for name, entry in listed.items():
            content = archive.read(name)
            assert sha256(content) == entry["sha256"], f"{name}: SHA-256 differs from the manifest"
            if "size" in entry:
                assert len(content) == entry["size"], f"{name}: size differs from the manifest"
        assert archive.testzip() is None
    return manifest


# --- partner: follow-up report ------------------------------------------------------------------

RECEIPT_PNG = tiny_png()
RECEIPT_PDF = tiny_pdf("Receipt: sewing machine")


def fill_report(actor: Actor, contact_day: date, risk: str | None = None, files: bool = True,
                income: str = "45,000.00") -> None:
    """Fill a follow-up report: contact, activity, answers to the programme questions,
    a risk indicator, and a receipt (a PNG and a PDF generated here)."""
    page = actor.page
    page.locator("#contact_date").fill(contact_day.isoformat())
    page.locator("#contact_kind").select_option("visit")
    page.locator("#activity_status").select_option("running")
    page.locator("#income_local").fill(income)
    page.locator("#housing").fill("Still with her aunt; looking for a room.")
    page.locator("#wellbeing").fill("Tired but hopeful.")
    questions = page.locator("main select[id^='q_']")
    for i in range(questions.count()):
        select = questions.nth(i)
        values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        select.select_option(values[0])
    if risk:
        page.locator(f"#risk_{risk}").check()
    if files:
        page.locator("#files").set_input_files([
            {"name": "receipt-sewing-machine.png", "mimeType": "image/png", "buffer": RECEIPT_PNG},
            {"name": "receipt-fabric.pdf", "mimeType": "application/pdf", "buffer": RECEIPT_PDF},
        ])


def send_report(actor: Actor, label: str) -> None:
    actor.submit(actor.page.locator("main form[enctype='multipart/form-data'] button[type=submit]"), label=label)


# --- the departure ------------------------------------------------------------------------------------

def record_departure(actor: Actor, case: CaseRef, day: date = TODAY) -> None:
    """From the case list to the case page's "Record the departure", then the date."""
    page = actor.page
    actor.submit(page.locator("header nav a[href$='/cases']"), label="cases (menu)")
    actor.submit(page.locator("main").get_by_role("link", name=case.reference, exact=True), label="case page")
    actor.submit(page.locator(f"main a[href$='/followup/cases/{case.id}/return']"), label="record the departure")
    page.locator("#return_date").fill(day.isoformat())
    actor.submit(page.locator("main form button[type=submit]"), label="departure recorded")
    assert page.url.endswith(f"/followup/cases/{case.id}"), page.url

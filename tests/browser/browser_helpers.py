"""Helpers for the browser tests: a signed-in user's browser tab (``Actor``), the
accessibility check run on every page it visits, screenshots, small files to upload.

Every navigation an Actor makes goes through :meth:`Actor.settle`, which checks the page's
language, runs axe-core (WCAG 2.0/2.1 A and AA), and notes server errors, uncaught script
errors and CSP violations. :meth:`Actor.assert_every_page_checked` proves no page slipped
through unchecked. Nothing here sleeps: Playwright waits for navigations and elements.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_FILE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe is served to the page from a same-origin URL (intercepted by Playwright, never
# reaching the app), so the app's CSP (script-src 'self') stays fully in force.
AXE_PATH = "/__browser-tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The short-session server (conftest.short_session_server): sessions end after this many
# seconds without a request, and the timeout warning shows this many seconds before.
SHORT_SESSION_SECONDS = 30
SHORT_WARNING_SECONDS = 10

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 300),
                              summary: n.failureSummary}))
  }));
}"""

# Reflow (WCAG 1.4.10) on one page: how wide the page is, the elements that stick out
# past the viewport (for the report), the tables outside a scroll region, and each
# region's role, name and focusability (a region takes the focus, so keyboard users can
# scroll it: WCAG 2.1.1).
_REFLOW_RUN = """() => {
  const doc = document.documentElement;
  const viewport = window.innerWidth;
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].join('.') : '');
  const sticksOut = (e) => !!e && e.getBoundingClientRect().right > viewport + 0.5;
  const before = document.activeElement;  // given back below: the page's focus is checked too
  // The topmost elements past the right edge, leaving out what a scroll region clips.
  const wide = [...document.body.querySelectorAll('*')]
    .filter((e) => sticksOut(e) && !sticksOut(e.parentElement) && !e.parentElement.closest('.table--responsive-scroll'))
    .map((e) => describe(e) + ' (right edge ' + Math.round(e.getBoundingClientRect().right) + ' px)');
  const regions = [...document.querySelectorAll('.table--responsive-scroll')].map((r) => {
    const ids = (r.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
    const name = ids.map((id) => (document.getElementById(id) || {textContent: ''}).textContent.trim()).join(' ').trim();
    r.focus();
    const focused = document.activeElement === r;
    r.blur();
    if (before && before !== document.body) before.focus({preventScroll: true});
    return {what: describe(r), name, role: r.getAttribute('role'), focused,
            unique: ids.length > 0 && ids.every((id) => document.querySelectorAll('[id="' + CSS.escape(id) + '"]').length === 1)};
  });
  const bare = [...document.querySelectorAll('main table')].filter((t) => !t.closest('.table--responsive-scroll'))
    .map((t) => describe(t) + ': ' + ((t.caption && t.caption.textContent.trim()) || t.textContent.trim().slice(0, 60)));
  // The main menu's links a signed-in page offers: each must be shown, inside the window,
  // and no word of it split over two lines ("Godkendelse|skø": a menu squeezed onto one row).
  const splitWords = (a) => {
    const split = [];
    const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (new Set([...range.getClientRects()].map((box) => Math.round(box.top))).size > 1) split.push(match[0]);
      }
    }
    return split;
  };
  // The menu's own items: not the copies DKFDS's script puts in its hidden "More" list
  // (li.more-option) when the items take more than one row.
  const menu = [...document.querySelectorAll('header nav ul.mainmenu > li.mainmenu-item > .mainmenu-item-link')].map((a) => {
    const box = a.getBoundingClientRect();
    return {text: a.textContent.trim(), shown: a.getClientRects().length > 0 && box.width > 0 && box.right <= viewport + 0.5,
            split: splitWords(a)};
  });
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, viewport, wide: wide.slice(0, 8), regions, bare,
          menu};
}"""


@dataclass
class PageCheck:
    actor: str
    label: str
    url: str
    lang: str
    axe: bool = True  # False: JavaScript disabled, so only the language and errors were checked
    violations: list = field(default_factory=list)


class Findings:
    """Everything the checks found in one test, reported together at the end so a
    failing page does not hide the pages after it."""

    def __init__(self) -> None:
        self.checks: list[PageCheck] = []
        self.problems: list[str] = []  # server errors, script errors, CSP violations

    @property
    def violations(self) -> list[PageCheck]:
        return [c for c in self.checks if c.violations]

    def report(self) -> str:
        lines = []
        for check in self.violations:
            lines.append(f"[{check.actor}] {check.label} ({check.lang}) {check.url}")
            for v in check.violations:
                lines.append(f"  - {v['id']} ({v['impact']}): {v['help']}")
                for node in v["nodes"][:8]:
                    lines.append(f"      at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        for problem in self.problems:
            lines.append(f"problem: {problem}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        assert not self.violations and not self.problems, (
            "Accessibility violations (WCAG 2.0/2.1 A/AA) or page errors:\n" + self.report())

    def write(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        data = [c.__dict__ for c in self.checks]
        (ARTIFACTS / f"a11y-{name}.json").write_text(
            json.dumps({"pages": data, "problems": self.problems}, indent=2, ensure_ascii=False),
            encoding="utf-8")


class Actor:
    """One user in one browser context (one tab)."""

    def __init__(self, page: Page, base_url: str, name: str, lang: str, findings: Findings,
                 axe: bool = True, browser_lang: str | None = None, reflow: bool = False) -> None:
        self.page = page
        self.base_url = base_url
        self.name = name
        self.lang = lang
        self.browser_lang = browser_lang or lang  # the language the browser asks for (Accept-Language)
        self.findings = findings
        self.axe = axe
        self.reflow = reflow  # also check every page for reflow (WCAG 1.4.10): see check_reflow
        self.reflow_widths: dict[str, int] = {}  # page label -> its width, for the evidence
        self._unchecked: list[str] = []
        self._last_navigation: tuple[str, str] | None = None  # (method, url) of the page shown
        self.visited_gets: list[str] = []  # pages reached by GET, in order (for the other language)
        page.on("load", lambda p: self._unchecked.append(p.url))
        page.on("response", self._on_response)
        page.on("pageerror", lambda exc: findings.problems.append(f"[{name}] script error: {exc}"))
        page.on("console", self._on_console)

    # --- events -----------------------------------------------------------------

    def _on_response(self, response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self._last_navigation = (request.method, response.url)
        if response.status >= 500:
            self.findings.problems.append(f"[{self.name}] HTTP {response.status} {response.request.method} {response.url}")

    def _on_console(self, message) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            self.findings.problems.append(f"[{self.name}] CSP: {message.text[:300]}")

    # --- navigation ---------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def goto(self, path: str, label: str | None = None, lang: str | None = None, status: int | None = 200):
        response = self.page.goto(self.url(path))
        if status is not None:
            assert response is not None and response.status == status, (
                f"{path}: expected HTTP {status}, got {response and response.status}")
        self.settle(label or path, lang=lang)
        return response

    def submit(self, locator, label: str | None = None, lang: str | None = None) -> None:
        """Click a button/link that loads a new page, wait for it, check it."""
        with self.page.expect_navigation():
            locator.click()
        self.settle(label, lang=lang)

    def press(self, key: str, label: str | None = None) -> None:
        """Press a key that loads a new page (Enter in a form)."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.settle(label)

    def settle(self, label: str | None = None, lang: str | None = None) -> None:
        """The checks every page gets: its language, then axe."""
        page = self.page
        page.wait_for_load_state("load")
        expected = lang or self.lang
        expect(page.locator("html")).to_have_attribute("lang", expected)
        label = label or page.title()
        check = PageCheck(actor=self.name, label=label, url=page.url, lang=expected, axe=self.axe)
        if self.axe:
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.add_script_tag(url=self.base_url + AXE_PATH)
            check.violations = page.evaluate(_AXE_RUN, WCAG_TAGS)
        if self.reflow:
            self.check_reflow(label)
        self.findings.checks.append(check)
        self._unchecked.clear()
        if self._last_navigation and self._last_navigation[0] == "GET":
            path = self._last_navigation[1].removeprefix(self.base_url).split("#")[0]
            if path not in self.visited_gets:
                self.visited_gets.append(path)

    def check_reflow(self, label: str) -> None:
        """No page-level horizontal scrolling (WCAG 1.4.10: the page is no wider than the
        viewport, e.g. 320 CSS px), the main menu's links all shown and inside the window
        (DKFDS hides the menu below 992 px) with no word split over two lines, every table
        in a ``table--responsive-scroll`` region,
        and every such region focusable (tabindex=0, WCAG 2.1.1) and named (role=region,
        aria-labelledby an id found once on the page). Problems go to the findings."""
        result = self.page.evaluate(_REFLOW_RUN)
        where = f"[{self.name}] {label} {self.page.url}"
        self.reflow_widths[f"{label} {self.page.url.removeprefix(self.base_url)}"] = result["scrollWidth"]
        if result["scrollWidth"] > min(result["viewport"], result["clientWidth"]):
            self.findings.problems.append(
                f"{where}: the page is {result['scrollWidth']} px wide in a {result['viewport']} px viewport "
                f"(scrolls sideways); sticking out: {'; '.join(result['wide']) or '-'}")
        for table in result["bare"]:
            self.findings.problems.append(f"{where}: table not in a scroll region: {table}")
        hidden = [link["text"] for link in result["menu"] if not link["shown"]]
        if hidden:
            self.findings.problems.append(f"{where}: main menu links not shown in a {result['viewport']} px window: "
                                          f"{', '.join(hidden)}")
        split = [link["text"] for link in result["menu"] if link["split"]]
        if split:
            self.findings.problems.append(f"{where}: main menu links with a word split over two lines in a "
                                          f"{result['viewport']} px window: {', '.join(split)}")
        for region in result["regions"]:
            if not (region["focused"] and region["role"] == "region" and region["name"] and region["unique"]):
                self.findings.problems.append(f"{where}: scroll region not focusable, named and unique: {region}")

    def check_again_in(self, lang: str, skip=("/login", "/account/")) -> int:
        """Switch to ``lang`` and check every page this user reached by GET again, in that
        language (pages that answered a POST cannot be fetched again). Then switch back.
        Returns how many pages were checked."""
        own = self.lang
        paths = [p for p in self.visited_gets if not p.startswith(skip)]
        self.switch_language(lang)
        for path in paths:
            self.goto(path, label=f"{path} [{lang}]", status=None)
        self.switch_language(own)
        return len(paths)

    def assert_every_page_checked(self) -> None:
        assert not self._unchecked, f"[{self.name}] pages loaded without the accessibility check: {self._unchecked}"

    # --- language -------------------------------------------------------------------

    def switch_language(self, to: str) -> None:
        """Press the header's language button (English / Dansk) and check the page again."""
        name = "English" if to == "en" else "Dansk"
        self.submit(self.page.locator("header").get_by_role("button", name=name, exact=True),
                    label=f"{self.page.url.removeprefix(self.base_url)} [switched to {to}]", lang=to)
        self.lang = to  # the choice is the user's from now on

    # --- evidence ---------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    # --- forms --------------------------------------------------------------------------

    def field(self, field_id: str):
        return self.page.locator(f"#{field_id}")

    def main(self):
        return self.page.locator("main")

    def error_summary(self):
        return self.page.locator(".error-summary")


# --- small valid files for uploads ------------------------------------------------------

def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG image (grey pixels), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def tiny_pdf(text: str = "Receipt") -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()



# --- keyboard and error summary ---------------------------------------------------------------

def tab_to(actor: Actor, css: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches ``css`` (fails if it never does)."""
    page = actor.page
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(css) => !!document.activeElement && document.activeElement.matches(css)", css):
            return
    raise AssertionError(f"{css} cannot be reached with the Tab key")


def choose_with_keys(actor: Actor, value: str, limit: int = 40) -> None:
    """Change the focused <select> with the arrow keys until it holds ``value``."""
    page = actor.page
    page.keyboard.press("Home")
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} cannot be chosen with the arrow keys")


def error_summary_problems(actor: Actor, expect_focus: bool = True) -> tuple[list[str], list[str]]:
    """Check the page's error summary: shown, role=alert, focused on load; every field
    error linked from it; each link moves focus to its field, which is marked invalid
    and described by its error message. Returns (links, problems)."""
    page = actor.page
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    problems = []
    where = f"[{actor.name}] {page.url}"
    if summary.get_attribute("role") != "alert":
        problems.append(f"{where}: the error summary is not role=alert")
    if expect_focus and not page.evaluate(
            "() => !!document.activeElement && document.activeElement.classList.contains('error-summary')"):
        problems.append(f"{where}: the error summary does not have focus when the page loads")
    links = summary.locator("a[href^='#']")
    hrefs = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for message_id in page.locator("main .form-error-message[id]").evaluate_all("es => es.map(e => e.id)"):
        field_id = message_id.removesuffix("-error")
        if f"#{field_id}" not in hrefs:
            problems.append(f"{where}: the error at #{field_id} is not linked from the error summary")
    for i, href in enumerate(hrefs):
        target = page.locator(f"[id='{href[1:]}']")
        if target.count() != 1:
            problems.append(f"{where}: summary link {href} points to no element")
            continue
        links.nth(i).click()
        active = page.evaluate("() => document.activeElement ? document.activeElement.id : null")
        if active != href[1:]:
            problems.append(f"{where}: summary link {href} moves focus to {active!r}, not to its field")
        if target.evaluate("e => ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName)"):
            if target.get_attribute("aria-invalid") != "true":
                problems.append(f"{where}: {href} is not aria-invalid")
            described = (target.get_attribute("aria-describedby") or "").split()
            if f"{href[1:]}-error" not in described:
                problems.append(f"{where}: {href} is not described by its error message")
    return hrefs, problems

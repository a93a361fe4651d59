"""The printable plan inside the approval package (``plan.html``) is read on screens too:
an archivist opens it from the archive, on a laptop or a phone. At 320 CSS px (WCAG 2.1
SC 1.4.10) the page must not scroll sideways: each table sits in its own scroll region,
which takes the keyboard focus (2.1.1) and is named by the heading above it, and axe
finds nothing (WCAG 2.0/2.1 A and AA), in Danish and in English.

The package is built as the approver downloads it (``exports.package.build``), from a
plan of 20 lines whose description has no space to break at."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from browser_helpers import _AXE_RUN, AXE_FILE, WCAG_TAGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "approvals"))  # the shared plan factories

from approval_factories import Line  # noqa: E402
from approval_factories import approve, approver, comment, drafter, make_plan  # noqa: E402,F401  (fixtures)
from reintegration.exports import package as packages  # noqa: E402

pytestmark = pytest.mark.browser

LONG_WORD = "Symaskinemedtilbehoerogstofogsaksogtraad" * 2

_LAYOUT = """() => {
  const viewport = window.innerWidth;
  const regions = [...document.querySelectorAll('.scroll')].map((r) => {
    r.focus();
    const focused = document.activeElement === r;
    const label = r.getAttribute('aria-labelledby');
    const named = label ? (document.getElementById(label) || {textContent: ''}).textContent.trim()
                        : (r.getAttribute('aria-label') || '').trim();
    return {role: r.getAttribute('role'), focused, named};
  });
  const bare = [...document.querySelectorAll('table')].filter((t) => !t.closest('.scroll')).length;
  const wide = [...document.body.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > viewport + 0.5 && !e.closest('.scroll'))
    .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {width: document.documentElement.scrollWidth, viewport, regions, bare, wide,
          tables: document.querySelectorAll('table').length};
}"""


@pytest.fixture
def package_html(app, db, make_plan, approve, comment, drafter):
    lines = [Line(kind="cash" if n < 4 else "in_kind", amount="500.00", month=n % 12 + 1,
                  description=LONG_WORD if n == 0 else f"Living allowance, part {n + 1}")
             for n in range(20)]
    version = make_plan(lines=lines)
    comment(version, drafter, body=LONG_WORD)
    approve(version)
    db.refresh(version)

    def build(lang: str) -> str:
        with app.test_request_context():
            data = packages.build(db, version, app.extensions["rate_tables"], lang).data
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".html"))
    return build


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_package_page_reflows_and_passes_axe(browser, package_html, lang):
    html = package_html(lang)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.set_content(html)
        layout = page.evaluate(_LAYOUT)
        assert layout["tables"] >= 6 and layout["bare"] == 0, layout
        assert layout["width"] <= layout["viewport"], f"the page scrolls sideways: {layout}"
        assert all(r["role"] == "region" and r["focused"] and r["named"] for r in layout["regions"]), layout
        page.add_script_tag(path=str(AXE_FILE))
        violations = page.evaluate(_AXE_RUN, WCAG_TAGS)
        assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    finally:
        context.close()

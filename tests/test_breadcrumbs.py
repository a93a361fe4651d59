"""Every breadcrumbs trail draws DKFDS 11's separator, a chevron icon, between its items
(the design system's markup has no separator of its own), and the icon is decorative:
hidden from screen readers, never focusable. All trails come from one macro
(``macros/components.html: breadcrumbs``), so each page's trail is checked here by
rendering its ``breadcrumbs`` block."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TRAILS = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
                if "{% block breadcrumbs %}" in path.read_text(encoding="utf-8") and path.name != "layout.html")
ITEM_RE = re.compile(r"<li class=\"breadcrumbs__list-item\"[^>]*>(.*?)</li>", re.S)
SVG_RE = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)


def _trail(app, template: str) -> str:
    """The page's ``breadcrumbs`` block, rendered alone. A block alone does not run the
    page's top-level imports, so the component macros are given as the page imports them."""
    page_vars = {"case": SimpleNamespace(id=7, reference="RT-2026-0007", status="in_followup"),
                 "version": SimpleNamespace(id=11, number=2, status="approved"),
                 "report": SimpleNamespace(id=5, due_month=3), "number": 2}
    with app.test_request_context("/"):
        env = app.jinja_env
        components = env.get_template("macros/components.html").module
        page = env.get_template(template)
        context = page.new_context(env.make_globals({}) | {"breadcrumbs": components.breadcrumbs} | page_vars)
        return "".join(page.blocks["breadcrumbs"](context))


def _assert_separated(html: str) -> None:
    assert html.count('<nav class="breadcrumbs"') == 1
    items = ITEM_RE.findall(html)
    assert len(items) >= 2, html
    assert not SVG_RE.search(items[0]), "no separator before the first item"
    for item in items[1:]:
        [icon] = SVG_RE.findall(item)
        assert item.lstrip().startswith("<svg"), "the separator comes before the item's text"
        assert 'aria-hidden="true"' in icon and 'focusable="false"' in icon and 'class="icon-svg"' in icon
        assert "<title" not in icon and "aria-label" not in icon  # nothing for a screen reader to read
        assert re.sub(r"<[^>]+>", "", SVG_RE.sub("", item)).strip(), "each item keeps its text"
    assert len(SVG_RE.findall(html)) == len(items) - 1


def test_every_page_with_a_trail_is_checked():
    assert {"cases/show.html", "plans/show.html", "plans/discarded.html", "approvals/review.html",
            "partner/case.html", "partner/report.html", "followup/case.html", "followup/report.html"} <= set(TRAILS)


@pytest.mark.parametrize("template", TRAILS)
def test_each_trail_separates_its_items_with_a_hidden_chevron(app, template):
    _assert_separated(_trail(app, template))


@pytest.mark.parametrize("template", ["plans/show.html", "approvals/review.html", "partner/report.html",
                                      "followup/report.html", "cases/show.html"])
def test_the_current_page_is_marked_and_not_a_link(app, template):
    items = ITEM_RE.findall(_trail(app, template))
    html = _trail(app, template)
    current = re.findall(r'<li class="breadcrumbs__list-item" aria-current="page">(.*?)</li>', html, re.S)
    assert len(current) == 1 and "<a " not in current[0]
    assert all("<a " in item for item in items[:-1])


@pytest.mark.parametrize(("locale", "label"), [("en", "You are here"), ("da", "Du er her")])
def test_the_case_page_renders_the_trail(client, auth, make_case, locale, label):
    case = make_case()
    auth.login("caseworker", locale=locale)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    trail = html[html.index('<nav class="breadcrumbs"'):html.index("</nav>", html.index('<nav class="breadcrumbs"'))]
    _assert_separated(trail + "</nav>")
    assert f'aria-label="{label}"' in trail  # the shared macro's label, in the reader's language
    assert 'aria-current="page">' in trail and case.reference in ITEM_RE.findall(trail)[-1]

"""The points to fix of a plan sent back are typed one to a line; the review page and the
case page show them on their lines, not run together into one paragraph. So is a comment
of several lines (CMM's points about the risks) on the review page."""

from __future__ import annotations

from pathlib import Path

from approval_factories import approver, comment, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form

POINTS = "Justify the transport line.\nAdd a quote for the motorcycle."


def test_the_points_to_fix_keep_their_lines_on_the_review_and_case_pages(auth, db, make_plan, approver):
    version = make_plan()
    auth.login(approver)
    assert auth.post(f"/approvals/{version.id}/decide",
                     decision_form(db, version, "send_back", POINTS)).status_code == 302
    for url in (f"/approvals/{version.id}", f"/cases/{version.case_id}"):
        page = auth._client.get(url).get_data(as_text=True)
        assert '<span class="app-preline">Justify the transport line.\n' in page, url


def test_one_line_values_and_markup_are_shown_as_before(app):
    with app.test_request_context():
        macro = app.jinja_env.get_template("macros/components.html").module.summary_list
        from markupsafe import Markup
        html = str(macro([("A", "one line"), ("B", Markup("<a href='/x'>\nlink</a>")), ("C", None)]))
    assert "<dd>one line</dd>" in html and "<dd><a href='/x'>\nlink</a></dd>" in html and "<dd>–</dd>" in html
    assert "app-preline" not in html


def test_the_partner_stylesheet_has_the_line_break_style_too():
    # The partner portal has its own small stylesheet (partner.css), and shows report
    # answers through the same summary list.
    root = Path(__file__).resolve().parents[2] / "reintegration" / "static" / "css"
    for name in ("app.css", "partner.css"):
        assert ".app-preline { white-space: pre-line; }" in (root / name).read_text(), name


def test_a_comment_of_several_lines_keeps_them_on_the_review_page(auth, db, make_plan, approver, comment, make_user):
    version = make_plan()
    comment(version, make_user("cmm"), body="Threats from the recruiter.\nThe partner must know.")
    auth.login(approver)
    page = auth._client.get(f"/approvals/{version.id}").get_data(as_text=True)
    assert '<span class="app-preline">Threats from the recruiter.\nThe partner must know.</span>' in page

"""What the approver reads: categories, countries, kinds, activities and statuses in the
reader's language on the queue, the review, the changes page and a refused decision,
never the codes they are stored as."""

from __future__ import annotations

import re

import pytest

from approval_factories import Line, case_of, seal
from approval_factories import approve, approver, drafter, make_plan  # noqa: F401  (fixtures)
from support import decision_form

# Stored codes a reader must never see (``<code>`` elements, such as a rule's name, aside).
# Some codes are English words, and so part of the English labels: in English, only the
# codes no English label contains.
CODES = {"da": ("equipment", "education_fees", "allowance", "in_kind", "business", "education", "submitted",
                "approved", "superseded", "NG"),
         "en": ("education_fees", "in_kind", "NG")}

WORDS = {
    "da": {"equipment": "Udstyr", "education_fees": "Uddannelsesgebyrer", "allowance": "Forsørgelsesydelse",
           "country": "Nigeria", "in_kind": "Naturalier", "cash": "Kontant", "category": "Kategori",
           "country_label": "Hjemrejseland", "business": "Egen virksomhed", "education": "Uddannelse",
           "submitted": "Indsendt", "approved": "Godkendt", "rule": "Regel:"},
    "en": {"equipment": "Equipment", "education_fees": "Education fees", "allowance": "Living allowance",
           "country": "Nigeria", "in_kind": "In-kind", "cash": "Cash", "category": "Category",
           "country_label": "Country of return", "business": "Own business", "education": "Education",
           "submitted": "Submitted", "approved": "Approved", "rule": "Rule:"},
}


def shown_text(html: str) -> str:
    """The text of the page's main part as a reader sees it: no markup, no code elements."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<code>.*?</code>", " ", main, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main).replace("&gt;", ">").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def raw_codes(text: str, lang: str) -> list[str]:
    return [code for code in CODES[lang] if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", text)]


@pytest.fixture
def amendment(db, make_plan, approve):
    """An approved v1 (equipment in kind, an allowance in cash) and a submitted amendment
    v2 that turns the equipment line into education fees and the activity into education."""
    v1 = make_plan(lines=[Line(key="tools", amount="5000.00", category="equipment", description="Stoleudstyr"),
                          Line(key="living", kind="cash", amount="1000.00", category="allowance",
                               description="Husleje")])
    approve(v1)
    v2 = make_plan(case=case_of(db, v1), amends=v1,
                   lines=[Line(key="tools", amount="6000.00", category="education_fees", description="Stoleudstyr"),
                          Line(key="living", kind="cash", amount="1000.00", category="allowance",
                               description="Husleje")])
    v2.activity_kind = "education"
    db.add(v2)
    db.commit()
    return v1, seal(db, v2)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_review_shows_categories_country_kinds_and_activity_in_words(auth, make_user, amendment, lang):
    _v1, v2 = amendment
    words = WORDS[lang]
    auth.login(make_user("approver", locale=lang))
    text = shown_text(auth._client.get(f"/approvals/{v2.id}").get_data(as_text=True))
    assert f"{words['country_label']} {words['country']}" in text
    assert f"{words['in_kind']} {words['education_fees']} Stoleudstyr" in text  # the budget table's row
    assert f"{words['cash']} {words['allowance']} Husleje" in text
    # What changed: the category and the activity, before and after, in words.
    assert f"{words['category']}: {words['equipment']} → {words['education_fees']}" in text
    assert f"{words['business']} {words['education']}" in text
    assert raw_codes(text, lang) == []


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_changes_page_shows_the_category_change_in_words(auth, make_user, amendment, lang):
    _v1, v2 = amendment
    words = WORDS[lang]
    auth.login(make_user("approver", locale=lang))
    text = shown_text(auth._client.get(f"/approvals/{v2.id}/changes").get_data(as_text=True))
    assert f"{words['category']}: {words['equipment']} → {words['education_fees']}" in text
    assert raw_codes(text, lang) == []


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_queue_shows_the_country_by_name(auth, make_user, make_plan, lang):
    version = make_plan()
    auth.login(make_user("approver", locale=lang))
    page = auth._client.get("/approvals/").get_data(as_text=True)
    assert f"/approvals/{version.id}" in page
    text = shown_text(page)
    assert WORDS[lang]["country"] in text
    assert raw_codes(text, lang) == []


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_decided_version_and_a_refused_decision_show_words(auth, db, make_user, make_plan, approve, lang):
    """The status of a decided version, and the review page shown again with a refusal
    (a cash line over the cap cannot be approved), with the rule named as a rule."""
    decided = make_plan(lines=[Line(category="equipment", description="Stoleudstyr")])
    approve(decided)
    over = make_plan(lines=[Line(kind="cash", amount="30000.00", category="allowance", description="Husleje")])
    auth.login(make_user("approver", locale=lang))
    text = shown_text(auth._client.get(f"/approvals/{decided.id}").get_data(as_text=True))
    assert WORDS[lang]["approved"] in text and WORDS[lang]["equipment"] in text
    assert raw_codes(text, lang) == []
    refused = auth.post(f"/approvals/{over.id}/decide", decision_form(db, over, "approve"))
    assert refused.status_code == 422
    text = shown_text(refused.get_data(as_text=True))
    assert WORDS[lang]["submitted"] in text and WORDS[lang]["allowance"] in text
    assert WORDS[lang]["rule"] in text  # the rule's code follows, marked as code
    assert raw_codes(text, lang) == []


def test_the_diff_cell_of_a_category_is_its_label(app):
    from flask_babel import force_locale

    from reintegration.approvals.labels import shown_value

    with app.test_request_context("/"):
        assert (shown_value("category", "equipment"), shown_value("category", "education_fees")) == \
            ("Udstyr", "Uddannelsesgebyrer")
        with force_locale("en"):
            assert shown_value("category", "allowance") == "Living allowance"
        assert shown_value("category", None) == "–"
        assert shown_value("category", "unheard_of") == "unheard_of"  # an unknown code is shown, not lost


INCOME = {"da": ("Forventet månedlig indkomst, DKK", "1.500,50 kr."),
          "en": ("Expected monthly income, DKK", "DKK 1,500.50")}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_expected_income_reads_as_kroner_to_drafter_and_approver(app, db, auth, make_user, make_plan, approve,
                                                                     lang):
    """The drafting form asks for the expected monthly income in DKK; the review, its list
    of changes and the approval package say so, not a bare figure an approver might read as
    naira or baht, and the package's workbook holds it, and the start month, as numbers."""
    import io
    import zipfile
    from decimal import Decimal

    import openpyxl

    from reintegration.exports import package as packages

    label, amount = INCOME[lang]
    version = make_plan(expected_monthly_income=Decimal("1500.50"), activity_start_month=2)
    auth.login(make_user("approver", locale=lang))
    text = shown_text(auth._client.get(f"/approvals/{version.id}").get_data(as_text=True))
    assert f"{label} {amount}" in text

    approve(version)
    with app.test_request_context():
        built = packages.build(db, version, app.extensions["rate_tables"], lang)
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        names = archive.namelist()
        page = archive.read(next(n for n in names if n.endswith(".html"))).decode()
        book = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx")))))
    assert f"{label} {amount}" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")
    sheet = book.worksheets[1]
    [cell] = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == label]
    assert Decimal(str(cell.value)) == Decimal("1500.5")
    assert cell.number_format == "#,##0.00"
    [month] = [row[1].value for row in sheet.iter_rows(min_row=2) if row[0].value in ("Start month", "Startmåned")]
    assert month == 2  # a number, as every other number in the package

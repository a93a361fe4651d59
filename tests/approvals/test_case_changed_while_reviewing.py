"""What I approve is what I saw: a case changed while the approver reads its plan (its
household, name, partner, a payment on the lines, a comment) refuses the decision with a
conflict page that names who changed what and when, shows the plan as it is now and
keeps the decision chosen and the text typed, so that deciding again is one click. A
change the review page does not show (a legal hold, the nationality) does not stop it."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from approval_factories import amendment, approve, approver, comment, drafter, make_plan, pay  # noqa: F401  (fixtures)
from reintegration.cases.operations import CaseInput, ChildInput, update_case
from reintegration.models import AuditEvent, Case, Child, Decision, PlanVersion
from reintegration.retention import set_legal_hold
from support import decision_form

# The conflict page's words, in the approver's language.
CONFLICT = {"en": ("The case was changed after you opened this page", "Nothing was recorded",
                   "The case changed after you opened this page, so your decision was not recorded."),
            "da": ("Sagen er blevet ændret, efter du åbnede siden", "Intet er registreret",
                   "Sagen er blevet ændret, efter du åbnede siden, så din beslutning er ikke registreret.")}
CHANGED = {"en": "Changed: %s.", "da": "Ændret: %s."}


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def form_on(page: str) -> dict:
    """The decision form as the page shows it: what sending it again sends."""
    form = {"seen": html.unescape(re.search(r'name="seen"[^>]*value="([^"]*)"', page).group(1))}
    checked = re.search(r'<input[^>]*checked[^>]*>', page)
    if checked:
        form["action"] = re.search(r'value="([^"]+)"', checked.group(0)).group(1)
    reason = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    form["reason"] = html.unescape(reason.group(1)).strip() if reason else ""
    return form


def open_review(auth, version) -> str:
    response = auth._client.get(f"/approvals/{version.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def edit_case(app, db, case_id: int, user, *, children=None, **changes) -> None:
    """A caseworker saves the case with ``changes`` (the case edit's own operation)."""
    db.expire_all()
    case = db.get(Case, case_id)
    kept = tuple(ChildInput(c.first_name, c.date_of_birth, c.lives_in) for c in db.exec(
        select(Child).where(Child.case_id == case_id).order_by(Child.position)).all())
    data = CaseInput(**{name: getattr(case, name) for name in CaseInput.__dataclass_fields__ if name != "children"},
                     children=kept if children is None else children)
    update_case(db, case, case.revision, replace(data, **changes), user=user, tables=app.extensions["rate_tables"],
                today=date(2026, 12, 1))


def decisions_on(db, version) -> list[Decision]:
    db.expire_all()
    return db.exec(select(Decision).where(Decision.plan_version_id == version.id)).all()


def refusals(db, version) -> list[dict]:
    db.expire_all()
    return [json.loads(e.detail) for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "approval.refused", AuditEvent.object_id == str(version.id))).all()]


@pytest.mark.parametrize("locale", ["en", "da"])
def test_household_changed_while_reading_is_a_conflict_naming_who_and_what(app, auth, db, make_plan, make_user,
                                                                         locale):
    version = make_plan()
    caseworker = make_user("caseworker", name="Mette Holm")
    auth.login(make_user("approver", locale=locale))
    form = form_on(open_review(auth, version)) | {"action": "send_back", "reason": "Quote the hair dryer"}

    edit_case(app, db, version.case_id, caseworker, children=(ChildInput("Ada", date(2020, 5, 1), "home_country"),))
    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    text = _text(page)
    for words in CONFLICT[locale]:
        assert words in text, words
    assert "Mette Holm" in text and CHANGED[locale] % ("Children" if locale == "en" else "Børn") in text
    assert decisions_on(db, version) == [] and db.get(PlanVersion, version.id).status == "submitted"
    assert refusals(db, version) == [{"action": "send_back", "violations": ["decision.case_changed"],
                                      "changed": ["children"]}]
    # The page shows the case as it is now: the child's rates are in the check.
    assert ("Child 1" if locale == "en" else "Barn 1") in text
    # What the approver chose and wrote stays in the form, which now says what the page shows.
    again = form_on(page)
    assert (again["action"], again["reason"]) == ("send_back", "Quote the hair dryer")
    assert again["seen"] != form["seen"]

    decided = auth.post(f"/approvals/{version.id}/decide", again)

    assert decided.status_code == 302
    [decision] = decisions_on(db, version)
    assert (decision.outcome, decision.reason) == ("sent_back", "Quote the hair dryer")


def test_a_renamed_person_stops_an_approval_and_the_approval_from_the_conflict_page_goes_through(
        app, auth, db, make_plan, make_user, approver):
    version = make_plan()
    caseworker = make_user("caseworker", name="Jonas Berg")
    auth.login(approver)
    form = form_on(open_review(auth, version)) | {"action": "approve", "reason": "Fine as drafted"}

    edit_case(app, db, version.case_id, caseworker, person_name="Grace Okoro")
    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 409
    text = _text(response.get_data(as_text=True))
    assert "Jonas Berg saved it at" in text and "Changed: Full name." in text and "Grace Okoro" in text
    assert decisions_on(db, version) == []
    again = form_on(response.get_data(as_text=True))
    assert (again["action"], again["reason"]) == ("approve", "Fine as drafted")

    assert auth.post(f"/approvals/{version.id}/decide", again).status_code == 302
    assert [d.outcome for d in decisions_on(db, version)] == ["approved"]


def test_a_payment_on_the_amendments_lines_while_reading_is_a_conflict(auth, db, amendment, pay, make_user,
                                                                       approver):
    auth.login(approver)
    form = form_on(open_review(auth, amendment)) | {"action": "approve"}
    first = db.get(PlanVersion, amendment.amends_id)

    pay(amendment.case_id, "chairs", "500.00", first, make_user("caseworker", name="Sofie Lund"))
    response = auth.post(f"/approvals/{amendment.id}/decide", form)

    assert response.status_code == 409
    text = _text(response.get_data(as_text=True))
    assert "Sofie Lund recorded a payment at" in text and "Changed: Paid out." in text
    assert "1.500,00" in text or "1,500.00" in text  # the line's paid out as it is now
    assert decisions_on(db, amendment) == []
    assert refusals(db, amendment)[-1]["changed"] == ["paid"]


def test_a_comment_written_while_reading_is_a_conflict(auth, db, make_plan, comment, make_user, approver):
    version = make_plan()
    auth.login(approver)
    form = form_on(open_review(auth, version)) | {"action": "approve"}

    comment(version, make_user("cmm", name="Lars Krog"), body="The partner reports a debt to a recruiter")
    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 409
    text = _text(response.get_data(as_text=True))
    assert "Lars Krog wrote a comment at" in text and "The partner reports a debt to a recruiter" in text
    assert decisions_on(db, version) == []


def test_changes_the_review_page_does_not_show_do_not_stop_the_decision(app, auth, db, make_plan, make_user,
                                                                       approver):
    version = make_plan()
    auth.login(approver)
    form = form_on(open_review(auth, version)) | {"action": "approve"}

    edit_case(app, db, version.case_id, make_user("caseworker"), nationality="NG", reflection_start=date(2026, 1, 5))
    case = db.get(Case, version.case_id)
    assert set_legal_hold(db, case, True, user=make_user("admin"), seen_revision=case.revision)
    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 302
    assert [d.outcome for d in decisions_on(db, version)] == ["approved"]


@pytest.mark.parametrize("seen", [None, "", "1", "x" * 500, "../../etc", "٣" * 12])
@pytest.mark.parametrize("locale", ["en", "da"])
def test_a_missing_or_crafted_seen_field_is_refused_with_a_message(auth, db, make_plan, make_user, seen, locale):
    version = make_plan()
    auth.login(make_user("approver", locale=locale))
    form = {"action": "reject", "reason": "Not realistic"} | ({} if seen is None else {"seen": seen})

    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert ("The form did not say what this page showed when you opened it" if locale == "en"
            else "Formularen sagde ikke, hvad siden viste, da du åbnede den") in _text(page)
    assert decisions_on(db, version) == []
    assert refusals(db, version)[-1]["violations"] == ["decision.seen_missing"]
    # The page given back carries what it shows and what was typed: one click decides.
    again = form_on(page)
    assert (again["action"], again["reason"]) == ("reject", "Not realistic")
    assert auth.post(f"/approvals/{version.id}/decide", again).status_code == 302


def test_a_double_click_after_a_change_still_says_done(app, auth, db, make_plan, make_user, approver):
    """The first send decided; a change after it does not turn the second send into a conflict."""
    version = make_plan()
    auth.login(approver)
    form = form_on(open_review(auth, version)) | {"action": "send_back", "reason": "Split the equipment line"}
    assert auth.post(f"/approvals/{version.id}/decide", form).status_code == 302
    edit_case(app, db, version.case_id, make_user("caseworker"), person_name="Someone Else")

    again = auth.post(f"/approvals/{version.id}/decide", form)

    assert again.status_code == 302
    assert "The plan is sent back to the caseworker." in _text(auth._client.get(again.headers["Location"])
                                                              .get_data(as_text=True))
    assert len(decisions_on(db, version)) == 1 and refusals(db, version) == []


def test_the_four_eyes_rule_comes_before_the_conflict(app, auth, db, make_plan, drafter, make_user):
    """A drafter who became an approver is refused as such, whatever changed meanwhile."""
    version = make_plan()
    drafter.role = "approver"
    db.add(drafter)
    db.commit()
    auth.login(drafter)
    form = decision_form(db, version)  # the page offers this approver no form: a crafted one
    edit_case(app, db, version.case_id, make_user("caseworker"), person_name="Someone Else")

    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 403
    violations = refusals(db, version)[-1]["violations"]
    assert "decision.own_plan" in violations and "decision.case_changed" not in violations


def test_a_form_refused_for_its_own_errors_also_says_the_case_changed(app, auth, db, make_plan, make_user,
                                                                      approver):
    """Sent back without the points to fix, after a caseworker changed the household: the
    page comes back asking for the points (422), showing the case as it is now, and says so,
    or the approver would fill in the reason and decide on a case they never read."""
    version = make_plan()
    caseworker = make_user("caseworker", name="Mette Holm")
    auth.login(approver)
    form = form_on(open_review(auth, version)) | {"action": "send_back", "reason": ""}

    edit_case(app, db, version.case_id, caseworker, children=(ChildInput("Ada", date(2020, 5, 1), "home_country"),))
    response = auth.post(f"/approvals/{version.id}/decide", form)

    assert response.status_code == 422
    text = _text(response.get_data(as_text=True))
    assert "Write the points to fix." in text
    assert "The case was changed after you opened this page" in text
    assert "Mette Holm" in text and "Changed: Children." in text
    # The error summary, which takes the focus, says so first, not only the missing field.
    summary = _text(re.search(r'<div class="[^"]*error-summary.*?</ul>', response.get_data(as_text=True), re.S)[0])
    assert "The case changed after you opened this page" in summary and "Write the points to fix." in summary
    assert decisions_on(db, version) == []

    # Unchanged since the page was read: only the missing points are asked for.
    again = form_on(response.get_data(as_text=True)) | {"action": "send_back", "reason": ""}
    text = _text(auth.post(f"/approvals/{version.id}/decide", again).get_data(as_text=True))
    assert "Write the points to fix." in text and "The case was changed after you opened this page" not in text

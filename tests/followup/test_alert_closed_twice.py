"""Two people closing the same risk alert: the second one's text is never lost. Their
close answers 409 with who closed the alert, when and what they recorded, and their
text kept in a form that adds it to the alert's record of what was done, after the
first note, marked with its author and time. Two notes added at once are both kept."""

from __future__ import annotations

import io
import re

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlmodel import Session, select

from reintegration.followup import operations as ops
from reintegration.models import AuditEvent, RiskAlert

from test_alert_reach import risky_report

FIRST = "Reported the threats to the police, arranged a safe house."
SECOND = "Called her brother; she stays with him until the hearing."
WORDS = {
    "en": {"conflict": "Someone else closed this alert while you were writing", "button": "Add my note to the alert",
           "closed": "closed it at", "added": "Your note is added to the alert's record of what was done."},
    "da": {"conflict": "En anden lukkede denne advarsel, mens du skrev", "button": "Tilføj min note til advarslen",
           "closed": "lukkede den", "added": "Din note er føjet til advarslens beskrivelse af, hvad der blev gjort."},
}


def text_of(page: str) -> str:
    return " ".join(html.fromstring(page).text_content().split())


def stored(db, alert) -> RiskAlert:
    db.expire_all()
    return db.get(RiskAlert, alert.id)


@pytest.fixture
def world(app, db, make_user, make_org, returned_case):
    cmm = make_user("cmm", name="Cecilie CMM")
    caseworker = make_user("caseworker", name="Dorte DRC")
    case = returned_case(caseworker_id=caseworker.id, cmm_contact_id=cmm.id)
    alert = risky_report(app, db, case, make_user("partner"), "threats")
    return {"case": case, "alert": alert, "caseworker": caseworker, "cmm": cmm}


def as_user(auth, user, locale=None):
    auth.logout()
    if locale:
        user.locale = locale
    auth.login(user)


@pytest.mark.parametrize("order", [("caseworker", "cmm"), ("cmm", "caseworker")])
@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_second_close_is_a_conflict_that_keeps_the_text_and_adds_it_as_a_note(client, auth, db, world,
                                                                                 order, lang):
    alert, case = world["alert"], world["case"]
    first, second = world[order[0]], world[order[1]]
    second.locale = lang
    db.add(second)
    db.commit()
    # Both open the close page; the first closes the alert.
    for user in (second, first):
        as_user(auth, user)
        assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 200
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302

    # The second sends theirs: 409, who closed it, when, what they recorded, and the text kept.
    as_user(auth, second)
    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": SECOND})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    words = WORDS[lang]
    shown = text_of(page)
    assert words["conflict"] in shown and words["button"] in shown
    assert f"{first.name} {words['closed']}" in shown
    assert re.search(r"\d{2}\.\d{2}\.\d{4},? \d{2}[.:]\d{2}" if lang == "da" else r"\d{1,2}/\d{1,2}/\d{2}", shown)
    assert FIRST in shown
    tree = html.fromstring(page)
    assert tree.xpath("//textarea[@name='note']")[0].text_content().strip() == SECOND
    assert tree.xpath("//form[.//textarea[@name='note']]/@action")[0] == f"/followup/alerts/{alert.id}/notes"
    assert stored(db, alert).action_taken == FIRST  # nothing of the second saved yet, nothing overwritten

    # Adding it keeps both, the first untouched, the second marked with its author.
    response = auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND}, follow_redirects=True)
    assert response.status_code == 200 and words["added"] in text_of(response.get_data(as_text=True))
    record = stored(db, alert)
    assert record.closed_by == first.id
    assert record.action_taken.startswith(FIRST + ops.NOTE_SEPARATOR + second.name + ", ")
    assert record.action_taken.endswith(":\n" + SECOND)
    assert re.search(r"\d{2}\.\d{2}\.\d{4} \d{2}\.\d{2}:\n", record.action_taken)  # Danish time, as the app shows it

    # The case's follow-up page and the summary workbook hold both notes.
    for user in (first, second):
        as_user(auth, user)
        shown = text_of(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
        assert FIRST in shown and SECOND in shown and second.name in shown
        book = load_workbook(io.BytesIO(client.get(f"/followup/cases/{case.id}/summary.xlsx").data))
        rows = list(book.worksheets[-1].values)
        cell = rows[1][rows[0].index("What was done" if user.locale == "en" else "Hvad der blev gjort")]
        assert FIRST in cell and SECOND in cell and second.name in cell

    # The trail: one note added, by the second, about the alert, with no text in it.
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()
    assert (event.user_id, event.case_id, event.object_id) == (second.id, case.id, str(alert.id))
    assert SECOND not in (event.detail or "") and "brother" not in (event.detail or "")


def test_the_note_sent_twice_is_added_once(client, auth, db, world):
    alert = world["alert"]
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302
    as_user(auth, world["caseworker"])
    for _ in range(2):
        assert auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND}).status_code == 302
    assert stored(db, alert).action_taken.count(SECOND) == 1


def test_two_notes_added_at_once_are_both_kept(app, db, world, make_user, monkeypatch):
    """The other note is committed after this one read the record and before it writes:
    the write over the old record finds nothing, reads again and appends after it."""
    alert, cmm, caseworker = world["alert"], world["cmm"], world["caseworker"]
    with app.test_request_context():
        ops.close_alert(db, alert, user=cmm, action=FIRST)
    other_user = make_user("cmm", name="Else Other")
    engine = db.get_bind()
    block = ops._note_block
    raced = []

    def racing_block(user, at, note):
        if not raced:
            raced.append(True)
            with Session(engine) as other:
                ops.add_alert_note(other, other.get(RiskAlert, alert.id), user=other.get(type(other_user),
                                                                                         other_user.id),
                                   note="Her sister was told.")
        return block(user, at, note)

    monkeypatch.setattr(ops, "_note_block", racing_block)
    with app.test_request_context():
        ops.add_alert_note(db, stored(db, alert), user=caseworker, note=SECOND)
    text = stored(db, alert).action_taken
    assert text.startswith(FIRST + ops.NOTE_SEPARATOR + "Else Other, ")
    assert "Her sister was told." in text and text.endswith(":\n" + SECOND) and text.count(ops.NOTE_SEPARATOR) == 2
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()) == 2


@pytest.mark.parametrize("note, error", [("", "This field is required."), ("   ", "This field is required."),
                                         ("x" * 2001, "At most 2000 characters.")])
def test_an_empty_or_too_long_note_is_refused_and_kept(client, auth, db, world, note, error):
    alert = world["alert"]
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302
    as_user(auth, world["caseworker"])
    response = auth.post(f"/followup/alerts/{alert.id}/notes", {"note": note})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error in text_of(page) and 'href="#note"' in page and FIRST in text_of(page)
    if note.strip():
        assert html.fromstring(page).xpath("//textarea[@name='note']")[0].text_content().strip() == note
    assert stored(db, alert).action_taken == FIRST
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()


def test_only_caseworker_and_cmm_with_access_to_the_case_add_notes(client, auth, db, world, make_user, make_org):
    alert = world["alert"]
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302
    for user, status in ((make_user("cmm", organisation=make_org("cmm")), 404), (make_user("approver"), 403),
                         (make_user("partner"), 403)):
        as_user(auth, user)
        assert auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND}).status_code == status
        assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": SECOND}).status_code == status
    assert stored(db, alert).action_taken == FIRST
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()


def test_a_note_for_an_open_alert_shows_the_close_form_with_the_text(client, auth, db, world):
    alert = world["alert"]
    as_user(auth, world["caseworker"])
    response = auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND})
    assert response.status_code == 200
    tree = html.fromstring(response.get_data(as_text=True))
    assert tree.xpath("//textarea[@name='action']")[0].text_content().strip() == SECOND
    assert stored(db, alert).closed_at is None

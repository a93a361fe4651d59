"""Two people closing the same risk alert: the second one's text is never lost. Their
close answers 409 with who closed the alert, when and what they recorded, and their
text kept in a form that adds it to the alert's record of what was done: a note of its
own after the closer's text, with its author and time, shown in the reader's language.
Two notes added at once are both kept; the same note sent twice is added once."""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timezone

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import text as sql
from sqlmodel import Session, select

from reintegration.followup import operations as ops
from reintegration.models import AuditEvent, RiskAlert, RiskAlertNote, User
from support import waits_for_commit

from test_alert_reach import risky_report

FIRST = "Reported the threats to the police, arranged a safe house."
SECOND = "Called her brother; she stays with him until the hearing."
WORDS = {
    "en": {"conflict": "Someone else closed this alert while you were writing", "button": "Add my note to the alert",
           "closed": "closed it at", "added": "Your note is added to the alert's record of what was done."},
    "da": {"conflict": "En anden lukkede dette varsel, mens du skrev", "button": "Tilføj min bemærkning til varslet",
           "closed": "lukkede det", "added": "Din bemærkning er føjet til varslets beskrivelse af, hvad der blev gjort."},
}


def text_of(page: str) -> str:
    return " ".join(html.fromstring(page).text_content().split())


def stored(db, alert) -> RiskAlert:
    db.expire_all()
    return db.get(RiskAlert, alert.id)


def notes(db, alert) -> list[RiskAlertNote]:
    db.expire_all()
    return list(db.exec(select(RiskAlertNote).where(RiskAlertNote.alert_id == alert.id)
                        .order_by(RiskAlertNote.id)).all())


def closed(app, db, alert, user, text=FIRST):
    with app.test_request_context():
        ops.close_alert(db, alert, user=user, action=text)


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
    when = r"\d{2}\.\d{2}\.\d{4},? \d{2}[.:]\d{2}" if lang == "da" else r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}"
    assert re.search(when, shown)
    assert FIRST in shown
    tree = html.fromstring(page)
    assert tree.xpath("//textarea[@name='note']")[0].text_content().strip() == SECOND
    assert tree.xpath("//form[.//textarea[@name='note']]/@action")[0] == f"/followup/alerts/{alert.id}/notes"
    assert stored(db, alert).action_taken == FIRST  # nothing of the second saved yet, nothing overwritten

    # Adding it keeps both: the closer's text untouched, the second a note with its author.
    response = auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND}, follow_redirects=True)
    assert response.status_code == 200 and words["added"] in text_of(response.get_data(as_text=True))
    record = stored(db, alert)
    assert (record.closed_by, record.action_taken) == (first.id, FIRST)
    [note] = notes(db, alert)
    assert (note.author_id, note.author_name, note.text) == (second.id, second.name, SECOND)

    # The case's follow-up page and the summary workbook hold both, the note with its author.
    for user in (first, second):
        as_user(auth, user)
        shown = text_of(client.get(f"/followup/cases/{case.id}").get_data(as_text=True))
        assert FIRST in shown and SECOND in shown and second.name in shown
        book = load_workbook(io.BytesIO(client.get(f"/followup/cases/{case.id}/summary.xlsx").data))
        header, row = book["Risk alerts" if user.locale == "en" else "Risikovarsler"].values
        assert row[header.index("What was done" if user.locale == "en" else "Hvad der blev gjort")] == FIRST
        header, row = book["Alert notes" if user.locale == "en" else "Bemærkninger til varsler"].values
        assert row[2:] == (second.name, SECOND)

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
    assert [n.text for n in notes(db, alert)] == [SECOND]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()) == 1
    # Sent again after someone else's note, it is a note of its own again.
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/notes", {"note": "Her sister was told."}).status_code == 302
    as_user(auth, world["caseworker"])
    assert auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND}).status_code == 302
    assert [n.text for n in notes(db, alert)] == [SECOND, "Her sister was told.", SECOND]


def test_a_note_holding_the_old_separator_is_kept_whole_and_sent_twice_added_once(app, client, auth, db, world):
    """The old record told notes apart by a separator line in the text: a note holding
    that line (with something like an author line after it) broke the double-send check
    and read as two notes. Now it is one note, whatever it holds."""
    alert = world["alert"]
    tricky = "Called the police." + "\n\n———\n" + "Cecilie CMM, 05.12.2026 15.30:\nNot a note of hers."
    closed(app, db, alert, world["cmm"])
    as_user(auth, world["caseworker"])
    for _ in range(2):
        assert auth.post(f"/followup/alerts/{alert.id}/notes", {"note": tricky}).status_code == 302
    [note] = notes(db, alert)
    assert (note.author_name, note.text) == ("Dorte DRC", tricky)
    assert stored(db, alert).action_taken == FIRST
    shown = text_of(client.get(f"/followup/cases/{alert.case_id}").get_data(as_text=True))
    assert shown.count("Note by ") == 1 and "Note by Dorte DRC, " in shown and " ".join(tricky.split()) in shown


@pytest.mark.parametrize("lang, line", [
    ("en", "Note by Dorte DRC, Dec 5, 2026, 15:30:"),  # 14:30 UTC is 15:30 in Copenhagen (winter)
    ("da", "Bemærkning fra Dorte DRC, 05.12.2026 15.30:"),
])
def test_a_note_is_shown_with_its_author_and_time_in_the_readers_language(app, client, auth, db, world, lang,
                                                                         line):
    alert, caseworker = world["alert"], world["caseworker"]
    closed(app, db, alert, world["cmm"])
    db.add(RiskAlertNote(alert_id=alert.id, author_id=caseworker.id, author_name=caseworker.name,
                         created_at=datetime(2026, 12, 5, 14, 30, tzinfo=timezone.utc), text=SECOND))
    # A note the old record did not say the author of (migration 0019) says so.
    db.add(RiskAlertNote(alert_id=alert.id, created_at=datetime(2026, 12, 5, 14, 40, tzinfo=timezone.utc),
                         text="Written some other way"))
    caseworker.name = "Dorte Renamed"  # the name as it was when the note was written stays
    db.add(caseworker)
    db.commit()
    reader = world["cmm"]
    as_user(auth, reader, locale=lang)
    db.add(reader)
    db.commit()
    shown = text_of(client.get(f"/followup/cases/{alert.case_id}").get_data(as_text=True))
    assert " ".join(f"{line} {SECOND}".split()) in shown and "Dorte Renamed" not in shown
    unknown = {"en": "Note (author and time not recorded):", "da": "Bemærkning (forfatter og tidspunkt ikke registreret):"}
    assert f"{unknown[lang]} Written some other way" in shown
    # The workbook gives the time in UTC, as its other times, under the alert it belongs to.
    book = load_workbook(io.BytesIO(client.get(f"/followup/cases/{alert.case_id}/summary.xlsx").data))
    _header, *rows = book["Alert notes" if lang == "en" else "Bemærkninger til varsler"].values
    opened = stored(db, alert).opened_at.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    assert rows == [(opened, datetime(2026, 12, 5, 14, 30), "Dorte DRC", SECOND),
                    (opened, None, None, "Written some other way")]


def test_the_conflict_page_shows_the_notes_already_added(app, client, auth, db, world, make_user):
    alert = world["alert"]
    as_user(auth, world["caseworker"])
    assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 200
    closed(app, db, alert, world["cmm"])
    with app.test_request_context():
        ops.add_alert_note(db, stored(db, alert), user=make_user("cmm", name="Else Other"),
                           note="Her sister was told.")
    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": SECOND})
    assert response.status_code == 409
    shown = text_of(response.get_data(as_text=True))
    assert FIRST in shown and "Note by Else Other, " in shown and "Her sister was told." in shown


def add_note_in_sql(alert_id: int, user: User, note: str):
    """What another add_alert_note has done when it is about to commit: the alert locked
    (PostgreSQL: its row; SQLite: the database's write lock, taken by the insert) and
    its note written."""
    def first(conn):
        conn.execute(sql("SELECT id FROM riskalert WHERE id = :id FOR UPDATE"
                         if conn.dialect.name == "postgresql" else "SELECT id FROM riskalert WHERE id = :id"),
                     {"id": alert_id})
        conn.execute(sql("INSERT INTO riskalertnote (alert_id, author_id, author_name, created_at, text) "
                         "VALUES (:alert, :user, :name, :at, :text)"),
                     {"alert": alert_id, "user": user.id, "name": user.name, "text": note,
                      "at": datetime.now(timezone.utc).replace(tzinfo=None)})
    return first


@pytest.mark.parametrize("who", ["other", "same"])
def test_a_note_waits_for_a_note_being_added_at_the_same_moment(app, db, world, make_user, who):
    """Another note on the alert is being written when this one is sent: this one waits
    for it to commit, then reads the alert's notes. Someone else's note: both are kept.
    The same note by the same user (a double click): the second finds the first and
    adds nothing."""
    alert, caseworker = world["alert"], world["caseworker"]
    closed(app, db, alert, world["cmm"])
    other = make_user("cmm", name="Else Other") if who == "other" else caseworker

    def this_note(conn):
        with app.test_request_context(), Session(bind=conn) as session:
            ops.add_alert_note(session, session.get(RiskAlert, alert.id), user=session.get(User, caseworker.id),
                               note=SECOND)

    waits_for_commit(app.extensions["db_engine"], add_note_in_sql(alert.id, other, SECOND), this_note)
    expected = [(other.id, SECOND), (caseworker.id, SECOND)] if who == "other" else [(caseworker.id, SECOND)]
    assert [(n.author_id, n.text) for n in notes(db, alert)] == expected


def test_two_notes_sent_at_once_are_both_kept(app, db, world, make_user):
    alert, caseworker = world["alert"], world["caseworker"]
    closed(app, db, alert, world["cmm"])
    other = make_user("cmm", name="Else Other")
    barrier, errors = threading.Barrier(2), []

    def send(user_id, note):
        try:
            with app.test_request_context(), Session(app.extensions["db_engine"]) as session:
                alert_row, user = session.get(RiskAlert, alert.id), session.get(User, user_id)
                barrier.wait(timeout=10)
                ops.add_alert_note(session, alert_row, user=user, note=note)
        except Exception as error:  # raised below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=args)
               for args in ((caseworker.id, SECOND), (other.id, "Her sister was told."))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(n.text for n in notes(db, alert)) == sorted([SECOND, "Her sister was told."])
    assert stored(db, alert).action_taken == FIRST
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
    assert stored(db, alert).action_taken == FIRST and notes(db, alert) == []
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
    assert stored(db, alert).action_taken == FIRST and notes(db, alert) == []
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_note_added")).all()


def test_a_note_for_an_open_alert_shows_the_close_form_with_the_text(client, auth, db, world):
    alert = world["alert"]
    as_user(auth, world["caseworker"])
    response = auth.post(f"/followup/alerts/{alert.id}/notes", {"note": SECOND})
    assert response.status_code == 200
    tree = html.fromstring(response.get_data(as_text=True))
    assert tree.xpath("//textarea[@name='action']")[0].text_content().strip() == SECOND
    assert stored(db, alert).closed_at is None and notes(db, alert) == []


def test_the_close_sent_twice_by_its_closer_is_said_as_closed_once(client, auth, db, world):
    """A double click on a slow line, or the form sent again after going back: the same
    text from the user who closed the alert is the close already done, not someone
    else's conflict, and nothing is added."""
    alert = world["alert"]
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302
    again = auth.post(f"/followup/alerts/{alert.id}/close", {"action": f"  {FIRST} "})
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/followup/cases/{world['case'].id}")
    shown = text_of(client.get(again.headers["Location"]).get_data(as_text=True))
    assert "The alert is closed. You sent the form twice; it was closed once." in shown
    assert stored(db, alert).action_taken == FIRST and notes(db, alert) == []
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "followup.alert_closed")).all()) == 1


def test_a_second_close_by_the_closer_with_other_text_says_they_closed_it(client, auth, db, world):
    """Closed in another tab with other words: the page says the reader closed it (not
    "someone else"), and keeps the new text to add as a note."""
    alert = world["alert"]
    as_user(auth, world["cmm"])
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": FIRST}).status_code == 302
    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": SECOND})
    assert response.status_code == 409
    shown = text_of(response.get_data(as_text=True))
    assert "You have already closed this alert, in another tab or window" in shown
    assert WORDS["en"]["conflict"] not in shown and SECOND in shown
    assert stored(db, alert).action_taken == FIRST

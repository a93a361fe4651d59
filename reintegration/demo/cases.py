"""Demo cases: people preparing a return to Nigeria, Thailand and Morocco (invented
names). Dates are relative to the day the demo is loaded, so the reflection periods and
planned returns always lie around "now". Later steps (plans, approvals, follow-up)
find these cases by ``person_name``.

Two of them have already gone home: the follow-up step (``followups.py``) records their
return ``RETURNED_DAYS_AGO`` days before the day of loading, so their reflection period
and planned return lie before that day, in the past. Every case's dates keep the order of
the process (DOMAIN.md): the reflection period, then the planned return, then the return.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlmodel import Session, select

from ..cases.operations import CaseInput, ChildInput, create_case
from ..domain.followup import add_months
from ..models import Organisation, User

# The cases the follow-up step returns, and how many days before today each went home.
RETURNED_DAYS_AGO = {"Blessing Okoro": 250, "Malee Srisuk": 100}

# (name, born, sex, nationality, unaccompanied minor, partner code, caseworker e-mail,
#  reflection start / end and planned return in days from today, children)
# A child is (first name, born, lives in); born may be ("turns 18 in", days from today).
CASES = [
    # Returned 250 days ago (RETURNED_DAYS_AGO): a 30-day period, the journey five days late.
    ("Blessing Okoro", date(1994, 5, 2), "female", "NG", False, "ng-edo-reintegration", "caseworker@drc.demo",
     (-335, -305, -255), [("Ada", date(2015, 6, 1), "home_country"), ("Daniel", date(2019, 11, 20), "denmark")]),
    ("Joy Ehigie", date(1999, 8, 14), "female", "NG", False, "ng-edo-reintegration", "caseworker@drc.demo",
     (-60, 30, 35), []),
    # His elder son turns 18 a few weeks before the planned return, so he is not counted.
    ("Osaro Igbinovia", date(1988, 2, 3), "male", "NG", False, "ng-edo-reintegration", "caseworker2@drc.demo",
     (-10, 20, 70), [("Efosa", ("turns 18 in", 50), "home_country"), ("Osas", date(2012, 9, 17), "home_country")]),
    ("Faith Aghedo", date(2009, 3, 10), "female", "NG", True, "ng-edo-reintegration", "caseworker2@drc.demo",
     (-5, 25, 60), []),
    # Returned 100 days ago (RETURNED_DAYS_AGO), on the planned day.
    ("Malee Srisuk", date(1990, 12, 1), "female", "TH", False, "th-chiang-mai-support", "caseworker@drc.demo",
     (-150, -120, -100), [("Nong", date(2016, 2, 11), "home_country")]),
    ("Ploy Chaiyaporn", date(1997, 4, 22), "female", "TH", False, "th-chiang-mai-support", "caseworker2@drc.demo",
     (-40, 50, 55), []),
    ("Somsak Inthawong", date(1985, 7, 9), "male", "TH", False, "th-chiang-mai-support", "caseworker@drc.demo",
     (-15, 15, 50), [("Fah", date(2013, 1, 30), "home_country"), ("Tonkla", date(2020, 5, 5), "denmark")]),
    # Morocco has only a prospective partner: the case is flagged.
    ("Latifa Ouazzani", date(1992, 9, 30), "female", "MA", False, "ma-casablanca-retour", "caseworker@drc.demo",
     (-8, 22, None), []),
]


def _day(value, today: date) -> date:
    if isinstance(value, tuple):
        return add_months(today + timedelta(days=value[1]), -12 * 18)
    return value


def returned_on(name: str, today: date, tables) -> date | None:
    """The day the follow-up step records as the case's return, or None for a case that
    has not gone home: ``RETURNED_DAYS_AGO`` before today, moved up (never past today) so
    that the planned return before it falls in a rate table: the plan is drafted and
    approved against the planned return, which needs one."""
    if name not in RETURNED_DAYS_AGO:
        return None
    day = today - timedelta(days=RETURNED_DAYS_AGO[name])
    first = min((table.valid_from for table in tables), default=None)
    if first is not None:
        _start, _end, planned = _offsets(name)
        day = max(day, first - timedelta(days=planned))
    return min(day, today)


def _offsets(name: str) -> tuple[int, int, int]:
    """A returned case's reflection start and end and planned return, in days from its
    return (negative: before it)."""
    start, end, planned = next(case for case in CASES if case[0] == name)[7]
    days_ago = RETURNED_DAYS_AGO[name]
    return start + days_ago, end + days_ago, planned + days_ago


def _dates(name: str, days: tuple, today: date, tables) -> tuple[date, date, date | None]:
    """Reflection start and end and planned return: counted back from the return for a
    case that has gone home (so they stay before it), else from today."""
    returned = returned_on(name, today, tables)
    if returned is not None:
        return tuple(returned + timedelta(days=offset) for offset in _offsets(name))
    start, end, planned = days
    return (today + timedelta(days=start), today + timedelta(days=end),
            None if planned is None else today + timedelta(days=planned))


def load(db: Session, app: Flask) -> str:
    today = date.today()
    tables = app.extensions["rate_tables"]
    cmm = db.exec(select(User).where(User.email == "cmm@cmm.demo")).one()
    for name, born, sex, nationality, minor, partner_code, caseworker_email, days, children in CASES:
        partner = db.exec(select(Organisation).where(Organisation.code == partner_code)).one()
        caseworker = db.exec(select(User).where(User.email == caseworker_email)).one()
        reflection_start, reflection_end, planned_return = _dates(name, days, today, tables)
        data = CaseInput(
            person_name=name, person_date_of_birth=born, person_sex=sex, nationality=nationality,
            unaccompanied_minor=minor, return_country=partner.country, partner_id=partner.id,
            cmm_contact_id=cmm.id, caseworker_id=caseworker.id,
            reflection_start=reflection_start, reflection_end=reflection_end, planned_return=planned_return,
            children=tuple(ChildInput(first, _day(dob, today), lives) for first, dob, lives in children))
        create_case(db, data, user=caseworker, today=today)
    return f"Demo cases: {len(CASES)} in preparation (NG, TH, and MA without an active partner)."

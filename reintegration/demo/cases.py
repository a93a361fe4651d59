"""Demo cases: people preparing a return to Nigeria, Thailand and Morocco (invented
names). Dates are relative to the day the demo is loaded, so the reflection periods and
planned returns always lie around "now". Later steps (plans, approvals, follow-up)
find these cases by ``person_name``.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlmodel import Session, select

from ..cases.operations import CaseInput, ChildInput, create_case
from ..domain.followup import add_months
from ..models import Organisation, User

# (name, born, sex, nationality, unaccompanied minor, partner code, caseworker e-mail,
#  reflection start / end and planned return in days from today, children)
# A child is (first name, born, lives in); born may be ("turns 18 in", days from today).
CASES = [
    ("Blessing Okoro", date(1994, 5, 2), "female", "NG", False, "ng-edo-reintegration", "caseworker@drc.demo",
     (-20, 10, 45), [("Ada", date(2015, 6, 1), "home_country"), ("Daniel", date(2019, 11, 20), "denmark")]),
    ("Joy Ehigie", date(1999, 8, 14), "female", "NG", False, "ng-edo-reintegration", "caseworker@drc.demo",
     (-60, 30, 35), []),
    # His elder son turns 18 a few weeks before the planned return, so he is not counted.
    ("Osaro Igbinovia", date(1988, 2, 3), "male", "NG", False, "ng-edo-reintegration", "caseworker2@drc.demo",
     (-10, 20, 70), [("Efosa", ("turns 18 in", 50), "home_country"), ("Osas", date(2012, 9, 17), "home_country")]),
    ("Faith Aghedo", date(2009, 3, 10), "female", "NG", True, "ng-edo-reintegration", "caseworker2@drc.demo",
     (-5, 25, 60), []),
    ("Malee Srisuk", date(1990, 12, 1), "female", "TH", False, "th-chiang-mai-support", "caseworker@drc.demo",
     (-25, 5, 40), [("Nong", date(2016, 2, 11), "home_country")]),
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


def load(db: Session, app: Flask) -> str:
    today = date.today()
    cmm = db.exec(select(User).where(User.email == "cmm@cmm.demo")).one()
    for name, born, sex, nationality, minor, partner_code, caseworker_email, (start, end, ret), children in CASES:
        partner = db.exec(select(Organisation).where(Organisation.code == partner_code)).one()
        caseworker = db.exec(select(User).where(User.email == caseworker_email)).one()
        data = CaseInput(
            person_name=name, person_date_of_birth=born, person_sex=sex, nationality=nationality,
            unaccompanied_minor=minor, return_country=partner.country, partner_id=partner.id,
            cmm_contact_id=cmm.id, caseworker_id=caseworker.id,
            reflection_start=today + timedelta(days=start), reflection_end=today + timedelta(days=end),
            planned_return=None if ret is None else today + timedelta(days=ret),
            children=tuple(ChildInput(first, _day(dob, today), lives) for first, dob, lives in children))
        create_case(db, data, user=caseworker, today=today)
    return f"Demo cases: {len(CASES)} in preparation (NG, TH, and MA without an active partner)."

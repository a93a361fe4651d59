"""Demo plans: most demo cases get a plan built the way a caseworker would, through the
same operations as the drafting page. Some stay drafts (one over the cash cap), some
are submitted for approval (drafted by caseworker@drc.demo, so every demo approver may
decide on them), and CMM and a partner have commented.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask
from sqlmodel import Session, select

from ..models import Case, User
from ..plans import operations as ops

NGN = Decimal("0.0045")  # DKK per naira
THB = Decimal("0.19")  # DKK per baht

# A line: (kind, category, description, month, DKK or None, local amount or None, rate or None)
# A spread: ("spread", total DKK, first month, last month)
PLANS = {
    "Blessing Okoro": {
        "by": "caseworker@drc.demo", "submit": True,
        "narrative": dict(
            activity_kind="business",
            activity_description="Hair and beauty salon with two chairs in Uselu, Benin City, offering braiding, "
                                 "weaving and hair treatments.",
            activity_location="Uselu, Benin City, Edo State", expected_monthly_income=Decimal("1800.00"),
            activity_start_month=2,
            realism="Blessing trained as a hairdresser for two years before leaving Nigeria and worked in a salon "
                    "in Copenhagen. The partner has identified a shop on a busy market road; two former clients "
                    "have promised weekly bookings.",
            social_support="Weekly contact with the partner's social worker for the first three months; "
                           "women's group meetings in Benin City.",
            housing="Two-room flat rented near the shop; the first year's rent is paid by her family.",
            health="Needs follow-up for high blood pressure; registered with the public health insurance.",
            schooling="Ada (primary school) returns to her former school; Daniel starts nursery in month 3.",
            risk_health="Stress and anxiety after the trafficking; risk of not taking medication.",
            risk_traffickers="The madam in Italy claims a remaining debt of 30,000 euro. No contact since 2025.",
            risk_management="New phone number; the partner's lawyer has informed NAPTIP; monthly home visits "
                            "in the first half year; CMM is informed of any contact attempt."),
        "lines": [
            ("in_kind", "equipment", "Two hydraulic salon chairs", 1, None, Decimal("900000"), NGN),
            ("in_kind", "equipment", "Hood dryer and two hand dryers", 1, Decimal("3200.00"), None, None),
            ("in_kind", "equipment", "Mirrors, trolley and wash basin", 1, Decimal("2800.00"), None, None),
            ("in_kind", "rent", "Shop rent, 12 months paid in advance", 1, None, Decimal("1200000"), NGN),
            ("in_kind", "stock", "Hair products and extensions, opening stock", 1, Decimal("3500.00"), None, None),
            ("in_kind", "stock", "Restocking hair products", 9, Decimal("1500.00"), None, None),
            ("in_kind", "tools", "Small generator for power cuts", 2, Decimal("2600.00"), None, None),
            ("in_kind", "education_fees", "School fees for Ada, first year", 1, Decimal("2400.00"), None, None),
            ("in_kind", "education_fees", "Uniforms and books for both children", 1, Decimal("900.00"), None, None),
            ("in_kind", "medical", "Health insurance for the family", 1, Decimal("1100.00"), None, None),
            ("spread", Decimal("15000.00"), 1, 5),
        ],
        "comments": [("cmm@cmm.demo", "The risk plan looks solid. Please make sure the partner has NAPTIP's "
                                       "contact person's direct number before departure.")],
    },
    "Joy Ehigie": {
        "by": "caseworker@drc.demo", "submit": False,
        "narrative": dict(
            activity_kind="business",
            activity_description="Tailoring workshop making school uniforms and dresses to order.",
            activity_location="Ekenwan Road, Benin City", expected_monthly_income=Decimal("1200.00"),
            activity_start_month=2,
            realism="Joy sewed for a church group in Denmark; the fashion course gives her a certificate that "
                    "schools ask for when ordering uniforms.",
            social_support="Peer support group run by the partner.",
            housing="Will live with her aunt for the first six months.",
            risk_traffickers="Fear of the recruiter, who lives in the same district.",
            risk_management="The workshop is placed on the other side of the city; the partner checks in monthly."),
        "lines": [
            ("in_kind", "equipment", "Industrial sewing machine", 1, Decimal("3800.00"), None, None),
            ("in_kind", "equipment", "Overlock machine", 1, Decimal("2900.00"), None, None),
            ("in_kind", "stock", "Fabric and thread, opening stock", 1, Decimal("2500.00"), None, None),
            ("in_kind", "rent", "Workshop space, 6 months", 1, None, Decimal("600000"), NGN),
            ("in_kind", "education_fees", "Six-month fashion design course", 1, Decimal("2200.00"), None, None),
            # Over the cash rate for a person who is not a provider: the check says so.
            ("spread", Decimal("12000.00"), 1, 6),
        ],
        "comments": [("partner.ng@partner.demo", "The course fee is confirmed by the training centre. Could we "
                                                  "move part of the cash to the rent instead?")],
    },
    "Osaro Igbinovia": {
        "by": "caseworker@drc.demo", "submit": True,
        "narrative": dict(
            activity_kind="agriculture",
            activity_description="Broiler poultry farm, two batches of 500 birds in the first half year, sold to "
                                 "market women in Benin City.",
            activity_location="Ikpoba Hill, Benin City", expected_monthly_income=Decimal("1500.00"),
            activity_start_month=1,
            realism="Osaro's family has land and kept chickens before; the partner's agricultural officer "
                    "has checked the site and the buyers.",
            social_support="Family mediation with the partner: his brothers paid for the journey.",
            housing="Lives in the family compound.",
            health="No known conditions.",
            schooling="Osas continues secondary school; Efosa is 18 at the return and works with his father.",
            risk_traffickers="Family debt for the journey; no contact with the recruiter.",
            risk_management="The partner meets the family in month 1 and 3 to agree on the debt question."),
        "lines": [
            ("in_kind", "equipment", "Poultry house, building materials", 1, Decimal("6500.00"), None, None),
            ("in_kind", "livestock", "500 day-old broiler chicks", 1, None, Decimal("400000"), NGN),
            ("in_kind", "livestock", "Second batch of 500 chicks", 4, Decimal("1800.00"), None, None),
            ("in_kind", "stock", "Feed for the first batch", 1, Decimal("4200.00"), None, None),
            ("in_kind", "stock", "Feed for the second batch", 4, Decimal("3000.00"), None, None),
            ("in_kind", "tools", "Drinkers, feeders and heat lamps", 1, Decimal("1600.00"), None, None),
            ("in_kind", "medical", "Vaccines and veterinary visits", 1, Decimal("900.00"), None, None),
            ("in_kind", "transport", "Used motorcycle for deliveries", 2, Decimal("5500.00"), None, None),
            ("in_kind", "education_fees", "Secondary school fees for Osas", 1, Decimal("2000.00"), None, None),
            ("spread", Decimal("15000.00"), 1, 5),
        ],
        "comments": [],
    },
    "Faith Aghedo": {
        "by": "caseworker2@drc.demo", "submit": False,
        "narrative": dict(
            activity_kind="education",
            activity_description="One-year catering and hospitality diploma, then work in a hotel kitchen.",
            activity_location="Benin City", activity_start_month=1,
            realism="Faith is 17 and wants to finish an education first; the school has a placement programme "
                    "with two hotels.",
            social_support="Guardian appointed through the partner; weekly contact.",
            housing="Room in a supervised hostel near the school.",
            schooling="Enrolled at the catering school from month 1."),
        "lines": [
            ("in_kind", "education_fees", "Catering and hospitality diploma, one year", 1, Decimal("6000.00"),
             None, None),
            ("in_kind", "equipment", "Books, uniform and knife set", 1, Decimal("1200.00"), None, None),
            ("in_kind", "rent", "Hostel room, 12 months", 1, Decimal("4800.00"), None, None),
            ("in_kind", "transport", "Bus pass, 12 months", 1, Decimal("900.00"), None, None),
            ("in_kind", "medical", "Counselling with the partner's psychologist", 1, Decimal("1500.00"), None, None),
            ("spread", Decimal("9600.00"), 1, 10),
        ],
        "comments": [],
    },
    "Malee Srisuk": {
        "by": "caseworker@drc.demo", "submit": True,
        "narrative": dict(
            activity_kind="agriculture",
            activity_description="Rice on three rai of leased paddy land, with vegetables and laying hens "
                                 "between seasons.",
            activity_location="Mae Rim district, Chiang Mai", expected_monthly_income=Decimal("1300.00"),
            activity_start_month=1,
            realism="Malee grew up on a rice farm; her mother farms the neighbouring plot and will share the "
                    "tractor. The partner's farming adviser has made the season plan.",
            social_support="Monthly group meetings for returnees in Mae Rim.",
            housing="Lives with her mother and Nong in the family house.",
            health="Dental treatment needed; covered by the universal health scheme.",
            schooling="Nong goes to the village primary school.",
            risk_traffickers="The agent who arranged the journey to Denmark lives in Chiang Mai city.",
            risk_management="The partner has reported the agent to the provincial anti-trafficking unit; "
                            "Malee has a hotline number."),
        "lines": [
            ("in_kind", "equipment", "Walk-behind tractor", 1, None, Decimal("45000"), THB),
            ("in_kind", "seeds", "Rice seed and fertiliser, first season", 1, None, Decimal("12000"), THB),
            ("in_kind", "seeds", "Vegetable seedlings and drip irrigation kit", 2, None, Decimal("15000"), THB),
            ("in_kind", "rent", "Lease of 3 rai of paddy land, 12 months", 1, None, Decimal("18000"), THB),
            ("in_kind", "livestock", "20 laying hens and a coop", 2, Decimal("1400.00"), None, None),
            ("in_kind", "tools", "Hand tools, sprayer and water pump", 1, Decimal("1900.00"), None, None),
            ("in_kind", "education_fees", "School fees and uniform for Nong", 1, Decimal("1200.00"), None, None),
            ("in_kind", "transport", "Transport of produce to market", 3, Decimal("600.00"), None, None),
            ("spread", Decimal("15000.00"), 1, 6),
        ],
        "comments": [("partner.th@partner.demo", "The land lease is signed by the owner; copy uploaded "
                                                  "when the plan is approved.")],
    },
    "Ploy Chaiyaporn": {
        "by": "caseworker2@drc.demo", "submit": False,
        "narrative": dict(
            activity_kind="business",
            activity_description="Khao soi noodle stall at the Chiang Mai night market.",
            activity_location="Chang Phueak night market, Chiang Mai", expected_monthly_income=Decimal("1100.00"),
            activity_start_month=2,
            realism="Ploy cooked in a Thai restaurant in Aarhus for three years.",
            social_support="Needs help to reconnect with her sister.",
            housing="Shared room with her sister in Chiang Mai.",
            risk_health="Sleep problems; referred to the partner's counsellor."),
        "lines": [
            ("in_kind", "equipment", "Mobile food cart with gas burners", 1, None, Decimal("25000"), THB),
            ("in_kind", "equipment", "Pots, woks and a cool box", 1, Decimal("1800.00"), None, None),
            ("in_kind", "rent", "Night-market pitch fee, 12 months", 1, None, Decimal("14400"), THB),
            ("in_kind", "stock", "Ingredients, opening stock", 1, Decimal("1200.00"), None, None),
            ("in_kind", "education_fees", "Food hygiene certificate course", 1, Decimal("500.00"), None, None),
            ("spread", Decimal("9600.00"), 1, 6),
        ],
        "comments": [("cmm@cmm.demo", "The risk section is missing: Ploy told us the recruiter contacted her "
                                       "sister last year. Please describe how this is handled before submitting.")],
    },
    "Somsak Inthawong": {
        "by": "caseworker@drc.demo", "submit": False,
        "narrative": dict(
            activity_kind="business",
            activity_description="Motorcycle repair workshop on the road to Hang Dong.",
            activity_location="Hang Dong, Chiang Mai", expected_monthly_income=Decimal("1600.00"),
            activity_start_month=2,
            realism="Somsak was a mechanic for ten years before leaving Thailand.",
            schooling="Fah and Tonkla go to the local school.",
            housing="Rents a house behind the workshop."),
        "lines": [
            ("in_kind", "tools", "Workshop tools and compressor", 1, None, Decimal("30000"), THB),
            ("in_kind", "stock", "Spare parts, opening stock", 1, Decimal("3000.00"), None, None),
            ("in_kind", "rent", "Workshop rent, 12 months", 1, None, Decimal("36000"), THB),
            ("in_kind", "equipment", "Motorcycle lift and welding set", 2, Decimal("4200.00"), None, None),
            ("in_kind", "education_fees", "School fees for Fah and Tonkla", 1, Decimal("2600.00"), None, None),
            ("in_kind", "housing", "Repairs to the roof of the house", 1, Decimal("3500.00"), None, None),
            ("spread", Decimal("18000.00"), 1, 6),
        ],
        "comments": [],
    },
}


def _lines(spec: list) -> list[ops.LineValues]:
    lines = []
    for item in spec:
        if item[0] == "spread":
            _kind, total, first, last = item
            lines += [ops.LineValues(kind="cash", month=month, amount_dkk=amount, category="allowance",
                                     description="Monthly cash instalment")
                      for month, amount in ops.spread_cash(total, first, last)]
        else:
            kind, category, description, month, amount, local, rate = item
            lines.append(ops.LineValues(kind=kind, category=category, description=description, month=month,
                                        amount_dkk=amount, amount_local=local, exchange_rate=rate))
    return lines


def load(db: Session, app: Flask) -> str:
    tables = app.extensions["rate_tables"]
    today = date.today()
    drafts = submitted = 0
    for name, spec in PLANS.items():
        case = db.exec(select(Case).where(Case.person_name == name)).first()
        if case is None:
            continue
        author = db.exec(select(User).where(User.email == spec["by"])).one()
        partner_currency = "NGN" if case.return_country == "NG" else "THB" if case.return_country == "TH" else None
        version = ops.create_draft(db, case, author, tables, today)
        lines = ops.prepare_lines(_lines(spec["lines"]), (), partner_currency)
        ops.save_draft(db, version, seen_revision=version.revision, narrative=spec["narrative"], lines=lines,
                       user=author, tables=tables, today=today)
        for email, body in spec["comments"]:
            commenter = db.exec(select(User).where(User.email == email)).one()
            ops.add_comment(db, version, commenter, body)
        if spec["submit"]:
            db.refresh(version)
            ops.submit_version(db, version, seen_revision=version.revision, user=author, tables=tables, today=today)
            submitted += 1
        else:
            drafts += 1
    return f"Demo plans: {submitted} submitted for approval, {drafts} drafts (one over the cash cap)."

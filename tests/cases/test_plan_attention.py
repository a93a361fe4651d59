"""``case.plan_attention`` follows the case's plan versions whatever writes them.

The caseworker's case list puts cases with a plan sent back (and not yet answered by a
later version), then cases with a draft that fails the budget check, first; the list reads that from a stored, indexed column
(issue #8) that database triggers keep (migrations 0002 and 0022). These tests change plan
versions through the ORM, through plain SQL (as the re-validation does) and by
deleting them, and compare the column with the rule computed here.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, update
from sqlmodel import select

from reintegration.models import Case, PlanVersion

STATUSES = ("draft", "returned", "submitted", "approved", "superseded")


def expected(versions: list[tuple[str, bool | None]]) -> str | None:
    """``versions`` in the order of their numbers: a send-back waits for an answer while
    the newest version that is not a draft is the one sent back (migration 0022)."""
    decided = [status for status, _ok in versions if status != "draft"]
    if decided and decided[-1] == "returned":
        return "sent_back"
    if any(status == "draft" and ok is False for status, ok in versions):
        return "draft_errors"
    return None


def stored(db, case_id: int) -> str | None:
    db.expire_all()
    return db.exec(select(Case.plan_attention).where(Case.id == case_id)).one()


operation = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(STATUSES), st.sampled_from((True, False, None))),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from(STATUSES)),
    st.tuples(st.just("check"), st.integers(0, 5), st.sampled_from((True, False, None))),
    st.tuples(st.just("delete"), st.integers(0, 5), st.none()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, max_size=8))
def test_the_column_follows_every_change_of_the_plans(db, make_case, operations):
    case, other = make_case(), make_case()
    untouched = PlanVersion(case_id=other.id, number=1, status="returned")
    db.add(untouched)
    db.commit()
    versions: list[tuple[PlanVersion, str, bool | None]] = []
    for op, a, b in operations:
        if op == "add":
            number = 1 + max((v.number for v, _s, _o in versions), default=0)
            version = PlanVersion(case_id=case.id, number=number, status=a, check_ok=b)
            db.add(version)
            db.commit()
            versions.append((version, a, b))
        elif versions:
            index = a % len(versions)
            version, status, ok = versions[index]
            table = PlanVersion.__table__
            if op == "status":
                db.execute(update(table).where(table.c.id == version.id).values(status=b))  # plain SQL
                versions[index] = (version, b, ok)
            elif op == "check":
                version.check_ok = b  # through the ORM
                db.add(version)
                versions[index] = (version, status, b)
            else:
                db.execute(delete(table).where(table.c.id == version.id))
                versions.pop(index)
            db.commit()
        assert stored(db, case.id) == expected([(s, o) for _v, s, o in versions])
    assert stored(db, other.id) == "sent_back"  # another case's plans never touch it
    for version, _s, _o in versions:
        db.execute(delete(PlanVersion.__table__).where(PlanVersion.__table__.c.id == version.id))
    db.commit()
    assert stored(db, case.id) is None


def test_a_send_back_asks_for_an_answer_until_a_later_version_is_submitted(db, make_case):
    """Sent back, corrected in a new draft, resubmitted and approved: "Plan sent back"
    until the resubmission, never again after it (it used to stay for good)."""
    case = make_case()
    returned = PlanVersion(case_id=case.id, number=1, status="returned", check_ok=True)
    db.add(returned)
    db.commit()
    assert stored(db, case.id) == "sent_back"
    draft = PlanVersion(case_id=case.id, number=2, status="draft", check_ok=False)
    db.add(draft)
    db.commit()
    assert stored(db, case.id) == "sent_back"  # the draft answering it is not sent yet
    draft.status = "submitted"
    draft.check_ok = True
    db.add(draft)
    db.commit()
    assert stored(db, case.id) is None
    draft.status = "approved"
    db.add(draft)
    db.commit()
    assert stored(db, case.id) is None
    db.add(PlanVersion(case_id=case.id, number=3, status="draft", check_ok=False))  # an amendment with errors
    db.commit()
    assert stored(db, case.id) == "draft_errors"

"""Migration 0014: the link table of events about many cases (``auditeventcase``). The list
reads recorded before it (their detail names the cases shown) get their link rows, so the
trail's case filter finds them; the batch's earlier records (one per case, with its
``case_id``, and the whole export's count) need none; the chain verifies as before."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlmodel import Session, select

from reintegration import audit, create_app
from reintegration.migrate import downgrade, upgrade
from reintegration.models import AuditEvent


def test_0014_links_the_list_reads_recorded_before_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0013")
    with Session(engine) as db:  # the trail as the code before 0014 wrote it
        audit.record(db, "case.read", case_id=7, object_type="case", object_id=7)
        listed = audit.record(db, "case_list.read", detail={"page": "cases.index", "cases": [7, 8, 9],
                                                             "searched": False})
        empty = audit.record(db, "case_list.read", detail={"page": "approvals.queue", "cases": [],
                                                            "searched": False})
        whole = audit.record(db, "export.batch", detail={"from": "2027-01-01", "to": "2027-01-31", "cases": 2})
        for case_id in (8, 10):
            audit.record(db, "export.batch", case_id=case_id,
                         detail={"from": "2027-01-01", "to": "2027-01-31", "part_of": whole.id})
        audit.record(db, "audit.view", detail={"case_id": "8", "page": 1})
        db.commit()

    upgrade(app, "0014")
    with Session(engine) as db:
        links = db.execute(text("SELECT event_id, case_id FROM auditeventcase ORDER BY event_id, case_id")).all()
        assert [tuple(row) for row in links] == [(listed.id, 7), (listed.id, 8), (listed.id, 9)]
        assert empty.id not in {row[0] for row in links}
        assert audit.verify_db(db) == []

        def found(case_id):
            return [(e.action, e.case_id) for e in db.exec(audit.filtered(case_id=case_id)).all()]

        assert found(8) == [("export.batch", 8), ("case_list.read", None)]
        assert found(7) == [("case_list.read", None), ("case.read", 7)]
        assert found(10) == [("export.batch", 10)]
        count = db.exec(select(AuditEvent.id)).all()
    with engine.connect() as conn:
        indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("auditeventcase")}
        assert indexes["ix_auditeventcase_case_id_event_id"] == ["case_id", "event_id"]
        assert inspect(conn).get_pk_constraint("auditeventcase")["constrained_columns"] == ["event_id", "case_id"]

    downgrade(app, "0013")
    with engine.connect() as conn:
        assert "auditeventcase" not in inspect(conn).get_table_names()
        assert len(conn.execute(text("SELECT id FROM auditevent")).all()) == len(count)  # the trail is untouched
    upgrade(app, "head")
    with Session(engine) as db:
        assert len(db.execute(text("SELECT * FROM auditeventcase")).all()) == 3
        assert audit.verify_db(db) == []
    engine.dispose()

"""Migration 0013: a risk alert can say that it was raised from a report send that could
not be saved (``riskalert.refused``); every alert before it was raised by a submitted
report and reads NULL."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade


def test_the_alert_column_comes_empty_for_earlier_alerts_and_can_be_taken_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0012")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (kind, code, name, status, created_at) "
                          "VALUES ('drc', 'drc', 'DRC', 'active', :now)"), {"now": now})
        conn.execute(text(
            "INSERT INTO \"case\" (reference, status, person_name, person_date_of_birth, unaccompanied_minor, "
            "return_country, legal_hold, created_at, updated_at, revision) "
            "VALUES ('RT-1', 'in_followup', 'P', '1990-01-01', false, 'NG', false, :now, :now, 1)"), {"now": now})
        conn.execute(text("INSERT INTO riskalert (case_id, indicators, opened_at) "
                          "SELECT id, 'threats', :now FROM \"case\""), {"now": now})
    upgrade(app, "0013")
    with engine.connect() as conn:
        column = {c["name"]: c for c in inspect(conn).get_columns("riskalert")}["refused"]
        assert column["nullable"]
        assert conn.execute(text("SELECT indicators, refused FROM riskalert")).all() == [("threats", None)]
    downgrade(app, "0012")
    with engine.connect() as conn:
        assert "refused" not in {c["name"] for c in inspect(conn).get_columns("riskalert")}
        assert conn.execute(text("SELECT indicators FROM riskalert")).all() == [("threats",)]
    upgrade(app, "head")
    engine.dispose()

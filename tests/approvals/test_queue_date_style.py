"""The approval queue reads the children's birth dates as text from PostgreSQL. A server (or
role) set up with another DateStyle (``SQL, DMY``: "01/06/2019") must not change what the
queue reads: the app's connections ask for ISO themselves (``db.make_engine``)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from approval_factories import approver, drafter, make_plan  # noqa: F401  (fixtures)
from reintegration.db import make_engine


@pytest.fixture(autouse=True)
def _server_date_style_sql_dmy(database_url, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's DateStyle")
    # libpq's PGOPTIONS: every connection this process opens starts as such a server's would.
    monkeypatch.setenv("PGOPTIONS", "-c DateStyle=SQL,DMY")


def test_a_connection_reads_dates_as_iso_whatever_the_servers_date_style(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT CAST(DATE '2019-06-01' AS text)")).scalar_one() == "2019-06-01"
            assert conn.execute(text("SHOW DateStyle")).scalar_one() == "ISO, YMD"
            conn.rollback()  # a pool's reset: the setting stays
            assert conn.execute(text("SHOW DateStyle")).scalar_one() == "ISO, YMD"
    finally:
        engine.dispose()


def test_the_queue_counts_a_minor_child_under_another_date_style(app, auth, make_plan, make_case, approver):
    app.extensions["db_engine"].dispose()  # connections opened from now on see PGOPTIONS
    case = make_case(children=[date(2019, 1, 13)], planned_return=date(2027, 3, 1))
    make_plan(case=case)
    auth.login(approver)
    response = auth._client.get("/approvals/")
    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("\xa0", " ")
    assert "DKK 20,000.00" in page and "DKK 49,000.00" in page  # the provider's cash rate, one child's in-kind

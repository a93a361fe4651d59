"""Migration 0003: the case search's trigram indexes, on PostgreSQL only; on SQLite it
does nothing. Both ways, in a database of the test's own (``scratch_url``)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from reintegration import create_app
from reintegration.migrate import downgrade, upgrade
from reintegration.models.cases import POSTGRESQL_SEARCH_INDEXES


def _indexes(engine) -> set[str]:
    with engine.connect() as conn:
        return {index["name"] for index in inspect(conn).get_indexes("case")}


def test_0003_adds_the_search_indexes_on_postgresql_and_takes_them_back(scratch_url):
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": scratch_url})
    engine = app.extensions["db_engine"]
    upgrade(app, "0002")
    assert not _indexes(engine) & set(POSTGRESQL_SEARCH_INDEXES)
    upgrade(app, "0003")
    postgresql = engine.dialect.name == "postgresql"
    assert (_indexes(engine) >= set(POSTGRESQL_SEARCH_INDEXES)) is postgresql
    if postgresql:
        with engine.connect() as conn:
            methods = dict(conn.execute(text(
                "SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
                "WHERE c.relname IN ('ix_case_reference_trgm', 'ix_case_person_name_trgm')")).all())
        assert methods == {name: "gin" for name in POSTGRESQL_SEARCH_INDEXES}
    downgrade(app, "0002")
    assert not _indexes(engine) & set(POSTGRESQL_SEARCH_INDEXES)
    upgrade(app, "head")
    assert (_indexes(engine) >= set(POSTGRESQL_SEARCH_INDEXES)) is postgresql
    engine.dispose()

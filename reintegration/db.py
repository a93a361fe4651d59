"""Database wiring: one engine per app, one session per request (on ``g``).

SQLite in the instance folder is the embedded default; ``REINTEGRATION_DATABASE_URL``
selects PostgreSQL (``postgresql+psycopg://...``). The schema is owned by the Alembic
migrations in ``migrations/``; nothing here creates tables.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if url:
        # Accept the libpq-style scheme people paste from elsewhere.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return "sqlite:///" + str(Path(app.instance_path) / "reintegration.sqlite3")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: a database error's message (logged) names the statement, never the
        # values bound to it: a person's name, a note, a risk described in a comment.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # Foreign keys are off by default in SQLite; WAL lets readers work while
            # a writer commits, which the online backup also relies on.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _postgresql_date_style(dbapi_conn, _record):
        # A date cast to text is read back as ISO (the approval queue's children's birth
        # dates, ``approvals.operations.queue``) whatever the server's or the role's
        # DateStyle: a server set up with ``SQL, DMY`` would otherwise hand back
        # "01/06/2015". Once per new connection; committed, or the pool's reset would undo it.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET DateStyle TO ISO, YMD")
        dbapi_conn.commit()

    return engine


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(database_url(app))
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The request's session. Operations commit explicitly; anything left
    uncommitted at teardown is rolled back."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def sqlite_write_lock(db: Session) -> None:
    """On SQLite, take the database's single write lock now (``BEGIN IMMEDIATE``), waiting
    for any other writer: pysqlite begins a transaction only at its first write, so rows
    read before it could change before the commit. Once a transaction has begun, the
    lock is held already. Other databases lock rows instead (``FOR UPDATE``): nothing."""
    if db.get_bind().dialect.name != "sqlite":
        return
    connection = db.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()

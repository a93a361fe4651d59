"""Constants and helpers the tests import by name.

Test modules import from here, never from the ``conftest`` module: with several
conftest.py files in the tree, the module named ``conftest`` is whichever loaded first.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from reintegration.models import metadata

TEST_PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _empty_tables(engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


def waits_for_commit(engine, first, second) -> None:
    """Run ``first(conn)`` in a transaction left open, then ``second(conn)`` in a
    transaction of its own in another thread; check that the second waits for the first
    to commit (PostgreSQL: a row lock; SQLite: the database's write lock), commit the
    first and let the second finish. An error in the second is raised here."""
    import threading

    conn = engine.connect()
    transaction = conn.begin()
    first(conn)
    finished, errors = threading.Event(), []

    def run_second():
        try:
            with engine.begin() as other:
                second(other)
        except Exception as error:  # raised below, in the test's own thread
            errors.append(error)
        finally:
            finished.set()

    thread = threading.Thread(target=run_second)
    thread.start()
    try:
        assert not finished.wait(0.5), "the second transaction did not wait for the first"
    finally:
        transaction.commit()
        conn.close()
        thread.join(30)
    if errors:
        raise errors[0]

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

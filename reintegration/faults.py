"""Test-only fault points: where a crash test may stop the server mid-transaction.

Operations call ``checkpoint("plans.submit")`` just before they commit. Unless the
app is configured with ``FAULT_HOOK_DIR`` this does nothing. When it is, and the test
has created a FIFO named after the checkpoint in that folder, the request opens the
FIFO and blocks until the test closes it. Opening a FIFO for reading waits for a
writer, and the writer's ``open`` waits for the reader, so the test knows *exactly*
when the request is inside the transaction (no sleeps, no timing) and can SIGKILL the
process there. Production never sets ``FAULT_HOOK_DIR``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import current_app, has_app_context


def checkpoint(name: str) -> None:
    if not has_app_context():
        return
    directory = current_app.config.get("FAULT_HOOK_DIR")
    if not directory:
        return
    fifo = Path(directory) / name
    try:
        if not stat.S_ISFIFO(os.stat(fifo).st_mode):
            return
    except FileNotFoundError:
        return
    (Path(directory) / f"{name}.reached").write_text(str(os.getpid()), encoding="utf-8")
    with open(fifo, "rb") as f:  # blocks until the test opens the other end
        f.read()  # and until it closes it (or kills this process)

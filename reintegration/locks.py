"""Serialising the writes on one case, and the order every write takes its locks in.

A write that depends on what it reads (what has been paid on a line, the reports, the
status of a plan version) locks the case first, with :func:`lock_case`, *before* it reads
any of it: a payment then cannot commit between an approval's budget check, which counts
what has been paid, and the approval's commit (an approved line below what was paid out
on it), nor two payments both pass the same check.

The order, for every write that touches a case and its plan versions:

1. **The case row.** PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite: the database's one
   write lock (``BEGIN IMMEDIATE``, :func:`reintegration.db.sqlite_write_lock`).
2. **The rows of its plan versions** (an ``UPDATE`` or ``DELETE`` of a version, the
   ``FOR UPDATE`` of a comment's status check, the decision's ``FOR NO KEY UPDATE`` of
   the version it decides, before it compares what the approver saw) and the rows under them (budget lines,
   contributors, comments, decisions, payments, reports, files).
3. **The audit chain's lock** (``audit.record``: an advisory lock on PostgreSQL, the
   write lock on SQLite), last, held until the commit.

Why the case must come before its versions even for a write that does not mean to
change the case: the ``planversion`` trigger of migration 0002 updates the case row (its
``plan_attention``) whenever a version is added or deleted or its status or check result
is written. A write that changed a version without holding the case would take the
case after the version, while a writer holding the case changes the version next (the
decision, a case edit or a recorded return checking the open versions again): each
waits for the other, and PostgreSQL fails one of them (a deadlock).

The writes, and how each keeps the order:

- :func:`lock_case` first: the decision (``approvals.operations.decide``), starting,
  submitting, saving a draft, importing a plan file and discarding a draft
  (``plans.operations``: ``create_draft``, ``submit_version``, ``_claim_draft``),
  recording the return, a follow-up report, an alert from a refused report, a payment
  and a refused payment's notice, files, closing the case (``followup.operations``).
- The case row by its own first write: a case edit (``cases.operations.update_case``:
  the optimistic ``UPDATE`` of the case, then its children and its open versions checked
  again), the legal hold (``retention.set_legal_hold``).
- Anonymisation (``retention.run``): :func:`lock_case` first, then the case is read again
  and anonymised only if it is still due (a legal hold set meanwhile stops it); the
  changes are flushed case first, the audit last.
- A version's rows only, never the case: a comment (``plans.operations.add_comment``).
- An alert's row only, never the case: closing a risk alert and adding a note to a closed
  one (``followup.operations.close_alert``, ``add_alert_note``).
- Many cases at once: the re-validation of open plans (``revalidation``) locks, batch
  by batch and in the order of their ids, the cases whose versions get a new verdict
  (which moves the case's plan attention) before it writes those versions; a version
  that gets only a new table reference does not touch its case.
- The administration of users and organisations locks administrators and organisations
  (``admin.operations``), never a case or a plan version.
"""

from __future__ import annotations

from sqlmodel import Session, select

from .db import sqlite_write_lock
from .models import Case


def lock_case(db: Session, case_id: int) -> Case:
    """Lock the case ``case_id`` for the rest of the transaction and return it as it is
    now (read afresh, so what another writer committed while this one waited is seen).
    Call it before reading what the write depends on; give it up by the commit or a
    rollback. Raises ``NoResultFound`` if the case does not exist.

    PostgreSQL locks the case row. SQLite has one writer, but its transactions take the
    write lock only at their first write, so two of them could both read the same totals
    and both write: it takes the database's write lock first (``BEGIN IMMEDIATE``),
    waiting for any other writer."""
    sqlite_write_lock(db)
    return db.exec(select(Case).where(Case.id == case_id).with_for_update()
                   .execution_options(populate_existing=True)).one()

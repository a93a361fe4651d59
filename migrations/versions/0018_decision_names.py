"""decision.decided_by_name, submitted_by_name, drafter_names, comment_author_names

The approval package read the approver's and the submitter's names from the user table
when it was exported: an account renamed (or re-used for someone else) after a decision
changed who an archived package said approved or submitted the plan. The decision now
keeps the names as they were when it was taken: who decided, who submitted the version,
who drafted it (everyone the four-eyes rule barred from deciding: the contributors,
creators and submitters of the version and of every earlier version of the case's plan,
a JSON list in alphabetical order) and who wrote each comment on the version (a JSON
object, comment id to name; comments on a decided version are refused, so these are
the comments the approver read).

The decisions taken before this migration are filled in from the user table as it is
when the migration runs: the names as they are now, which for an account renamed since
the decision are not the names it had then. That is as well as can be done; nothing
older records them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
import json

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

DECIDED = "SELECT plan_version_id FROM decision"
DECIDED_CASES = "SELECT v.case_id FROM decision d JOIN planversion v ON v.id = d.plan_version_id"
# Everyone who had a hand in a version, as ``approvals.operations.drafter_ids`` counts them.
HANDS = (f"SELECT v.case_id, v.number, c.user_id FROM plancontributor c JOIN planversion v "
         f"ON v.id = c.plan_version_id WHERE v.case_id IN ({DECIDED_CASES}) "
         f"UNION ALL SELECT case_id, number, created_by FROM planversion "
         f"WHERE created_by IS NOT NULL AND case_id IN ({DECIDED_CASES}) "
         f"UNION ALL SELECT case_id, number, submitted_by FROM planversion "
         f"WHERE submitted_by IS NOT NULL AND case_id IN ({DECIDED_CASES})")


def _order(name):
    return name.casefold(), name  # as ``approvals.operations.name_order``


def upgrade() -> None:
    op.add_column('decision', sa.Column('decided_by_name', sqlmodel.sql.sqltypes.AutoString(length=200),
                                        nullable=True))
    op.add_column('decision', sa.Column('submitted_by_name', sqlmodel.sql.sqltypes.AutoString(length=200),
                                        nullable=True))
    op.add_column('decision', sa.Column('drafter_names', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('decision', sa.Column('comment_author_names', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    bind = op.get_bind()
    bind.execute(sa.text('UPDATE decision SET decided_by_name = '
                         '(SELECT u.name FROM "user" u WHERE u.id = decision.decided_by)'))
    bind.execute(sa.text('UPDATE decision SET submitted_by_name = '
                         '(SELECT u.name FROM planversion v JOIN "user" u ON u.id = v.submitted_by '
                         'WHERE v.id = decision.plan_version_id)'))
    names = dict(bind.execute(sa.text('SELECT id, name FROM "user"')).all())
    hands: dict[int, set[tuple[int, int]]] = {}
    for case_id, number, user_id in bind.execute(sa.text(HANDS)):
        hands.setdefault(case_id, set()).add((number, user_id))
    authors: dict[int, dict[str, str]] = {}
    for comment_id, version_id, author_id in bind.execute(sa.text(
            f"SELECT id, plan_version_id, author_id FROM comment WHERE plan_version_id IN ({DECIDED})")):
        if author_id in names:
            authors.setdefault(version_id, {})[str(comment_id)] = names[author_id]
    rows = []
    for decision_id, version_id, case_id, number in bind.execute(sa.text(
            "SELECT d.id, v.id, v.case_id, v.number FROM decision d JOIN planversion v "
            "ON v.id = d.plan_version_id")):
        drafters = {user_id for n, user_id in hands.get(case_id, ()) if n <= number and user_id in names}
        rows.append({"id": decision_id,
                     "drafters": json.dumps(sorted((names[i] for i in drafters), key=_order), ensure_ascii=False),
                     "authors": json.dumps(authors.get(version_id, {}), ensure_ascii=False, sort_keys=True)})
    if rows:
        bind.execute(sa.text("UPDATE decision SET drafter_names = :drafters, comment_author_names = :authors "
                             "WHERE id = :id"), rows)


def downgrade() -> None:
    op.drop_column('decision', 'comment_author_names')
    op.drop_column('decision', 'drafter_names')
    op.drop_column('decision', 'submitted_by_name')
    op.drop_column('decision', 'decided_by_name')

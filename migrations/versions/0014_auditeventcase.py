"""auditeventcase: the cases an audit event concerns among many, for the trail's case filter

A list page that shows people's names (the case list, the approval queue) was recorded as
one ``case_list.read`` whose ``detail`` names the cases shown (``"cases": [ids]``), so the
trail's case filter, which looks at ``auditevent.case_id``, did not find those reads: the
data-protection officer asking "who has seen this person's case?" missed every list. The
batch export worked around it with one chained record per case (some 8,700 rows for a
10,000-plan workbook). Now an event about many cases has one row here per case, written in
the event's transaction, and the filter finds an event by its own ``case_id`` or by a row
here (the index on ``(case_id, event_id)``).

The rows are an index of the event's chained ``detail``, which still names the cases:
``flask audit verify`` compares the two, so a row deleted or added is reported (a row
without its event too: no foreign key, as the trail has none, and none to check on
every list view).

Backfill: every event whose detail holds a ``"cases"`` *list* of ids (the list reads)
gets its rows. The batch's earlier records need none: its per-case records carry their
``case_id``, and its whole-export record named only how many (``"cases": 3``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BATCH = 5000  # events read per step of the backfill


def cases_named(detail):
    """The ids of a detail's top-level ``"cases"`` list (the rule of ``audit.cases_named``
    when this migration was written)."""
    if not detail or '"cases"' not in detail:
        return set()
    try:
        value = json.loads(detail)
    except ValueError:
        return set()
    cases = value.get("cases") if isinstance(value, dict) else None
    if not isinstance(cases, list):
        return set()
    return {v for v in cases if isinstance(v, int) and not isinstance(v, bool)}


def upgrade() -> None:
    op.create_table('auditeventcase',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'case_id', name=op.f('pk_auditeventcase'))
    )
    with op.batch_alter_table('auditeventcase', schema=None) as batch_op:
        batch_op.create_index('ix_auditeventcase_case_id_event_id', ['case_id', 'event_id'], unique=False)

    bind = op.get_bind()
    links = sa.table('auditeventcase', sa.column('event_id', sa.Integer()), sa.column('case_id', sa.Integer()))
    # The LIKE only narrows what is read (``json.dumps`` writes ``"cases": ``); the JSON decides.
    select = sa.text("SELECT id, detail FROM auditevent WHERE id > :after AND detail LIKE '%\"cases\": [%' "
                     "ORDER BY id LIMIT :n")
    after = 0
    while True:
        events = bind.execute(select, {"after": after, "n": BATCH}).all()
        if not events:
            break
        rows = [{"event_id": event_id, "case_id": case_id}
                for event_id, detail in events for case_id in sorted(cases_named(detail))]
        if rows:
            bind.execute(links.insert(), rows)
        after = events[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('auditeventcase', schema=None) as batch_op:
        batch_op.drop_index('ix_auditeventcase_case_id_event_id')
    op.drop_table('auditeventcase')

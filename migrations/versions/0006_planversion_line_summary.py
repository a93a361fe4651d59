"""planversion keeps the summary of its budget lines, kept by triggers on budgetline

What a plan's verdict needs of its lines is their summary: how many, the cash and
in-kind totals, the lowest amount and the first and last month (``LineSummary`` in
``domain.budget``; each line rule is a range test, so it holds for every line exactly
when it holds for the extremes). The re-validation of every open plan after a rate
change summed 712,669 lines of 40,703 open versions for it on each run (0.6-1.3 s of
its 2.2 s at 250,000 cases, issue #8), and the case page and the approval queue summed
each version's lines for its totals. Now the summary is stored on the version, and
database triggers keep it: every insert, delete and change of budget lines recomputes it
for the versions concerned, whichever code (or SQL) made the change, in the same
transaction.

PostgreSQL: one trigger per statement (with its transition table), so a plan saved as
one multi-row INSERT, or a bulk COPY, refreshes each version once. SQLite: one per row.
Amounts are in øre, as ``budgetline.amount_dkk`` stores them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = ('line_count', 'lines_cash_ore', 'lines_in_kind_ore', 'lines_lowest_ore', 'lines_first_month',
           'lines_last_month')

# The summary of version {id}'s lines, one row (count 0, totals 0, the rest NULL without lines).
SQLITE_SUMMARY = """(SELECT count(*), coalesce(sum(CASE WHEN kind = 'cash' THEN amount_dkk ELSE 0 END), 0),
                            coalesce(sum(CASE WHEN kind = 'cash' THEN 0 ELSE amount_dkk END), 0),
                            min(amount_dkk), min(month), max(month)
                     FROM budgetline WHERE plan_version_id = {id})"""

# The versions are locked first and summed by a statement of their own: in READ COMMITTED
# each statement of a (volatile) function sees what was committed when it starts, so a
# writer that waited here for another's lock on the version sums the lines that one
# committed too. Summed in the same statement, it would sum what it saw before the wait
# and overwrite the other's summary with one that misses its lines (the test with two
# writers at once in tests/test_migration_0006.py).
PG_REFRESH = f"""
    CREATE FUNCTION planversion_refresh_lines(versions integer[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM planversion WHERE id = ANY(versions) ORDER BY id FOR NO KEY UPDATE;
        UPDATE planversion AS v
        SET line_count = s.line_count, lines_cash_ore = s.cash, lines_in_kind_ore = s.in_kind,
            lines_lowest_ore = s.lowest, lines_first_month = s.first_month, lines_last_month = s.last_month
        FROM (SELECT wanted.id, count(b.id)::integer AS line_count,
                     coalesce(sum(b.amount_dkk) FILTER (WHERE b.kind = 'cash'), 0)::bigint AS cash,
                     coalesce(sum(b.amount_dkk) FILTER (WHERE b.kind <> 'cash'), 0)::bigint AS in_kind,
                     min(b.amount_dkk) AS lowest, min(b.month) AS first_month, max(b.month) AS last_month
              FROM unnest(versions) AS wanted(id)
              LEFT JOIN budgetline AS b ON b.plan_version_id = wanted.id
              GROUP BY wanted.id) AS s
        WHERE v.id = s.id
          AND ({', '.join(f'v.{c}' for c in COLUMNS)})
              IS DISTINCT FROM (s.line_count, s.cash, s.in_kind, s.lowest, s.first_month, s.last_month);
    END $$"""

PG_TRIGGER_FUNCTION = """
    CREATE FUNCTION budgetline_line_summary() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM planversion_refresh_lines(ARRAY(SELECT DISTINCT plan_version_id FROM new_lines));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM planversion_refresh_lines(ARRAY(SELECT DISTINCT plan_version_id FROM old_lines));
        ELSE
            PERFORM planversion_refresh_lines(ARRAY(SELECT plan_version_id FROM old_lines
                                                    UNION SELECT plan_version_id FROM new_lines));
        END IF;
        RETURN NULL;
    END $$"""

# PostgreSQL allows a transition table only on a trigger for one event (and no column list).
PG_TRIGGERS = {
    'insert': 'AFTER INSERT ON budgetline REFERENCING NEW TABLE AS new_lines',
    'delete': 'AFTER DELETE ON budgetline REFERENCING OLD TABLE AS old_lines',
    'update': 'AFTER UPDATE ON budgetline REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines',
}


def _sqlite_refresh(version: str) -> str:
    return (f"UPDATE planversion SET ({', '.join(COLUMNS)}) = {SQLITE_SUMMARY.format(id=version)} "
            f"WHERE id = {version}")


def upgrade() -> None:
    zero = sa.text('0')
    op.add_column('planversion', sa.Column('line_count', sa.Integer(), nullable=False, server_default=zero))
    op.add_column('planversion', sa.Column('lines_cash_ore', sa.BigInteger(), nullable=False, server_default=zero))
    op.add_column('planversion', sa.Column('lines_in_kind_ore', sa.BigInteger(), nullable=False,
                                           server_default=zero))
    op.add_column('planversion', sa.Column('lines_lowest_ore', sa.BigInteger(), nullable=True))
    op.add_column('planversion', sa.Column('lines_first_month', sa.Integer(), nullable=True))
    op.add_column('planversion', sa.Column('lines_last_month', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_REFRESH)
        op.execute(PG_TRIGGER_FUNCTION)
        for event, clause in PG_TRIGGERS.items():
            op.execute(f'CREATE TRIGGER budgetline_line_summary_{event} {clause} '
                       'FOR EACH STATEMENT EXECUTE FUNCTION budgetline_line_summary()')
        op.execute('SELECT planversion_refresh_lines(ARRAY(SELECT id FROM planversion))')
    else:
        op.execute(f"""CREATE TRIGGER budgetline_line_summary_insert AFTER INSERT ON budgetline
                       BEGIN {_sqlite_refresh('NEW.plan_version_id')}; END""")
        op.execute(f"""CREATE TRIGGER budgetline_line_summary_update
                       AFTER UPDATE OF plan_version_id, kind, month, amount_dkk ON budgetline
                       BEGIN {_sqlite_refresh('OLD.plan_version_id')}; {_sqlite_refresh('NEW.plan_version_id')}; END""")
        op.execute(f"""CREATE TRIGGER budgetline_line_summary_delete AFTER DELETE ON budgetline
                       BEGIN {_sqlite_refresh('OLD.plan_version_id')}; END""")
        op.execute(f"UPDATE planversion SET ({', '.join(COLUMNS)}) = {SQLITE_SUMMARY.format(id='planversion.id')}")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for event in PG_TRIGGERS:
            op.execute(f'DROP TRIGGER budgetline_line_summary_{event} ON budgetline')
        op.execute('DROP FUNCTION budgetline_line_summary()')
        op.execute('DROP FUNCTION planversion_refresh_lines(integer[])')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER budgetline_line_summary_{event}')
    for column in reversed(COLUMNS):
        op.drop_column('planversion', column)

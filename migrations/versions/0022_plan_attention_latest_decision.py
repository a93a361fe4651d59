"""case.plan_attention: "sent back" only while the case's latest decided version was sent back

Migration 0002's triggers said "sent back" for a case with ANY version sent back, for
ever: a plan sent back, corrected, resubmitted and approved still stood first in the
caseworker's case list as "Plan sent back", and every case ever sent back crowded the
cases that really wait for the caseworker. A case now asks for an answer to a send-back
while the newest version that is not a draft (the one the last decision, or the
pending one, is about) is the version sent back: working on the next draft it still
does, resubmitting it answers it. "Draft has errors" is unchanged (a draft that fails
the budget check), and still comes after "sent back". The triggers are replaced and
every case's value computed again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# Each value for one case, from its plan versions. {false}: the literal a boolean column
# compares with (false on PostgreSQL, 0 on SQLite).
VALUE = """(CASE WHEN (SELECT v.status FROM planversion v WHERE v.case_id = {case_id} AND v.status <> 'draft'
                       ORDER BY v.number DESC LIMIT 1) = 'returned' THEN 'sent_back'
                 WHEN EXISTS (SELECT 1 FROM planversion v WHERE v.case_id = {case_id} AND v.status = 'draft'
                              AND v.check_ok = {false}) THEN 'draft_errors' END)"""
# Migration 0002's, for the downgrade: any version sent back.
VALUE_0002 = {"postgresql": """(SELECT CASE WHEN bool_or(v.status = 'returned') THEN 'sent_back'
                                      WHEN bool_or(v.status = 'draft' AND v.check_ok = false) THEN 'draft_errors' END
                               FROM planversion v WHERE v.case_id = {case_id})""",
              "sqlite": """(SELECT CASE WHEN max(v.status = 'returned') THEN 'sent_back'
                                  WHEN max(v.status = 'draft' AND v.check_ok = 0) THEN 'draft_errors' END
                           FROM planversion v WHERE v.case_id = {case_id})"""}


def _value(dialect: str) -> str:
    return VALUE.replace("{false}", "false" if dialect == "postgresql" else "0")


def _refresh(value: str, case_id: str, dialect: str) -> str:
    v = value.format(case_id=case_id)
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return f'UPDATE "case" SET plan_attention = {v} WHERE id = {case_id} AND plan_attention {differs} {v}'


def _drop_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute('DROP TRIGGER planversion_plan_attention ON planversion')
        op.execute('DROP FUNCTION planversion_plan_attention()')
    else:
        for suffix in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER planversion_plan_attention_{suffix}')


def _create_triggers(value: str, dialect: str) -> None:
    """The triggers of migration 0002, computing ``value``, and every case's value now."""
    if dialect == "postgresql":
        op.execute(f"""
            CREATE FUNCTION planversion_plan_attention() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    {_refresh(value, 'OLD.case_id', dialect)};
                END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id) THEN
                    {_refresh(value, 'NEW.case_id', dialect)};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER planversion_plan_attention
            AFTER INSERT OR DELETE OR UPDATE OF status, check_ok, case_id ON planversion
            FOR EACH ROW EXECUTE FUNCTION planversion_plan_attention()""")
        op.execute(f'UPDATE "case" c SET plan_attention = {value.format(case_id="c.id")}')
    else:
        op.execute(f"""CREATE TRIGGER planversion_plan_attention_insert AFTER INSERT ON planversion
                       BEGIN {_refresh(value, 'NEW.case_id', dialect)}; END""")
        op.execute(f"""CREATE TRIGGER planversion_plan_attention_update
                       AFTER UPDATE OF status, check_ok, case_id ON planversion
                       BEGIN {_refresh(value, 'OLD.case_id', dialect)}; {_refresh(value, 'NEW.case_id', dialect)}; END""")
        op.execute(f"""CREATE TRIGGER planversion_plan_attention_delete AFTER DELETE ON planversion
                       BEGIN {_refresh(value, 'OLD.case_id', dialect)}; END""")
        op.execute(f'UPDATE "case" SET plan_attention = {value.format(case_id=chr(34) + "case" + chr(34) + ".id")}')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    _create_triggers(_value(dialect), dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    _create_triggers(VALUE_0002["postgresql" if dialect == "postgresql" else "sqlite"], dialect)

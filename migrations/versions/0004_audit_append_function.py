"""audit_append(): the audit chain's lock, last hash and insert in one round trip (PostgreSQL)

Every audited action (every read of a case among them) took three statements to add
its record: take the chain's lock, read the last hash, insert. The lock and the read
cannot share one SQL statement: in READ COMMITTED a statement sees the data committed
when it *starts*, before it waited for the lock. A VOLATILE PL/pgSQL function takes a
fresh snapshot for each statement inside it, so within one call the read after the
lock sees the last record committed by the holder before. The application computes
the canonical content of the event (``audit._canonical``: the same bytes as before);
the function chains it: ``hash = sha256(prev_hash || content)``, as
``audit.event_hash`` does, so ``flask audit verify`` checks both alike (issue #8: the
case page's audit record went from three round trips to one).

A read record in a transaction that has written nothing else does not wait for the
WAL flush (``synchronous_commit = off`` for that transaction only), as before
(``audit._lock_chain``). SQLite keeps the statements in ``audit.record``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LOCK_KEY = 727001  # audit.CHAIN_LOCK: the same key as the statements in audit.record


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"""
        CREATE FUNCTION audit_append(
            p_at timestamptz, p_user_id integer, p_organisation_id integer, p_action varchar,
            p_object_type varchar, p_object_id varchar, p_case_id integer, p_detail varchar,
            p_ip varchar, p_content bytea, p_read boolean,
            OUT new_id integer, OUT new_prev_hash varchar, OUT new_hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK_KEY});
            IF p_read AND pg_current_xact_id_if_assigned() IS NULL THEN
                PERFORM set_config('synchronous_commit', 'off', true);
            END IF;
            -- A new snapshot: sees the record committed by the lock's previous holder.
            SELECT e.hash INTO new_prev_hash FROM auditevent e ORDER BY e.id DESC LIMIT 1;
            new_prev_hash := coalesce(new_prev_hash, repeat('0', 64));
            new_hash := encode(sha256(convert_to(new_prev_hash, 'UTF8') || p_content), 'hex');
            INSERT INTO auditevent (at, user_id, organisation_id, action, object_type, object_id,
                                    case_id, detail, ip, prev_hash, hash)
            VALUES (p_at, p_user_id, p_organisation_id, p_action, p_object_type, p_object_id,
                    p_case_id, p_detail, p_ip, new_prev_hash, new_hash)
            RETURNING id INTO new_id;
        END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP FUNCTION audit_append(timestamptz, integer, integer, varchar, varchar, varchar, '
               'integer, varchar, varchar, bytea, boolean)')

"""riskalertnote: the notes added to a closed risk alert, one row each

A note added to a closed alert (the text of a user whose close came second) was appended
to ``riskalert.action_taken`` after a separator line, with an author line frozen in
Danish ("Anna Jensen, 05.12.2026 15.30:"): an English reader saw a Danish date, the time
zone was implicit, and the double-send check parsed the text back, which a note holding
the separator line broke. Each note is now a row: the author (id, and the name as it
was), the time in UTC and the text; ``action_taken`` keeps only the closer's text.

The upgrade moves the notes already appended into rows. Each block after the separator
is read as its author line (name, Danish short date and time in Europe/Copenhagen time,
stored as UTC) and the note. The old text named the author by name only, so these notes
have no ``author_id``. A block that cannot be read so (a closer's text or a note that
held the separator line, or text written otherwise) is kept as it was, whole, as a note
with no author and the alert's ``closed_at`` as its time: nothing is lost.

The downgrade folds the notes back into ``action_taken`` in the old form, so that the
upgrade reads them again as they were; notes blanked by anonymisation are left out.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import sqlmodel
from sqlmodel.sql.sqltypes import UTCDateTime


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# As ``followup.operations`` wrote them before this migration.
SEPARATOR = "\n\n———\n"
AUTHOR_LINE = re.compile(r"(?P<name>.+), (?P<day>\d{2})\.(?P<month>\d{2})\.(?P<year>\d{4}) "
                         r"(?P<hour>\d{2})\.(?P<minute>\d{2}):")
DANISH_TIME = ZoneInfo("Europe/Copenhagen")

alerts = sa.table('riskalert', sa.column('id', sa.Integer), sa.column('opened_at', UTCDateTime()),
                  sa.column('closed_at', UTCDateTime()), sa.column('action_taken', sa.String))
notes = sa.table('riskalertnote', sa.column('id', sa.Integer), sa.column('alert_id', sa.Integer),
                 sa.column('author_id', sa.Integer), sa.column('author_name', sa.String),
                 sa.column('created_at', UTCDateTime()), sa.column('text', sa.String))


def read_block(block: str):
    """(author name, UTC time, note) of a block written as "name, dd.mm.yyyy HH.MM:" and
    the note on the lines after it; None if it is not so."""
    line, newline, text = block.partition("\n")
    found = AUTHOR_LINE.fullmatch(line)
    if not newline or found is None or not found["name"].strip():
        return None
    try:
        local = datetime(int(found["year"]), int(found["month"]), int(found["day"]), int(found["hour"]),
                         int(found["minute"]), tzinfo=DANISH_TIME)
    except ValueError:  # 31.02.2026, 25.00
        return None
    return found["name"], local.astimezone(timezone.utc), text


def write_block(name: str | None, at: datetime, text: str) -> str:
    """A note as the old code appended it (``read_block`` reads it back)."""
    if name is None:
        return SEPARATOR + text
    when = at.astimezone(DANISH_TIME).strftime("%d.%m.%Y %H.%M")
    return f"{SEPARATOR}{name}, {when}:\n{text}"


def upgrade() -> None:
    op.create_table('riskalertnote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['riskalert.id'], name=op.f('fk_riskalertnote_alert_id_riskalert')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_riskalertnote_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_riskalertnote'))
    )
    with op.batch_alter_table('riskalertnote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_riskalertnote_alert_id'), ['alert_id'], unique=False)

    bind = op.get_bind()
    found = bind.execute(sa.select(alerts.c.id, alerts.c.opened_at, alerts.c.closed_at, alerts.c.action_taken)
                         .where(alerts.c.action_taken.contains(SEPARATOR, autoescape=True))
                         .order_by(alerts.c.id)).all()
    for alert_id, opened_at, closed_at, text in found:
        first, *blocks = text.split(SEPARATOR)
        rows = []
        for block in blocks:
            read = read_block(block)
            name, at, note = read if read else (None, closed_at or opened_at, block)
            rows.append({"alert_id": alert_id, "author_id": None, "author_name": name, "created_at": at,
                         "text": note})
        for row in rows:  # one by one: the ids keep the order of the text
            bind.execute(notes.insert().values(**row))
        bind.execute(alerts.update().where(alerts.c.id == alert_id).values(action_taken=first))


def downgrade() -> None:
    bind = op.get_bind()
    folded: dict[int, str] = {}
    for alert_id, name, at, text in bind.execute(
            sa.select(notes.c.alert_id, notes.c.author_name, notes.c.created_at, notes.c.text)
            .order_by(notes.c.alert_id, notes.c.id)):
        if name is None and not text:
            continue  # blanked by anonymisation: nothing to fold back
        folded[alert_id] = folded.get(alert_id, "") + write_block(name, at, text)
    for alert_id, blocks in folded.items():
        current = bind.execute(sa.select(alerts.c.action_taken).where(alerts.c.id == alert_id)).scalar_one()
        bind.execute(alerts.update().where(alerts.c.id == alert_id).values(action_taken=(current or "") + blocks))

    with op.batch_alter_table('riskalertnote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_riskalertnote_alert_id'))

    op.drop_table('riskalertnote')

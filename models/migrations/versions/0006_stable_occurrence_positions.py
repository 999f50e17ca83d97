"""Occurrence identity follows the date: positions are issued once, never reused.

Revision ID: 0006
Revises: 0005

An occurrence's ``position`` is the index in its feed UID ("<event uid>-<position>")
and in the reminder ledger's key. It used to be the window's place in the
list, so dropping "24 February" from "05 January, 24 February, 17 March,
22 May 2023" gave 17 March the UID of 24 February. From this revision an
import keeps the position of every window still listed, and a new window gets
``events.next_occurrence_position``, which only grows.

Existing data keeps its UIDs: positions are left as they are, and each event's
counter is backfilled to one past its highest position (0 for an event without
occurrences). One ``UPDATE`` with a correlated subquery, the same on SQLite and
PostgreSQL.

No batch mode, for the reason 0004 gives (on SQLite it copies ``events`` and
the drop of the old table would cascade to occurrences, revisions and
reminders). SQLite adds a NOT NULL column in place when it has a default, and
keeps that default (it cannot drop it without copying the table); PostgreSQL
drops it after the backfill, as the models name the value on every insert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("next_occurrence_position", sa.Integer(), nullable=False, server_default="0"),
    )
    backfill_next_positions(op.get_bind())
    if op.get_context().dialect.name != "sqlite":
        op.alter_column("events", "next_occurrence_position", server_default=None)


def downgrade() -> None:
    op.drop_column("events", "next_occurrence_position")


def backfill_next_positions(connection: sa.Connection) -> None:
    """Set every event's counter to one past the highest position it holds."""
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("next_occurrence_position", sa.Integer),
    )
    occurrences = sa.table(
        "occurrences", sa.column("event_id", sa.Integer), sa.column("position", sa.Integer)
    )
    highest = (
        sa.select(sa.func.max(occurrences.c.position) + 1)
        .where(occurrences.c.event_id == events.c.id)
        .scalar_subquery()
    )
    connection.execute(
        sa.update(events).values(next_occurrence_position=sa.func.coalesce(highest, 0))
    )

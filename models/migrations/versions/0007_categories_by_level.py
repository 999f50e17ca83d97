"""Stored categories follow the rules of DESIGN.md section 3 (what the meeting is, at which level).

Revision ID: 0007
Revises: 0006

The category is read from the note's words when an event is imported. The
rules changed (issue 12: a Commissioner meeting a minister is ministerial, a
seminar a conference or forum), so every event is read again with
:func:`models.category.categorise`. This is a change of rule, not of the note:
no revision is written, no update mail is due, and the next import finds
nothing to change. An event a person has edited keeps the category they
chose; only its record of what the note says (``note_snapshot``) is read
again, so that the next import does not report the new reading as a conflict.

No schema change. Downgrade leaves the categories as they are: the old rules
are gone, and either reading fits the old schema.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.category import categorise

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    recategorise(op.get_bind())


def downgrade() -> None:
    pass


def recategorise(connection: sa.Connection) -> None:
    """Read every event's category (or its snapshot's, when a person edited it) again."""
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("outcome", sa.Text),
        sa.column("category", sa.String),
        sa.column("is_manual_override", sa.Boolean),
        sa.column("note_snapshot", sa.JSON),
    )
    categories: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    for row in connection.execute(sa.select(events)):
        snapshot = row.note_snapshot
        if row.is_manual_override and snapshot is not None:
            category = categorise(snapshot["title"], snapshot["outcome"]).value
            if category != snapshot["category"]:
                snapshots.append({"key": row.id, "value": {**snapshot, "category": category}})
            continue
        category = categorise(row.title, row.outcome).value
        if category != row.category:
            categories.append({"key": row.id, "value": category})
    key: sa.BindParameter[int] = sa.bindparam("key")
    if categories:
        connection.execute(
            sa.update(events).where(events.c.id == key).values(category=sa.bindparam("value")),
            categories,
        )
    if snapshots:
        connection.execute(
            sa.update(events)
            .where(events.c.id == key)
            .values(note_snapshot=sa.bindparam("value", type_=sa.JSON)),
            snapshots,
        )

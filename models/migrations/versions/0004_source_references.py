"""Source references: each version's file format; each event's table, row and page.

Revision ID: 0004
Revises: 0003

Existing versions were all read from text files. Existing events get their
table and row back from what was stored (see :func:`backfill_tables_and_rows`);
their page stays empty, as no PDF was ever imported before this revision.

No batch mode here, on purpose: on SQLite it copies the table and drops the
old one, and with the foreign keys that ``make_engine`` turns on (they cannot
be turned off inside the migration's transaction) that drop deletes the rows
referencing it with ``ON DELETE CASCADE`` (an event's occurrences, revisions
and reminders) and fails on the others. SQLite adds these columns in place, and
drops them in place from 3.35 on, as PostgreSQL does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORMATS = ("text", "pdf", "docx")


def upgrade() -> None:
    # NOT NULL needs a value for the existing rows, and SQLite can only add
    # such a column with a default. The CHECK is the column's own (inline),
    # which SQLite accepts in ADD COLUMN and keeps through DROP COLUMN.
    op.add_column(
        "document_versions",
        sa.Column(
            "format",
            sa.Enum(*FORMATS, name="format", native_enum=False, length=40),
            sa.CheckConstraint(
                "format IN ('text', 'pdf', 'docx')", name=op.f("ck_document_versions_format")
            ),
            nullable=False,
            server_default="text",
        ),
    )
    if op.get_context().dialect.name != "sqlite":
        # The models name a format on every insert. SQLite cannot drop a
        # default without copying the table (see above): there it stays.
        op.alter_column("document_versions", "format", server_default=None)
    op.add_column("events", sa.Column("source_table", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("source_row", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("source_page", sa.Integer(), nullable=True))
    backfill_tables_and_rows(op.get_bind())


def downgrade() -> None:
    op.drop_column("events", "source_page")
    op.drop_column("events", "source_row")
    op.drop_column("events", "source_table")
    op.drop_column("document_versions", "format")


def backfill_tables_and_rows(connection: sa.Connection) -> None:
    """Give the events imported so far (all from text files) their table and row.

    Exact for the latest version (the one imported last, the highest id): a
    text note has one events table per section (the reader gathers a section's
    rows into one block), every row of that note is an event pointing at it,
    ``position`` is the row's 0-based index in its section's table, and a
    table's rows come after the rows of the tables before it, so ordering the
    sections by their first line numbers the tables in reading order.

    An older version is only partly known: its events that later versions still
    list point at the later ones, so the events left pointing at it (rows later
    notes dropped) are a subset of its rows, and counting the sections among
    them would give wrong table numbers. Their row is still exact; their table
    is an estimate, the number of their section's table in the latest version
    (for a section that version dropped: where the section stood, after the
    tables of the sections before it). The export contract needs a number, and
    the line still says exactly where they stand.
    """
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("document_version_id", sa.Integer),
        sa.column("section_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("source_line", sa.Integer),
        sa.column("source_table", sa.Integer),
        sa.column("source_row", sa.Integer),
    )
    latest = connection.scalar(sa.text("SELECT max(id) FROM document_versions"))
    if latest is None:
        return
    connection.execute(
        events.update()
        .where(events.c.document_version_id.is_not(None))
        .values(source_row=events.c.position + 1)
    )
    first_lines: dict[int, int] = {}
    lines: sa.Select[int, int | None] = sa.select(events.c.section_id, events.c.source_line).where(
        events.c.document_version_id == latest
    )
    for section_id, line in connection.execute(lines):
        if line is None:
            return  # not a text import after all: no order to go by
        first_lines[section_id] = min(line, first_lines.get(section_id, line))
    ordered = sorted(first_lines, key=lambda section_id: (first_lines[section_id], section_id))
    update = (
        events.update()
        .where(
            events.c.document_version_id == latest,
            events.c.section_id == sa.bindparam("section"),
        )
        .values(source_table=sa.bindparam("number"))
    )
    numbered = [{"section": s, "number": n} for n, s in enumerate(ordered, start=1)]
    if numbered:
        connection.execute(update, numbered)
    _estimate_older_tables(connection, events, {s: n for n, s in enumerate(ordered, start=1)})


def _estimate_older_tables(
    connection: sa.Connection, events: sa.TableClause, numbers: dict[int, int]
) -> None:
    sections = sa.table("sections", sa.column("id", sa.Integer), sa.column("position", sa.Integer))
    position: dict[int, int] = dict(
        connection.execute(sa.select(sections.c.id, sections.c.position)).all()
    )
    older: sa.ScalarResult[int] = connection.execute(
        sa.select(events.c.section_id)
        .where(events.c.document_version_id.is_not(None), events.c.source_table.is_(None))
        .distinct()
    ).scalars()
    estimates = [
        {
            "section": section_id,
            "number": numbers.get(section_id)
            or 1 + sum(position[s] < position[section_id] for s in numbers),
        }
        for section_id in older
    ]
    if estimates:
        connection.execute(
            events.update()
            .where(
                events.c.document_version_id.is_not(None),
                events.c.source_table.is_(None),
                events.c.section_id == sa.bindparam("section"),
            )
            .values(source_table=sa.bindparam("number")),
            estimates,
        )

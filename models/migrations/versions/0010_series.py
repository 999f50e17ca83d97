"""Series: the meetings of one body within one section, and their history.

Revision ID: 0010
Revises: 0009

Four new tables (``docs/series.md``): ``series``; ``series_members``, an
event's place in a series with the meeting's ordinal; ``series_bodies``, the
body names that lead an import's new events to a series; and
``series_revisions``, a series' history. ``events`` is not touched. The
reminder ledger takes a new rule, ``series`` (a series turned late or
stalled): its CHECK constraint is made again with it (on SQLite by copying
the table, which nothing references).

Events stored before this revision are in no series: an import places only
the events it creates, so a database upgraded from here places the events
of the next note it imports as new, and ``calendar-svc series place`` puts
the stored ones in their series once. Downgrade drops the four tables
and the ledger's rows of the new rule, and restores the old CHECK.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_series_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    op.create_table(
        "series_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("is_named", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_series_bodies_section_id_sections")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_bodies_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_bodies")),
        sa.UniqueConstraint("section_id", "key", name=op.f("uq_series_bodies_section_id_key")),
    )
    op.create_table(
        "series_members",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("meeting_number", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_series_members_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_members_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_series_members")),
    )
    op.create_index("ix_series_members_series_id", "series_members", ["series_id"])
    op.create_table(
        "series_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "renamed",
                "merged",
                "split",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("document_version_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_version_id"],
            ["document_versions.id"],
            name=op.f("fk_series_revisions_document_version_id_document_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_revisions_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_revisions")),
    )
    _ledger_rules((*RULES, "series"))


RULES = ("firm", "opens_soon", "open", "overdue", "update", "digest")


def _ledger_rules(rules: Sequence[str]) -> None:
    """Make the ledger's CHECK on ``rule`` allow ``rules``."""
    condition = "rule IN ({})".format(", ".join(f"'{rule}'" for rule in rules))
    with op.batch_alter_table("reminder_ledger", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_reminder_ledger_rule"), type_="check")
        batch.create_check_constraint("rule", condition)


def downgrade() -> None:
    op.execute("DELETE FROM reminder_ledger WHERE rule = 'series'")
    _ledger_rules(RULES)
    op.drop_table("series_revisions")
    op.drop_index("ix_series_members_series_id", table_name="series_members")
    op.drop_table("series_members")
    op.drop_table("series_bodies")
    op.drop_table("series")

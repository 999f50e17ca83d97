"""Subscribers, feed tokens and the reminder ledger.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_heartbeats")),
    )
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_following_everything", sa.Boolean(), nullable=False),
        sa.Column("wants_reminders", sa.Boolean(), nullable=False),
        sa.Column("wants_digest", sa.Boolean(), nullable=False),
        sa.Column("tentative_lead_days", sa.Integer(), nullable=False),
        sa.Column("unsubscribe_token", sa.String(length=43), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_subscribers_email")),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_subscribers_unsubscribe_token")),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_feed_tokens_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    op.create_table(
        "subscriber_categories",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "joint_readmission_committee",
                "visa_facilitation_committee",
                "subcommittee",
                "ministerial",
                "article_25a",
                "senior_officials",
                "negotiation_round",
                "mission_or_visit",
                "summit",
                "technical_meeting",
                "conference_or_forum",
                "other",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_categories_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "category", name=op.f("pk_subscriber_categories")),
    )
    op.create_table(
        "subscriber_groups",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column(
            "group",
            sa.Enum(
                "Africa",
                "Southern Mediterranean",
                "Western Balkans",
                "Asia",
                "Eastern Partnership",
                "Russia",
                "United States",
                "Regional process",
                "Global process",
                name="group",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_groups_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "group", name=op.f("pk_subscriber_groups")),
    )
    op.create_table(
        "subscriber_lead_days",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_lead_days_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "days", name=op.f("pk_subscriber_lead_days")),
    )
    op.create_table(
        "subscriber_sections",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_subscriber_sections_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_sections_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "section_id", name=op.f("pk_subscriber_sections")),
    )
    op.create_table(
        "reminder_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_key", sa.String(length=100), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "firm",
                "opens_soon",
                "open",
                "overdue",
                "update",
                "digest",
                name="rule",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_position", sa.Integer(), nullable=True),
        sa.Column("event_revision", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "skipped",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_reminder_ledger_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_reminder_ledger_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_ledger")),
        sa.UniqueConstraint(
            "occurrence_key",
            "rule",
            "subscriber_id",
            "due_date",
            name=op.f("uq_reminder_ledger_occurrence_key_rule_subscriber_id_due_date"),
        ),
    )
    with op.batch_alter_table("reminder_ledger", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminder_ledger_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_ledger_state_next_attempt_at")

    op.drop_table("reminder_ledger")
    op.drop_table("subscriber_sections")
    op.drop_table("subscriber_lead_days")
    op.drop_table("subscriber_groups")
    op.drop_table("subscriber_categories")
    op.drop_table("feed_tokens")
    op.drop_table("subscribers")
    op.drop_table("scheduler_heartbeats")

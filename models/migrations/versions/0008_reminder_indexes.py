"""Indexes for the reminder pass (issue 14): occurrences by their dates.

Revision ID: 0008
Revises: 0007

The due-reminder pass (``notifications.rules``) computes every subscriber's
reminders in three statements. Each starts from the occurrences whose dates
can make something due: firm dates starting within the longest lead time
(``start``), vague windows ending after the overdue horizon (``end``). Without
these indexes the database reads every occurrence, or worse, starts from the
subscribers and reads every event of theirs.

Schema only: no data changes; downgrade drops them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_occurrences_start", "occurrences", ["start"])
    op.create_index("ix_occurrences_end", "occurrences", ["end"])


def downgrade() -> None:
    op.drop_index("ix_occurrences_end", table_name="occurrences")
    op.drop_index("ix_occurrences_start", table_name="occurrences")

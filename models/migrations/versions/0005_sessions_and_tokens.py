"""Sessions kept in the database, API token expiry, trusted browsers, sign-in locks.

Revision ID: 0005
Revises: 0004

Sessions were signed cookies alone, so nothing could end one before its
cookie expired; from this revision a session is a row (``user_sessions``)
checked on every request, and cookies made before it open nothing (their
holders sign in again). ``sign_in_locks`` holds the rows each sign-in locks
(its account's and its client's), so that concurrent attempts are counted one
after another. ``login_attempts.device`` names the trusted browser an attempt
came from; ``users.password_changed_at`` ends the trust of browsers trusted
before it; ``api_tokens.expires_at`` is an optional expiry (existing tokens
have none).

No batch mode, for the reason 0004 gives: on SQLite it copies the table and
drops the old one, and with foreign keys on that drop would delete the rows
that reference ``users`` (API tokens) with ``ON DELETE CASCADE``. The new
columns are nullable, so SQLite adds them in place, and drops them in place
(3.35 on) as PostgreSQL does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "sign_in_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_locks")),
        sa.UniqueConstraint("subject", name=op.f("uq_sign_in_locks_subject")),
    )
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("login_attempts", sa.Column("device", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_login_attempts_device_attempted_at", "login_attempts", ["device", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_login_attempts_device_attempted_at", table_name="login_attempts")
    op.drop_column("login_attempts", "device")
    op.drop_column("users", "password_changed_at")
    op.drop_column("api_tokens", "expires_at")
    op.drop_table("sign_in_locks")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")

"""People who sign in to the web app: their sessions, API tokens and sign-in attempts.

Roles: a viewer reads; an editor also confirms, moves, cancels and adds
events and uploads notes; an admin also manages users and subscribers.

Everything that decides whether a request is signed in lives here, in the
database, and is read on every request: a session row (the cookie carries a
random id, the table its SHA-256), the user's ``is_active`` and role, an API
token's revocation and expiry. So signing out, a password change, disabling a
user or revoking a token holds at once on every web worker. Login attempts
are kept (success or not) so that sign-in throttling holds across workers
too; :class:`SignInLock` rows make concurrent attempts on one account (and
from one client) wait for each other, so that they are counted one after
another.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk, str_enum

#: A SHA-256 in hex: what the database keeps of a session id or an API token.
HASH_LENGTH = 64


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[intpk]
    #: Checked and lower-cased, like subscribers' addresses.
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    #: An argon2 hash (argon2-cffi); never the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    #: False: disabled; no session, API token or sign-in of theirs works.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]
    #: When the password was last set (None: before this was recorded). A
    #: browser trusted before it is trusted no more (``calendar_svc.users``).
    password_changed_at: Mapped[dt.datetime | None]

    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )
    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserSession.id"
    )

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(Base):
    """A signed-in browser. The session cookie carries a random id; only its SHA-256 is here.

    A session counts while it has not ended, is younger than the absolute
    lifetime and was last seen within the idle timeout (both settings, applied
    when a request is checked, so a change applies to existing sessions too).
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_user_sessions_user_id", "user_id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[dt.datetime]
    #: The last request seen, to within a minute (``calendar_svc.users.TOUCH_INTERVAL``).
    last_seen_at: Mapped[dt.datetime]
    #: Signed out, password changed, user disabled or signed out by an admin.
    ended_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    #: None: the token does not expire (it still dies with revocation).
    expires_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def state(self, now: dt.datetime) -> str:
        """The token's state at ``now``: "active", "revoked" or "expired"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class LoginAttempt(Base):
    """A sign-in whose password was checked (refused attempts are not recorded)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_attempts_remote_addr_attempted_at", "remote_addr", "attempted_at"),
        Index("ix_login_attempts_device_attempted_at", "device", "attempted_at"),
    )

    id: Mapped[intpk]
    #: As typed (normalised), whether or not such a user exists.
    email: Mapped[str] = mapped_column(String(320))
    remote_addr: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime]
    succeeded: Mapped[bool]
    #: The trusted browser's id when the attempt came from one (its own failures
    #: lock it; they do not lock the account for others), else None.
    device: Mapped[str | None] = mapped_column(String(64))


class SignInLock(Base):
    """What a sign-in attempt locks: one row per account and one per client anyone tried.

    A sign-in takes its client's row, then its account's, ``FOR UPDATE``
    (always in that order, so two attempts never wait for each other in a
    cycle) before it counts the recent failures and checks the password: so
    concurrent attempts on one account, or from one client, are counted one
    after another. On SQLite the writer transaction does the same for the
    whole database.
    """

    __tablename__ = "sign_in_locks"
    __table_args__ = (UniqueConstraint("subject"),)

    id: Mapped[intpk]
    #: "account <address as typed, normalised>" or "client <network address>".
    subject: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime]

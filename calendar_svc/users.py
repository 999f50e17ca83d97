"""Users: passwords (argon2), sessions, sign-in with throttling, API tokens, roles.

Everything that decides whether a request is signed in is read from the
database on every request, so it holds at once on every web worker:

- a **session** is a :class:`~models.UserSession` row; the cookie carries a
  random id whose SHA-256 the row keeps. It ends when its user signs out,
  when their password changes, when they are disabled, or when an admin ends
  it; it lapses :attr:`SessionPolicy.lifetime` after sign-in however busy,
  and :attr:`SessionPolicy.idle` after its last request;
- an **API token** works while it is neither revoked nor expired and its user
  is active.

**Throttling.** Failed sign-ins are counted in the database
(``login_attempts``), within :data:`WINDOW`, and an attempt over a limit is
refused without checking the password and without being recorded:

- :data:`MAX_FAILURES_PER_ACCOUNT` failures for an account (case variants of
  its address are one account) from one client (its network address) lock
  the account *for that client*. The lock cannot be turned against the
  owner, who signs in from a client that has not failed;
- :data:`MAX_FAILURES_PER_ADDRESS` failures from one client, whatever the
  accounts, stop it guessing one account after another;
- :data:`MAX_FAILURES_PER_ACCOUNT_OVERALL` failures for an account from any
  clients lock it for every client but a trusted browser: guessing spread
  over many addresses is bounded too;
- a **trusted browser** (a :class:`Device`: one that signed in to the
  account since its password last changed, remembered by a signed cookie)
  is exempt from the three: it is refused only after
  :data:`MAX_FAILURES_PER_DEVICE` failures of its own. So the owner gets in
  from their usual browser even while others' failures lock the account, or
  share the owner's address (an office behind one proxy).

Each attempt first locks its client's, then its account's
:class:`~models.SignInLock` row, so concurrent attempts are counted one after
another: five means five, on PostgreSQL as on SQLite.

Functions flush, never commit; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from calendar_svc.errors import CalendarSvcError
from calendar_svc.settings import AuthSettings
from calendar_svc.subscribers import SubscriberError, normalise_email
from models import ApiToken, LoginAttempt, Role, SignInLock, User, UserSession
from models.db import insert_ignoring_conflicts, rowcount

HASHER = PasswordHasher()
MIN_PASSWORD = 12
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_ACCOUNT_OVERALL = 50
MAX_FAILURES_PER_DEVICE = 5
#: A session's last request is written at most this often (a write per request
#: would serialise a SQLite database's readers behind its writer for nothing).
TOUCH_INTERVAL = dt.timedelta(minutes=1)
#: The longest address kept; anything longer cannot be a user's (``users.email``).
MAX_EMAIL = 320


class AuthError(CalendarSvcError, ValueError):
    """A user cannot be added or changed as asked."""


class TooManyAttempts(CalendarSvcError):
    """Sign-in refused for a while after too many failures."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lasts: ``lifetime`` after sign-in, ``idle`` after its last request."""

    lifetime: dt.timedelta
    idle: dt.timedelta

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> SessionPolicy:
        return cls(
            lifetime=dt.timedelta(hours=settings.session_hours),
            idle=dt.timedelta(minutes=settings.idle_minutes),
        )


@dataclass(frozen=True)
class Device:
    """A browser that signed in to a user's account: what its (signed) cookie says.

    Attributes:
        user_id: the account it signed in to.
        nonce: its random id; its own failures are counted under it.
        issued_at: when it last signed in.
    """

    user_id: int
    nonce: str
    issued_at: dt.datetime

    @classmethod
    def new(cls, user: User, *, now: dt.datetime, previous: Device | None = None) -> Device:
        """The device to remember after ``user`` signed in (keeping ``previous``'s id if theirs)."""
        keep = previous is not None and previous.user_id == user.id
        nonce = previous.nonce if keep and previous else secrets.token_urlsafe(16)
        return cls(user.id, nonce, now)


@dataclass(frozen=True)
class Ended:
    """What a change of credentials ended."""

    sessions: int = 0
    tokens: int = 0


def add_user(
    session: Session, email: str, *, name: str, role: Role, password: str, now: dt.datetime
) -> User:
    address = normalise_email(email)
    if session.scalar(select(User).filter_by(email=address)) is not None:
        raise AuthError(f"{address} is already a user")
    user = User(
        email=address,
        name=name,
        role=role,
        password_hash=_hash(password),
        is_active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    now: dt.datetime,
    keep_session: str | None = None,
    revoke_tokens: bool = True,
) -> Ended:
    """Set a new password and end what the old one let in.

    Every session of the user ends (but ``keep_session``, the session id of
    the browser that changed it), browsers trusted before stop being trusted,
    and, unless ``revoke_tokens`` is false, every API token is revoked.

    Raises:
        AuthError: the password is too short.
    """
    user.password_hash = _hash(password)
    user.password_changed_at = now
    sessions = end_sessions(session, user, now=now, keep=keep_session)
    tokens = _revoke_all_tokens(session, user, now=now) if revoke_tokens else 0
    session.flush()
    return Ended(sessions, tokens)


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).filter_by(email=sign_in_address(email)))
    if user is None:
        raise AuthError(f"no user {email}")
    return user


def set_active(session: Session, user: User, active: bool, *, now: dt.datetime) -> Ended:
    """Enable or disable ``user``; disabling ends their sessions at once.

    A disabled user's API tokens stop working with them (they are not revoked:
    enabling the user again brings them back; revoke them to end them).

    Raises:
        AuthError: disabling the last active admin.
    """
    if not active and user.is_active and user.is_admin:
        _keep_an_admin(session, user)
    user.is_active = active
    ended = Ended() if active else Ended(end_sessions(session, user, now=now))
    session.flush()
    return ended


def set_role(session: Session, user: User, role: Role) -> None:
    """Give ``user`` another role; it applies from their next request.

    Raises:
        AuthError: taking the role of the last active admin.
    """
    if role is not Role.ADMIN and user.is_admin and user.is_active:
        _keep_an_admin(session, user)
    user.role = role
    session.flush()


def _keep_an_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.is_active, User.id != user.id)
    )
    if not others:
        raise AuthError(f"{user.email} is the last active admin; make another admin first")


def sign_in_address(email: str) -> str:
    """The address an attempt counts against: the stored form of a user's address.

    Case variants are the same account. Text that is not an address is kept
    (stripped and lower-cased, cut to :data:`MAX_EMAIL`) so that it is
    throttled like any other.

    >>> sign_in_address("  Desk.Officer@Example.EU ")
    'desk.officer@example.eu'
    >>> sign_in_address("Not An Address")
    'not an address'
    """
    try:
        address = normalise_email(email.strip())
    except SubscriberError:
        address = email.strip().lower()
    return address[:MAX_EMAIL]


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    remote_addr: str,
    now: dt.datetime,
    device: Device | None = None,
) -> User | None:
    """The user if the password is right, else None; every checked attempt is recorded.

    Concurrent attempts on one account or from one client wait for each
    other (locks on their :class:`~models.SignInLock` rows; on SQLite, the
    writer transaction the caller opens), so the failures counted are all
    the failures there were. The limits are the module's (see its docstring).

    Args:
        remote_addr: the client's network address.
        device: the browser's claim to have signed in to the account before
            (from its signed cookie). It counts only for that user, and only
            if it signed in after the password last changed.

    Raises:
        TooManyAttempts: too many recent failures for this account from this
            client, from this client, or for this account from everywhere
            (for a trusted device: of the device itself). The password was
            not checked and nothing is recorded.
    """
    address = sign_in_address(email)
    client = remote_addr[:64]
    # Client first, then account, in every attempt: no two wait in a cycle.
    _lock(session, f"client {client}", now=now)
    _lock(session, f"account {address}", now=now)
    user = session.scalar(select(User).filter_by(email=address, is_active=True))
    trusted = (
        device is not None
        and user is not None
        and device.user_id == user.id
        and (user.password_changed_at is None or device.issued_at >= user.password_changed_at)
    )
    failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > now - WINDOW
    )
    if trusted:
        assert device is not None
        refused = _count(session, failures.where(LoginAttempt.device == device.nonce)) >= (
            MAX_FAILURES_PER_DEVICE
        )
    else:
        # A trusted device's typos do not count against the account for others.
        account = failures.where(LoginAttempt.device.is_(None), LoginAttempt.email == address)
        refused = (
            _count(session, account.where(LoginAttempt.remote_addr == client))
            >= MAX_FAILURES_PER_ACCOUNT
            or _count(session, failures.where(LoginAttempt.remote_addr == client))
            >= MAX_FAILURES_PER_ADDRESS
            or _count(session, account) >= MAX_FAILURES_PER_ACCOUNT_OVERALL
        )
    if refused:
        raise TooManyAttempts("too many failed sign-ins; try again in 15 minutes")
    # Unknown addresses cost a verification too: timing must not tell who exists.
    ok = _verify(user.password_hash if user else _dummy_hash(), password) and user is not None
    session.add(
        LoginAttempt(
            email=address,
            remote_addr=client,
            attempted_at=now,
            succeeded=ok,
            device=device.nonce if trusted and device else None,
        )
    )
    if ok:
        assert user is not None
        user.last_login_at = now
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _hash(password)
    session.flush()
    return user if ok else None


def _lock(session: Session, subject: str, *, now: dt.datetime) -> None:
    """Wait for, then hold until the transaction ends, the lock of ``subject``'s attempts."""
    # The row is made once and never deleted, so the SELECT below always has
    # a row to lock (a deleted one would let an attempt through unlocked).
    session.execute(
        insert_ignoring_conflicts(session, SignInLock, ["subject"]).values(
            subject=subject, created_at=now
        )
    )
    # SQLite has no row locks (the statement reads plainly): there the
    # caller's writer transaction (BEGIN IMMEDIATE) holds the whole database.
    session.execute(select(SignInLock.id).where(SignInLock.subject == subject).with_for_update())


def _count(session: Session, query: Select[int]) -> int:
    return session.scalar(query) or 0


def start_session(session: Session, user: User, *, now: dt.datetime, policy: SessionPolicy) -> str:
    """A new session for ``user``; returns its id (for the cookie), kept only as a hash.

    The user's sessions that have ended or lapsed are deleted on the way.
    """
    session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, ~_live(now, policy)),
        execution_options={"synchronize_session": False},
    )
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user=user, token_hash=_sha256(token), created_at=now, last_seen_at=now))
    session.flush()
    return token


def current_session(
    session: Session, token: str, *, now: dt.datetime, policy: SessionPolicy
) -> UserSession | None:
    """The live session with id ``token`` (with its user, who is active), or None."""
    return session.scalar(
        select(UserSession)
        .join(UserSession.user)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == _sha256(token), _live(now, policy), User.is_active)
    )


def needs_touch(user_session: UserSession, *, now: dt.datetime) -> bool:
    """Whether the session's last request is to be written (see :data:`TOUCH_INTERVAL`)."""
    return now - user_session.last_seen_at >= TOUCH_INTERVAL


def touch_session(session: Session, session_id: int, *, now: dt.datetime) -> None:
    """Record a request of the session at ``now`` (never moving it back)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.last_seen_at < now)
        .values(last_seen_at=now),
        execution_options={"synchronize_session": False},
    )


def end_session(session: Session, token: str, *, now: dt.datetime) -> None:
    """End the session with id ``token`` (signing out); its cookie opens nothing after."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _sha256(token), UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_sessions(session: Session, user: User, *, now: dt.datetime, keep: str | None = None) -> int:
    """End every session of ``user`` but the one with id ``keep``; how many were open."""
    condition = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    if keep is not None:
        condition.append(UserSession.token_hash != _sha256(keep))
    result = session.execute(update(UserSession).where(*condition).values(ended_at=now))
    return rowcount(result)


def live_sessions(session: Session, *, now: dt.datetime, policy: SessionPolicy) -> dict[int, int]:
    """How many live sessions each user has (users without any are left out)."""
    rows = session.execute(
        select(UserSession.user_id, func.count())
        .where(_live(now, policy))
        .group_by(UserSession.user_id)
    )
    return {user_id: count for user_id, count in rows}  # noqa: C416 (Row, not a pair)


def _live(now: dt.datetime, policy: SessionPolicy) -> ColumnElement[bool]:
    return (
        UserSession.ended_at.is_(None)
        & (UserSession.created_at > now - policy.lifetime)
        & (UserSession.last_seen_at > now - policy.idle)
    )


def issue_api_token(
    session: Session,
    user: User,
    *,
    name: str,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> str:
    """A bearer token for the JSON API, shown once; only its SHA-256 is kept.

    Args:
        expires_at: when it stops working; None: it works until revoked.
    """
    if expires_at is not None and expires_at <= now:
        raise AuthError("a token must expire after it is made")
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user=user, name=name, token_hash=_sha256(token), created_at=now, expires_at=expires_at
        )
    )
    session.flush()
    return token


def user_for_api_token(session: Session, token: str, *, now: dt.datetime) -> User | None:
    """The active user whose live (neither revoked nor expired) token this is, or None."""
    if not token:
        return None
    return session.scalar(
        select(User)
        .join(ApiToken)
        .where(
            ApiToken.token_hash == _sha256(token),
            ApiToken.revoked_at.is_(None),
            _unexpired(now),
            User.is_active,
        )
    )


def revoke_api_token(session: Session, user: User, token_id: int, *, now: dt.datetime) -> ApiToken:
    """Revoke ``user``'s token ``token_id`` (already revoked: left as it was).

    Raises:
        AuthError: ``user`` has no such token.
    """
    token = session.scalar(select(ApiToken).filter_by(id=token_id, user_id=user.id))
    if token is None:
        raise AuthError(f"{user.email} has no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()
    return token


def live_api_tokens(session: Session, *, now: dt.datetime) -> dict[int, int]:
    """How many API tokens that work (neither revoked nor expired) each user has."""
    rows = session.execute(
        select(ApiToken.user_id, func.count())
        .where(ApiToken.revoked_at.is_(None), _unexpired(now))
        .group_by(ApiToken.user_id)
    )
    return {user_id: count for user_id, count in rows}  # noqa: C416 (Row, not a pair)


def _unexpired(now: dt.datetime) -> ColumnElement[bool]:
    return ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now)


def _revoke_all_tokens(session: Session, user: User, *, now: dt.datetime) -> int:
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return rowcount(result)


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

"""Users: passwords (argon2), sign-in with rate limiting, API tokens.

Rate limiting counts failed attempts in the database (``login_attempts``), so
it holds across web workers and restarts: more than
:data:`MAX_FAILURES_PER_ACCOUNT` failures for one address, or
:data:`MAX_FAILURES_PER_ADDRESS` from one client, within :data:`WINDOW` and
further attempts are refused without checking the password. Functions flush,
never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.errors import CalendarSvcError
from calendar_svc.subscribers import normalise_email
from models import ApiToken, LoginAttempt, Role, User

HASHER = PasswordHasher()
MIN_PASSWORD = 12
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class AuthError(CalendarSvcError, ValueError):
    """A user cannot be added or changed as asked."""


class TooManyAttempts(CalendarSvcError):
    """Sign-in refused for a while after too many failures."""


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
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = _hash(password)
    session.flush()


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).filter_by(email=normalise_email(email)))
    if user is None:
        raise AuthError(f"no user {email}")
    return user


def sign_in(
    session: Session, email: str, password: str, *, remote_addr: str, now: dt.datetime
) -> User | None:
    """The user if the password is right, else None; every attempt is recorded.

    Raises:
        TooManyAttempts: too many recent failures for this address or client.
    """
    address = email.strip().lower()
    since = now - WINDOW
    failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    if (
        session.scalar(failures.where(LoginAttempt.email == address)) or 0
    ) >= MAX_FAILURES_PER_ACCOUNT or (
        session.scalar(failures.where(LoginAttempt.remote_addr == remote_addr)) or 0
    ) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("too many failed sign-ins; try again in 15 minutes")
    user = session.scalar(select(User).filter_by(email=address, is_active=True))
    # Unknown addresses cost a verification too: timing must not tell who exists.
    ok = _verify(user.password_hash if user else _dummy_hash(), password) and user is not None
    session.add(
        LoginAttempt(email=address, remote_addr=remote_addr, attempted_at=now, succeeded=ok)
    )
    if ok:
        assert user is not None
        user.last_login_at = now
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _hash(password)
    session.flush()
    return user if ok else None


def issue_api_token(session: Session, user: User, *, name: str, now: dt.datetime) -> str:
    """A bearer token for the JSON API, shown once; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name, token_hash=_sha256(token), created_at=now))
    session.flush()
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    return session.scalar(
        select(User)
        .join(ApiToken)
        .where(
            ApiToken.token_hash == _sha256(token),
            ApiToken.revoked_at.is_(None),
            User.is_active,
        )
    )


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

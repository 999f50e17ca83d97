"""Secret feed tokens: issued once in clear, stored as a hash, revocable.

A token is 32 random bytes in URL-safe base64 (43 characters). Only its
SHA-256 is stored, so a copy of the database does not open any feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import FeedToken, Subscriber

TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_token(session: Session, subscriber: Subscriber, *, now: dt.datetime) -> str:
    """Create a token for ``subscriber`` and return it: the only time it is seen in clear."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(FeedToken(subscriber=subscriber, token_hash=token_hash(token), created_at=now))
    session.flush()
    return token


def revoke_tokens(session: Session, subscriber: Subscriber, *, now: dt.datetime) -> int:
    """Revoke every live token of ``subscriber``; return how many there were."""
    result = session.execute(
        update(FeedToken)
        .where(FeedToken.subscriber_id == subscriber.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    return result.rowcount or 0


def is_live_token(session: Session, token: str) -> bool:
    """Whether ``token`` opens the feeds (one indexed lookup, nothing loaded)."""
    if not _TOKEN_SHAPE.match(token):
        return False
    return (
        session.scalar(
            select(FeedToken.id).where(
                FeedToken.token_hash == token_hash(token), FeedToken.revoked_at.is_(None)
            )
        )
        is not None
    )


def subscriber_for_token(session: Session, token: str) -> Subscriber | None:
    """The subscriber a live token belongs to, or None (unknown, revoked or malformed)."""
    if not _TOKEN_SHAPE.match(token):
        return None
    return session.scalar(
        select(Subscriber)
        .join(FeedToken)
        .where(FeedToken.token_hash == token_hash(token), FeedToken.revoked_at.is_(None))
    )

"""Secret feed tokens: derived from a secret key, stored as a hash, revocable.

A token is HMAC-SHA256(secret key, random nonce) in URL-safe base64 (43
characters). The database keeps the nonce and the token's SHA-256: a copy of
the database opens no feed, and the app, holding the key, can still write a
subscriber's link into the mails it sends (``models.current_feed_token``).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import FeedToken, Subscriber, derive_token, token_hash
from models.db import rowcount

NONCE_BYTES = 16
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def issue_token(
    session: Session, subscriber: Subscriber, *, secret: bytes, now: dt.datetime
) -> str:
    """Create a token for ``subscriber`` and return it."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    token = derive_token(secret, nonce)
    session.add(
        FeedToken(subscriber=subscriber, nonce=nonce, token_hash=token_hash(token), created_at=now)
    )
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
    return rowcount(result) or 0


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

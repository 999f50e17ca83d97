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
from dataclasses import dataclass

from sqlalchemy import Dialect, PoolProxiedConnection, and_, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from models import FeedToken, Subscriber, derive_token, token_hash
from models.db import rowcount
from models.revision import VERSION_PARTS, version_text

NONCE_BYTES = 16
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_LIVE = and_(FeedToken.token_hash == bindparam("token_hash"), FeedToken.revoked_at.is_(None))
_ACCESS = select(
    *VERSION_PARTS,
    select(FeedToken.subscriber_id).where(_LIVE).scalar_subquery(),
    select(Subscriber.updated_at).join(FeedToken).where(_LIVE).scalar_subquery(),
)

#: :data:`_ACCESS` compiled, by dialect, driver and parameter style.
_COMPILED: dict[tuple[str, str, str], SQLCompiler] = {}


@dataclass(frozen=True)
class FeedAccess:
    """What a feed request needs to know before anything else, from one round trip."""

    #: ``models.data_version``: what rendered feeds are cached under.
    data_version: str
    #: The owner of the token; None when the token is unknown, revoked or malformed.
    subscriber_id: int | None = None
    #: When the owner's selection last changed, as the driver gives it: only
    #: compared, as the version of their own feed.
    subscriber_version: object = None

    @property
    def is_live(self) -> bool:
        return self.subscriber_id is not None


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


def feed_access(connection: PoolProxiedConnection, dialect: Dialect, token: str) -> FeedAccess:
    """Whether ``token`` opens the feeds, and the data's version: one statement.

    ``connection`` is the driver's own: on the path of every feed request,
    the ORM session and SQLAlchemy's per-execution work (cache key, events,
    result types) cost several times the query, so the statement is compiled
    once per dialect and sent as it is. A malformed token is looked up as no
    token, so that the answer (and its time) says nothing about its shape.
    """
    compiled = _compiled_access(dialect)
    digest = token_hash(token) if _TOKEN_SHAPE.match(token) else ""
    parameters = compiled.construct_params({"token_hash": digest})
    cursor = connection.cursor()
    try:
        if compiled.positiontup is not None:
            cursor.execute(compiled.string, [parameters[name] for name in compiled.positiontup])
        else:
            cursor.execute(compiled.string, parameters)
        # One row always: every column is a scalar subquery.
        ((documents, revisions, subscriber_id, version),) = cursor.fetchall()
    finally:
        cursor.close()
    return FeedAccess(version_text(documents, revisions), subscriber_id, version)


def _compiled_access(dialect: Dialect) -> SQLCompiler:
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    if (compiled := _COMPILED.get(key)) is None:
        compiled = _COMPILED[key] = _ACCESS.compile(dialect=dialect)
    return compiled

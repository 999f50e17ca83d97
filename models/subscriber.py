"""Someone who follows part of the calendar: their scope, their secret feed tokens
and the unsubscribe links of the mails they get.

A scope is a set of places (sections, and whole groups of sections) or
everything, narrowed to some categories if any are chosen. Feeds
(``mine.ics``), reminders and digests read it with :func:`scope_condition`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    ForeignKey,
    SQLColumnExpression,
    String,
    Table,
    UniqueConstraint,
    and_,
    exists,
    not_,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.db import Base, intpk, str_enum
from models.event import Category, Event
from models.section import Group, Section

subscriber_sections = Table(
    "subscriber_sections",
    Base.metadata,
    Column("subscriber_id", ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("section_id", ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True),
)


class Subscriber(Base):
    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("email"), UniqueConstraint("unsubscribe_token"))

    id: Mapped[intpk]
    #: Checked by email-validator and lower-cased when added.
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    #: Follows every section (the categories, if any, still narrow it).
    is_following_everything: Mapped[bool] = mapped_column(default=False)
    wants_reminders: Mapped[bool] = mapped_column(default=True)
    wants_digest: Mapped[bool] = mapped_column(default=True)
    #: "Window opens soon, date still unconfirmed" this many days before a window.
    tentative_lead_days: Mapped[int] = mapped_column(default=30)
    #: Random; signed into every unsubscribe link (see :func:`unsubscribe_token`).
    #: Links of the first form carried it bare; those have expired.
    unsubscribe_token: Mapped[str] = mapped_column(String(43))
    created_at: Mapped[dt.datetime]
    #: Changes with the scope: feed caches of ``mine.ics`` are keyed on it.
    updated_at: Mapped[dt.datetime]

    sections: Mapped[list[Section]] = relationship(
        secondary=subscriber_sections, order_by="Section.position"
    )
    groups: Mapped[list[SubscriberGroup]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )
    categories: Mapped[list[SubscriberCategory]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )
    tokens: Mapped[list[FeedToken]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="FeedToken.id"
    )
    lead_days: Mapped[list[SubscriberLeadDay]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="SubscriberLeadDay.days"
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.email}>"


class SubscriberGroup(Base):
    __tablename__ = "subscriber_groups"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    group: Mapped[Group] = mapped_column(str_enum(Group, "group"), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="groups")


class SubscriberCategory(Base):
    __tablename__ = "subscriber_categories"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="categories")


class SubscriberLeadDay(Base):
    """A firm-date reminder this many days before the start (default 14, 7 and 1)."""

    __tablename__ = "subscriber_lead_days"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="lead_days")


class FeedToken(Base):
    """A secret that opens the feeds, derived from ``nonce`` with the app's secret key.

    The database keeps the nonce and the token's SHA-256 (for lookups), never
    the token: a copy of the database opens nothing, while the app can still
    put the link in the mails it sends. Revoking keeps the row.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[intpk]
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    #: Random; HMAC-SHA256(secret key, nonce) is the token.
    nonce: Mapped[str] = mapped_column(String(32))
    #: Hex SHA-256 of the token: tokens are long random secrets, so a fast hash
    #: is enough and lookups stay one indexed equality.
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    subscriber: Mapped[Subscriber] = relationship(back_populates="tokens")

    def token(self, secret: bytes) -> str | None:
        """The token, derived again; None if ``secret`` is not the key it was issued with."""
        token = derive_token(secret, self.nonce)
        return token if hmac.compare_digest(token_hash(token), self.token_hash) else None


def derive_token(secret: bytes, nonce: str) -> str:
    """HMAC-SHA256(secret, nonce) in URL-safe base64: 43 characters."""
    digest = hmac.new(secret, nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def current_feed_token(subscriber: Subscriber, secret: bytes) -> str | None:
    """The newest live token of ``subscriber`` that ``secret`` still derives, if any.

    None when they have no live token, or when the secret key changed since it
    was issued (the old link still works; mails need a new one).
    """
    for row in reversed(subscriber.tokens):
        if row.revoked_at is None and (token := row.token(secret)) is not None:
            return token
    return None


#: Days an unsubscribe link works after the mail that carries it was made: a
#: mail's one-click unsubscribe (RFC 8058) works as long. Every mail carries a
#: new link, and the weekly digest one a week.
UNSUBSCRIBE_LINK_DAYS = 60
_LINK_VERSION = 1
#: Version, subscriber id, issue day (proleptic ordinal).
_LINK_BODY = struct.Struct(">BII")
#: Bytes of HMAC-SHA256 kept: 128 bits.
_LINK_TAG = 16
_LINK_SHAPE = re.compile(r"^[A-Za-z0-9_-]{34}$")
#: The largest id a subscriber can have (an SQL INTEGER); a link's field holds more.
_MAX_ID = 2**31 - 1
#: The first form of link: the stored token itself (``secrets.token_urlsafe(32)``).
_FIRST_FORM_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class UnsubscribeLink:
    """A genuine unsubscribe link: whose, and when it stops working."""

    subscriber: Subscriber
    #: The day the mail carrying it was made; None for a link of the first,
    #: undated form (``/unsubscribe/<the stored token>``), which has expired.
    issued: dt.date | None
    #: The first day it no longer works (None: already expired).
    expires: dt.date | None

    def is_live(self, today: dt.date) -> bool:
        """Whether the link still unsubscribes on ``today``."""
        return self.expires is not None and today < self.expires

    @property
    def last_day(self) -> dt.date | None:
        """The last day it works (None: already expired)."""
        return self.expires - dt.timedelta(days=1) if self.expires is not None else None


def unsubscribe_token(subscriber: Subscriber, secret: bytes, *, issued: dt.date) -> str:
    """The token of ``subscriber``'s unsubscribe link in a mail made on ``issued``.

    Version, subscriber id and issue day, then an HMAC-SHA256 tag over them and
    the subscriber's random ``unsubscribe_token``, keyed with the app's
    secret: 34 URL-safe base64 characters. Nothing is stored: the link says
    when it was issued, the tag that nobody without the key (and the stored
    random token) could have made it.

    >>> subscriber = Subscriber(id=7, unsubscribe_token="r" * 43)
    >>> unsubscribe_token(subscriber, b"key", issued=dt.date(2024, 2, 6))
    'AQAAAAcAC0ZqisHMz3-BA9snLHX3H2d0Sw'
    """
    body = _LINK_BODY.pack(_LINK_VERSION, subscriber.id, issued.toordinal())
    tag = _link_tag(secret, body, subscriber.unsubscribe_token)
    return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode("ascii")


def open_unsubscribe_link(session: Session, token: str, secret: bytes) -> UnsubscribeLink | None:
    """The link ``token`` is, live or expired; None if it is no link this app made.

    Never raises, whatever ``token`` holds. A token of the first, undated form
    that still names a subscriber is a link, already expired: those links were
    sent without an end.

    >>> open_unsubscribe_link(None, "not-a-token", b"key") is None  # no query needed
    True
    """
    if _FIRST_FORM_SHAPE.match(token):
        subscriber = session.scalar(select(Subscriber).filter_by(unsubscribe_token=token))
        return UnsubscribeLink(subscriber, None, None) if subscriber is not None else None
    if not _LINK_SHAPE.match(token):
        return None
    raw = base64.urlsafe_b64decode(token + "==")
    body, tag = raw[: _LINK_BODY.size], raw[_LINK_BODY.size :]
    version, subscriber_id, ordinal = _LINK_BODY.unpack(body)
    if (
        version != _LINK_VERSION
        or not 1 <= subscriber_id <= _MAX_ID
        or not 1 <= ordinal <= dt.date.max.toordinal()
    ):
        return None
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None or not hmac.compare_digest(
        tag, _link_tag(secret, body, subscriber.unsubscribe_token)
    ):
        return None
    issued = dt.date.fromordinal(ordinal)
    expires = issued + dt.timedelta(days=min(UNSUBSCRIBE_LINK_DAYS, (dt.date.max - issued).days))
    return UnsubscribeLink(subscriber, issued, expires)


def _link_tag(secret: bytes, body: bytes, stored: str) -> bytes:
    message = b"unsubscribe-link\x00" + body + stored.encode("ascii")
    return hmac.new(secret, message, hashlib.sha256).digest()[:_LINK_TAG]


def followed_sections() -> CompoundSelect[int, int]:
    """(subscriber_id, section_id) for every section each subscriber follows, once each.

    The places of :func:`scope_condition` for all subscribers at once, as rows
    that a query joins events to on ``section_id``: the sections chosen one
    by one, the sections of the groups chosen, and every section for whoever
    follows everything. A condition tested for each (event, subscriber) pair
    would make the database visit them all; these rows are a few per
    subscriber. UNION (not UNION ALL): a section chosen and also in a chosen
    group is one row, so an event it holds is matched once. Categories narrow
    further: :func:`in_categories`.
    """
    sections = subscriber_sections.c
    return union(
        select(
            sections.subscriber_id.label("subscriber_id"),
            sections.section_id.label("section_id"),
        ),
        select(SubscriberGroup.subscriber_id, Section.id).join(
            Section, Section.group == SubscriberGroup.group
        ),
        select(Subscriber.id, Section.id)
        .join(Section, true())
        .where(Subscriber.is_following_everything),
    )


def in_categories(
    subscriber_id: SQLColumnExpression[int],
    narrowed: SQLColumnExpression[bool],
    category: SQLColumnExpression[str] | None = None,
) -> ColumnElement[bool]:
    """SQL condition on ``Event`` (or an event's ``category`` column from a subquery):
    the subscriber chose no categories, or chose its one.

    ``narrowed`` says whether they chose any, worked out once per subscriber
    (:func:`has_categories`), so that only their events are looked up.
    """
    return or_(
        not_(narrowed),
        exists().where(
            SubscriberCategory.subscriber_id == subscriber_id,
            SubscriberCategory.category == (Event.category if category is None else category),
        ),
    )


def has_categories(subscriber_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """SQL condition: the subscriber narrowed their scope to some categories."""
    return exists().where(SubscriberCategory.subscriber_id == subscriber_id)


def scope_condition(session: Session, subscriber: Subscriber) -> ColumnElement[bool]:
    """What ``subscriber`` follows, as a condition on ``Event``.

    The same meaning as :func:`followed_sections` and :func:`in_categories`,
    resolved first to a list of section ids, so that the database can start
    from the index on ``events.section_id`` instead of testing every event (a
    digest or ``mine.ics`` is one subscriber).
    """
    conditions: list[ColumnElement[bool]] = []
    if not subscriber.is_following_everything:
        groups = [g.group for g in subscriber.groups]
        ids = {s.id for s in subscriber.sections}
        if groups:
            ids |= set(session.scalars(select(Section.id).where(Section.group.in_(groups))))
        conditions.append(Event.section_id.in_(sorted(ids)))
    if subscriber.categories:
        conditions.append(Event.category.in_([c.category for c in subscriber.categories]))
    return and_(true(), *conditions)

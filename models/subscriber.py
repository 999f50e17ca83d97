"""Someone who follows part of the calendar: their scope and their secret feed tokens.

A scope is a set of places (sections, and whole groups of sections) or
everything, narrowed to some categories if any are chosen. Feeds
(``mine.ics``) and, later, reminders read it with :func:`scope_condition`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    and_,
    exists,
    literal,
    or_,
    select,
    true,
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
    #: Capability for the unsubscribe link of every mail (it opens nothing else).
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


def follows(
    subscriber_id: ColumnElement[int] | int, everything: ColumnElement[bool] | bool
) -> ColumnElement[bool]:
    """SQL condition on ``Event`` (joined with its ``Section``): the subscriber follows it.

    ``subscriber_id`` and ``everything`` are either a subscriber's values (one
    feed) or the ``Subscriber`` columns (reminders for all subscribers at once).
    """
    sections = subscriber_sections.c
    places = or_(
        literal(everything) if isinstance(everything, bool) else everything,
        exists().where(
            sections.subscriber_id == subscriber_id, sections.section_id == Event.section_id
        ),
        exists().where(
            SubscriberGroup.subscriber_id == subscriber_id, SubscriberGroup.group == Section.group
        ),
    )
    categories = or_(
        ~exists().where(SubscriberCategory.subscriber_id == subscriber_id),
        exists().where(
            SubscriberCategory.subscriber_id == subscriber_id,
            SubscriberCategory.category == Event.category,
        ),
    )
    return and_(places, categories)


def scope_condition(session: Session, subscriber: Subscriber) -> ColumnElement[bool]:
    """What ``subscriber`` follows, as a condition on ``Event``.

    The same meaning as :func:`follows`, resolved first to a list of section
    ids, so that the database can start from the index on ``events.section_id``
    instead of testing every event (a digest or ``mine.ics`` is one subscriber).
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

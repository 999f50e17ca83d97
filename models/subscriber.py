"""Someone who follows part of the calendar: their scope and their secret feed tokens.

A scope is a set of places (sections, and whole groups of sections) or
everything, narrowed to some categories if any are chosen. Feeds
(``mine.ics``) and, later, reminders read it with :func:`scope_condition`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    and_,
    or_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[intpk]
    #: Checked by email-validator and lower-cased when added.
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    #: Follows every section (the categories, if any, still narrow it).
    is_following_everything: Mapped[bool] = mapped_column(default=False)
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
        back_populates="subscriber", cascade="all, delete-orphan"
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


class FeedToken(Base):
    """A secret that opens the feeds. Only its SHA-256 is stored; revoking keeps the row."""

    __tablename__ = "feed_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[intpk]
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    #: Hex SHA-256 of the token: tokens are long random secrets, so a fast hash
    #: is enough and lookups stay one indexed equality.
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    subscriber: Mapped[Subscriber] = relationship(back_populates="tokens")


def scope_condition(subscriber: Subscriber) -> ColumnElement[bool]:
    """SQL condition on ``Event`` (joined with its ``Section``) for what ``subscriber`` follows."""
    if subscriber.is_following_everything:
        places: ColumnElement[bool] = true()
    else:
        places = or_(
            Event.section_id.in_([s.id for s in subscriber.sections]),
            Section.group.in_([g.group for g in subscriber.groups]),
        )
    if not subscriber.categories:
        return places
    return and_(places, Event.category.in_([c.category for c in subscriber.categories]))

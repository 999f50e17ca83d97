"""A country or process the note has a section (and an events table) for."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.db import Base, intpk, str80, str_enum
from models.event import Event


class Group(StrEnum):
    """The chapters of the note (DESIGN.md section 3); feeds can follow a whole group."""

    AFRICA = "Africa"
    SOUTHERN_MEDITERRANEAN = "Southern Mediterranean"
    WESTERN_BALKANS = "Western Balkans"
    ASIA = "Asia"
    EASTERN_PARTNERSHIP = "Eastern Partnership"
    RUSSIA = "Russia"
    UNITED_STATES = "United States"
    REGIONAL_PROCESS = "Regional process"
    GLOBAL_PROCESS = "Global process"


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (
        UniqueConstraint("slug"),
        UniqueConstraint("iso_code"),
    )

    id: Mapped[intpk]
    #: Stable identifier used in feed URLs, e.g. ``cabo-verde``, ``prague-process``.
    slug: Mapped[str80]
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[Group] = mapped_column(str_enum(Group, "group"))
    #: ISO 3166-1 alpha-2 code where one exists (Kosovo: XK); None for processes.
    iso_code: Mapped[str | None] = mapped_column(String(2))
    #: Order of the section in the latest note that lists it.
    position: Mapped[int]
    created_at: Mapped[dt.datetime]

    events: Mapped[list[Event]] = relationship(back_populates="section")

    def __repr__(self) -> str:
        return f"<Section {self.slug}>"


def slug(text: str) -> str:
    """The URL form of a group or tag name.

    >>> slug("Western Balkans")
    'western-balkans'
    """
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def group_by_key(key: str) -> Group | None:
    """A group by its slug or name (``western-balkans``, ``Western Balkans``)."""
    return next((group for group in Group if slug(group.value) == slug(key)), None)


def section_by_key(session: Session, key: str) -> Section | None:
    """A section by slug (``cabo-verde``) or ISO 3166-1 code (``CV``, ``cv``)."""
    return session.scalar(
        select(Section).where(or_(Section.slug == key.lower(), Section.iso_code == key.upper()))
    )


def events_of(session: Session, section: Section) -> list[Event]:
    """The section's events in the note's order, removed ones too, with their occurrences."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.section_id == section.id)
            .options(selectinload(Event.occurrences))
            .order_by(Event.position, Event.id)
        )
    )


def sections_in_order(session: Session) -> list[Section]:
    """Every section, in the note's order."""
    return list(session.scalars(select(Section).order_by(Section.position)))


def listed_event_counts(session: Session) -> dict[int, int]:
    """Section id -> how many events the latest notes list (removed ones left out)."""
    return dict(
        session.execute(
            select(Event.section_id, func.count())
            .where(Event.is_removed.is_(False))
            .group_by(Event.section_id)
        ).all()
    )

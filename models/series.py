"""Series: the meetings of one body within one section (``docs/series.md``).

An event joins a series when an import creates it (:func:`place_events`),
read by :func:`models.body.body_of` from its title, and keeps it for life;
people rename, merge and split series and move events between them
(``calendar_svc.events.series``). The body names that lead to a series are
its :class:`SeriesBody` rows, so that after a merge the next import still
finds the series kept. :func:`series_rhythms` works out every series' rhythm
as of a date (:mod:`models.rhythm`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Select,
    String,
    UniqueConstraint,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import collector
from models.body import Body, body_of, same_body
from models.db import Base, intpk, str_enum
from models.event import Category, Event
from models.occurrence import Occurrence
from models.rhythm import Meeting, Rhythm, RhythmSettings, rhythm
from models.section import Section

#: Ids per ``IN (...)``: well under every database's limit on bound parameters.
_CHUNK = 500


class Series(Base):
    __tablename__ = "series"

    id: Mapped[intpk]
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    #: The name people see: the body's, or what an editor renamed it to.
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    section: Mapped[Section] = relationship()
    members: Mapped[list[SeriesMember]] = relationship(
        back_populates="series", cascade="all, delete-orphan"
    )
    bodies: Mapped[list[SeriesBody]] = relationship(
        back_populates="series", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[SeriesRevision]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="SeriesRevision.id"
    )

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.name!r}>"


class SeriesMember(Base):
    """An event's place in a series: an event is in one series at most."""

    __tablename__ = "series_members"
    __table_args__ = (Index("ix_series_members_series_id", "series_id"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    #: The ordinal the event's title gives the meeting ("14th" -> 14), None without one.
    meeting_number: Mapped[int | None]

    series: Mapped[Series] = relationship(back_populates="members")
    event: Mapped[Event] = relationship()


class SeriesBody(Base):
    """A body name that leads an import's new events of its section to a series."""

    __tablename__ = "series_bodies"
    __table_args__ = (UniqueConstraint("section_id", "key"),)

    id: Mapped[intpk]
    #: The series' section, again: a name is unique within a section.
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    #: :attr:`models.body.Body.key`.
    key: Mapped[str] = mapped_column(String(500))
    #: A named body (:data:`models.body.NAMED_BODIES`): matched by its key only.
    is_named: Mapped[bool] = mapped_column(default=False)

    series: Mapped[Series] = relationship(back_populates="bodies")


class SeriesChange(StrEnum):
    CREATED = "created"
    RENAMED = "renamed"
    MERGED = "merged"
    SPLIT = "split"


class SeriesRevision(Base):
    """The history of a series: created, renamed, merged into, split from."""

    __tablename__ = "series_revisions"

    id: Mapped[intpk]
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    kind: Mapped[SeriesChange] = mapped_column(str_enum(SeriesChange, "kind"))
    #: What changed, e.g. {"name": [old, new]} or {"merged": "EU-Georgia JLS"}.
    changes: Mapped[dict[str, Any]]
    #: The import that made the change, if an import did.
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    #: The person who made the change, if a person did.
    actor: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime]

    series: Mapped[Series] = relationship(back_populates="revisions")


def place_events(
    session: Session,
    event_ids: Collection[int],
    *,
    now: dt.datetime,
    document_version_id: int | None = None,
) -> None:
    """Put new events whose titles name a body into their body's series (or a new one).

    Events are taken in the note's order; flushes, never commits.
    """
    ids = sorted(event_ids)
    rows: list[Any] = []
    for start in range(0, len(ids), _CHUNK):
        rows += session.execute(
            select(
                Event.id,
                Event.section_id,
                Event.title,
                Event.position,
                Section.name,
                Section.position.label("section_position"),
            )
            .join(Section, Event.section_id == Section.id)
            .where(Event.id.in_(ids[start : start + _CHUNK]))
        ).all()
    rows.sort(key=lambda row: (row.section_position, row.position, row.id))
    sections = {row.section_id for row in rows}
    known: dict[int, list[SeriesBody]] = defaultdict(list)
    for body_row in session.scalars(
        select(SeriesBody).where(SeriesBody.section_id.in_(sections)).order_by(SeriesBody.id)
    ):
        known[body_row.section_id].append(body_row)
    placed: list[dict[str, Any]] = []
    for row in rows:
        body = body_of(row.title, row.name)
        if body is None:
            continue
        series_id = _series_for(session, known[row.section_id], row.section_id, body)
        if series_id is None:
            series = Series(
                section_id=row.section_id, name=body.name, created_at=now, updated_at=now
            )
            series.revisions.append(
                SeriesRevision(
                    kind=SeriesChange.CREATED,
                    changes={"name": body.name},
                    document_version_id=document_version_id,
                    changed_at=now,
                )
            )
            session.add(series)
            session.flush()
            series_id = series.id
            _add_body(session, known[row.section_id], row.section_id, series_id, body)
        placed.append({"event_id": row.id, "series_id": series_id, "meeting_number": body.number})
    if placed:
        session.execute(insert(SeriesMember), placed)
    session.flush()


def place_stored_events(session: Session, *, now: dt.datetime) -> int:
    """Place the stored events that are in no series, once, when no series exists yet.

    For a database that held events before series were stored: the upgrade
    that brings series places them as the imports that created them would
    have. Returns how many events joined a series.
    """
    if session.scalar(select(Series.id).limit(1)) is not None:
        return 0
    ids = session.scalars(select(Event.id)).all()
    place_events(session, ids, now=now)
    return session.scalar(select(func.count()).select_from(SeriesMember)) or 0


def _series_for(
    session: Session, bodies: list[SeriesBody], section_id: int, body: Body
) -> int | None:
    """The series a body's name leads to in a section, learning the name when new."""
    for known in bodies:
        if known.key == body.key:
            return known.series_id
    if body.is_named:
        return None
    alike = [k for k in bodies if not k.is_named and same_body(k.key, body.key)]
    if not alike:
        return None
    # The most specific name of the body decides between two that both begin it.
    best = max(alike, key=lambda k: (len(k.key.split()), -k.id))
    _add_body(session, bodies, section_id, best.series_id, body)
    return best.series_id


def _add_body(
    session: Session, bodies: list[SeriesBody], section_id: int, series_id: int, body: Body
) -> None:
    row = SeriesBody(
        section_id=section_id, series_id=series_id, key=body.key, is_named=body.is_named
    )
    session.add(row)
    session.flush()
    bodies.append(row)


class Member(NamedTuple):
    """A listed event of a series, in the note's order."""

    event_id: int
    number: int | None


@dataclass(frozen=True, slots=True)
class SeriesRhythm:
    id: int
    section_id: int
    name: str
    #: The category most of its events have (the latest one's on a tie): what a
    #: subscriber's categories are compared with.
    category: Category
    members: tuple[Member, ...]
    rhythm: Rhythm

    @property
    def meetings(self) -> int:
        """How many meetings the series has had or lists: its events, or its highest number."""
        return max([len(self.members), *(m.number or 0 for m in self.members)])


def series_rhythms(
    session: Session,
    *,
    today: dt.date,
    settings: RhythmSettings | None = None,
    section_ids: Iterable[int] | None = None,
) -> list[SeriesRhythm]:
    """Every series with listed events, with its rhythm as of ``today``, in the note's order.

    Two queries whatever the number of series: the series, and their members
    with their windows, unordered (sorting them in Python costs less than in
    SQL) and as plain tuples: a large database has a hundred thousand
    members, and a Row's attribute lookups or a dataclass each would cost
    more than the query.
    """
    series_query = (
        select(Series.id, Series.section_id, Series.name)
        .join(Section, Series.section_id == Section.id)
        .order_by(Section.position, Series.id)
    )
    members_query = (
        select(
            SeriesMember.series_id,
            Event.position,
            Event.id,
            SeriesMember.meeting_number,
            # As stored: the StrEnums' values compare equal to their members,
            # and converting each would cost a third of the query.
            type_coerce(Event.status, String),
            type_coerce(Event.precision, String),
            type_coerce(Event.category, String),
            # Also as stored: SQLite keeps dates as text, and SQLAlchemy's
            # conversion of each costs more than date.fromisoformat below.
            type_coerce(Occurrence.start, String),
            type_coerce(Occurrence.end, String),
        )
        .join(Event, Event.id == SeriesMember.event_id)
        .outerjoin(Occurrence, Occurrence.event_id == Event.id)
        .where(Event.is_removed.is_(False))
    )
    if section_ids is not None:
        chosen = list(section_ids)
        series_query = series_query.where(Series.section_id.in_(chosen))
        members_query = members_query.where(Event.section_id.in_(chosen))
    with collector.paused():
        return _rhythms(session.connection(), series_query, members_query, today, settings)


def _rhythms(
    connection: Connection,
    series_query: Select[int, int, str],
    members_query: Select[*tuple[Any, ...]],
    today: dt.date,
    settings: RhythmSettings | None,
) -> list[SeriesRhythm]:
    # PostgreSQL's driver gives dates whatever the type says.
    as_text = connection.dialect.name == "sqlite"
    rows: list[Sequence[Any]] = list(connection.execute(members_query).all())
    rows.sort(key=itemgetter(0, 1, 2))  # by series, then the note's order
    grouped: dict[int, tuple[list[Member], list[Meeting], list[str]]] = {}
    last_event = None
    members: list[Member] = []
    meetings: list[Meeting] = []
    categories: list[str] = []
    for series_id, _, event_id, number, status, precision, category, start, end in rows:
        if as_text and start is not None:
            start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if event_id == last_event:
            # Another window of the same event: the first one counts.
            first = meetings[-1]
            if start is not None and (
                first.start is None or (start, end) < (first.start, first.end)
            ):
                meetings[-1] = Meeting(status, precision, start, end, number)
            continue
        last_event = event_id
        if series_id not in grouped:
            members, meetings, categories = grouped[series_id] = ([], [], [])
        members.append(Member(event_id, number))
        meetings.append(Meeting(status, precision, start, end, number))
        categories.append(category)
    result = []
    for series_id, section_id, name in connection.execute(series_query).all():
        if series_id not in grouped:
            continue  # every event of it removed
        members, meetings, categories = grouped[series_id]
        counts = Counter(categories)
        result.append(
            SeriesRhythm(
                series_id,
                section_id,
                name,
                Category(max(reversed(categories), key=counts.__getitem__)),
                tuple(members),
                rhythm(meetings, today=today, settings=settings),
            )
        )
    return result


__all__ = [
    "Member",
    "Series",
    "SeriesBody",
    "SeriesChange",
    "SeriesMember",
    "SeriesRevision",
    "SeriesRhythm",
    "place_events",
    "series_rhythms",
]

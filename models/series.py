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
from collections.abc import Collection, Iterable, Iterator, Sequence
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
from models.document import DocumentVersion
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
    document_version: Mapped[DocumentVersion | None] = relationship()


def place_events(
    session: Session,
    event_ids: Collection[int],
    *,
    now: dt.datetime,
    document_version_id: int | None = None,
) -> None:
    """Put new events whose titles name a body into their body's series (or a new one).

    Events are taken in the note's order. Every row is written in batches, so
    that a large note costs a few statements, not a few per new series;
    flushes, never commits.
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
    known: dict[int, list[_Name]] = defaultdict(list)
    for section_id, key, is_named, series_id in session.execute(
        select(SeriesBody.section_id, SeriesBody.key, SeriesBody.is_named, SeriesBody.series_id)
        .where(SeriesBody.section_id.in_({row.section_id for row in rows}))
        .order_by(SeriesBody.id)
    ):
        known[section_id].append(_Name(key, is_named, series_id))
    created: list[_NewSeries] = []
    learned: list[tuple[int, _Name]] = []
    placed: list[tuple[int, int | _NewSeries, int | None]] = []
    for row in rows:
        body = body_of(row.title, row.name)
        if body is None:
            continue
        names = known[row.section_id]
        series = _series_for(names, body)
        if series is None:
            series = _NewSeries(row.section_id, body.name)
            created.append(series)
        if all(name.key != body.key for name in names):
            names.append(_Name(body.key, body.is_named, series))
            learned.append((row.section_id, names[-1]))
        placed.append((row.id, series, body.number))
    if not placed:
        return
    new_ids = _insert_series(session, created, now=now, document_version_id=document_version_id)

    def resolved(series: int | _NewSeries) -> int:
        return new_ids[id(series)] if isinstance(series, _NewSeries) else series

    for chunk in _chunks(
        [
            {
                "section_id": section_id,
                "series_id": resolved(name.series),
                "key": name.key,
                "is_named": name.is_named,
            }
            for section_id, name in learned
        ]
    ):
        session.execute(insert(SeriesBody), chunk)
    for chunk in _chunks(
        [
            {"event_id": event_id, "series_id": resolved(series), "meeting_number": number}
            for event_id, series, number in placed
        ]
    ):
        # On the connection, not through the ORM: the ORM sends a statement per run
        # of rows with the same columns set, and meeting_number is None in every other.
        session.connection().execute(insert(SeriesMember), chunk)
    session.flush()


class _NewSeries:
    """A series an import is making, before it has an id (one object per series)."""

    def __init__(self, section_id: int, name: str) -> None:
        self.section_id = section_id
        self.name = name


class _Name(NamedTuple):
    """A body name known in a section, and the series it leads to."""

    key: str
    is_named: bool
    series: int | _NewSeries


def _series_for(names: list[_Name], body: Body) -> int | _NewSeries | None:
    """The series a body's name leads to among a section's ``names``, None for a new body."""
    for name in names:
        if name.key == body.key:
            return name.series
    if body.is_named:
        return None
    alike = [name for name in names if not name.is_named and same_body(name.key, body.key)]
    if not alike:
        return None
    # The most specific name of the body decides between two that both begin it,
    # the first known on a tie.
    return max(alike, key=lambda name: len(name.key.split())).series


def _insert_series(
    session: Session,
    created: list[_NewSeries],
    *,
    now: dt.datetime,
    document_version_id: int | None,
) -> dict[int, int]:
    """Insert ``created`` with their "created" revisions; ``id()`` of each -> its series id.

    The ids come back with (section, name), which tell an import's new series
    apart: within a section a name gives one key (``models.body.key_words``),
    and an import makes one series per key.
    """
    by_pair = {(series.section_id, series.name): series for series in created}
    assert len(by_pair) == len(created), "two new series of one section share a name"
    new_ids: dict[int, int] = {}
    returning = insert(Series).returning(Series.id, Series.section_id, Series.name)
    for chunk in _chunks(created):
        rows = [
            {"section_id": s.section_id, "name": s.name, "created_at": now, "updated_at": now}
            for s in chunk
        ]
        for series_id, section_id, name in session.execute(returning, rows):
            new_ids[id(by_pair[section_id, name])] = series_id
    for chunk in _chunks(created):
        session.execute(
            insert(SeriesRevision),
            [
                {
                    "series_id": new_ids[id(series)],
                    "kind": SeriesChange.CREATED,
                    "changes": {"name": series.name},
                    "document_version_id": document_version_id,
                    "actor": None,
                    "changed_at": now,
                }
                for series in chunk
            ],
        )
    return new_ids


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


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


class Member(NamedTuple):
    """A listed event of a series, in the note's order."""

    event_id: int
    number: int | None


@dataclass(frozen=True, slots=True)
class SeriesRhythm:
    id: int
    section_id: int
    #: The section's name.
    section: str
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
        select(Series.id, Series.section_id, Section.name, Series.name)
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
    series_query: Select[int, int, str, str],
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
    for series_id, section_id, section, name in connection.execute(series_query).all():
        if series_id not in grouped:
            continue  # every event of it removed
        members, meetings, categories = grouped[series_id]
        counts = Counter(categories)
        result.append(
            SeriesRhythm(
                series_id,
                section_id,
                section,
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

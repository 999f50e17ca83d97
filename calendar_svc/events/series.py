"""Series as people see and edit them: listings, their JSON and text, and edits.

:func:`series_listing` is every series with its rhythm as of a day
(:func:`models.series.series_rhythms`), filtered by section and state;
:func:`series_record` is one series in the JSON form (``docs/series.md``);
:func:`render_series` the text ``calendar-svc series`` prints;
:func:`member_events` and :func:`series_page` what the series' web pages show.

Editors rename, merge and split series and move events between them. Each
event moved is a revision of it ("series": old -> new, with who and when),
bumping its revision like any edit but marking nothing as edited by hand
(a series is no field of the note); renames, merges and splits are
:class:`~models.series.SeriesRevision` rows. Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from calendar_svc.errors import CalendarSvcError
from models import DocumentVersion, Event, EventRevision, RevisionKind, Section
from models.body import body_of
from models.rhythm import RhythmSettings, SeriesState
from models.series import (
    Series,
    SeriesChange,
    SeriesMember,
    SeriesRevision,
    SeriesRhythm,
    series_rhythms,
)

#: The longest series name, in characters: its column.
MAX_NAME = 200
#: Ids per ``IN (...)``: well under every database's limit on bound parameters.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ListedSeries:
    series: SeriesRhythm
    section: Section


def series_listing(
    session: Session,
    *,
    today: dt.date,
    settings: RhythmSettings,
    sections: Collection[Section] = (),
    states: Collection[SeriesState] = (),
    everything: bool = False,
) -> list[ListedSeries]:
    """The series as of ``today``, in the note's order.

    Args:
        sections: only these (all when empty).
        states: only series in these states (all when empty).
        everything: also series of a single meeting (a lone event without an
            ordinal), which say nothing about a rhythm yet.
    """
    section_ids = [s.id for s in sections] or None
    by_id = {s.id: s for s in session.scalars(select(Section))}
    return [
        ListedSeries(series, by_id[series.section_id])
        for series in series_rhythms(
            session, today=today, settings=settings, section_ids=section_ids
        )
        if (everything or series.meetings >= 2) and (not states or series.rhythm.state in states)
    ]


def member_uids(session: Session, listing: Collection[ListedSeries]) -> dict[int, str]:
    """Event id -> uid of the events of ``listing`` (the rhythms read ids only)."""
    series_ids = [listed.series.id for listed in listing]
    uids: dict[int, str] = {}
    for start in range(0, len(series_ids), _CHUNK):
        uids.update(
            session.execute(
                select(Event.id, Event.uid)
                .join(SeriesMember, SeriesMember.event_id == Event.id)
                .where(SeriesMember.series_id.in_(series_ids[start : start + _CHUNK]))
            ).all()
        )
    return uids


def series_record(listed: ListedSeries, uids: dict[int, str]) -> dict[str, Any]:
    """One series as JSON: the fields ``docs/series.md`` names, and what explains them;
    ``uids`` has its events' (:func:`member_uids`)."""
    series, rhythm = listed.series, listed.series.rhythm
    expected = rhythm.expected
    return {
        "id": series.id,
        "section_slug": listed.section.slug,
        "section": listed.section.name,
        "name": series.name,
        "events": [{"uid": uids[m.event_id], "sequence": m.number} for m in series.members],
        "meetings": series.meetings,
        "median_interval_days": rhythm.median_interval_days,
        "spread_days": rhythm.spread_days,
        "last_held": rhythm.last_held.isoformat() if rhythm.last_held else None,
        "expected": (
            {"start": expected.start.isoformat(), "end": expected.end.isoformat()}
            if expected
            else None
        ),
        "state": rhythm.state.value,
        "sequence_gaps": list(rhythm.gaps),
    }


def parse_states(text: str) -> list[SeriesState]:
    """``late,stalled`` as states.

    Raises:
        ValueError: a name that is no state, saying which are.
    """
    states = []
    for name in filter(None, (part.strip().lower() for part in text.split(","))):
        try:
            states.append(SeriesState(name))
        except ValueError:
            known = ", ".join(s.value for s in SeriesState)
            raise ValueError(f"no series state {name!r}; known: {known}") from None
    return states


def render_series(listing: list[ListedSeries], *, today: dt.date) -> str:
    """The listing as text: per section, one line per series."""
    lines = [f"Series as of {today:%-d %B %Y}: {len(listing)}"]
    section = None
    for listed in listing:
        if listed.section is not section:
            section = listed.section
            lines += ["", section.name]
        lines.append("  " + _line(listed.series))
    return "\n".join(lines) + "\n"


def _line(series: SeriesRhythm) -> str:
    rhythm = series.rhythm
    facts = [f"{series.meetings} meeting{'' if series.meetings == 1 else 's'}"]
    if rhythm.median_interval_days is not None:
        facts.append(f"every {rhythm.median_interval_days} days")
    if rhythm.last_held:
        facts.append(f"last {rhythm.last_held.isoformat()}")
    if rhythm.expected:
        facts.append(f"expected {rhythm.expected.start.isoformat()}..{rhythm.expected.end}")
    if rhythm.gaps:
        facts.append("missing " + ", ".join(f"#{n}" for n in rhythm.gaps))
    return f"{rhythm.state.value:<10} {series.name}  ({'; '.join(facts)})"


def member_events(session: Session, listing: Iterable[SeriesRhythm]) -> dict[int, list[Event]]:
    """Each series' listed events with their windows, in its members' order (by series id)."""
    listing = list(listing)
    ids = [member.event_id for series in listing for member in series.members]
    events: dict[int, Event] = {}
    for start in range(0, len(ids), _CHUNK):
        events.update(
            (event.id, event)
            for event in session.scalars(
                select(Event)
                .where(Event.id.in_(ids[start : start + _CHUNK]))
                .options(selectinload(Event.occurrences))
            )
        )
    return {series.id: [events[member.event_id] for member in series.members] for series in listing}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A change in a series' history: to the series itself, or an event moved into it.

    ``actor`` and ``document_version`` say who made it, as an event revision's do.
    """

    changed_at: dt.datetime
    actor: str | None
    document_version: DocumentVersion | None
    #: A :class:`~models.series.SeriesChange` value, or "moved" for an event moved.
    kind: str
    changes: dict[str, Any]
    #: The event moved ("moved"), else None.
    event: Event | None = None
    #: The events a merge or a split took along, as far as they still exist.
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class SeriesPage:
    """What a series' page shows."""

    series: Series
    #: Its rhythm as of the day asked; None when no note lists any of its events.
    rhythm: SeriesRhythm | None
    #: Its events in the note's order, removed ones too, with their sequence numbers.
    members: list[SeriesMember]
    #: The other series of its section by name: what can merge into it, where events can go.
    others: list[Series]
    #: Newest first.
    history: list[HistoryEntry]

    @property
    def listed_events(self) -> list[Event]:
        """The events its rhythm counts (those the latest notes list), in the note's order."""
        return [member.event for member in self.members if not member.event.is_removed]


def series_page(
    session: Session, series_id: int, *, today: dt.date, settings: RhythmSettings
) -> SeriesPage | None:
    """A series with its rhythm as of ``today``, its events, its section's other series and
    its history; None when there is no series ``series_id``."""
    series = session.get(
        Series,
        series_id,
        options=[
            joinedload(Series.section),
            selectinload(Series.members)
            .joinedload(SeriesMember.event)
            .selectinload(Event.occurrences),
            selectinload(Series.revisions).joinedload(SeriesRevision.document_version),
        ],
    )
    if series is None:
        return None
    rhythm = next(
        (
            listed
            for listed in series_rhythms(
                session, today=today, settings=settings, section_ids=[series.section_id]
            )
            if listed.id == series.id
        ),
        None,
    )
    others = session.scalars(
        select(Series)
        .where(Series.section_id == series.section_id, Series.id != series.id)
        .options(selectinload(Series.members))
        .order_by(Series.name, Series.id)
    ).all()
    return SeriesPage(
        series=series,
        rhythm=rhythm,
        members=sorted(series.members, key=lambda m: (m.event.position, m.event.id)),
        others=list(others),
        history=series_history(session, series),
    )


def series_history(session: Session, series: Series) -> list[HistoryEntry]:
    """The series' own revisions and its events' moves into it or between series, newest
    first; at one instant the series' change comes before the moves it made."""
    uids = {uid for revision in series.revisions for uid in revision.changes.get("events", ())}
    events = (
        {e.uid: e for e in session.scalars(select(Event).where(Event.uid.in_(uids)))}
        if uids
        else {}
    )
    ranked: list[tuple[tuple[dt.datetime, int, int], HistoryEntry]] = [
        (
            (revision.changed_at, 1, revision.id),
            HistoryEntry(
                changed_at=revision.changed_at,
                actor=revision.actor,
                document_version=revision.document_version,
                kind=revision.kind.value,
                changes=revision.changes,
                events=tuple(
                    events[uid] for uid in revision.changes.get("events", ()) if uid in events
                ),
            ),
        )
        for revision in series.revisions
    ]
    member_ids = [member.event_id for member in series.members]
    for start in range(0, len(member_ids), _CHUNK):
        for revision in session.scalars(
            select(EventRevision)
            .where(EventRevision.event_id.in_(member_ids[start : start + _CHUNK]))
            .options(joinedload(EventRevision.event), joinedload(EventRevision.document_version))
        ):
            # The JSON of changes is not queried: its operators differ between databases,
            # and a series has a few dozen events at most.
            if "series" in revision.changes:
                ranked.append(
                    (
                        (revision.changed_at, 0, revision.id),
                        HistoryEntry(
                            changed_at=revision.changed_at,
                            actor=revision.actor,
                            document_version=revision.document_version,
                            kind="moved",
                            changes=revision.changes,
                            event=revision.event,
                        ),
                    )
                )
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in ranked]


class SeriesError(CalendarSvcError, ValueError):
    """A series edit cannot be made as asked (another section, an empty name)."""


def rename_series(
    session: Session, series: Series, name: str, *, actor: str, now: dt.datetime
) -> SeriesRevision:
    """Give a series the name people see; imports still recognise its body by its names."""
    name = _name(name)
    if name == series.name:
        raise SeriesError("nothing to change")
    revision = _series_revision(
        series, SeriesChange.RENAMED, {"name": [series.name, name]}, actor=actor, now=now
    )
    series.name = name
    session.flush()
    return revision


def merge_series(
    session: Session, kept: Series, merged: Series, *, actor: str, now: dt.datetime
) -> SeriesRevision:
    """Move every event of ``merged`` into ``kept``; the merged one's body names lead to
    ``kept`` from now on, and ``merged`` is gone (its history says so in ``kept``'s)."""
    if kept.id == merged.id:
        raise SeriesError("a series cannot be merged into itself")
    _same_section(kept, merged)
    moved = [member.event for member in merged.members]
    for event in moved:
        _move(session, event, kept, actor=actor, now=now)
    for body in list(merged.bodies):
        body.series = kept
    revision = _series_revision(
        kept,
        SeriesChange.MERGED,
        {"merged": merged.name, "events": [event.uid for event in moved]},
        actor=actor,
        now=now,
    )
    session.delete(merged)
    session.flush()
    return revision


def split_series(
    session: Session,
    series: Series,
    events: Collection[Event],
    *,
    name: str,
    actor: str,
    now: dt.datetime,
) -> Series:
    """Move ``events`` of ``series`` into a new series of the same section named ``name``."""
    members = {member.event_id for member in series.members}
    if not events:
        raise SeriesError("choose the events to split off")
    if any(event.id not in members for event in events):
        raise SeriesError(f"only events of {series.name!r} can be split off it")
    if len(events) == len(members):
        raise SeriesError("splitting off every event leaves nothing: rename the series instead")
    new = Series(section_id=series.section_id, name=name, created_at=now, updated_at=now)
    session.add(new)
    rename = " ".join(name.split())
    if not rename or len(rename) > MAX_NAME:
        raise SeriesError(f"a series name needs 1 to {MAX_NAME} characters")
    new.name = rename
    session.flush()
    uids = [event.uid for event in events]
    _series_revision(
        new, SeriesChange.SPLIT, {"from": series.name, "events": uids}, actor=actor, now=now
    )
    _series_revision(
        series, SeriesChange.SPLIT, {"into": new.name, "events": uids}, actor=actor, now=now
    )
    for event in events:
        _move(session, event, new, actor=actor, now=now)
    session.flush()
    return new


def move_event(
    session: Session, event: Event, target: Series, *, actor: str, now: dt.datetime
) -> EventRevision:
    """Move an event into another series of its section (or into one, when in none)."""
    if target.section_id != event.section_id:
        raise SeriesError(f"{target.name!r} is a series of another section")
    revision = _move(session, event, target, actor=actor, now=now)
    session.flush()
    return revision


def _move(
    session: Session, event: Event, target: Series, *, actor: str, now: dt.datetime
) -> EventRevision:
    member = session.get(SeriesMember, event.id)
    old = member.series.name if member else None
    if member is None:
        number = body.number if (body := body_of(event.title, event.section.name)) else None
        member = SeriesMember(event_id=event.id, series=target, meeting_number=number)
        session.add(member)
    elif member.series_id == target.id:
        raise SeriesError(f"the event is in {target.name!r} already")
    else:
        member.series = target
    event.revision += 1
    event.updated_at = now
    revision = EventRevision(
        event=event,
        revision=event.revision,
        kind=RevisionKind.UPDATED,
        labels=["series changed"],
        changes={"series": [old, target.name]},
        actor=actor,
        changed_at=now,
    )
    session.add(revision)
    return revision


def _series_revision(
    series: Series, kind: SeriesChange, changes: dict[str, Any], *, actor: str, now: dt.datetime
) -> SeriesRevision:
    series.updated_at = now
    revision = SeriesRevision(kind=kind, changes=changes, actor=actor, changed_at=now)
    series.revisions.append(revision)
    return revision


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise SeriesError(f"a series name needs 1 to {MAX_NAME} characters")
    return name


def _same_section(series: Series, other: Series) -> None:
    if series.section_id != other.section_id:
        raise SeriesError("only series of one section can be merged")

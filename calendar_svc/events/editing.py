"""Changes people make to events: confirm, move, cancel, postpone, edit, add; conflicts.

Every change is one :class:`~models.EventRevision` naming the person
(``actor``), bumps the event's revision (feeds show it as a new SEQUENCE) and
marks the event as edited by hand, so that the next import reports a conflict
instead of overwriting it (``models.snapshot.begin_manual_edit``). Functions
flush, never commit.

What a person types is held to the import's limits (``docs/dates.md``,
"Limits"): every date within :data:`models.window.BOUNDS`, a date as text,
a title and an outcome no longer than a cell of the note may be, a location
no longer than its column. Anything else is an :class:`EditError` saying
what, and the event is left as it was.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.errors import CalendarSvcError
from calendar_svc.ingest.dates import MAX_DATE_CELL, DateCell, Marker, parse_date_cell
from calendar_svc.ingest.note import MAX_OUTCOME, MAX_TITLE
from models import (
    NOTE_FIELDS,
    Category,
    Event,
    EventConflict,
    EventRevision,
    Occurrence,
    Precision,
    RevisionKind,
    Section,
    Status,
)
from models.category import categorise
from models.change import change_labels, differences
from models.occurrence import keep_positions
from models.snapshot import NoteSnapshot, begin_manual_edit, json_value
from models.window import Window, format_window, out_of_bounds

#: The longest location, in characters: the length of its column.
MAX_LOCATION = 200


class EditError(CalendarSvcError, ValueError):
    """An edit cannot be made as asked (a date that cannot be read, an empty title)."""


def confirm_date(
    session: Session, event: Event, start: dt.date, end: dt.date, *, actor: str, now: dt.datetime
) -> EventRevision:
    """Set a firm date (one day or a span): the tbc or window becomes a firm date.

    Raises:
        EditError: the end is before the start, or a day lies outside
            :data:`models.window.BOUNDS`.
    """
    if end < start:
        raise EditError("the end date is before the start date")
    if problem := out_of_bounds(Window(start, end)):
        raise EditError(f"cannot confirm {start.isoformat()} to {end.isoformat()}: {problem}")
    precision = Precision.DAY if start == end else Precision.DAYS
    return _change(
        session,
        event,
        actor=actor,
        now=now,
        windows=(Window(start, end),),
        raw_date=format_window(Window(start, end), precision),
        precision=precision,
        status=Status.CONFIRMED,
    )


def set_date_text(
    session: Session, event: Event, text: str, *, actor: str, now: dt.datetime
) -> EventRevision:
    """Set the date as the note would write it ("Q3 2024 (tbc)", "May-June 2024").

    Raises:
        EditError: the text is too long, holds no date, or a date outside
            :data:`models.window.BOUNDS`.
    """
    text = " ".join(text.split())
    cell = _read_date(text, now=now)
    status = (
        Status.TENTATIVE if cell.markers & {Marker.TBC, Marker.ALTERNATIVES} else Status.CONFIRMED
    )
    return _change(
        session,
        event,
        actor=actor,
        now=now,
        windows=cell.windows,
        raw_date=text,
        precision=cell.precision,
        status=status,
        location=cell.location or event.location,
    )


def set_status(
    session: Session, event: Event, status: Status, *, actor: str, now: dt.datetime
) -> EventRevision:
    """Cancel, postpone, or reinstate (confirmed or tentative) an event."""
    return _change(session, event, actor=actor, now=now, status=status)


def edit_details(
    session: Session,
    event: Event,
    *,
    actor: str,
    now: dt.datetime,
    title: str,
    outcome: str,
    category: Category,
    location: str | None,
) -> EventRevision:
    title = _title(title)
    outcome = _within("outcome", outcome.strip(), MAX_OUTCOME)
    location = _within("location", (location or "").strip(), MAX_LOCATION) or None
    return _change(
        session,
        event,
        actor=actor,
        now=now,
        title=title,
        outcome=outcome,
        category=category,
        location=location,
    )


def add_event(
    session: Session,
    section: Section,
    *,
    title: str,
    date_text: str,
    outcome: str,
    actor: str,
    now: dt.datetime,
    category: Category | None = None,
) -> Event:
    """An event the note does not (yet) list; a later note listing it is matched to it.

    Raises:
        EditError: no title, a date that cannot be read or lies outside
            :data:`models.window.BOUNDS`, or text longer than its limit.
    """
    title = _title(title)
    outcome = _within("outcome", outcome.strip(), MAX_OUTCOME)
    date_text = " ".join(date_text.split())
    cell = _read_date(date_text, now=now)
    tentative = cell.markers & {Marker.TBC, Marker.ALTERNATIVES}
    position = (
        session.scalar(
            select(Event.position)
            .where(Event.section_id == section.id)
            .order_by(Event.position.desc())
        )
        or 0
    ) + 1
    event = Event(
        uid=str(uuid.uuid4()),
        section=section,
        title=title,
        outcome=outcome,
        category=category or categorise(title, outcome),
        raw_date=date_text,
        status=Status.TENTATIVE if tentative else Status.CONFIRMED,
        precision=cell.precision,
        location=cell.location,
        source_text="",
        position=position,
        revision=1,
        is_manual_override=True,
        is_removed=False,
        created_at=now,
        updated_at=now,
    )
    event.occurrences = [
        Occurrence(position=i, start=w.start, end=w.end) for i, w in enumerate(cell.windows)
    ]
    event.next_occurrence_position = len(cell.windows)
    session.add(event)
    session.flush()
    session.add(
        EventRevision(
            event=event,
            revision=1,
            kind=RevisionKind.CREATED,
            labels=["added by hand"],
            changes={},
            actor=actor,
            changed_at=now,
        )
    )
    session.flush()
    return event


def resolve_conflict(
    session: Session, conflict: EventConflict, *, keep: bool, actor: str, now: dt.datetime
) -> None:
    """Keep the hand-made version, or take what the note now says."""
    if conflict.resolved_at is not None:
        raise EditError("this conflict is already resolved")
    conflict.resolved_at = now
    conflict.resolution = "kept" if keep else "taken"
    event = conflict.event
    if keep or event.note_snapshot is None:
        session.flush()
        return
    note = NoteSnapshot.from_json(event.note_snapshot)
    _change(
        session,
        event,
        actor=actor,
        now=now,
        windows=note.windows,
        removed=note.removed,
        **note.values,
    )
    # The note's version again: later imports apply to it as to any event.
    event.is_manual_override = False
    event.note_snapshot = None
    session.flush()


def _title(title: str) -> str:
    """A title as stored: whitespace collapsed, not empty, not too long."""
    title = " ".join(title.split())
    if not title:
        raise EditError("an event needs a title")
    return _within("title", title, MAX_TITLE)


def _within(what: str, text: str, limit: int) -> str:
    """``text``, if it has at most ``limit`` characters.

    >>> _within("title", "JRC", 3)
    'JRC'
    >>> _within("title", "JRC meeting", 3)
    Traceback (most recent call last):
    ...
    calendar_svc.events.editing.EditError: the title is 11 characters long; it may have at most 3
    """
    if len(text) > limit:
        raise EditError(
            f"the {what} is {len(text):,} characters long; it may have at most {limit:,}"
        )
    return text


def _read_date(text: str, *, now: dt.datetime) -> DateCell:
    """A date as the note would write it, read as the import reads a date cell."""
    _within("date", text, MAX_DATE_CELL)
    cell = parse_date_cell(text, default_year=now.year)
    if not cell.windows:
        reason = cell.problem or "no date found"
        raise EditError(f"cannot read a date in {text!r}: {reason}")
    return cell


def _change(
    session: Session,
    event: Event,
    *,
    actor: str,
    now: dt.datetime,
    windows: tuple[Window, ...] | None = None,
    removed: bool | None = None,
    **new_values: Any,
) -> EventRevision:
    old = {name: getattr(event, name) for name in NOTE_FIELDS}
    old_windows = tuple(Window(o.start, o.end) for o in event.occurrences)
    new = old | new_values
    changes = differences(old, old_windows, new, windows if windows is not None else old_windows)
    if removed is not None and removed != event.is_removed:
        changes["removed"] = (event.is_removed, removed)
    if not changes:
        raise EditError("nothing to change")
    begin_manual_edit(event)
    for name, value in new_values.items():
        setattr(event, name, value)
    if windows is not None and "occurrences" in changes:
        # The old rows go first: (event, position) is unique, and the unit of
        # work would insert the new rows before deleting the old ones.
        # Positions follow the dates (keep_positions), so that a feed's UID of
        # a window still listed does not change.
        kept, event.next_occurrence_position = keep_positions(
            [(o.position, Window(o.start, o.end)) for o in event.occurrences],
            windows,
            event.next_occurrence_position,
        )
        event.occurrences.clear()
        session.flush()
        event.occurrences = [Occurrence(position=p, start=w.start, end=w.end) for p, w in kept]
    if removed is not None:
        event.is_removed = removed
    event.revision += 1
    event.updated_at = now
    labels = list(change_labels(old, new, changes))
    if "removed" in changes:
        labels.append("removed" if removed else "listed again")
    revision = EventRevision(
        event=event,
        revision=event.revision,
        kind=RevisionKind.UPDATED,
        labels=labels,
        changes={name: [json_value(a), json_value(b)] for name, (a, b) in changes.items()},
        actor=actor,
        changed_at=now,
    )
    session.add(revision)
    session.flush()
    return revision

"""What the note says of an event, as ``Event.note_snapshot`` keeps it once a person edits it.

An edited event's columns hold the person's version; its snapshot holds the
note's: the fields of :data:`~models.event.NOTE_FIELDS`, the windows, and
whether the note still lists the event. Imports compare a newer note with
the snapshot, not with the edit, and move it forward; an editor who takes
the note's version gets the snapshot back (``calendar_svc.events.editing``).

The JSON form is written and read here only. Its values (:func:`json_value`)
are also the form in which revisions and conflicts record changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.event import NOTE_FIELDS, Category, Precision, Status
from models.window import Window

if TYPE_CHECKING:
    from models.event import Event


@dataclass(frozen=True)
class NoteSnapshot:
    """What the note says of an event.

    >>> values = {"title": "JRC", "outcome": "", "category": Category.OTHER, "location": None}
    >>> values |= {"raw_date": "Q1 2024 (tbc)", "status": Status.TENTATIVE}
    >>> values |= {"precision": Precision.QUARTER}
    >>> note = NoteSnapshot(values, (Window(dt.date(2024, 1, 1), dt.date(2024, 3, 31)),))
    >>> data = note.to_json()
    >>> data["status"], data["occurrences"], data["removed"]
    ('tentative', [['2024-01-01', '2024-03-31']], False)
    >>> NoteSnapshot.from_json(data) == note
    True
    """

    #: Field of ``NOTE_FIELDS`` -> value (enums as enums).
    values: Mapping[str, Any]
    windows: tuple[Window, ...]
    #: The note no longer lists the event.
    removed: bool = False

    @classmethod
    def of_event(cls, event: Event) -> NoteSnapshot:
        """What an event's columns say (before a person edits them, what the note says)."""
        return cls(
            {name: getattr(event, name) for name in NOTE_FIELDS},
            tuple(Window(o.start, o.end) for o in event.occurrences),
            event.is_removed,
        )

    def to_json(self) -> dict[str, Any]:
        """The form ``Event.note_snapshot`` stores."""
        data = {name: json_value(self.values[name]) for name in NOTE_FIELDS}
        data["occurrences"] = json_value(self.windows)
        data["removed"] = self.removed
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NoteSnapshot:
        """Read what :meth:`to_json` wrote."""
        values = {name: data[name] for name in NOTE_FIELDS}
        values["category"] = Category(values["category"])
        values["status"] = Status(values["status"])
        values["precision"] = Precision(values["precision"])
        windows = tuple(
            Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
            for start, end in data["occurrences"]
        )
        return cls(values, windows, data["removed"])


def json_value(value: Any) -> Any:
    """The JSON form of a value of a note field, or of a tuple of windows.

    >>> json_value(Status.TENTATIVE), json_value("Q1 2024"), json_value(())
    ('tentative', 'Q1 2024', [])
    >>> json_value((Window(dt.date(2024, 3, 19), dt.date(2024, 3, 19)),))
    [['2024-03-19', '2024-03-19']]
    """
    if isinstance(value, tuple) and all(isinstance(v, Window) for v in value):
        return [[w.start.isoformat(), w.end.isoformat()] for w in value]
    if isinstance(value, Category | Status | Precision):
        return value.value
    return value


def begin_manual_edit(event: Event) -> None:
    """Record what the note says, before a person changes ``event`` for the first time."""
    if event.is_manual_override:
        return
    event.note_snapshot = NoteSnapshot.of_event(event).to_json()
    event.is_manual_override = True

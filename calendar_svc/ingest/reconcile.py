"""Reconciling: what a new version of the note does to the stored events, as a plan.

Pure: no session, no database, no clock. :func:`reconcile` takes the stored
events as plain values (:class:`StoredEvent`) and the note's drafts, pairs
them section by section (:mod:`calendar_svc.ingest.matching`), and decides
a step for every row, and for every stored event that no row lists:

- :class:`Creation`: a row that matches no stored event is a new event;
- :class:`Unchanged`: the row says what the note said; only where the row
  stands in the note moves;
- :class:`Update`: the row says something new, or lists again an event the
  note had dropped: the event takes the row's values, as a new revision;
- :class:`Removal`: the note no longer lists the event;
- :class:`Conflict`: a person edited the event and the note changed since:
  the edit stands, the difference is recorded, and the event's note
  snapshot moves forward.

What an event "said" is what the note last said of it: its own values, or its
note snapshot once a person edited it (:class:`~models.snapshot.NoteSnapshot`).
An event made by hand, or one the note had already dropped, gets no step while
the note does not list it. :mod:`calendar_svc.ingest.store` writes the plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from calendar_svc.ingest.drafts import EventDraft
from calendar_svc.ingest.matching import Candidate, Incoming, is_settled, match
from models import NOTE_FIELDS, RevisionKind, is_firm_date
from models.change import change_labels, differences
from models.occurrence import keep_positions
from models.snapshot import NoteSnapshot
from models.window import Window

#: Namespace of event uids: uuid5 of the import that first saw the event.
UID_NAMESPACE = uuid.UUID("5d6c8a4e-2f0b-4b8e-9a53-6e1f3c1d7a90")

#: ``(position, window)`` of an event's occurrences (:func:`models.occurrence.keep_positions`).
Positions = tuple[tuple[int, Window], ...]


@dataclass(frozen=True)
class StoredEvent:
    """A stored event, as reconciling reads it."""

    id: int
    uid: str
    section_id: int
    section_slug: str
    #: What the note last said of it: its own values, or its note snapshot
    #: once a person edited it.
    note: NoteSnapshot
    revision: int
    is_manual_override: bool
    is_removed: bool
    #: A note listed it (it was not made by hand).
    from_note: bool
    #: The occurrences stored (not the snapshot's windows).
    occurrences: Positions
    next_position: int
    date_note: str | None


@dataclass(frozen=True)
class Creation:
    """A row that matches no stored event: a new event, revision 1."""

    uid: str
    section_id: int
    draft: EventDraft
    occurrences: Positions
    next_position: int


@dataclass(frozen=True)
class Unchanged:
    """The row says what the note said of the event: only where it stands moves.

    An event a person edited is left as they made it.
    """

    event: StoredEvent
    draft: EventDraft


@dataclass(frozen=True)
class Update:
    """The row says something new of the event, or lists it again: it takes the
    row's values as revision ``event.revision + 1``."""

    event: StoredEvent
    draft: EventDraft
    #: ``UPDATED``, or ``RESTORED`` for an event the note lists again.
    kind: RevisionKind
    labels: tuple[str, ...]
    #: Field -> (old, new); "occurrences" when the windows changed.
    changes: dict[str, tuple[Any, Any]]
    #: The occurrences to write when the windows changed; None keeps the stored ones.
    occurrences: Positions | None
    next_position: int

    @property
    def revision(self) -> int:
        return self.event.revision + 1


@dataclass(frozen=True)
class Removal:
    """The note no longer lists the event: it is marked removed, as revision
    ``event.revision + 1``."""

    event: StoredEvent

    kind: ClassVar[RevisionKind] = RevisionKind.REMOVED
    labels: ClassVar[tuple[str, ...]] = ("removed",)

    @property
    def revision(self) -> int:
        return self.event.revision + 1

    @property
    def changes(self) -> dict[str, tuple[Any, Any]]:
        return {"removed": (False, True)}


@dataclass(frozen=True)
class Conflict:
    """A person edited the event, and the note changed what it says since."""

    event: StoredEvent
    #: The row that lists the event; None when the note no longer does.
    draft: EventDraft | None
    #: What the note said -> what it says now; "removed" when the note dropped
    #: the event, or lists it again.
    changes: dict[str, tuple[Any, Any]]
    #: What the note says now: the event's new note snapshot.
    note: NoteSnapshot


Step = Creation | Unchanged | Update | Removal | Conflict
_S = TypeVar("_S", Creation, Unchanged, Update, Removal, Conflict)


@dataclass(frozen=True)
class ImportPlan:
    """What a version of the note does to the stored events."""

    #: The steps, section by section as matching decided them: the order in
    #: which the rows of each kind are written (and so take their ids).
    steps: tuple[Step, ...]
    #: The note's drafts as stored, in their order: a row that repeats a
    #: year-less date keeps the windows of the event it matches (:func:`_keep_year`).
    drafts: tuple[EventDraft, ...]

    def of(self, kind: type[_S]) -> list[_S]:
        """The steps of one kind, in order."""
        return [step for step in self.steps if isinstance(step, kind)]

    @property
    def unchanged(self) -> int:
        """How many events the note lists as before (those a person edited not counted)."""
        return sum(1 for step in self.of(Unchanged) if not step.event.is_manual_override)


def reconcile(
    stored: Sequence[StoredEvent],
    drafts: Sequence[EventDraft],
    section_ids: Mapping[str, int],
    *,
    symbol: str,
    note_date: dt.date,
) -> ImportPlan:
    """Decide what the note's rows do to the stored events.

    Args:
        stored: every stored event, in the order of their ids.
        drafts: the note's rows (:func:`~calendar_svc.ingest.drafts.draft_events`).
        section_ids: section slug -> id, for every section of the note.
        symbol: the note's symbol, which new uids derive from.
        note_date: the note's date: a firm event over before it cannot move.
    """
    events_by_section: dict[int, list[StoredEvent]] = defaultdict(list)
    for event in stored:
        events_by_section[event.section_id].append(event)
    rows_by_section: dict[int, list[EventDraft]] = defaultdict(list)
    for draft in drafts:
        rows_by_section[section_ids[draft.section.slug]].append(draft)
    steps: list[Step] = []
    kept: dict[int, EventDraft] = {}
    taken = {event.uid for event in stored}
    for section_id in events_by_section.keys() | rows_by_section.keys():
        events = events_by_section.get(section_id, [])
        rows = rows_by_section.get(section_id, [])
        pairs = match(
            [_candidate(event, note_date) for event in events],
            [Incoming(d.title, d.raw_date, d.windows) for d in rows],
        )
        for ci, ri in pairs:
            draft = _keep_year(events[ci], rows[ri])
            if draft is not rows[ri]:
                kept[id(rows[ri])] = draft
            steps.append(_listed(events[ci], draft))
        matched_events = {ci for ci, _ in pairs}
        for ci, event in enumerate(events):
            if ci not in matched_events and (step := _unlisted(event)) is not None:
                steps.append(step)
        matched_rows = {ri for _, ri in pairs}
        for ri, draft in enumerate(rows):
            if ri not in matched_rows:
                uid = _new_uid(symbol, draft, taken)
                taken.add(uid)
                occurrences, next_position = keep_positions((), draft.windows, 0)
                steps.append(Creation(uid, section_id, draft, tuple(occurrences), next_position))
    return ImportPlan(tuple(steps), tuple(kept.get(id(draft), draft) for draft in drafts))


def _candidate(event: StoredEvent, note_date: dt.date) -> Candidate:
    values, windows = event.note.values, event.note.windows
    firm = is_firm_date(values["status"], values["precision"])
    return Candidate(
        title=values["title"],
        raw_date=values["raw_date"],
        windows=windows,
        is_removed=event.is_removed,
        is_settled=is_settled(windows, firm=firm, note_date=note_date),
    )


def _listed(event: StoredEvent, draft: EventDraft) -> Unchanged | Update | Conflict:
    """The step of a stored event that a row lists."""
    values = note_values(draft)
    changes = {
        name: change
        for name, change in differences(
            event.note.values, event.note.windows, values, draft.windows
        ).items()
        if not _layout_only(name, change)
    }
    if event.is_manual_override:
        if event.note.removed:
            changes = {"removed": (True, False), **changes}
        if changes:
            return Conflict(event, draft, changes, NoteSnapshot(values, draft.windows))
        return Unchanged(event, draft)
    if not changes and not event.is_removed:
        return Unchanged(event, draft)
    labels = change_labels(event.note.values, values, changes)
    if event.is_removed:
        labels = ("listed again", *labels)
    kind = RevisionKind.RESTORED if event.is_removed else RevisionKind.UPDATED
    occurrences: Positions | None = None
    next_position = event.next_position
    if "occurrences" in changes:
        positions, next_position = keep_positions(
            event.occurrences, draft.windows, event.next_position
        )
        occurrences = tuple(positions)
    return Update(event, draft, kind, labels, changes, occurrences, next_position)


def _unlisted(event: StoredEvent) -> Removal | Conflict | None:
    """The step of a stored event that no row lists, if it has one."""
    if event.note.removed or not event.from_note:
        return None  # already removed, or made by hand: the note never listed it
    if event.is_manual_override:
        note = dataclasses.replace(event.note, removed=True)
        return Conflict(event, None, Removal(event).changes, note)
    return Removal(event)


def note_values(draft: EventDraft) -> dict[str, Any]:
    """What a row says of the fields of ``NOTE_FIELDS``."""
    return {name: getattr(draft, name) for name in NOTE_FIELDS}


def _keep_year(event: StoredEvent, draft: EventDraft) -> EventDraft:
    """The draft, with the windows the event has if the row repeats its year-less date.

    A year inferred afresh for an unchanged row can differ from the one first
    inferred: a tbc row is upcoming as of the note's date, so "March/April
    (tbc)" read in a May 2024 note would become 2025, and a window that passed
    unconfirmed would never show as overdue. The note has not moved the
    meeting, so the event keeps its windows (``docs/dates.md``, "Missing
    years"). A row whose date text changed is read afresh.
    """
    windows = event.note.windows
    if draft.date_note is None or not windows or draft.windows == windows:
        return draft
    if "".join(draft.raw_date.split()) != "".join(event.note.values["raw_date"].split()):
        return draft
    # The note on the event still says how its year was first found.
    year = max(w.end for w in windows).year
    date_note = event.date_note or f"year {year} kept from an earlier version of the note"
    return dataclasses.replace(draft, windows=windows, date_note=date_note)


def _new_uid(symbol: str, draft: EventDraft, taken: set[str]) -> str:
    """A uid derived from the import that first saw the event.

    Rebuilding a database from the same sequence of notes gives the same uids,
    so calendar subscribers do not see duplicates after a restore, whatever
    the form each note came in: the title counts without its spaces, which
    depend on where a PDF's lines broke.
    """
    title = "".join(draft.title.split())
    base = f"{symbol}|{draft.section.slug}|{draft.position}|{title}|{draft.raw_date}"
    uid = str(uuid.uuid5(UID_NAMESPACE, base))
    counter = 1
    while uid in taken:
        counter += 1
        uid = str(uuid.uuid5(UID_NAMESPACE, f"{base}|{counter}"))
    return uid


def _layout_only(name: str, change: tuple[Any, Any]) -> bool:
    """A title or outcome that differs only in spaces: where a PDF or Word line broke
    ("Sub-" / "Committee" is read "Sub-Committee", the text file has "Sub- Committee"),
    not what the note says.
    """
    old, new = change
    return name in {"title", "outcome"} and "".join(old.split()) == "".join(new.split())

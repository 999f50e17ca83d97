"""Storing an import: the note's sections, and its rows reconciled with the stored events.

:func:`store_events` reads the stored events (two queries), asks
:func:`~calendar_svc.ingest.reconcile.reconcile` what the note does to them,
writes the plan, and puts the events it creates in their series
(:func:`models.series.place_events`). Statements are batched: every insert and update is one
executemany per :data:`BATCH` rows, so the cost grows with the rows, not with
round trips. Like the whole import, it flushes and never commits: the caller's
transaction makes the import one write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from calendar_svc.ingest.drafts import EventDraft
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.reconcile import (
    Conflict,
    Creation,
    ImportPlan,
    Positions,
    Removal,
    Step,
    StoredEvent,
    Unchanged,
    Update,
    note_values,
    reconcile,
)
from calendar_svc.ingest.sections import SectionIdentity
from models import (
    NOTE_FIELDS,
    DocumentVersion,
    Event,
    EventConflict,
    EventRevision,
    Occurrence,
    RevisionKind,
    Section,
    place_events,
)
from models.snapshot import NoteSnapshot, json_value
from models.window import Window

BATCH = 500


def store_sections(
    session: Session, note: Note, *, now: dt.datetime
) -> tuple[dict[str, int], list[str]]:
    """Create new sections, refresh known ones.

    Returns:
        slug -> id for the note's sections, and the slugs of those created.
    """
    existing = {s.slug: s for s in session.scalars(select(Section))}
    taken_iso = {s.iso_code for s in existing.values()} - {None}
    new_rows: list[dict[str, Any]] = []
    for position, block in enumerate(note.sections):
        identity: SectionIdentity = block.identity
        section = existing.get(identity.slug)
        if section is None:
            iso_code = identity.iso_code if identity.iso_code not in taken_iso else None
            taken_iso.add(iso_code)
            new_rows.append(
                {
                    "slug": identity.slug,
                    "name": identity.name,
                    "group": identity.group,
                    "iso_code": iso_code,
                    "position": position,
                    "created_at": now,
                }
            )
        else:
            section.position = position
            if identity.is_known:
                section.name, section.group = identity.name, identity.group
    session.flush()
    ids = {slug: section.id for slug, section in existing.items()}
    # One batched INSERT ... RETURNING: the slug returned says whose each id is
    # (a new note with hundreds of sections would otherwise be as many statements).
    for chunk in _chunks(new_rows):
        ids.update(
            (slug, id_)
            for id_, slug in session.execute(
                insert(Section).returning(Section.id, Section.slug), chunk
            )
        )
    return {block.identity.slug: ids[block.identity.slug] for block in note.sections}, [
        row["slug"] for row in new_rows
    ]


def store_events(
    session: Session,
    document: DocumentVersion,
    drafts: Sequence[EventDraft],
    section_ids: dict[str, int],
    *,
    now: dt.datetime,
) -> ImportPlan:
    """Match the note's rows to the stored events and write the outcome.

    Returns:
        The plan written (:class:`~calendar_svc.ingest.reconcile.ImportPlan`).
    """
    plan = reconcile(
        _stored_events(session),
        drafts,
        section_ids,
        symbol=document.symbol,
        note_date=document.document_date,
    )
    writer = _Writer(session, document, now)
    writer.write(plan)
    place_events(session, writer.created_ids, now=now, document_version_id=document.id)
    return plan


def _stored_events(session: Session) -> list[StoredEvent]:
    """Every stored event, in the order of their ids."""
    occurrences: dict[int, list[tuple[int, Window]]] = defaultdict(list)
    for event_id, position, start, end in session.execute(
        select(Occurrence.event_id, Occurrence.position, Occurrence.start, Occurrence.end).order_by(
            Occurrence.event_id, Occurrence.start, Occurrence.end, Occurrence.position
        )
    ):
        occurrences[event_id].append((position, Window(start, end)))
    rows = session.execute(
        select(
            Event.id,
            Event.uid,
            Event.section_id,
            Section.slug,
            Event.revision,
            Event.is_manual_override,
            Event.is_removed,
            Event.next_occurrence_position,
            Event.date_note,
            Event.document_version_id,
            Event.note_snapshot,
            *(getattr(Event, name) for name in NOTE_FIELDS),
        )
        .join(Section, Event.section_id == Section.id)
        .order_by(Event.id)
    )
    stored = []
    for row in rows:
        if row.note_snapshot is None:
            note = NoteSnapshot(
                {name: getattr(row, name) for name in NOTE_FIELDS},
                tuple(w for _, w in occurrences[row.id]),
                row.is_removed,
            )
        else:
            note = NoteSnapshot.from_json(row.note_snapshot)
        stored.append(
            StoredEvent(
                id=row.id,
                uid=row.uid,
                section_id=row.section_id,
                section_slug=row.slug,
                note=note,
                revision=row.revision,
                is_manual_override=row.is_manual_override,
                is_removed=row.is_removed,
                from_note=row.document_version_id is not None,
                occurrences=tuple(occurrences[row.id]),
                next_position=row.next_occurrence_position,
                date_note=row.date_note,
            )
        )
    return stored


class _Writer:
    """The rows of a plan, written in batches."""

    def __init__(self, session: Session, document: DocumentVersion, now: dt.datetime) -> None:
        self.session = session
        self.document = document
        self.now = now
        self.new_events: list[dict[str, Any]] = []
        self.creations: dict[str, Creation] = {}
        self.updates: list[dict[str, Any]] = []
        #: Event id -> the occurrences that replace its own.
        self.replaced: dict[int, Positions] = {}
        self.counters: list[dict[str, Any]] = []
        self.revisions: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        #: The ids of the events the plan creates, for their series.
        self.created_ids: list[int] = []

    def write(self, plan: ImportPlan) -> None:
        """Write the plan: new events first, for the ids their revisions and occurrences take."""
        for step in plan.steps:
            self._add(step)
        session = self.session
        for chunk in _chunks(self.new_events):
            # One batched INSERT ... RETURNING per chunk. The uid returned with
            # each id says whose it is, so no row order is asked for (asking
            # makes SQLite fall back to one statement per row).
            returning = insert(Event).returning(Event.id, Event.uid)
            for event_id, uid in session.execute(returning, chunk):
                self.created_ids.append(event_id)
                self.replaced[event_id] = self.creations[uid].occurrences
                self._revision(event_id, 1, RevisionKind.CREATED, ("new",), {})
        for chunk in _chunks(self.updates):
            session.execute(update(Event), chunk)
        for chunk in _chunks(list(self.replaced)):
            session.execute(delete(Occurrence).where(Occurrence.event_id.in_(chunk)))
        occurrences = [
            {"event_id": event_id, "position": position, "start": w.start, "end": w.end}
            for event_id, positions in self.replaced.items()
            for position, w in positions
        ]
        for chunk in _chunks(self.counters):
            session.execute(update(Event), chunk)
        for chunk in _chunks(occurrences):
            session.execute(insert(Occurrence), chunk)
        for chunk in _chunks(self.revisions):
            session.execute(insert(EventRevision), chunk)
        for chunk in _chunks(self.conflicts):
            session.execute(insert(EventConflict), chunk)
        session.flush()

    def _add(self, step: Step) -> None:
        match step:
            case Creation(uid=uid, section_id=section_id, draft=draft):
                self.creations[uid] = step
                self.new_events.append(
                    {
                        "uid": uid,
                        "section_id": section_id,
                        **note_values(draft),
                        "date_note": draft.date_note,
                        **self._pointers(draft),
                        "revision": 1,
                        "is_manual_override": False,
                        "is_removed": False,
                        "next_occurrence_position": step.next_position,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
            case Unchanged(event=event, draft=draft):
                self.updates.append(self._listed(event, draft))
            case Update(event=event, draft=draft):
                self.updates.append(
                    self._listed(event, draft)
                    | note_values(draft)
                    | {"revision": step.revision, "is_removed": False, "updated_at": self.now}
                )
                if step.occurrences is not None:
                    self.replaced[event.id] = step.occurrences
                    self.counters.append(
                        {"id": event.id, "next_occurrence_position": step.next_position}
                    )
                self._revision(event.id, step.revision, step.kind, step.labels, step.changes)
            case Removal(event=event):
                self.updates.append(
                    {
                        "id": event.id,
                        "is_removed": True,
                        "revision": step.revision,
                        "updated_at": self.now,
                    }
                )
                self._revision(event.id, step.revision, step.kind, step.labels, step.changes)
            case Conflict(event=event, draft=draft):
                listed = {"id": event.id} if draft is None else self._listed(event, draft)
                self.updates.append(listed | {"note_snapshot": step.note.to_json()})
                self.conflicts.append(
                    {
                        "event_id": event.id,
                        "document_version_id": self.document.id,
                        "differences": _json_changes(step.changes),
                        "detected_at": self.now,
                    }
                )

    def _listed(self, event: StoredEvent, draft: EventDraft) -> dict[str, Any]:
        """An event's row, moved to where the note now lists it."""
        return {"id": event.id, **self._pointers(draft), "date_note": draft.date_note}

    def _pointers(self, draft: EventDraft) -> dict[str, Any]:
        """Where the event's row stands in this document, and how it was read.

        Written whatever else the import does to the event, and never a change
        of it (no revision): a note read without OCR sets ``ocr_confidence``
        back to None.
        """
        return {
            "document_version_id": self.document.id,
            "source_table": draft.table,
            "source_row": draft.row,
            "source_line": draft.line,
            "source_page": draft.page,
            "source_text": draft.source_text,
            "position": draft.position,
            "ocr_confidence": draft.ocr_confidence,
        }

    def _revision(
        self,
        event_id: int,
        revision: int,
        kind: RevisionKind,
        labels: Iterable[str],
        changes: dict[str, tuple[Any, Any]],
    ) -> None:
        self.revisions.append(
            {
                "event_id": event_id,
                "revision": revision,
                "kind": kind,
                "labels": list(labels),
                "changes": _json_changes(changes),
                "document_version_id": self.document.id,
                "actor": None,
                "changed_at": self.now,
            }
        )


def _json_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    return {name: [json_value(old), json_value(new)] for name, (old, new) in changes.items()}


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]

"""Applying a parsed note to the database: versions, sections, events, revisions.

:func:`import_note` flushes and never commits: the caller's transaction makes
the whole import one write (``--dry-run`` rolls it back). Statements are
batched: existing events are read in two queries and every insert and update
is one executemany, so the cost grows with the rows, not with round trips.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from calendar_svc.events.changes import change_labels, differences, snapshot_values
from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.errors import DocumentConflict, UnreadableDocument
from calendar_svc.ingest.matching import Candidate, Incoming, is_settled, match
from calendar_svc.ingest.note import MAX_SYMBOL, Note
from calendar_svc.ingest.report import EventChange, ImportReport
from calendar_svc.ingest.sections import SectionIdentity
from calendar_svc.ingest.source import SourceFile
from models import (
    NOTE_FIELDS,
    Category,
    Confidence,
    DocumentVersion,
    Event,
    EventConflict,
    EventRevision,
    Occurrence,
    Precision,
    RevisionKind,
    Section,
    Status,
    confidence_of,
)
from models.occurrence import keep_positions
from models.source import SourceRef
from models.window import Window, out_of_bounds

#: Namespace of event uids: uuid5 of the import that first saw the event.
UID_NAMESPACE = uuid.UUID("5d6c8a4e-2f0b-4b8e-9a53-6e1f3c1d7a90")
BATCH = 500
#: The longest file name kept with a version (the length of its column).
MAX_FILENAME = 500


def import_note(
    session: Session,
    source: SourceFile,
    note: Note,
    *,
    now: dt.datetime,
    symbol: str | None = None,
    document_date: dt.date | None = None,
    replace: bool = False,
) -> ImportReport:
    """Store a version of the note, matching its rows to the events already known.

    Args:
        session: the caller's session; this function flushes, never commits.
        source: the file (its bytes give the hash).
        note: the note read from it (:func:`~calendar_svc.ingest.source.load_note`).
        now: the import's timestamp.
        symbol, document_date: override or supply what the header lacks.
        replace: accept a file whose symbol is already imported with other
            bytes, as a corrected re-issue.

    Raises:
        UnreadableDocument: no symbol or date in the header and none given, a
            date given outside ``models.window.BOUNDS``, a symbol given or a file
            name longer than its column.
        DocumentConflict: the symbol is imported with other bytes (and not
            ``replace``), or the note is older than one already imported.
    """
    symbol = symbol or note.symbol
    document_date = document_date or note.document_date
    where = source.path.name
    if not symbol:
        raise UnreadableDocument(f"{where}: no document symbol in the header; pass --symbol")
    if document_date is None:
        raise UnreadableDocument(f"{where}: no 'Brussels, <date>' in the header; pass --date")
    if problem := out_of_bounds(Window(document_date, document_date)):
        # Only a date given with the file can be (the header's is read by the parser).
        raise UnreadableDocument(f"{where}: the note's date {problem}")
    # Only what is given with the file can be longer (the header's is not read then).
    if len(symbol) > MAX_SYMBOL:
        raise UnreadableDocument(
            f"{where}: the symbol is {len(symbol):,} characters long; it has at most {MAX_SYMBOL}"
        )
    if len(where) > MAX_FILENAME:
        raise UnreadableDocument(
            f"{where[:40]}...: the file name is {len(where):,} characters long;"
            f" it has at most {MAX_FILENAME}"
        )
    report = ImportReport(symbol, document_date, where, source.sha256)

    same_bytes = session.scalar(select(DocumentVersion).filter_by(sha256=source.sha256))
    if same_bytes is not None:
        report.imported = False
        report.document_id = same_bytes.id
        report.symbol = same_bytes.symbol
        report.previous_import = same_bytes.imported_at
        return report
    replaced = _check_order(session, symbol, document_date, replace)
    document = DocumentVersion(
        symbol=symbol,
        document_date=document_date,
        sha256=source.sha256,
        filename=where,
        size_bytes=len(source.data),
        format=source.format,
        previous_symbol=note.previous_symbol,
        replaces_id=replaced.id if replaced else None,
        imported_at=now,
    )
    session.add(document)
    session.flush()
    report.document_id = document.id

    drafts = draft_events(note)
    report.notices.extend(note.notices)
    section_ids = _store_sections(session, note, now, report)
    drafts = _Applier(session, document, now, report).apply(drafts, section_ids)
    for draft in drafts:
        report.by_precision[draft.precision.value] += 1
        report.by_status[draft.status.value] += 1
        report.occurrences += len(draft.windows)
        if draft.problem:
            report.unreadable.append((_place(document, draft), draft.raw_date, draft.problem))
        if draft.date_note:
            report.inferred.append((_place(document, draft), draft.raw_date, draft.date_note))
    report.events = len(drafts)
    return report


def _check_order(
    session: Session, symbol: str, document_date: dt.date, replace: bool
) -> DocumentVersion | None:
    """Refuse a symbol clash or an older note; return the version a re-issue replaces."""
    same_symbol = session.scalars(
        select(DocumentVersion).filter_by(symbol=symbol).order_by(DocumentVersion.id.desc())
    ).first()
    if same_symbol is not None and not replace:
        raise DocumentConflict(
            f"{symbol} was already imported from other bytes ({same_symbol.filename},"
            f" {same_symbol.imported_at:%Y-%m-%d %H:%M} UTC); pass --replace if this is a"
            " corrected re-issue"
        )
    latest = session.scalars(
        select(DocumentVersion).order_by(DocumentVersion.document_date.desc())
    ).first()
    if latest is not None and document_date < latest.document_date and latest is not same_symbol:
        raise DocumentConflict(
            f"{symbol} of {document_date:%d %B %Y} is older than {latest.symbol} of"
            f" {latest.document_date:%d %B %Y}, already imported: import versions in order"
        )
    return same_symbol


def _store_sections(
    session: Session, note: Note, now: dt.datetime, report: ImportReport
) -> dict[str, int]:
    """Create new sections, refresh known ones; return slug -> id for the note's sections."""
    existing = {s.slug: s for s in session.scalars(select(Section))}
    for position, block in enumerate(note.sections):
        identity: SectionIdentity = block.identity
        section = existing.get(identity.slug)
        if section is None:
            section = Section(
                slug=identity.slug,
                name=identity.name,
                group=identity.group,
                iso_code=identity.iso_code if _iso_free(existing, identity) else None,
                position=position,
                created_at=now,
            )
            session.add(section)
            existing[identity.slug] = section
            report.new_sections.append(identity.slug)
        else:
            section.position = position
            if identity.is_known:
                section.name, section.group = identity.name, identity.group
    session.flush()
    report.sections = len(note.sections)
    return {block.identity.slug: existing[block.identity.slug].id for block in note.sections}


def _iso_free(existing: dict[str, Section], identity: SectionIdentity) -> bool:
    return identity.iso_code is not None and all(
        s.iso_code != identity.iso_code for s in existing.values()
    )


@dataclass
class _Stored:
    """An event as read for matching (plain values, not ORM objects).

    ``values``, ``windows`` and ``note_removed`` are what the note last said:
    the event's own fields, or its ``note_snapshot`` once a person edited it.
    """

    id: int
    uid: str
    section_id: int
    values: dict[str, Any]
    windows: tuple[Window, ...]
    note_removed: bool
    revision: int
    is_manual_override: bool
    is_removed: bool
    from_note: bool
    #: ``(position, window)`` of the occurrences stored (not the snapshot's).
    occurrences: tuple[tuple[int, Window], ...] = ()
    next_position: int = 0
    date_note: str | None = None


class _Applier:
    def __init__(
        self, session: Session, document: DocumentVersion, now: dt.datetime, report: ImportReport
    ) -> None:
        self.session = session
        self.document = document
        self.now = now
        self.report = report
        self.new_events: list[dict[str, Any]] = []
        self.new_windows: dict[str, tuple[Window, ...]] = {}
        self.updates: list[dict[str, Any]] = []
        self.replaced_windows: dict[int, tuple[Window, ...]] = {}
        #: The stored events, by id, whose windows are replaced.
        self.replaced_events: dict[int, _Stored] = {}
        self.revisions: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.slugs: dict[int, str] = {}

    def apply(self, drafts: Sequence[EventDraft], section_ids: dict[str, int]) -> list[EventDraft]:
        """Match and store the drafts; return them as stored (a year kept, see
        :func:`_keep_year`), in the same order."""
        self.slugs = dict(self.session.execute(select(Section.id, Section.slug)).all())
        stored = self._load()
        by_section: dict[int, list[_Stored]] = defaultdict(list)
        for event in stored:
            by_section[event.section_id].append(event)
        drafts_by_section: dict[int, list[EventDraft]] = defaultdict(list)
        for draft in drafts:
            drafts_by_section[section_ids[draft.section.slug]].append(draft)
        kept: dict[int, EventDraft] = {}
        taken_uids = {event.uid for event in stored}
        for section_id in by_section.keys() | drafts_by_section.keys():
            events = by_section.get(section_id, [])
            rows = drafts_by_section.get(section_id, [])
            pairs = match(
                [self._candidate(event) for event in events],
                [Incoming(d.title, d.raw_date, d.windows) for d in rows],
            )
            matched_events = {ci for ci, _ in pairs}
            matched_rows = {ri for _, ri in pairs}
            for ci, ri in pairs:
                draft = _keep_year(events[ci], rows[ri])
                if draft is not rows[ri]:
                    kept[id(rows[ri])] = draft
                self._matched(events[ci], draft)
            for ci, event in enumerate(events):
                if ci not in matched_events:
                    self._unlisted(event)
            for ri, draft in enumerate(rows):
                if ri not in matched_rows:
                    self._new(draft, section_id, taken_uids)
        self._write()
        return [kept.get(id(draft), draft) for draft in drafts]

    def _candidate(self, event: _Stored) -> Candidate:
        firm = confidence_of(event.values["status"], event.values["precision"]) is Confidence.FIRM
        return Candidate(
            title=event.values["title"],
            raw_date=event.values["raw_date"],
            windows=event.windows,
            is_removed=event.is_removed,
            is_settled=is_settled(event.windows, firm=firm, note_date=self.document.document_date),
        )

    def _load(self) -> list[_Stored]:
        windows: dict[int, list[tuple[int, Window]]] = defaultdict(list)
        for event_id, position, start, end in self.session.execute(
            select(
                Occurrence.event_id, Occurrence.position, Occurrence.start, Occurrence.end
            ).order_by(Occurrence.event_id, Occurrence.start, Occurrence.end, Occurrence.position)
        ):
            windows[event_id].append((position, Window(start, end)))
        columns = [getattr(Event, name) for name in NOTE_FIELDS]
        rows = self.session.execute(
            select(
                Event.id,
                Event.uid,
                Event.section_id,
                Event.revision,
                Event.is_manual_override,
                Event.is_removed,
                Event.next_occurrence_position,
                Event.date_note,
                Event.document_version_id,
                Event.note_snapshot,
                *columns,
            ).order_by(Event.id)
        )
        stored = []
        for row in rows:
            snapshot = row.note_snapshot
            if snapshot is None:
                values = {name: getattr(row, name) for name in NOTE_FIELDS}
                note_windows = tuple(w for _, w in windows[row.id])
                note_removed = row.is_removed
            else:
                values, note_windows, note_removed = snapshot_values(snapshot)
            stored.append(
                _Stored(
                    id=row.id,
                    uid=row.uid,
                    section_id=row.section_id,
                    values=values,
                    windows=note_windows,
                    note_removed=note_removed,
                    revision=row.revision,
                    is_manual_override=row.is_manual_override,
                    is_removed=row.is_removed,
                    from_note=row.document_version_id is not None,
                    occurrences=tuple(windows[row.id]),
                    next_position=row.next_occurrence_position,
                    date_note=row.date_note,
                )
            )
        return stored

    def _matched(self, event: _Stored, draft: EventDraft) -> None:
        changes = {
            name: change
            for name, change in differences(
                event.values, event.windows, _values(draft), draft.windows
            ).items()
            if not _layout_only(name, change)
        }
        pointers = {"id": event.id, **self._pointers(draft), "date_note": draft.date_note}
        if event.is_manual_override:
            if event.note_removed:
                changes = {"removed": (True, False), **changes}
            if changes:
                self._conflict(event, draft.title, changes)
                pointers["note_snapshot"] = _snapshot(draft)
            self.updates.append(pointers)
            return
        labels = change_labels(event.values, _values(draft), changes)
        if event.is_removed:
            labels = ("listed again", *labels)
        if not changes and not event.is_removed:
            self.updates.append(pointers)
            self.report.unchanged += 1
            return
        revision = event.revision + 1
        kind = RevisionKind.RESTORED if event.is_removed else RevisionKind.UPDATED
        self.updates.append(
            pointers
            | {name: getattr(draft, name) for name in NOTE_FIELDS}
            | {"revision": revision, "is_removed": False, "updated_at": self.now}
        )
        if "occurrences" in changes:
            self.replaced_windows[event.id] = draft.windows
            self.replaced_events[event.id] = event
        self._revision(event.id, revision, kind, labels, changes)
        change = EventChange(
            event.uid,
            draft.section.slug,
            draft.title,
            _place(self.document, draft),
            labels,
            changes,
        )
        (self.report.restored if event.is_removed else self.report.updated).append(change)

    def _unlisted(self, event: _Stored) -> None:
        if event.note_removed or not event.from_note:
            return  # already removed, or made by hand: the note never listed it
        changes = {"removed": (False, True)}
        if event.is_manual_override:
            self._conflict(event, event.values["title"], changes)
            snapshot = _to_snapshot(event.values, event.windows) | {"removed": True}
            self.updates.append({"id": event.id, "note_snapshot": snapshot})
            return
        revision = event.revision + 1
        self.updates.append(
            {"id": event.id, "is_removed": True, "revision": revision, "updated_at": self.now}
        )
        self._revision(event.id, revision, RevisionKind.REMOVED, ("removed",), changes)
        self.report.removed.append(
            EventChange(
                event.uid,
                self.slugs[event.section_id],
                event.values["title"],
                None,
                ("removed",),
                changes,
            )
        )

    def _new(self, draft: EventDraft, section_id: int, taken: set[str]) -> None:
        uid = _new_uid(self.document.symbol, draft, taken)
        taken.add(uid)
        self.new_events.append(
            {
                "uid": uid,
                "section_id": section_id,
                **{name: getattr(draft, name) for name in NOTE_FIELDS},
                "date_note": draft.date_note,
                **self._pointers(draft),
                "revision": 1,
                "is_manual_override": False,
                "is_removed": False,
                # Positions 0, 1, ... go to its windows (see _write).
                "next_occurrence_position": len(draft.windows),
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        self.new_windows[uid] = draft.windows
        self.report.created.append(
            EventChange(
                uid, draft.section.slug, draft.title, _place(self.document, draft), ("new",), {}
            )
        )

    def _pointers(self, draft: EventDraft) -> dict[str, Any]:
        """Where the event's row stands in this document."""
        return {
            "document_version_id": self.document.id,
            "source_table": draft.table,
            "source_row": draft.row,
            "source_line": draft.line,
            "source_page": draft.page,
            "source_text": draft.source_text,
            "position": draft.position,
        }

    def _conflict(self, event: _Stored, title: str, changes: dict[str, tuple[Any, Any]]) -> None:
        self.conflicts.append(
            {
                "event_id": event.id,
                "document_version_id": self.document.id,
                "differences": {k: [_plain(v[0]), _plain(v[1])] for k, v in changes.items()},
                "detected_at": self.now,
            }
        )
        self.report.conflicts.append(
            EventChange(
                event.uid, self.slugs[event.section_id], title, None, ("edited by hand",), changes
            )
        )

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
                "changes": {k: [_plain(v[0]), _plain(v[1])] for k, v in changes.items()},
                "document_version_id": self.document.id,
                "actor": None,
                "changed_at": self.now,
            }
        )

    def _write(self) -> None:
        session = self.session
        for chunk in _chunks(self.new_events):
            # One batched INSERT ... RETURNING per chunk. The uid returned with
            # each id says whose it is, so no row order is asked for (asking
            # makes SQLite fall back to one statement per row).
            returning = insert(Event).returning(Event.id, Event.uid)
            for event_id, uid in session.execute(returning, chunk):
                self.replaced_windows[event_id] = self.new_windows[uid]
                self._revision(event_id, 1, RevisionKind.CREATED, ("new",), {})
        if self.updates:
            for chunk in _chunks(self.updates):
                session.execute(update(Event), chunk)
        replaced = list(self.replaced_windows)
        for chunk in _chunks(replaced):
            session.execute(delete(Occurrence).where(Occurrence.event_id.in_(chunk)))
        occurrences: list[dict[str, Any]] = []
        counters = []
        for event_id, windows in self.replaced_windows.items():
            stored = self.replaced_events.get(event_id)
            kept, after = keep_positions(
                stored.occurrences if stored else (), windows, stored.next_position if stored else 0
            )
            occurrences.extend(
                {"event_id": event_id, "position": position, "start": w.start, "end": w.end}
                for position, w in kept
            )
            if stored is not None:
                counters.append({"id": event_id, "next_occurrence_position": after})
        for chunk in _chunks(counters):
            session.execute(update(Event), chunk)
        for chunk in _chunks(occurrences):
            session.execute(insert(Occurrence), chunk)
        for chunk in _chunks(self.revisions):
            session.execute(insert(EventRevision), chunk)
        for chunk in _chunks(self.conflicts):
            session.execute(insert(EventConflict), chunk)
        session.flush()


def _place(document: DocumentVersion, draft: EventDraft) -> str:
    """Where a row stands, as the import's summary names it: "line 812, table 31 row 4"."""
    return SourceRef(
        document.symbol, document.format, draft.table, draft.row, draft.line, draft.page
    ).place


def _keep_year(event: _Stored, draft: EventDraft) -> EventDraft:
    """The draft, with the windows the event has if the row repeats its year-less date.

    A year inferred afresh for an unchanged row can differ from the one first
    inferred: a tbc row is upcoming as of the note's date, so "March/April
    (tbc)" read in a May 2024 note would become 2025, and a window that passed
    unconfirmed would never show as overdue. The note has not moved the
    meeting, so the event keeps its windows (``docs/dates.md``, "Missing
    years"). A row whose date text changed is read afresh.
    """
    if draft.date_note is None or not event.windows or draft.windows == event.windows:
        return draft
    if "".join(draft.raw_date.split()) != "".join(event.values["raw_date"].split()):
        return draft
    # The note on the event still says how its year was first found.
    year = max(w.end for w in event.windows).year
    date_note = event.date_note or f"year {year} kept from an earlier version of the note"
    return dataclasses.replace(draft, windows=event.windows, date_note=date_note)


def _layout_only(name: str, change: tuple[Any, Any]) -> bool:
    """A title or outcome that differs only in spaces: where a PDF or Word line broke
    ("Sub-" / "Committee" is read "Sub-Committee", the text file has "Sub- Committee"),
    not what the note says.
    """
    old, new = change
    return name in {"title", "outcome"} and "".join(old.split()) == "".join(new.split())


def _values(draft: EventDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in NOTE_FIELDS}


def _snapshot(draft: EventDraft) -> dict[str, Any]:
    return _to_snapshot({name: getattr(draft, name) for name in NOTE_FIELDS}, draft.windows)


def _to_snapshot(values: dict[str, Any], windows: Sequence[Window]) -> dict[str, Any]:
    snapshot = {name: _plain(value) for name, value in values.items()}
    snapshot["occurrences"] = _plain(tuple(windows))
    snapshot["removed"] = False
    return snapshot


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


def _plain(value: Any) -> Any:
    """A JSON-ready form of a changed value."""
    if isinstance(value, tuple) and all(isinstance(v, Window) for v in value):
        return [[w.start.isoformat(), w.end.isoformat()] for w in value]
    if isinstance(value, Category | Status | Precision):
        return value.value
    return value


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]

"""The record of changes as people read it: recent revisions, each note version's
changes, and the conflicts between hand edits and a newer note still open.

The dashboard and the documents pages show these; the labels of a revision come
from :mod:`models.change` when it is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, not_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from models import DocumentVersion, Event, EventConflict, EventRevision, RevisionKind, Section

#: The headings of a document's changes, in the order the page shows them.
CHANGE_KINDS = ("new", "confirmed", "cancelled", "changed", "listed again", "removed")


def recent_changes(
    session: Session, condition: ColumnElement[bool], *, since: dt.datetime, limit: int
) -> list[EventRevision]:
    """The latest ``limit`` revisions since ``since`` of the events ``condition`` selects
    (on ``Event`` joined with ``Section``), newest first, without the first import's
    creations (every row of the first note)."""
    first_document = select(func.min(DocumentVersion.id)).scalar_subquery()
    return list(
        session.scalars(
            select(EventRevision)
            .join(EventRevision.event)
            .join(Event.section)
            .options(
                contains_eager(EventRevision.event).contains_eager(Event.section),
                contains_eager(EventRevision.event).selectinload(Event.occurrences),
                joinedload(EventRevision.document_version),
            )
            .where(
                condition,
                EventRevision.changed_at >= since,
                not_(
                    and_(
                        EventRevision.kind == RevisionKind.CREATED,
                        EventRevision.document_version_id == first_document,
                    )
                ),
            )
            .order_by(EventRevision.changed_at.desc(), EventRevision.id.desc())
            .limit(limit)
        )
    )


def open_conflicts(session: Session, condition: ColumnElement[bool]) -> list[EventConflict]:
    """Unresolved conflicts of the events ``condition`` selects, oldest first."""
    return list(
        session.scalars(
            select(EventConflict)
            .join(EventConflict.event)
            .join(Event.section)
            .options(
                contains_eager(EventConflict.event).contains_eager(Event.section),
                joinedload(EventConflict.document_version),
            )
            .where(condition, EventConflict.resolved_at.is_(None))
            .order_by(EventConflict.detected_at, EventConflict.id)
        )
    )


def conflicts_of(session: Session, event: Event) -> list[EventConflict]:
    """Every conflict of ``event``, resolved or not, newest first."""
    return list(
        session.scalars(
            select(EventConflict)
            .where(EventConflict.event_id == event.id)
            .options(joinedload(EventConflict.document_version))
            .order_by(EventConflict.detected_at.desc())
        )
    )


def revisions_of(session: Session, uid: str) -> list[EventRevision]:
    """The revisions of the event ``uid``, first to last."""
    return list(
        session.scalars(
            select(EventRevision)
            .join(EventRevision.event)
            .where(Event.uid == uid)
            .order_by(EventRevision.revision)
        )
    )


def documents_newest_first(session: Session) -> list[DocumentVersion]:
    return list(
        session.scalars(
            select(DocumentVersion).order_by(
                DocumentVersion.document_date.desc(), DocumentVersion.id.desc()
            )
        )
    )


def revision_counts(session: Session) -> dict[int, dict[str, int]]:
    """Document version id -> revision kind -> how many revisions that import made."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for document_id, kind, n in session.execute(
        select(EventRevision.document_version_id, EventRevision.kind, func.count())
        .where(EventRevision.document_version_id.is_not(None))
        .group_by(EventRevision.document_version_id, EventRevision.kind)
    ):
        assert document_id is not None  # the query leaves out revisions of no document
        counts[document_id][kind.value] = n
    return counts


@dataclass(frozen=True)
class DocumentChanges:
    """What importing one version of the note did."""

    document: DocumentVersion
    #: The version imported before it; None for the first.
    previous: DocumentVersion | None
    #: The first version only: (section, events created) in the note's order.
    created_by_section: Sequence[tuple[Section, int]] = ()
    #: Later versions: revisions under each of :data:`CHANGE_KINDS`, in the note's order.
    changes: dict[str, list[EventRevision]] = field(default_factory=dict)
    conflicts: Sequence[EventConflict] = ()


def document_changes(session: Session, document: DocumentVersion) -> DocumentChanges:
    previous = session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.id < document.id)
        .order_by(DocumentVersion.id.desc())
    )
    if previous is None:
        # The first version: every event is new, so they are counted by section.
        created = session.execute(
            select(Section, func.count())
            .join(Event, Event.section_id == Section.id)
            .join(EventRevision, EventRevision.event_id == Event.id)
            .where(
                EventRevision.document_version_id == document.id,
                EventRevision.kind == RevisionKind.CREATED,
            )
            .group_by(Section.id)
            .order_by(Section.position)
        ).all()
        return DocumentChanges(
            document, None, created_by_section=[(section, n) for section, n in created]
        )
    revisions = session.scalars(
        select(EventRevision)
        .join(EventRevision.event)
        .join(Event.section)
        .options(contains_eager(EventRevision.event).contains_eager(Event.section))
        .where(EventRevision.document_version_id == document.id)
        .order_by(Section.position, Event.position, Event.id)
    )
    changes: dict[str, list[EventRevision]] = {kind: [] for kind in CHANGE_KINDS}
    for revision in revisions:
        changes[change_kind(revision)].append(revision)
    conflicts = session.scalars(
        select(EventConflict)
        .where(EventConflict.document_version_id == document.id)
        .options(joinedload(EventConflict.event).joinedload(Event.section))
        .order_by(EventConflict.id)
    ).all()
    return DocumentChanges(document, previous, changes=changes, conflicts=conflicts)


def change_kind(revision: EventRevision) -> str:
    """Which heading of a document's changes a revision goes under."""
    if revision.kind is RevisionKind.CREATED:
        return "new"
    if revision.kind is RevisionKind.REMOVED:
        return "removed"
    if revision.kind is RevisionKind.RESTORED:
        return "listed again"
    if {"cancelled", "postponed"} & set(revision.labels):
        return "cancelled"
    if "date confirmed" in revision.labels:
        return "confirmed"
    return "changed"

"""The audit trail of an event: what changed, when, and by which import or user."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.db import Base, intpk, str_enum
from models.document import DocumentVersion

if TYPE_CHECKING:
    from models.event import Event


class RevisionKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REMOVED = "removed"
    RESTORED = "restored"


class EventRevision(Base):
    __tablename__ = "event_revisions"
    __table_args__ = (UniqueConstraint("event_id", "revision"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: The event's revision number after this change (1 for its creation).
    revision: Mapped[int]
    kind: Mapped[RevisionKind] = mapped_column(str_enum(RevisionKind, "kind"))
    #: What the change means to a reader: "date confirmed", "moved", "cancelled", ...
    labels: Mapped[list[Any]]
    #: Field -> [old, new]; occurrences as lists of [start, end] ISO dates.
    changes: Mapped[dict[str, Any]]
    #: The import that made the change, if an import did.
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    #: The person who made the change, if a person did.
    actor: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship(back_populates="revisions")
    document_version: Mapped[DocumentVersion | None] = relationship()


#: The newest import and the newest change to an event (two index lookups), the
#: parts of :func:`data_version`; built once, for statements that read them
#: with something else in the same round trip (``feeds.tokens.feed_access``).
VERSION_PARTS = (
    select(func.max(DocumentVersion.id)).scalar_subquery(),
    select(func.max(EventRevision.id)).scalar_subquery(),
)
_DATA_VERSION = select(*VERSION_PARTS)


def data_version(session: Session) -> str:
    """A token that changes whenever events change: caches of derived views key on it.

    Every change to an event is a revision, and every import a document
    version, so the two highest ids (two index lookups) say whether anything
    changed, in every process that shares the database.
    """
    documents, revisions = session.execute(_DATA_VERSION).one()
    return version_text(documents, revisions)


def version_text(documents: object, revisions: object) -> str:
    """:func:`data_version` from its parts (:data:`VERSION_PARTS`, highest ids); None before any."""
    return f"{documents or 0}.{revisions or 0}"

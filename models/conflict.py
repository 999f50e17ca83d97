"""A difference between a hand-edited event and what a newer note says.

Imports never overwrite an event a person edited (``is_manual_override``);
they record what the note proposes here, for an editor to keep theirs or take
the note's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk

if TYPE_CHECKING:
    from models.document import DocumentVersion
    from models.event import Event


class EventConflict(Base):
    __tablename__ = "event_conflicts"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    document_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    #: What the note changed since the edit: field -> [the note before, the note
    #: now] (occurrences as [start, end] ISO pairs); ``{"removed": [false, true]}``
    #: when the note no longer lists the event. The event's own value: :meth:`ours`.
    differences: Mapped[dict[str, Any]]
    detected_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    #: "kept" or "taken" once an editor decided.
    resolution: Mapped[str | None] = mapped_column(String(20))

    event: Mapped[Event] = relationship()
    document_version: Mapped[DocumentVersion] = relationship()

    def ours(self, field: str) -> Any:
        """The event's current value of a field of :attr:`differences`, in the same form."""
        if field == "occurrences":
            return [[o.start.isoformat(), o.end.isoformat()] for o in self.event.occurrences]
        if field == "removed":
            return self.event.is_removed
        value = getattr(self.event, field)
        return getattr(value, "value", value)

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
    #: Field -> [event's value, note's value]; ``{"removed": [false, true]}`` when
    #: the note no longer lists the event.
    differences: Mapped[dict[str, Any]]
    detected_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    #: "kept" or "taken" once an editor decided.
    resolution: Mapped[str | None] = mapped_column(String(20))

    event: Mapped[Event] = relationship()
    document_version: Mapped[DocumentVersion] = relationship()

"""One date window of an event (inclusive ``start`` and ``end`` dates).

"05 January, 24 February, 17 March, 22 May 2023" is one event with four
occurrences; "Q1 2024 (tbc)" one occurrence from 1 January to 31 March.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk

if TYPE_CHECKING:
    from models.event import Event


class Occurrence(Base):
    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "position"),
        CheckConstraint('"start" <= "end"', name="start_not_after_end"),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: 0-based order within the event; with the event uid it makes the feed UID.
    position: Mapped[int]
    start: Mapped[dt.date]
    end: Mapped[dt.date]

    event: Mapped[Event] = relationship(back_populates="occurrences")

    def __repr__(self) -> str:
        return f"<Occurrence {self.start}..{self.end}>"

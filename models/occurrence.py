"""One date window of an event (inclusive ``start`` and ``end`` dates).

"05 January, 24 February, 17 March, 22 May 2023" is one event with four
occurrences; "Q1 2024 (tbc)" one occurrence from 1 January to 31 March.

An occurrence's ``position`` is its identity within the event, not its place
in the list: the feed UID is "<event uid>-<position>" and the reminder ledger
keys on it. :func:`keep_positions` gives a new list of windows the positions
of the windows they continue, so dropping "24 February" from the list above
leaves 5 January, 17 March and 22 May with the UIDs they had; a new window
gets the event's ``next_occurrence_position``, so no position is ever reused.
Occurrences are listed by date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk
from models.window import Window

if TYPE_CHECKING:
    from models.event import Event


class Occurrence(Base):
    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "position"),
        CheckConstraint('"start" <= "end"', name="start_not_after_end"),
        # The reminder pass starts from the occurrences whose dates can make
        # something due (migration 0008).
        Index("ix_occurrences_start", "start"),
        Index("ix_occurrences_end", "end"),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: The occurrence's index within the event, issued once (0, 1, ...) and kept
    #: while its window stays listed, wherever it stands; with the event uid it
    #: makes the feed UID. Not the order: occurrences are ordered by date.
    position: Mapped[int]
    start: Mapped[dt.date]
    end: Mapped[dt.date]

    event: Mapped[Event] = relationship(back_populates="occurrences")

    def __repr__(self) -> str:
        return f"<Occurrence {self.start}..{self.end}>"


def keep_positions(
    old: Sequence[tuple[int, Window]], new: Sequence[Window], next_position: int
) -> tuple[list[tuple[int, Window]], int]:
    """Give the windows of a new list the positions of the old windows they continue.

    A window still listed keeps its position whatever its place in the list.
    The windows left over on both sides are paired next, one to one: first a
    new window that overlaps an old one (a date refined or confirmed, "Q1 2024"
    becoming "19 March 2024"), then the rest in date order (a meeting moved).
    Any other new window gets a fresh position from ``next_position`` on; the
    positions of old windows left unpaired are retired, never given again.

    Args:
        old: ``(position, window)`` of the occurrences the event has.
        new: the windows it is to have, in the order they are to be listed.
        next_position: the event's ``next_occurrence_position``.

    Returns:
        ``(position, window)`` for every new window, in the order of ``new``,
        and the event's next position afterwards.

    >>> d = lambda m, day: Window(dt.date(2023, m, day), dt.date(2023, m, day))
    >>> old = [(0, d(1, 5)), (1, d(2, 24)), (2, d(3, 17)), (3, d(5, 22))]
    >>> positions, after = keep_positions(old, [d(1, 5), d(3, 17), d(5, 22)], 4)
    >>> [p for p, _ in positions], after
    ([0, 2, 3], 4)
    >>> positions, after = keep_positions(old, [d(1, 5), d(3, 17), d(5, 22), d(6, 1), d(7, 1)], 4)
    >>> [p for p, _ in positions], after
    ([0, 2, 3, 1, 4], 5)
    """
    # Never below what the event holds: occurrences written elsewhere (an edit)
    # may not have moved the counter.
    next_position = max([next_position, *(p + 1 for p, _ in old)])
    assigned: list[int | None] = [None] * len(new)
    free = sorted(old, key=lambda item: (item[1], item[0]))
    for i, window in enumerate(new):
        same = next((item for item in free if item[1] == window), None)
        if same is not None:
            assigned[i] = same[0]
            free.remove(same)
    for i, window in enumerate(new):
        if assigned[i] is None:
            near = next(
                (
                    item
                    for item in free
                    if item[1].start <= window.end and window.start <= item[1].end
                ),
                None,
            )
            if near is not None:
                assigned[i] = near[0]
                free.remove(near)
    for i in sorted((i for i in range(len(new)) if assigned[i] is None), key=lambda i: new[i]):
        if free:
            assigned[i] = free.pop(0)[0]
        else:
            assigned[i] = next_position
            next_position += 1
    return [(p, w) for p, w in zip(assigned, new, strict=True) if p is not None], next_position

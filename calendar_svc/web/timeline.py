"""A section's events laid out as a timeline: one row per event, a bar per window.

Pure geometry, drawn as SVG by ``templates/_timeline.html``: a bar is as wide
as its window (a single day gets a visible minimum), and carries the event's
confidence, which the drawing shows as fill and outline (tentative ones
hatched with a dashed border, cancelled ones crossed out and grey).

Only windows within :data:`models.window.BOUNDS` are drawn: one stored before
the bounds were enforced (31 December 9999, say) would stretch the axis over
millennia, and its month after does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from models import Event, Occurrence
from models.window import in_bounds

LABEL_WIDTH = 300
ROW_HEIGHT = 26
AXIS_HEIGHT = 28
MIN_BAR = 4
LABEL_CHARS = 44


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    event: Event
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    today_x: float | None
    first: dt.date
    last: dt.date


def lay_out(events: Sequence[Event], *, today: dt.date, width: int = 1000) -> Timeline | None:
    """The timeline of ``events`` that have dates; None when none has.

    The axis runs from the first of the month of the earliest window to the
    end of the month of the latest (today included), ticked by month, quarter
    or year depending on the span. Windows outside :data:`models.window.BOUNDS`
    are left out, and so is an event that has no other.
    """
    dated = [(e, drawn) for e in events if (drawn := _drawn(e))]
    if not dated:
        return None
    first = min(o.start for _, drawn in dated for o in drawn)
    last = max(o.end for _, drawn in dated for o in drawn)
    first = min(first, today).replace(day=1)
    last = next_month(max(last, today))
    days = (last - first).days
    scale = (width - LABEL_WIDTH - 10) / days

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + (day - first).days * scale, 1)

    rows = tuple(
        Row(
            y=AXIS_HEIGHT + i * ROW_HEIGHT,
            label=shorten(event.display_title),
            event=event,
            bars=tuple(
                Bar(
                    x=x(o.start),
                    width=max(MIN_BAR, round((((o.end - o.start).days + 1) * scale), 1)),
                    start=o.start,
                    end=o.end,
                )
                for o in drawn
            ),
        )
        for i, (event, drawn) in enumerate(dated)
    )
    return Timeline(
        width=width,
        height=AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 6,
        left=LABEL_WIDTH,
        rows=rows,
        ticks=tuple(Tick(x(day), label) for day, label in month_ticks(first, last)),
        today_x=x(today),
        first=first,
        last=last,
    )


def _drawn(event: Event) -> list[Occurrence]:
    """The event's windows that the timeline can draw (within the bounds)."""
    return [o for o in event.occurrences if in_bounds(o.start, o.end)]


def month_ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """Month ticks for up to 18 months, quarters up to 5 years, else years.

    >>> month_ticks(dt.date(2024, 1, 1), dt.date(2024, 4, 1))
    [(datetime.date(2024, 1, 1), 'Jan 2024'), (datetime.date(2024, 2, 1), 'Feb'), \
(datetime.date(2024, 3, 1), 'Mar')]
    >>> [label for _, label in month_ticks(dt.date(2020, 11, 1), dt.date(2023, 1, 1))]
    ['Q1 2021', 'Q2', 'Q3', 'Q4', 'Q1 2022', 'Q2', 'Q3', 'Q4']
    """
    months = (last.year - first.year) * 12 + last.month - first.month
    step = 1 if months <= 18 else 3 if months <= 60 else 12
    ticks: list[tuple[dt.date, str]] = []
    day = first
    while day < last:
        if (day.month - 1) % step == 0:
            if step == 12:
                label = str(day.year)
            elif step == 3:
                quarter = f"Q{(day.month - 1) // 3 + 1}"
                label = f"{quarter} {day.year}" if day.month == 1 or not ticks else quarter
            else:
                label = f"{day:%b %Y}" if day.month == 1 or not ticks else f"{day:%b}"
            ticks.append((day, label))
        day = next_month(day)
    return ticks


def next_month(day: dt.date) -> dt.date:
    """The first of the month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def shorten(title: str, chars: int = LABEL_CHARS) -> str:
    """``title`` cut to ``chars`` characters, an ellipsis saying so.

    >>> shorten("Justice, Freedom and Security Sub-committee", 20)
    'Justice, Freedom an…'
    """
    return title if len(title) <= chars else title[: chars - 1].rstrip() + "…"

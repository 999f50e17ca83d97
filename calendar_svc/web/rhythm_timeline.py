"""Series drawn on one time axis: a row per series, a mark per meeting, the expected window.

Pure geometry, drawn as SVG by ``templates/_rhythm_timeline.html``. Every
timeline of one page shares its axis (:func:`lay_out` takes the page's groups
at once), so that the rhythms of two sections line up when read one above the
other.

A meeting is marked at the date its series' rhythm counts it at
(:func:`models.rhythm.meeting_date` of its first window, ``docs/series.md``),
and by what it is as of today (:class:`MarkKind`); the drawing gives each kind
a shape of its own as well as a colour. The expected window of the next
meeting is a band as wide as its days.

Windows outside :data:`models.window.BOUNDS` are not drawn, as on the
sections' timelines (:mod:`calendar_svc.web.timeline`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from calendar_svc.web.timeline import Tick, month_ticks, next_month, shorten
from models import Event, Status
from models.rhythm import meeting_date
from models.series import SeriesRhythm
from models.window import Window, in_bounds

LABEL_WIDTH = 260
ROW_HEIGHT = 26
AXIS_HEIGHT = 28
#: The narrowest band drawn for an expected window, in pixels.
MIN_BAND = 4
LABEL_CHARS = 38

#: A series and its listed events (in the note's order), as a row takes them.
SeriesEvents = tuple[SeriesRhythm, Sequence[Event]]


class MarkKind(StrEnum):
    """What a meeting is as of today (``docs/series.md``, "Rhythm")."""

    #: Confirmed and over: what the rhythm is worked out from.
    HELD = "held"
    #: Confirmed, not over yet.
    PLANNED = "planned"
    #: To be confirmed (tbc), whether its window is over or not.
    TBC = "tbc"
    #: Cancelled or postponed: no part of the rhythm.
    OFF = "off"

    @property
    def label(self) -> str:
        return _MARK_LABELS[self]


_MARK_LABELS = {
    MarkKind.HELD: "held",
    MarkKind.PLANNED: "planned",
    MarkKind.TBC: "to be confirmed",
    MarkKind.OFF: "cancelled or postponed",
}


@dataclass(frozen=True)
class Mark:
    #: The centre of the mark.
    x: float
    y: float
    #: The date the meeting counts at.
    date: dt.date
    kind: MarkKind
    event: Event


@dataclass(frozen=True)
class Band:
    """The window the next meeting is expected in."""

    x: float
    y: float
    width: float
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class RhythmRow:
    y: float
    label: str
    series: SeriesRhythm
    #: One per listed event with a window that can be drawn, in date order.
    marks: tuple[Mark, ...]
    expected: Band | None


@dataclass(frozen=True)
class RhythmTimeline:
    width: int
    height: int
    left: int
    rows: tuple[RhythmRow, ...]
    ticks: tuple[Tick, ...]
    today: dt.date
    today_x: float
    first: dt.date
    last: dt.date


def mark_kind(event: Event, window: Window, *, today: dt.date) -> MarkKind:
    """What a meeting is as of ``today``, from its status and its (first) window.

    >>> from models import Precision
    >>> autumn = Window(dt.date(2020, 9, 1), dt.date(2020, 11, 30))
    >>> event = Event(status=Status.CONFIRMED, precision=Precision.SEASON)
    >>> mark_kind(event, autumn, today=dt.date(2020, 11, 30)).value
    'planned'
    >>> mark_kind(event, autumn, today=dt.date(2020, 12, 1)).value
    'held'
    """
    if event.status in (Status.CANCELLED, Status.POSTPONED):
        return MarkKind.OFF
    if event.status is Status.TENTATIVE:
        return MarkKind.TBC
    return MarkKind.HELD if window.end < today else MarkKind.PLANNED


def lay_out(
    groups: Sequence[Sequence[SeriesEvents]], *, today: dt.date, width: int = 1000
) -> list[RhythmTimeline]:
    """One timeline per group of series, every one on the same axis.

    The axis runs from the first of the month of the earliest meeting or
    expected window to the end of the month of the latest, today included,
    ticked as :func:`calendar_svc.web.timeline.month_ticks` does. A series
    without a date that can be drawn still gets its row (empty), so that the
    rows match the table beside them.

    >>> lay_out([[]], today=dt.date(2024, 2, 6))[0].ticks
    (Tick(x=260.0, label='Feb 2024'),)
    """
    dated = [[(series, _dated(events, today)) for series, events in group] for group in groups]
    days = [today]
    for group in dated:
        for series, marks in group:
            days += [day for _, day, _ in marks]
            expected = _expected(series)
            if expected:
                days += [expected.start, expected.end]
    first = min(days).replace(day=1)
    last = next_month(max(days))
    scale = (width - LABEL_WIDTH - 10) / (last - first).days

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + (day - first).days * scale, 1)

    ticks = tuple(Tick(x(day), label) for day, label in month_ticks(first, last))
    timelines = []
    for group in dated:
        rows = []
        for i, (series, marks) in enumerate(group):
            y = AXIS_HEIGHT + i * ROW_HEIGHT
            middle = y + ROW_HEIGHT / 2
            expected = _expected(series)
            rows.append(
                RhythmRow(
                    y=y,
                    label=shorten(series.name, LABEL_CHARS),
                    series=series,
                    marks=tuple(
                        Mark(x(day), middle, day, kind, event) for event, day, kind in marks
                    ),
                    expected=Band(
                        x=x(expected.start),
                        y=y + 4,
                        width=max(
                            MIN_BAND, round(((expected.end - expected.start).days + 1) * scale, 1)
                        ),
                        start=expected.start,
                        end=expected.end,
                    )
                    if expected
                    else None,
                )
            )
        timelines.append(
            RhythmTimeline(
                width=width,
                height=AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 6,
                left=LABEL_WIDTH,
                rows=tuple(rows),
                ticks=ticks,
                today=today,
                today_x=x(today),
                first=first,
                last=last,
            )
        )
    return timelines


def _dated(events: Sequence[Event], today: dt.date) -> list[tuple[Event, dt.date, MarkKind]]:
    """The events that can be drawn, each with its date and kind, in date order."""
    marks = []
    for event in events:
        first = event.occurrences[0] if event.occurrences else None
        if first is None or not in_bounds(first.start, first.end):
            continue
        window = Window(first.start, first.end)
        marks.append(
            (event, meeting_date(event.precision, window), mark_kind(event, window, today=today))
        )
    return sorted(marks, key=lambda mark: mark[1])


def _expected(series: SeriesRhythm) -> Window | None:
    expected = series.rhythm.expected
    return expected if expected and in_bounds(expected.start, expected.end) else None

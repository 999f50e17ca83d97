"""A series' rhythm: how often its body meets, when it should meet next, and its state.

Pure arithmetic on a series' meetings as of a date (``docs/series.md``,
"Rhythm" and "State as of a date"); :mod:`models.series` reads the meetings
from the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from models.event import FIRM_PRECISIONS, Precision, Status
from models.window import Window


class SeriesState(StrEnum):
    SCHEDULED = "scheduled"
    IRREGULAR = "irregular"
    ON_TRACK = "on_track"
    DUE = "due"
    LATE = "late"
    STALLED = "stalled"


#: The states that mean a body should have met and has not.
OVERDUE_STATES = (SeriesState.LATE, SeriesState.STALLED)


@dataclass(frozen=True, slots=True)
class RhythmSettings:
    """The thresholds of ``docs/series.md`` (``[series]`` in the configuration)."""

    #: The expected window is the median interval give or take at least this
    #: fraction of it.
    tolerance: float = 0.25
    #: Fewer held meetings than this: too few to say (``irregular``).
    min_held: int = 2
    #: A spread above this fraction of the median interval is ``irregular``.
    max_spread: float = 0.5


class Meeting(NamedTuple):
    """One listed event of a series, as the rhythm needs it.

    A named tuple: a rhythm pass makes one per event of every series (100,000
    for a large database), and a tuple costs a fraction of a dataclass to make.
    """

    #: A :class:`~models.event.Status` or its value (the query reads them raw).
    status: str
    #: A :class:`~models.event.Precision` or its value.
    precision: str
    #: The event's first window (None, None when the date could not be read).
    start: dt.date | None
    end: dt.date | None
    #: The ordinal its title gives it, None when it has none.
    number: int | None


@dataclass(frozen=True, slots=True)
class Rhythm:
    state: SeriesState
    #: The median days between held meetings; None without two held meetings.
    median_interval_days: int | None
    spread_days: int | None
    #: The window the next meeting is expected in, when none is listed and the
    #: rhythm says (``on_track``, ``due``, ``late``, ``stalled``).
    expected: Window | None
    #: The date of the latest held meeting.
    last_held: dt.date | None
    #: Sequence numbers missing between the lowest and the highest listed.
    gaps: tuple[int, ...]


def rhythm(
    meetings: Iterable[Meeting], *, today: dt.date, settings: RhythmSettings | None = None
) -> Rhythm:
    """The rhythm and state of a series' listed (not removed) meetings as of ``today``.

    >>> def held(day: dt.date, number: int) -> Meeting:
    ...     return Meeting(Status.CONFIRMED, Precision.DAY, day, day, number)
    >>> moldova_jrc = [held(dt.date(2019, 10, 15), 10), held(dt.date(2020, 11, 18), 11)]
    >>> r = rhythm(moldova_jrc, today=dt.date(2024, 2, 6))
    >>> r.state, r.median_interval_days, r.expected.start.isoformat(), r.expected.end.isoformat()
    (<SeriesState.STALLED: 'stalled'>, 400, '2021-09-14', '2022-04-02')
    """
    settings = settings or RhythmSettings()
    meetings = [m for m in meetings if m.status not in (Status.CANCELLED, Status.POSTPONED)]
    gaps = _gaps(m.number for m in meetings)
    held = _held(meetings, today)
    intervals = _intervals(held)
    median = spread = None
    if intervals:
        middle = statistics.median(intervals)
        median = _days(middle)
        spread = _days(statistics.median([abs(i - middle) for i in intervals]))
    last = held[-1][0] if held else None

    def result(state: SeriesState, expected: Window | None = None) -> Rhythm:
        return Rhythm(state, median, spread, expected, last, gaps)

    if any(m.end is not None and m.end >= today for m in meetings):
        return result(SeriesState.SCHEDULED)
    if (
        median is None
        or spread is None
        or last is None
        or len(held) < settings.min_held
        or spread > settings.max_spread * median
    ):
        return result(SeriesState.IRREGULAR)
    half = max(spread, _days(settings.tolerance * median))
    centre = last + dt.timedelta(days=median)
    expected = Window(centre - dt.timedelta(days=half), centre + dt.timedelta(days=half))
    if today < expected.start:
        return result(SeriesState.ON_TRACK, expected)
    if today <= expected.end:
        return result(SeriesState.DUE, expected)
    if (today - expected.end).days < median:
        return result(SeriesState.LATE, expected)
    return result(SeriesState.STALLED, expected)


def state_since(rhythm: Rhythm) -> dt.date | None:
    """The day a late or stalled series turned so; None in the other states.

    >>> r = Rhythm(SeriesState.LATE, 400, 0, Window(dt.date(2021, 9, 14), dt.date(2022, 4, 2)),
    ...            None, ())
    >>> state_since(r)
    datetime.date(2022, 4, 3)
    """
    if rhythm.expected is None or rhythm.median_interval_days is None:
        return None
    if rhythm.state is SeriesState.LATE:
        return rhythm.expected.end + dt.timedelta(days=1)
    if rhythm.state is SeriesState.STALLED:
        return rhythm.expected.end + dt.timedelta(days=rhythm.median_interval_days)
    return None


def meeting_date(precision: Precision, window: Window) -> dt.date:
    """The date a held meeting counts at: its start for a day or days, else the middle.

    >>> meeting_date(Precision.SEASON, Window(dt.date(2020, 9, 1), dt.date(2020, 11, 30)))
    datetime.date(2020, 10, 16)
    """
    return _date(precision, window.start, window.end)


def _date(precision: str, start: dt.date, end: dt.date) -> dt.date:
    if precision in FIRM_PRECISIONS:
        return start
    return start + dt.timedelta(days=(end - start).days // 2)


def _held(meetings: Sequence[Meeting], today: dt.date) -> list[tuple[dt.date, int | None]]:
    """The held meetings' dates and numbers, in date order, one per date."""
    dated: dict[dt.date, int | None] = {}
    for m in meetings:
        if m.status == Status.CONFIRMED and m.end is not None and m.end < today:
            date = _date(m.precision, m.start, m.end)  # type: ignore[arg-type]
            if dated.get(date) is None:
                dated[date] = m.number
    return sorted(dated.items())


def _intervals(held: Sequence[tuple[dt.date, int | None]]) -> list[float]:
    """Days between consecutive held meetings, per meeting where the numbers say how many."""
    intervals = []
    for (before, first), (after, second) in itertools.pairwise(held):
        days = (after - before).days
        steps = second - first if first is not None and second is not None else 1
        intervals.append(days / steps if steps > 0 else days)
    return intervals


def _days(value: float) -> int:
    """Whole days, half up (``round`` would take 182.5 to 182 and 183.5 to 184)."""
    return math.floor(value + 0.5)


def _gaps(numbers: Iterable[int | None]) -> tuple[int, ...]:
    known = {n for n in numbers if n is not None}
    if not known:
        return ()
    return tuple(n for n in range(min(known), max(known)) if n not in known)


__all__ = [
    "OVERDUE_STATES",
    "Meeting",
    "Rhythm",
    "RhythmSettings",
    "SeriesState",
    "meeting_date",
    "rhythm",
    "state_since",
]

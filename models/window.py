"""An inclusive date window, the bounds every stored date keeps to, and how
the note would write a window.

Occurrences are windows; feeds and mails name coarse ones ("Q1 2024",
"April-May 2024") with :func:`format_window`, which the date parser is tested
to read back exactly. :data:`BOUNDS` is the one place that says which dates
calendar-svc accepts (``docs/dates.md``, "Bounds").
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from models.event import Precision

MONTH_NAMES = ("", *(calendar.month_name[m] for m in range(1, 13)))
SEASON_NAMES = {1: "Spring", 2: "Summer", 3: "Autumn", 4: "Winter"}


@dataclass(frozen=True, order=True)
class Window:
    """An inclusive date window."""

    start: dt.date
    end: dt.date


#: Every date calendar-svc takes in lies in this window: a date cell of an
#: imported note, an editor's confirm, move or add form, the note's own date.
#: The note writes years 19xx and 20xx (the parser reads no others); the end
#: of 2100 leaves room for a "Winter 2099" and a year inferred a little ahead.
#: It keeps arithmetic on dates (an all-day DTEND is the day after the last
#: day, a timeline's axis ends at the next month, a reminder falls days
#: before a start) far from ``datetime.date.max``, 31 December 9999, where it
#: would overflow. Nothing in the schema enforces it (no migration): what
#: renders stored dates leaves out a window beyond it (:func:`in_bounds`).
#: ``docs/dates.md``, "Limits", documents it.
BOUNDS = Window(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def out_of_bounds(window: Window) -> str | None:
    """Why ``window`` lies outside :data:`BOUNDS`, in one line; None when it lies inside.

    >>> out_of_bounds(Window(dt.date(2024, 5, 1), dt.date(9999, 12, 31)))
    '9999-12-31 is outside the dates calendar-svc keeps (1900-01-01 to 2100-12-31)'
    >>> out_of_bounds(Window(dt.date(2024, 5, 1), dt.date(2024, 5, 2))) is None
    True
    """
    for day in (window.start, window.end):
        if not BOUNDS.start <= day <= BOUNDS.end:
            return (
                f"{day.isoformat()} is outside the dates calendar-svc keeps"
                f" ({BOUNDS.start.isoformat()} to {BOUNDS.end.isoformat()})"
            )
    return None


def in_bounds(start: dt.date, end: dt.date) -> bool:
    """Whether the window ``start``-``end`` lies within :data:`BOUNDS` (and ends
    no earlier than it starts).

    What renders stored dates asks this first: a window written before the
    bounds were enforced (or by hand, in SQL) is left out, not computed with.

    >>> in_bounds(dt.date(2024, 5, 1), dt.date(2024, 5, 2))
    True
    >>> in_bounds(dt.date(2024, 5, 1), dt.date.max), in_bounds(dt.date.min, dt.date(2024, 1, 1))
    (False, False)
    """
    return BOUNDS.start <= start <= end <= BOUNDS.end


def format_window(window: Window, precision: Precision) -> str:
    """Write a window the way the note would, so that parsing it gives it back.

    >>> format_window(Window(dt.date(2023, 11, 30), dt.date(2023, 12, 1)), Precision.DAYS)
    '30 November - 1 December 2023'
    >>> format_window(Window(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), Precision.QUARTERS)
    'Q1-Q2 2024'
    >>> format_window(Window(dt.date(2022, 12, 1), dt.date(2023, 2, 28)), Precision.RANGE)
    'December 2022 - February 2023'
    """
    start, end = window.start, window.end
    if precision is Precision.DAY:
        return _day(start)
    if precision is Precision.DAYS:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}-{end.day} {MONTH_NAMES[end.month]} {end.year}"
        if start.year == end.year:
            return f"{start.day} {MONTH_NAMES[start.month]} - {_day(end)}"
        return f"{_day(start)} - {_day(end)}"
    if precision is Precision.MONTH:
        return f"{MONTH_NAMES[start.month]} {start.year}"
    if precision is Precision.MONTHS:
        return f"{MONTH_NAMES[start.month]}-{MONTH_NAMES[end.month]} {end.year}"
    if precision is Precision.QUARTER:
        return f"Q{_quarter(start)} {start.year}"
    if precision is Precision.QUARTERS:
        return f"Q{_quarter(start)}-Q{_quarter(end)} {end.year}"
    if precision is Precision.HALF:
        return f"{'1st' if start.month == 1 else '2nd'} semester {start.year}"
    if precision is Precision.SEASON:
        season = 4 if start.month == 12 else start.month // 3
        return f"{SEASON_NAMES[season]} {start.year}"
    if precision is Precision.YEAR:
        return str(start.year)
    if precision is Precision.RANGE:
        return _format_range(window)
    raise ValueError(f"cannot write a window at precision {precision}")


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def _format_range(window: Window) -> str:
    start, end = window.start, window.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return f"{start.year}-{end.year}"
    month_aligned = start.day == 1 and end == month_end(end.year, end.month)
    if month_aligned and start.month % 3 == 1 and end.month % 3 == 0:
        return f"Q{_quarter(start)} {start.year} - Q{_quarter(end)} {end.year}"
    if month_aligned:
        return f"{MONTH_NAMES[start.month]} {start.year} - {MONTH_NAMES[end.month]} {end.year}"
    return f"{_day(start)} - {_day(end)}"

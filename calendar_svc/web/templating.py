"""What templates need besides their context: date filters and the category names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from models import CATEGORY_LABELS, Group
from models.window import MONTH_NAMES


def register(app: Flask) -> None:
    app.jinja_env.filters.update(window=window, day=day, moment=moment, value=value)
    app.jinja_env.globals.update(CATEGORY_LABELS=CATEGORY_LABELS, GROUPS=list(Group))


def day(value: dt.date) -> str:
    """>>> day(dt.date(2024, 3, 5))
    '5 Mar 2024'
    """
    return f"{value.day} {MONTH_NAMES[value.month][:3]} {value.year}"


def window(start: dt.date, end: dt.date) -> str:
    """A window as dates, whatever the note wrote.

    >>> window(dt.date(2024, 3, 5), dt.date(2024, 3, 5))
    '5 Mar 2024'
    >>> window(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    '1 Jan – 31 Mar 2024'
    >>> window(dt.date(2023, 12, 30), dt.date(2024, 1, 2))
    '30 Dec 2023 – 2 Jan 2024'
    """
    if start == end:
        return day(start)
    if start.year == end.year:
        return f"{start.day} {MONTH_NAMES[start.month][:3]} – {day(end)}"
    return f"{day(start)} – {day(end)}"


def moment(value: dt.datetime) -> str:
    """A timestamp in UTC, to the minute.

    >>> moment(dt.datetime(2024, 2, 7, 9, 5, tzinfo=dt.UTC))
    '7 Feb 2024 09:05 UTC'
    """
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{day(value.date())} {value:%H:%M} UTC"


def value(field_value: Any) -> str:
    """A value of a revision's or conflict's changes, as stored (JSON), for people.

    >>> value([["2024-03-01", "2024-03-31"], ["2024-05-02", "2024-05-02"]])
    '1 Mar – 31 Mar 2024; 2 May 2024'
    >>> value(None), value(True), value("tentative")
    ('—', 'yes', 'tentative')
    """
    if field_value is None or field_value == "":
        return "—"
    if isinstance(field_value, bool):
        return "yes" if field_value else "no"
    if isinstance(field_value, list):
        return (
            "; ".join(
                window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
                for start, end in field_value
            )
            or "none"
        )
    return str(field_value)

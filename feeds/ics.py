"""Building iCalendar feeds with the ``icalendar`` library (RFC 5545, Outlook first).

Everything that varies is passed in: the calendar's uid, every event's uid,
DTSTAMP and timestamps come from the data, so two renders of the same data
are byte-identical. Confidence is shown the way each client reads it:

=========================  ============  ===========  ==================
event                      STATUS        TRANSP       Outlook busy status
=========================  ============  ===========  ==================
firm (confirmed, day/days) CONFIRMED     OPAQUE       BUSY
tentative, day/days        TENTATIVE     TRANSPARENT  TENTATIVE
coarser than days          TENTATIVE or  TRANSPARENT  FREE
                           CONFIRMED
cancelled or postponed     CANCELLED     TRANSPARENT  FREE
=========================  ============  ===========  ==================

Tentative and approximate events carry a summary prefix ("(tbc)", "(Q1 2024
tbc)", "(March 2024)"). A window coarser than a month is, by default, one
all-day marker on its first day rather than a banner over the whole quarter.

The SUMMARY is the prefix and the display title (:func:`models.title.display_title`:
"10th", "EU-Montenegro", no second tbc), at most :data:`MAX_SUMMARY`
characters, Outlook's subject limit: a longer one is cut at a word with "…",
and the DESCRIPTION then starts with the whole title.

A window outside :data:`models.window.BOUNDS` (only a row written before the
bounds were enforced, or by hand in SQL, can hold one) is left out of the
feed: one wrong date must not take every feed down with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import STATUS, TRANSP, Calendar, Event, vDuration

from feeds.expected import ExpectedMarker
from feeds.scopes import FeedEntry
from models import CATEGORY_LABELS, Confidence, Precision, Status, confidence_of
from models.tag import tags
from models.title import display_title, shorten
from models.window import Window, format_window, in_bounds

PRODID = "-//calendar-svc//EU external migration dialogues//EN"
#: Outlook cuts a subject longer than this (characters).
MAX_SUMMARY = 255
DAY_PRECISIONS = (Precision.DAY, Precision.DAYS)
#: Windows coarser than a month: shown as a marker on their first day.
COARSE = (
    Precision.MONTHS,
    Precision.QUARTER,
    Precision.QUARTERS,
    Precision.HALF,
    Precision.SEASON,
    Precision.YEAR,
    Precision.RANGE,
)


@dataclass(frozen=True)
class CalendarMeta:
    name: str
    description: str


@dataclass(frozen=True)
class IcsOptions:
    #: How often clients should fetch the feed again.
    refresh: dt.timedelta
    #: Show windows coarser than a month as a one-day marker (else as a span).
    coarse_as_marker: bool = True


def exclusive_end(last_day: dt.date) -> dt.date:
    """DTEND of an all-day event: the day after its inclusive last day (RFC 5545 3.6.1).

    Never overflows: ``datetime.date.max`` has no day after it and is given
    back as it is (no feed holds it: :func:`build_calendar` leaves windows
    outside :data:`models.window.BOUNDS` out).

    >>> exclusive_end(dt.date(2024, 2, 29))
    datetime.date(2024, 3, 1)
    >>> exclusive_end(dt.date.max)
    datetime.date(9999, 12, 31)
    """
    if last_day == dt.date.max:
        return last_day
    return last_day + dt.timedelta(days=1)


def build_calendar(
    meta: CalendarMeta,
    entries: Iterable[FeedEntry],
    options: IcsOptions,
    markers: Iterable[ExpectedMarker] = (),
) -> bytes:
    """The VCALENDAR of a feed, as bytes (UTF-8, CRLF, folded lines): its entries, then
    the expected windows of series (``markers``) when the subscriber asked for them.

    Entries whose window lies outside :data:`models.window.BOUNDS` are left out.
    """
    # Not Calendar.new(): it always adds a calendar-level UID (RFC 7986), which
    # vdirsyncer takes for every event's UID, collapsing the feed into one item.
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", meta.name)
    calendar.add("x-wr-calname", meta.name)
    calendar.add("description", meta.description)
    calendar.add("x-wr-caldesc", meta.description)
    # icalendar writes a bare timedelta without VALUE=DURATION (REFRESH-INTERVAL)
    # or as "6:00:00" (X- properties); both forms are set explicitly.
    calendar.add("refresh-interval", vDuration(options.refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(options.refresh))
    for entry in entries:
        if in_bounds(entry.start, entry.end):
            calendar.add_component(_event(entry, options))
    for marker in markers:
        if in_bounds(marker.window.start, marker.window.end):
            calendar.add_component(_marker(marker))
    ical: bytes = calendar.to_ical()  # not annotated in icalendar
    return ical


def summary_prefix(entry: FeedEntry) -> str:
    """ "(tbc) ", "(Q1 2024 tbc) ", "(March 2024) ", "(cancelled) " or nothing for a firm date."""
    if entry.status in (Status.CANCELLED, Status.POSTPONED):
        return f"({entry.status.value}) "
    tentative = entry.status is Status.TENTATIVE
    if entry.precision in DAY_PRECISIONS or entry.precision is Precision.UNKNOWN:
        return "(tbc) " if tentative else ""
    label = format_window(Window(entry.start, entry.end), entry.precision)
    return f"({label} tbc) " if tentative else f"({label}) "


def summary(entry: FeedEntry) -> str:
    """The SUMMARY: prefix and display title, cut to :data:`MAX_SUMMARY` characters."""
    return shorten(summary_prefix(entry) + _title(entry), MAX_SUMMARY)


def _title(entry: FeedEntry) -> str:
    return display_title(entry.title, tentative=entry.status is Status.TENTATIVE)


def _event(entry: FeedEntry, options: IcsOptions) -> Event:
    confidence = confidence_of(entry.status, entry.precision)
    if confidence is Confidence.OFF:
        status, transparency, busy = STATUS.CANCELLED, TRANSP.TRANSPARENT, "FREE"
    elif confidence is Confidence.FIRM:
        status, transparency, busy = STATUS.CONFIRMED, TRANSP.OPAQUE, "BUSY"
    elif entry.precision in DAY_PRECISIONS:
        status, transparency, busy = STATUS.TENTATIVE, TRANSP.TRANSPARENT, "TENTATIVE"
    else:
        status = STATUS.TENTATIVE if entry.status is Status.TENTATIVE else STATUS.CONFIRMED
        transparency, busy = TRANSP.TRANSPARENT, "FREE"
    last_day = entry.start if options.coarse_as_marker and entry.precision in COARSE else entry.end
    event = Event.new(
        uid=f"{entry.uid}-{entry.position}",
        stamp=entry.updated_at,
        created=entry.created_at,
        last_modified=entry.updated_at,
        sequence=entry.revision,
        start=entry.start,
        end=exclusive_end(last_day),
        summary=summary(entry),
        description=_description(entry, confidence),
        location=entry.location,
        categories=[
            CATEGORY_LABELS[entry.category],
            *tags(entry.title, entry.outcome),
            entry.section,
        ],
        status=status,
        transparency=transparency,
    )
    event.add("x-microsoft-cdo-busystatus", busy)
    event.add("x-microsoft-cdo-alldayevent", "TRUE")
    return event


def _marker(marker: ExpectedMarker) -> Event:
    """An expected window: all-day, transparent and free, and plainly not from the note."""
    # Stamped with the last meeting held: the window only moves when that does.
    stamp = dt.datetime.combine(marker.last_held, dt.time(), tzinfo=dt.UTC)
    last_met = format_window(Window(marker.last_held, marker.last_held), Precision.DAY)
    event = Event.new(
        uid=f"series-{marker.series_id}-expected",
        stamp=stamp,
        last_modified=stamp,
        sequence=marker.meetings,
        start=marker.window.start,
        end=exclusive_end(marker.window.end),
        summary=shorten(f"(expected by rhythm) {marker.name} ({marker.section})", MAX_SUMMARY),
        description=(
            "Not in the note: no next meeting is listed. This window is where the"
            f" series' own rhythm puts it: it meets every {marker.median_interval_days} days"
            f" (median) and last met on {last_met}."
        ),
        categories=["Expected by rhythm", marker.section],
        status=STATUS.TENTATIVE,
        transparency=TRANSP.TRANSPARENT,
    )
    event.add("x-microsoft-cdo-busystatus", "FREE")
    event.add("x-microsoft-cdo-alldayevent", "TRUE")
    return event


def _description(entry: FeedEntry, confidence: Confidence) -> str:
    window = format_window(Window(entry.start, entry.end), Precision.DAYS)
    if entry.start == entry.end:
        window = format_window(Window(entry.start, entry.end), Precision.DAY)
    lines = []
    title = _title(entry)
    if len(summary_prefix(entry) + title) > MAX_SUMMARY:
        lines.append(title)
    lines += [
        f"Date in the note: {entry.raw_date}",
        f"Confidence: {confidence.value} ({window})",
    ]
    if entry.outcome:
        lines.append(f"Outcome: {entry.outcome}")
    if entry.source is not None:
        lines.append(f"Source: Council document {entry.source.label}")
    lines.append(f"{entry.section} · {CATEGORY_LABELS[entry.category]}")
    return "\n".join(lines)

"""The expected windows of series, as feed markers a subscriber opts into (``?expected=1``).

A series whose body should meet by its own rhythm and lists no next meeting
(``docs/series.md``: on track, due, late or stalled) has an expected window.
A feed asked for with ``expected=1`` shows it as an all-day, transparent,
free marker, "(expected by rhythm) ...", whose description says that the
note does not list it. A series is in a feed's scope when one of its events
is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.scopes import Scope
from models import Event, Section, SeriesMember
from models.rhythm import RhythmSettings
from models.series import series_rhythms
from models.window import Window


@dataclass(frozen=True)
class ExpectedMarker:
    """The expected window of one series, with what its VEVENT says."""

    series_id: int
    name: str
    section: str
    window: Window
    median_interval_days: int
    last_held: dt.date
    #: Meetings the series lists: a new one moves the window (the marker's SEQUENCE).
    meetings: int


def expected_markers(
    session: Session,
    scope: Scope,
    *,
    today: dt.date,
    settings: RhythmSettings,
    past_days: int | None,
) -> list[ExpectedMarker]:
    """The markers of the series in ``scope`` with an expected window, in date order;
    without those that ended more than ``past_days`` ago (None keeps all)."""
    in_scope = set(
        session.scalars(
            select(SeriesMember.series_id)
            .join(Event, Event.id == SeriesMember.event_id)
            .join(Section, Event.section_id == Section.id)
            .where(scope.condition, Event.is_removed.is_(False))
            .distinct()
        )
    )
    if not in_scope:
        return []
    oldest = None if past_days is None else today - dt.timedelta(days=past_days)
    markers = [
        ExpectedMarker(
            series.id,
            series.name,
            series.section,
            rhythm.expected,
            rhythm.median_interval_days,
            rhythm.last_held,
            len(series.members),
        )
        for series in series_rhythms(session, today=today, settings=settings)
        if series.id in in_scope
        and (rhythm := series.rhythm).expected is not None
        and rhythm.median_interval_days is not None
        and rhythm.last_held is not None
        and (oldest is None or rhythm.expected.end >= oldest)
    ]
    markers.sort(key=lambda m: (m.window.start, m.series_id))
    return markers

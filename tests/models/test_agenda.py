"""Upcoming, awaiting confirmation and overdue tbc, as of the sample note's date.

The expected lists were made by reading the note: firm dates between 6 February
and 19 March 2024; tbc or approximate windows open or opening by 7 March 2024;
tbc windows that ended in the 90 days before 6 February 2024.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Occurrence, Section
from models.agenda import build_agenda

NOTE_DATE = dt.date(2024, 2, 6)


def rows(occurrences: list[Occurrence]) -> list[tuple[str, str]]:
    return [(o.event.section.slug, o.event.raw_date) for o in occurrences]


def test_the_agenda_as_of_the_note_date(session: Session, ingest: Callable[..., object]) -> None:
    ingest()
    agenda = build_agenda(session, today=NOTE_DATE)
    assert rows(agenda.upcoming) == [
        ("libya", "5-8 February 2024"),
        ("jordan", "6 February 2024"),
        ("north-macedonia", "6 February 2024"),
        ("serbia", "6-7 February 2024"),
        ("khartoum-process", "7-8 February 2024, Nairobi"),
        ("khartoum-process", "7-8 February 2024, Nairobi"),
        ("bosnia-and-herzegovina", "12-14 February 2024"),
        ("western-balkans", "13-14 February 2024"),
        ("georgia", "20 February 2024"),
        ("north-macedonia", "5-6 March 2024"),
        ("albania", "6-7 March 2024"),
        ("montenegro", "7-8 March 2024"),
        ("united-nations", "11 March 2024"),
        ("serbia", "12-13 March 2024"),
        ("montenegro", "13-14 March 2024"),
    ]
    assert sorted(rows(agenda.awaiting)) == sorted(
        [
            ("iraq", "Q1 2023-Q1 2024"),
            ("montenegro", "Q1/Q2 2024 (tbc)"),
            ("serbia", "Q1 2024 (tbc)"),
            ("china", "Q1 2024"),
            ("bangladesh", "1 st Semester 2024 TBC"),
            ("bangladesh", "1 st semester 2024 TBC"),
            ("ethiopia", "February 2024"),
            ("azerbaijan", "February 2024 (TBC)"),
            ("egypt", "March 2024"),
            ("egypt", "March 2024"),
            ("egypt", "March 2024"),
            ("africa-eu-dialogue", "March/April (tbc)"),
            ("bangladesh", "5 March 2024 (TBC)"),
            ("bangladesh", "6 March 2024 (TBC)"),
        ]
    )
    # Only tbc windows: "December 2023" (Ethiopia) and "Last quarter 2023" (Cameroon)
    # ended before the note that reports them, so nothing is left to confirm.
    assert rows(agenda.overdue) == [("china", "30 November or 1 December 2023")]


def test_the_agenda_follows_the_day_and_the_sections(
    session: Session, ingest: Callable[..., object]
) -> None:
    ingest()
    serbia = session.scalars(select(Section).filter_by(slug="serbia")).one()
    serbia_only = Event.section_id == serbia.id
    in_april = build_agenda(session, today=dt.date(2024, 4, 2), condition=serbia_only)
    assert rows(in_april.upcoming) == []
    assert rows(in_april.awaiting) == []
    assert rows(in_april.overdue) == [("serbia", "Q1 2024 (tbc)")]
    in_july = build_agenda(session, today=dt.date(2024, 7, 1), condition=serbia_only)
    assert rows(in_july.overdue) == []  # ended more than 90 days ago

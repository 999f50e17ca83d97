"""Small rows for tests that need a few sections, events or subscribers, not the note.

Importing the sample note (836 events) takes a second or more; a test whose
assertions do not depend on the note's content builds what it needs here.
Each factory adds to the session and flushes, so the row has its id.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from sqlalchemy.orm import Session

from calendar_svc.subscribers import add_subscriber
from models import Category, Event, Group, Precision, Section, Status, Subscriber
from models.occurrence import Occurrence
from models.window import Window

#: When factory rows are made unless a test says.
MADE = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
_numbers = itertools.count(1)


def section(
    session: Session,
    slug: str = "serbia",
    *,
    name: str | None = None,
    group: Group = Group.WESTERN_BALKANS,
    iso_code: str | None = None,
    position: int | None = None,
) -> Section:
    made = Section(
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        group=group,
        iso_code=iso_code,
        position=next(_numbers) if position is None else position,
        created_at=MADE,
    )
    session.add(made)
    session.flush()
    return made


def event(
    session: Session,
    in_section: Section,
    title: str = "EU-Serbia Joint Readmission Committee meeting",
    *,
    windows: Sequence[Window] = (Window(dt.date(2024, 3, 12), dt.date(2024, 3, 13)),),
    raw_date: str = "12-13 March 2024",
    status: Status = Status.CONFIRMED,
    precision: Precision = Precision.DAY,
    category: Category = Category.JOINT_READMISSION_COMMITTEE,
    outcome: str = "",
    location: str | None = None,
    now: dt.datetime = MADE,
) -> Event:
    """An event with one occurrence per window, as an import makes it (revision 1)."""
    made = Event(
        uid=f"factory-{next(_numbers)}",
        section=in_section,
        title=title,
        outcome=outcome,
        category=category,
        raw_date=raw_date,
        status=status,
        precision=precision,
        location=location,
        source_text=f"{raw_date}\t{title}\t{outcome}",
        position=next(_numbers),
        revision=1,
        created_at=now,
        updated_at=now,
    )
    made.occurrences = [
        Occurrence(position=i, start=w.start, end=w.end) for i, w in enumerate(windows)
    ]
    made.next_occurrence_position = len(windows)
    session.add(made)
    session.flush()
    return made


def subscriber(
    session: Session,
    email: str = "desk.officer@example.eu",
    *,
    sections: Sequence[str] = ("serbia",),
    now: dt.datetime = MADE,
    **options: object,
) -> Subscriber:
    """A subscriber as ``calendar-svc subscribers add`` makes one (the sections must exist)."""
    made = add_subscriber(session, email, now=now, sections=sections, **options)  # type: ignore[arg-type]
    session.flush()
    return made

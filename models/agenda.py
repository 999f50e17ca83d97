"""What is coming up, what awaits a date, and what is overdue, as of a day.

The three lists of the digest, the dashboard and ``calendar-svc agenda``
(DESIGN.md section 6). Each is one SQL query over occurrences:

- upcoming: firm occurrences (confirmed, day or days precision) running
  between ``today`` and ``today + weeks``;
- awaiting confirmation: tentative or approximate occurrences whose window is
  open or opens within ``lead_days``;
- overdue tbc: tentative or approximate occurrences whose window ended within
  the last ``horizon_days``. An approximate one that had already ended when
  its note was issued is left out: the note reports it as having happened
  ("December 2023"), there is nothing left to confirm.

Cancelled, postponed and removed events are in none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select
from sqlalchemy.orm import Session, contains_eager

from models.document import DocumentVersion
from models.event import Event, Precision, Status
from models.occurrence import Occurrence
from models.section import Section

FIRM_PRECISIONS = (Precision.DAY, Precision.DAYS)


@dataclass(frozen=True)
class Agenda:
    today: dt.date
    upcoming: list[Occurrence]
    awaiting: list[Occurrence]
    overdue: list[Occurrence]


def build_agenda(
    session: Session,
    *,
    today: dt.date,
    weeks: int = 6,
    lead_days: int = 30,
    horizon_days: int = 90,
    section_ids: list[int] | None = None,
) -> Agenda:
    """The three lists as of ``today``, each ordered by start date then section."""
    firm = and_(Event.status == Status.CONFIRMED, Event.precision.in_(FIRM_PRECISIONS))
    vague = and_(
        Event.status.in_((Status.CONFIRMED, Status.TENTATIVE)),
        or_(Event.status == Status.TENTATIVE, not_(Event.precision.in_(FIRM_PRECISIONS))),
    )
    reported_as_past = and_(
        Event.status == Status.CONFIRMED,
        DocumentVersion.document_date.is_not(None),
        Occurrence.end < DocumentVersion.document_date,
    )
    return Agenda(
        today=today,
        upcoming=_occurrences(
            session,
            firm,
            Occurrence.end >= today,
            Occurrence.start <= today + dt.timedelta(weeks=weeks),
            section_ids=section_ids,
        ),
        awaiting=_occurrences(
            session,
            vague,
            Occurrence.end >= today,
            Occurrence.start <= today + dt.timedelta(days=lead_days),
            section_ids=section_ids,
        ),
        overdue=_occurrences(
            session,
            vague,
            Occurrence.end < today,
            Occurrence.end >= today - dt.timedelta(days=horizon_days),
            not_(reported_as_past),
            section_ids=section_ids,
        ),
    )


def _occurrences(
    session: Session, *conditions: ColumnElement[bool], section_ids: list[int] | None
) -> list[Occurrence]:
    query: Select[tuple[Occurrence]] = (
        select(Occurrence)
        .join(Occurrence.event)
        .join(Event.section)
        .outerjoin(DocumentVersion, Event.document_version_id == DocumentVersion.id)
        .options(contains_eager(Occurrence.event).contains_eager(Event.section))
        .where(Event.is_removed.is_(False), *conditions)
        .order_by(Occurrence.start, Section.position, Event.position)
    )
    if section_ids is not None:
        query = query.where(Event.section_id.in_(section_ids))
    return list(session.scalars(query))

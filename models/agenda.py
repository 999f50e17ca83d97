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

from sqlalchemy import ColumnElement, Select, and_, case, not_, or_, select, true
from sqlalchemy.orm import Session, contains_eager

from models.document import DocumentVersion
from models.event import Event, Precision, Status
from models.occurrence import Occurrence
from models.section import Section


@dataclass(frozen=True)
class Agenda:
    today: dt.date
    upcoming: list[Occurrence]
    awaiting: list[Occurrence]
    overdue: list[Occurrence]


def is_vague() -> ColumnElement[bool]:
    """Tentative, or confirmed but coarser than days: a window awaiting a date."""
    return and_(
        Event.status.in_((Status.CONFIRMED, Status.TENTATIVE)),
        Event.precision != Precision.UNKNOWN,
        not_(Event.is_firm),
    )


def reported_as_past() -> ColumnElement[bool]:
    """An approximate window that had ended when its note was issued ("December 2023").

    Needs ``DocumentVersion`` joined (outer) on the event's document.
    """
    return and_(
        Event.status == Status.CONFIRMED,
        DocumentVersion.document_date.is_not(None),
        Occurrence.end < DocumentVersion.document_date,
    )


def build_agenda(
    session: Session,
    *,
    today: dt.date,
    weeks: int = 6,
    lead_days: int = 30,
    horizon_days: int = 90,
    condition: ColumnElement[bool] | None = None,
) -> Agenda:
    """The three lists as of ``today``, each ordered by start date then section.

    ``condition`` narrows them (e.g. ``Event.section_id.in_(...)`` or a
    subscriber's scope), as a condition on ``Event`` joined with ``Section``.
    One query reads the union of the three windows; the rows are then sorted
    into the lists by the same predicates, evaluated in SQL.
    """
    upcoming_until = today + dt.timedelta(weeks=weeks)
    awaiting_until = today + dt.timedelta(days=lead_days)
    horizon = today - dt.timedelta(days=horizon_days)
    firm = Event.is_firm
    query: Select[Occurrence, bool, bool] = (
        select(
            Occurrence,
            case((firm, True), else_=False),
            case((reported_as_past(), True), else_=False),
        )
        .join(Occurrence.event)
        .join(Event.section)
        .outerjoin(DocumentVersion, Event.document_version_id == DocumentVersion.id)
        .options(contains_eager(Occurrence.event).contains_eager(Event.section))
        .where(
            Event.is_removed.is_(False),
            condition if condition is not None else true(),
            # A firm date that has ended is in no list: not read at all.
            or_(and_(firm, Occurrence.end >= today), is_vague()),
            Occurrence.end >= horizon,
            Occurrence.start <= max(upcoming_until, awaiting_until),
        )
        # The last keys only make the order total, so that narrower queries
        # (a digest's scope) list in the same order as wider ones.
        .order_by(
            Occurrence.start,
            Section.position,
            Event.position,
            Event.id,
            Occurrence.end,
            Occurrence.position,
        )
    )
    agenda = Agenda(today=today, upcoming=[], awaiting=[], overdue=[])
    for occurrence, firm_date, past in session.execute(query):
        if firm_date:
            if occurrence.end >= today and occurrence.start <= upcoming_until:
                agenda.upcoming.append(occurrence)
        elif occurrence.end >= today:
            if occurrence.start <= awaiting_until:
                agenda.awaiting.append(occurrence)
        elif not past:
            agenda.overdue.append(occurrence)
    return agenda

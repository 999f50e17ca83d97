"""Dates read from a scan by OCR that a person should check against the scan.

An import from a scanned PDF stores how sure OCR was of each date cell
(``Event.ocr_confidence``, 0-100); the dashboard lists the events whose cell
it was less sure of than ``ingest.ocr_review_below``. An import read without
OCR (text, Word, a PDF's text layer) sets the confidence back to None, which
takes the event off the list.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, contains_eager, selectinload

from models import Event, Section


def dates_to_check(
    session: Session, below: float, condition: ColumnElement[bool] | None = None
) -> list[Event]:
    """The current events whose date cell OCR read with a confidence under ``below``.

    Args:
        session: the caller's session (read only).
        below: the confidence (0-100) to stay under (``ingest.ocr_review_below``).
        condition: narrows the events (on ``Event`` joined with ``Section``, as
            :meth:`~calendar_svc.events.filters.EventFilter.condition` makes it).

    Returns:
        Events not removed, read by OCR under ``below``, lowest confidence
        first (then in the note's order), with their section and occurrences.
    """
    return list(
        session.scalars(
            select(Event)
            .join(Event.section)
            .options(contains_eager(Event.section), selectinload(Event.occurrences))
            .where(
                true() if condition is None else condition,
                Event.is_removed.is_(False),
                Event.ocr_confidence.is_not(None),
                Event.ocr_confidence < below,
            )
            .order_by(Event.ocr_confidence, Section.position, Event.position, Event.id)
        )
    )

"""The export of DESIGN.md section 4: one record per event, in source order.

The JSON form is the contract outside tools read
(``../shared/contract/export.schema.json``); its ``source`` is
:meth:`models.SourceRef.as_json` (document, format, table and row; the line of
a text file, the page of a PDF). The CSV form has the same fields with
occurrences as ISO 8601 intervals (``start/end``, ``;``-separated) and the
source as six columns (``source_document``, ``source_format``,
``source_table``, ``source_row``, ``source_line``, ``source_page``), empty
where the source has no such value.

``title`` is the display title (:func:`models.title.display_title`: ordinals
joined, cut hyphens repaired, NFC, no tbc a tentative date already says); the
note's own text stays in ``raw_date`` and in the event's stored row.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session, contains_eager

from models import Event, Occurrence, Section, SourceRef

CSV_FIELDS = (
    "uid",
    "section",
    "section_slug",
    "group",
    "title",
    "outcome",
    "category",
    "raw_date",
    "precision",
    "status",
    "confidence",
    "location",
    "occurrences",
    "source_document",
    "source_format",
    "source_table",
    "source_row",
    "source_line",
    "source_page",
    "revision",
    "removed",
)


def export_records(session: Session, *, section: Section | None = None) -> list[dict[str, Any]]:
    """Every event a note lists or listed (removed ones flagged), by section then row.

    Events added by hand that no note lists yet are left out: the contract
    gives every record a source (document, table and row).
    """
    condition: ColumnElement[bool] = Event.document_version_id.is_not(None)
    if section is not None:
        condition = and_(condition, Event.section_id == section.id)
    return event_records(session, condition)


def count_events(session: Session, condition: ColumnElement[bool]) -> int:
    """How many events match ``condition`` (on ``Event`` joined with ``Section``)."""
    return (
        session.scalar(select(func.count()).select_from(Event).join(Event.section).where(condition))
        or 0
    )


def event_records(
    session: Session,
    condition: ColumnElement[bool] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Records of the events matching ``condition`` (on ``Event`` joined with ``Section``).

    The export's fields; an event added by hand has ``None`` as source. Ordered
    by section then row, ``limit`` and ``offset`` page them.
    """
    where = condition if condition is not None else true()
    rows = session.execute(
        select(Event, Section)
        .join(Event.section)
        .outerjoin(Event.document_version)
        .options(contains_eager(Event.document_version))
        .where(where)
        .order_by(Section.position, Event.position, Event.id)
        .limit(limit)
        .offset(offset)
    ).all()
    occurrences = (
        select(Occurrence.event_id, Occurrence.start, Occurrence.end)
        .join(Occurrence.event)
        .join(Event.section)
        .order_by(Occurrence.event_id, Occurrence.start, Occurrence.end, Occurrence.position)
    )
    # A page names its events; the whole export reads occurrences by the same condition.
    occurrences = occurrences.where(
        Event.id.in_([event.id for event, _ in rows]) if limit is not None else where
    )
    windows: dict[int, list[dict[str, str]]] = defaultdict(list)
    for event_id, start, end in session.execute(occurrences):
        windows[event_id].append({"start": start.isoformat(), "end": end.isoformat()})
    records = []
    for event, sec in rows:
        source = SourceRef.of(event)
        records.append(
            {
                "uid": event.uid,
                "section": sec.name,
                "section_slug": sec.slug,
                "group": sec.group.value,
                "title": event.display_title,
                "outcome": event.outcome,
                "category": event.category.value,
                "raw_date": event.raw_date,
                "precision": event.precision.value,
                "status": event.status.value,
                "confidence": event.confidence.value,
                "location": event.location,
                "occurrences": windows[event.id],
                "source": source.as_json() if source is not None else None,
                "revision": event.revision,
                "removed": event.is_removed,
            }
        )
    return records


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        flat = {k: v for k, v in record.items() if k in CSV_FIELDS}
        flat["occurrences"] = ";".join(f"{o['start']}/{o['end']}" for o in record["occurrences"])
        source = record["source"] or {}
        for name in ("document", "format", "table", "row", "line", "page"):
            value = source.get(name)
            flat[f"source_{name}"] = "" if value is None else value
        flat["removed"] = "true" if record["removed"] else "false"
        flat["location"] = record["location"] or ""
        writer.writerow(flat)
    return out.getvalue()

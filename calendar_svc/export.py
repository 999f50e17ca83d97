"""The export of DESIGN.md section 4: one record per event, in source order.

The JSON form is the contract outside tools read
(``../shared/contract/export.schema.json``); the CSV form has the same fields
with occurrences as ISO 8601 intervals (``start/end``, ``;``-separated) and the
source split into two columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from models import DocumentVersion, Event, Occurrence, Section

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
    "source_line",
    "revision",
    "removed",
)


def export_records(session: Session, *, section: Section | None = None) -> list[dict[str, Any]]:
    """Every event a note lists or listed (removed ones flagged), by section then row.

    Events added by hand that no note lists yet are left out: the contract
    gives every record a source document and line.
    """
    condition = Event.document_version_id.is_not(None)
    if section is not None:
        condition = and_(condition, Event.section_id == section.id)
    return event_records(session, condition)


def event_records(
    session: Session,
    condition: ColumnElement[bool] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Records of the events matching ``condition`` (on ``Event`` joined with ``Section``).

    The export's fields; an event added by hand has ``None`` as source document
    and line. Ordered by section then row, ``limit`` and ``offset`` page them.
    """
    where = condition if condition is not None else true()
    rows = session.execute(
        select(Event, Section, DocumentVersion.symbol)
        .join(Event.section)
        .outerjoin(Event.document_version)
        .where(where)
        .order_by(Section.position, Event.position, Event.id)
        .limit(limit)
        .offset(offset)
    ).all()
    occurrences = (
        select(Occurrence.event_id, Occurrence.start, Occurrence.end)
        .join(Occurrence.event)
        .join(Event.section)
        .order_by(Occurrence.event_id, Occurrence.position)
    )
    # A page names its events; the whole export reads occurrences by the same condition.
    occurrences = occurrences.where(
        Event.id.in_([event.id for event, _, _ in rows]) if limit is not None else where
    )
    windows: dict[int, list[dict[str, str]]] = defaultdict(list)
    for event_id, start, end in session.execute(occurrences):
        windows[event_id].append({"start": start.isoformat(), "end": end.isoformat()})
    return [
        {
            "uid": event.uid,
            "section": sec.name,
            "section_slug": sec.slug,
            "group": sec.group.value,
            "title": event.title,
            "outcome": event.outcome,
            "category": event.category.value,
            "raw_date": event.raw_date,
            "precision": event.precision.value,
            "status": event.status.value,
            "confidence": event.confidence.value,
            "location": event.location,
            "occurrences": windows[event.id],
            "source": {"document": symbol, "line": event.source_line},
            "revision": event.revision,
            "removed": event.is_removed,
        }
        for event, sec, symbol in rows
    ]


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        flat = {k: v for k, v in record.items() if k in CSV_FIELDS}
        flat["occurrences"] = ";".join(f"{o['start']}/{o['end']}" for o in record["occurrences"])
        flat["source_document"] = record["source"]["document"]
        flat["source_line"] = record["source"]["line"]
        flat["removed"] = "true" if record["removed"] else "false"
        flat["location"] = record["location"] or ""
        writer.writerow(flat)
    return out.getvalue()

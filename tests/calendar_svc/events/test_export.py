"""The export's records: each row's source as the contract has it, in JSON and in CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.events.export import export_records, to_csv, to_json
from models import (
    Category,
    DocumentFormat,
    DocumentVersion,
    Event,
    Group,
    Occurrence,
    Precision,
    Section,
    Status,
)
from tests.helpers.data import DATA

NOW = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def document(symbol: str, file_format: DocumentFormat, day: dt.date) -> DocumentVersion:
    return DocumentVersion(
        symbol=symbol,
        document_date=day,
        sha256=symbol.replace("/", "").ljust(64, "0"),
        filename=f"note.{file_format.value}",
        size_bytes=1,
        format=file_format,
        imported_at=NOW,
    )


def event(section: Section, position: int, title: str, **source: object) -> Event:
    return Event(
        uid=f"uid-{position:08d}",
        section=section,
        title=title,
        outcome="",
        category=Category.JOINT_READMISSION_COMMITTEE,
        raw_date="Q4 2024 (tbc)",
        status=Status.TENTATIVE,
        precision=Precision.QUARTER,
        source_text=f"Q4 2024 (tbc)\t{title}",
        position=position,
        created_at=NOW,
        updated_at=NOW,
        occurrences=[Occurrence(position=0, start=dt.date(2024, 10, 1), end=dt.date(2024, 12, 31))],
        **source,
    )


@pytest.fixture
def records(session: Session) -> list[dict[str, object]]:
    """Serbia with a row of a PDF note, a row only the former text note listed,
    and an event added by hand."""
    serbia = Section(
        slug="serbia", name="Serbia", group=Group.WESTERN_BALKANS, position=0, created_at=NOW
    )
    text = document("5484/24", DocumentFormat.TEXT, dt.date(2024, 2, 6))
    pdf = document("9876/24", DocumentFormat.PDF, dt.date(2024, 5, 15))
    session.add_all(
        [
            event(
                serbia,
                0,
                "10 th EU-Serbia Joint Readmission Committee meeting",
                document_version=text,
                source_table=22,
                source_row=18,
                source_line=768,
                is_removed=True,
            ),
            event(
                serbia,
                1,
                "11 th EU-Serbia Joint Readmission Committee meeting",
                document_version=pdf,
                source_table=23,
                source_row=20,
                source_page=21,
            ),
            event(serbia, 2, "EU-Serbia Readmission Expert Meeting", document_version=None),
        ]
    )
    session.flush()
    return export_records(session)


def test_each_record_gives_its_rows_place_in_its_format(records: list[dict[str, object]]) -> None:
    with (DATA / "export.schema.json").open() as f:
        jsonschema.validate(json.loads(to_json(records)), json.load(f))
    # The event added by hand is no row of any note: the export leaves it out.
    assert [r["source"] for r in records] == [
        {"document": "5484/24", "format": "text", "table": 22, "row": 18, "line": 768},
        {"document": "9876/24", "format": "pdf", "table": 23, "row": 20, "page": 21},
    ]


def test_the_csv_gives_the_source_in_six_columns(records: list[dict[str, object]]) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert [name for name in rows[0] if name.startswith("source_")] == [
        "source_document",
        "source_format",
        "source_table",
        "source_row",
        "source_line",
        "source_page",
    ]
    sources = [{k: v for k, v in row.items() if k.startswith("source_")} for row in rows]
    assert sources == [
        {
            "source_document": "5484/24",
            "source_format": "text",
            "source_table": "22",
            "source_row": "18",
            "source_line": "768",
            "source_page": "",
        },
        {
            "source_document": "9876/24",
            "source_format": "pdf",
            "source_table": "23",
            "source_row": "20",
            "source_line": "",
            "source_page": "21",
        },
    ]


def test_issue_12_export_titles_are_display_titles(session: Session, ingest: Any) -> None:
    """No exported title keeps a split ordinal ("10 th") or a cut hyphen ("EU- Montenegro");
    the note's text stays in the database."""
    ingest()
    records = export_records(session)
    assert len(records) == 836
    titles = [r["title"] for r in records]
    assert not [t for t in titles if re.search(r"\b\d+\s+(st|nd|rd|th)\b", t, re.I)]
    assert not [t for t in titles if re.search(r"[^\W\d_]- +(?!and\b|or\b)[^\W\d_]", t)]
    serbia = [
        r for r in records if r["raw_date"] == "Q1 2024 (tbc)" and r["section_slug"] == "serbia"
    ]
    assert serbia[0]["title"] == "10th EU-Serbia Joint Readmission Committee meeting"
    egypt = [r for r in records if r["raw_date"] == "March 2024" and r["section_slug"] == "egypt"]
    assert {r["title"] for r in egypt} >= {"High Level Migration Dialogue"}
    stored = session.scalars(select(Event.title).where(Event.uid == serbia[0]["uid"])).one()
    assert stored == "10 th EU-Serbia Joint Readmission Committee meeting"

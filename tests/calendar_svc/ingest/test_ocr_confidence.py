"""The OCR confidence of a row's date cell, from the note to the draft, the stored
event and the import's report.

The notes are the sample's text form with confidences given by hand
(``tests/helpers/confidence.py``): what the import does with them does not
depend on how they were read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.ingest.drafts import draft_events
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.report import ImportReport, render
from calendar_svc.ingest.source import SourceFile
from models import Event, EventRevision, Section
from tests.helpers.confidence import CLEAR, SAMPLE_LOW, scan_of, scanned
from tests.helpers.data import SAMPLE, V2

ReadNote = Callable[[Path], tuple[SourceFile, Note]]
Ingest = Callable[..., ImportReport]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
#: The places and date cells of SAMPLE_LOW's rows, as the report names them.
CABO_VERDE_4 = ("line 124, table 1 row 4", "30 January 2020")
SERBIA_18 = ("line 768, table 22 row 18", "Q1 2024 (tbc)")
RUSSIA_2 = ("line 1261, table 38 row 2", "22 November 2019")


def event_at(session: Session, slug: str, row: int) -> Event:
    """The event whose row is ``row`` of ``slug``'s table in the note it was last read from."""
    return session.scalars(
        select(Event).join(Event.section).where(Section.slug == slug, Event.source_row == row)
    ).one()


def import_scan(
    session: Session,
    read_note: ReadNote,
    now: dt.datetime,
    *,
    review_below: float | None = 80,
    replace: bool = False,
) -> ImportReport:
    """Import the sample note as if read from a scan (SAMPLE_LOW, the rest CLEAR)."""
    source, note = read_note(SAMPLE)
    return import_note(
        session,
        scan_of(source),
        scanned(note, SAMPLE_LOW),
        now=now,
        review_below=review_below,
        replace=replace,
    )


def test_a_draft_takes_the_confidence_of_its_row(read_note: ReadNote) -> None:
    _, text = read_note(SAMPLE)
    assert {d.ocr_confidence for d in draft_events(text)} == {None}
    _, note = read_note(SAMPLE)
    drafts = draft_events(scanned(note, SAMPLE_LOW))
    low = {
        (d.section.slug, d.row): d.ocr_confidence
        for d in drafts
        if d.ocr_confidence is not None and d.ocr_confidence != CLEAR
    }
    assert low == SAMPLE_LOW


def test_a_scan_stores_each_date_cells_confidence(
    session: Session, read_note: ReadNote, now: dt.datetime
) -> None:
    import_scan(session, read_note, now)
    assert event_at(session, "serbia", 18).ocr_confidence == 41.5
    assert event_at(session, "cabo-verde", 4).ocr_confidence == 79.6
    assert event_at(session, "cabo-verde", 5).ocr_confidence == 80.0
    assert event_at(session, "serbia", 19).ocr_confidence == CLEAR
    stored = session.scalars(select(Event.ocr_confidence)).all()
    assert len(stored) == 836
    assert None not in stored


def test_an_import_from_text_stores_no_confidence(session: Session, ingest: Ingest) -> None:
    ingest()
    assert set(session.scalars(select(Event.ocr_confidence))) == {None}


def test_a_text_import_after_a_scan_sets_the_confidence_back_to_none(
    session: Session, read_note: ReadNote, ingest: Ingest, now: dt.datetime
) -> None:
    import_scan(session, read_note, now)
    report = ingest(V2, at=LATER, review_below=80)
    # As after the text of the sample (test_importer): the confidence is no change.
    assert (len(report.created), len(report.updated), len(report.removed)) == (4, 8, 7)
    assert (report.ocr_rows, report.to_review) == (0, [])
    assert "read by OCR" not in render(report)
    # Listed by note_v2: now read from text (table 23 in v2), whether changed or not.
    serbia_jrc = session.scalars(
        select(Event).where(Event.title.startswith("10 th EU-Serbia Joint Readmission"))
    ).one()
    assert (serbia_jrc.source_row, serbia_jrc.raw_date) == (18, "19 March 2024")
    assert serbia_jrc.ocr_confidence is None
    assert event_at(session, "cabo-verde", 4).ocr_confidence is None
    # No longer listed: removed, and still as the scan left it.
    russia_jrc = event_at(session, "russia", 2)
    assert russia_jrc.is_removed
    assert russia_jrc.ocr_confidence == 62.0
    listed = select(func.count()).where(
        Event.is_removed.is_(False), Event.ocr_confidence.is_not(None)
    )
    assert session.scalar(listed) == 0


def test_a_scan_of_the_same_note_changes_no_event(
    session: Session, read_note: ReadNote, ingest: Ingest, now: dt.datetime
) -> None:
    ingest()
    serbia_jrc = event_at(session, "serbia", 18)
    revision, updated_at = serbia_jrc.revision, serbia_jrc.updated_at
    report = import_scan(session, read_note, LATER, replace=True)
    assert (len(report.created), len(report.updated), len(report.removed)) == (0, 0, 0)
    assert report.unchanged == 836
    assert session.scalar(select(func.count()).select_from(EventRevision)) == 836
    session.expire_all()
    serbia_jrc = event_at(session, "serbia", 18)
    assert (serbia_jrc.revision, serbia_jrc.updated_at) == (revision, updated_at)
    assert serbia_jrc.ocr_confidence == 41.5
    assert report.to_review == [(*CABO_VERDE_4, 79.6), (*SERBIA_18, 41.5), (*RUSSIA_2, 62.0)]


def test_the_report_counts_rows_read_by_ocr_and_lists_cells_under_the_threshold(
    session: Session, read_note: ReadNote, now: dt.datetime
) -> None:
    report = import_scan(session, read_note, now, review_below=80)
    assert (report.ocr_rows, report.review_below) == (836, 80)
    # In the note's order; 80.0 (cabo-verde row 5) is not under 80.
    assert report.to_review == [(*CABO_VERDE_4, 79.6), (*SERBIA_18, 41.5), (*RUSSIA_2, 62.0)]
    text = render(report)
    assert (
        "  read by OCR: 836 rows; date cells to check (under 80% confidence): 3\n"
        "    line 124, table 1 row 4: '30 January 2020': 79.6% confidence\n"
        "    line 768, table 22 row 18: 'Q1 2024 (tbc)': 41.5% confidence\n"
        "    line 1261, table 38 row 2: '22 November 2019': 62.0% confidence\n"
    ) in text
    # After the years inferred, before the conflicts.
    assert text.index("years inferred") < text.index("read by OCR") < text.index("conflicts")


@pytest.mark.parametrize(
    ("below", "expected"),
    [
        # 62.0 (Russia) is not under 62.
        (62.0, [(*SERBIA_18, 41.5)]),
        (
            80.5,
            [
                (*CABO_VERDE_4, 79.6),
                ("line 125, table 1 row 5", "24 July 2020", 80.0),
                (*SERBIA_18, 41.5),
                (*RUSSIA_2, 62.0),
            ],
        ),
        (0, []),
    ],
)
def test_cells_are_listed_strictly_under_the_threshold(
    session: Session,
    read_note: ReadNote,
    now: dt.datetime,
    below: float,
    expected: list[tuple[str, str, float]],
) -> None:
    report = import_scan(session, read_note, now, review_below=below)
    assert report.to_review == expected


def test_without_a_threshold_the_report_only_counts(
    session: Session, read_note: ReadNote, now: dt.datetime
) -> None:
    report = import_scan(session, read_note, now, review_below=None)
    assert (report.ocr_rows, report.to_review) == (836, [])
    assert "  read by OCR: 836 rows\n" in render(report)

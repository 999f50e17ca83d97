"""The dates read from a scan that a person should check: current events whose date
cell OCR read under a confidence, lowest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from calendar_svc.events.filters import EventFilter
from calendar_svc.events.review import dates_to_check
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import SourceFile
from models import Event
from tests.helpers.confidence import SAMPLE_LOW, scan_of, scanned
from tests.helpers.data import SAMPLE, V2

ReadNote = Callable[[Path], tuple[SourceFile, Note]]
Ingest = Callable[..., ImportReport]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def listed(events: list[Event]) -> list[tuple[str, int | None, float | None]]:
    return [(e.section.slug, e.source_row, e.ocr_confidence) for e in events]


def import_scan(
    session: Session,
    read_note: ReadNote,
    path: Path,
    low: dict[tuple[str, int], float],
    now: dt.datetime,
) -> None:
    source, note = read_note(path)
    import_note(session, scan_of(source, f"scan_of_{path.stem}.txt"), scanned(note, low), now=now)


def test_the_cells_under_the_threshold_lowest_first(
    session: Session, read_note: ReadNote, now: dt.datetime
) -> None:
    import_scan(session, read_note, SAMPLE, SAMPLE_LOW, now)
    assert listed(dates_to_check(session, 80)) == [
        ("serbia", 18, 41.5),
        ("russia", 2, 62.0),
        ("cabo-verde", 4, 79.6),
    ]
    # Strictly under: 62.0 is not under 62, 80.0 is under 80.5.
    assert listed(dates_to_check(session, 62)) == [("serbia", 18, 41.5)]
    assert listed(dates_to_check(session, 80.5))[-1] == ("cabo-verde", 5, 80.0)
    assert dates_to_check(session, 0) == []


def test_the_dashboards_filters_narrow_the_list(
    session: Session, read_note: ReadNote, now: dt.datetime
) -> None:
    import_scan(session, read_note, SAMPLE, SAMPLE_LOW, now)
    serbia = EventFilter(section="serbia").condition(session)
    assert listed(dates_to_check(session, 80, serbia)) == [("serbia", 18, 41.5)]


def test_events_read_from_text_or_no_longer_listed_are_not_listed(
    session: Session, read_note: ReadNote, ingest: Ingest, now: dt.datetime
) -> None:
    import_scan(session, read_note, SAMPLE, SAMPLE_LOW, now)
    # note_v2 as a scan in which only the 11th EU-Serbia JRC (table 23 row 20, new
    # in v2) is unclear; the EU-Russia JRC (62.0 in the sample's scan) is removed.
    import_scan(session, read_note, V2, {("serbia", 20): 55.0}, LATER)
    assert listed(dates_to_check(session, 80)) == [("serbia", 20, 55.0)]
    # The text of a later note: nothing read by OCR is left listed.
    ingest(SAMPLE, at=LATER, symbol="9999/24", document_date=dt.date(2024, 6, 1))
    assert dates_to_check(session, 80) == []

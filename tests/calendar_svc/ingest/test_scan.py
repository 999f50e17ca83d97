"""Reading scanned copies of the note by OCR: detection, accuracy, identities, refusals.

The scans are made from the PDF fixtures by ``tests/helpers/scans.py``, as a
photocopier and scanner make them (tilted, noisy, black and white), and read
through the product's own path (``load_note``, or ``read_pdf`` for a part of
a note). What they give is compared row by row with the reading of the
born-digital file they were made from (``tests/helpers/accuracy.py``), against
the bars of issue 15: 98% of rows found, 95% of dates and statuses and 80% of
titles and outcomes exactly right, no row invented.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.ingest import ocr, pdf, scan
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.pages import PageContent, TableRow, TextLine, assemble
from calendar_svc.ingest.source import SourceFile, load_note, read_source, source_of
from models import DocumentFormat, Event
from tests.helpers import documents
from tests.helpers.accuracy import Accuracy, accuracy
from tests.helpers.commands import Runner
from tests.helpers.data import MAX_BYTES
from tests.helpers.scans import scanned_copy

ReadNote = Callable[[Path], tuple[SourceFile, Note]]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
#: The first pages of the note read in the tests of parts of it.
PART = 8


def first_pages(path: Path, count: int, folder: Path) -> Path:
    """The first ``count`` pages of a born-digital PDF, as a PDF of their own."""
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(path).pages[:count]:
        writer.add_page(page)
    part = folder / f"{path.stem}-first-{count}.pdf"
    with part.open("wb") as f:
        writer.write(f)
    return part


def read_part(path: Path) -> Note:
    """A part of a note, read as a PDF (``load_note`` would refuse it as truncated)."""
    return pdf.read_pdf(path.read_bytes(), where=str(path))


def ocr_line(text: str, top: float) -> TextLine:
    """A line of page text as OCR reads it, ``top`` points down page 1."""
    return TextLine(text, 1, top, top + 12, 300, ("ocr", 0.0))


def meets_the_bars(result: Accuracy) -> None:
    assert result.share(result.found) >= 0.98, result
    assert result.share(result.dates) >= 0.95, result
    assert result.share(result.texts) >= 0.80, result
    assert result.invented == 0, result


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scans")


@pytest.fixture(scope="module")
def scan_200(folder: Path) -> Path:
    """The whole sample scanned at 200 dpi, images only."""
    return scanned_copy(documents.SAMPLE_PDF, folder, dpi=200)


@pytest.fixture(scope="module")
def reference(read_note: ReadNote) -> Note:
    return read_note(documents.SAMPLE_PDF)[1]


def test_a_scan_is_told_from_a_born_digital_pdf(folder: Path) -> None:
    images = scanned_copy(documents.SAMPLE_PDF, folder, dpi=150, pages=2)
    layered = scanned_copy(documents.SAMPLE_PDF, folder, dpi=150, pages=2, text_layer=True)
    assert scan.is_scan(images.read_bytes())
    assert scan.is_scan(layered.read_bytes())
    assert not scan.is_scan(documents.SAMPLE_PDF.read_bytes())
    assert not scan.is_scan(documents.blank_pdf(folder).read_bytes())


def test_the_whole_sample_scanned_at_200_dpi_is_read_within_the_bars(
    read_note: ReadNote, scan_200: Path, reference: Note
) -> None:
    _, note = read_note(scan_200)
    meets_the_bars(accuracy(reference, note))
    # The header, read off the note's first page.
    assert (note.symbol, note.document_date, note.previous_symbol) == (
        "5484/24",
        dt.date(2024, 2, 6),
        "11434/23",
    )
    assert [block.identity.slug for block in note.sections] == [
        block.identity.slug for block in reference.sections
    ]


def test_every_row_of_a_scan_carries_its_date_cells_confidence(
    read_note: ReadNote, scan_200: Path
) -> None:
    _, note = read_note(scan_200)
    confidences = [row.confidence for block in note.sections for row in block.rows]
    assert all(value is not None and 0 <= value <= 100 for value in confidences)
    assert sorted(confidences)[len(confidences) // 2] > 80  # type: ignore[operator]


def test_a_scan_with_an_ocr_text_layer_is_read_from_its_images_at_300_dpi(
    folder: Path,
) -> None:
    """Tesseract's own searchable PDF: its text layer has lost the columns, the image has not."""
    layered = scanned_copy(documents.SAMPLE_PDF, folder, dpi=300, pages=PART, text_layer=True)
    fonts = pypdf.PdfReader(layered).pages[3]["/Resources"]["/Font"]
    assert {font.get_object()["/BaseFont"] for font in fonts.values()} == {"/GlyphLessFont"}
    expected = read_part(first_pages(documents.SAMPLE_PDF, PART, folder))
    meets_the_bars(accuracy(expected, read_part(layered)))


def test_a_scan_of_version_2_on_a_born_digital_version_1_keeps_the_same_uids(
    session: Session, read_note: ReadNote, now: dt.datetime, folder: Path
) -> None:
    """Each form of version 2's first pages, on version 1: the same events kept, moved, added."""
    source, note = read_note(documents.SAMPLE_PDF)
    import_note(session, source, note, now=now)
    digital = first_pages(documents.V2_PDF, PART, folder)
    scanned = scanned_copy(documents.V2_PDF, folder, dpi=200, pages=PART, seed=24)

    def outcome(path: Path) -> tuple[set[str], set[str], int]:
        report = import_note(
            session, source_of(path.read_bytes(), path), read_part(path), now=LATER
        )
        removed = {change.uid for change in report.removed}
        updated = {change.uid for change in report.updated}
        return removed, updated, len(report.created)

    with session.begin_nested() as born_digital:
        expected = outcome(digital)
        born_digital.rollback()
    removed, updated, created = outcome(scanned)
    assert removed == expected[0]
    assert created == expected[2]
    # A misread title or outcome is an update the born-digital file would not make,
    # never another event.
    assert expected[1] <= updated
    stored = session.scalars(select(Event).where(Event.ocr_confidence.is_not(None))).all()
    assert stored, "events read from the scan keep the confidence of their date cell"


def test_without_tesseract_a_scan_is_refused_in_one_line_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch, folder: Path
) -> None:
    path = scanned_copy(documents.SAMPLE_PDF, folder, dpi=150, pages=1)
    monkeypatch.setenv("PATH", str(folder))
    ocr.tesseract.cache_clear()
    try:
        with pytest.raises(UnreadableDocument) as info:
            load_note(read_source(path, max_bytes=MAX_BYTES))
    finally:
        ocr.tesseract.cache_clear()
    assert str(info.value) == (
        f"{path}: reading a scan needs Tesseract OCR:"
        " apt-get install tesseract-ocr tesseract-ocr-eng"
    )


def test_progress_is_told_page_by_page(folder: Path) -> None:
    path = scanned_copy(documents.SAMPLE_PDF, folder, dpi=150, pages=3, seed=3)
    told: list[tuple[int, int]] = []
    scan.read_scan(path.read_bytes(), progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 3), (2, 3), (3, 3)]


def test_a_scans_rows_have_the_pages_they_start_on(read_note: ReadNote, scan_200: Path) -> None:
    """Read off the sample: Cabo Verde's table opens on page 4, Ethiopia's first row
    ("24 January" | "2019", cut by the break) starts on page 6."""
    _, note = read_note(scan_200)
    blocks = {block.identity.slug: block for block in note.sections}
    assert blocks["cabo-verde"].rows[0].page == 4
    first = blocks["ethiopia"].rows[0]
    assert (first.page, first.date) == (6, "24 January 2019")


def test_a_row_cut_by_a_page_break_keeps_the_lower_confidence_of_its_parts() -> None:
    pages = [
        PageContent(
            1,
            [ocr_line("MOROCCO", 100), ocr_line("Key past and upcoming events", 130)],
            [TableRow([["3 March"], ["A meeting"], []], 1, 700, confidence=91.0)],
            has_text=True,
        ),
        PageContent(
            2, [], [TableRow([["2021"], ["in Rabat"], []], 2, 80, confidence=64.0)], has_text=True
        ),
    ]
    note = assemble(pages, DocumentFormat.PDF, ocr=True)
    [row] = note.sections[0].rows
    assert (row.date, row.title, row.confidence) == ("3 March 2021", "A meeting in Rabat", 64.0)


def test_a_column_header_with_a_speck_read_as_a_full_stop_is_no_row() -> None:
    page = PageContent(
        1,
        [ocr_line("MOROCCO", 100), ocr_line("Key past and upcoming events", 130)],
        [
            TableRow([["Date."], ["Event"], ["Outcome"]], 1, 160, confidence=90.0),
            TableRow([["3 March 2021"], ["A meeting"], []], 1, 200, confidence=91.0),
        ],
        has_text=True,
    )
    note = assemble([page], DocumentFormat.PDF, ocr=True)
    assert [row.date for row in note.sections[0].rows] == ["3 March 2021"]


def test_the_command_line_shows_its_progress_and_reports_the_rows_read_by_ocr(
    run: Runner, folder: Path
) -> None:
    """The sample's header page and Cabo Verde's first page, scanned."""
    path = scanned_copy(documents.SAMPLE_PDF, folder, dpi=200, pages=[0, 3], seed=4)
    assert run("init-db").returncode == 0
    result = run("ingest", str(path), "--now", "2024-02-07")
    assert result.returncode == 0, result.stderr
    assert f"{path}: reading a scan by OCR, page by page" in result.stderr
    # Page 4 of the sample holds nine of Cabo Verde's rows (read off the PDF).
    assert re.search(r"read by OCR: 9 rows", result.stdout), result.stdout

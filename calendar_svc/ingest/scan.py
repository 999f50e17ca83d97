"""Reading a scanned copy of the note's PDF through OCR, keeping its tables.

A scan is a PDF whose pages are images, with no text but perhaps an OCR layer
(invisible text, or Tesseract's GlyphLessFont), which has lost the columns.
Each page is rendered by pdfium at its image's resolution, turned level, and
its tables' grid found from the ruling lines (:mod:`~calendar_svc.ingest.grid`).
Every cell of a three-column table is read on its own by Tesseract, and so is
the rest of the page with the tables blanked out; rules and underlines are
wiped first, as OCR reads them as letters, and blank cells are never sent, as
OCR turns faint specks into words. The pages then go through the same steps
as a born-digital PDF's (:func:`~calendar_svc.ingest.pages.assemble`).

OCR's typical slips are mended where the result is unambiguous: curly quotes
and long dashes, dot leaders in the contents, and headings a letter away from
a known section's. Dates are mended by the date reader
(:func:`~calendar_svc.ingest.dates.repair_ocr`), and every row keeps the
confidence of its date cell for people to check.

Pages are read in parallel, one per core; pdfium renders them one at a time
(it is not thread-safe), and at most two pages per core wait in memory.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pypdfium2
import pypdfium2.raw as pdfium
from PIL import Image
from rapidfuzz import fuzz

from calendar_svc.ingest import grid, ocr
from calendar_svc.ingest.dates import repair_ocr
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.pages import PageContent, TableRow, TextLine, assemble
from calendar_svc.ingest.sections import closest_section, known_section, section_names
from models import DocumentFormat

#: A PDF is taken for a scan by its first pages, this many at most.
SAMPLED_PAGES = 10
#: A page is scanned when images cover this share of it.
IMAGE_COVER = 0.5
#: Fonts of OCR text layers, which are invisible.
_OCR_FONTS = ("GlyphLessFont",)
#: Resolution when a page's images do not tell it, and the range accepted.
DEFAULT_DPI = 300
MIN_DPI, MAX_DPI = 150, 400
#: Cells are read at this resolution: Tesseract reads best with letters this large.
OCR_DPI = 300
#: A cell's edge kept clear of the ruling lines, in pixels.
INSET = 3
#: A cell with less ink than this (pixels at 300 dpi) is blank.
MIN_INK = 20
#: White margin around an image sent to OCR, in pixels.
MARGIN = 12
#: Shortest line (characters) snapped to a known section's heading.
MAX_HEADING = 40
#: How alike (0-100) a misread heading must be to a known section's.
HEADING_LIKENESS = 75

Progress = Callable[[int, int], None]

#: OCR's long dash is the note's en dash; bars and underscores are the edges of
#: rules and underlines, never the note's text.
_TYPOGRAPHY = str.maketrans({"—": "–", "|": " ", "_": " "})
#: Where OCR's reading of dot leaders starts: two dots, or a run of the letters it takes dots for.
_LEADER_START = re.compile(r"\.{2,}|[.,]\w?[cse]{3}|[cse]{4,}")
#: What OCR makes of dot leaders: mostly these marks and letters.
_LEADER_MARKS = frozenset("cse.,:;…·")
#: The heading of a section's events table (misread: "Key past and upcoming evenis").
TABLE_HEADING = "Key past and upcoming events"
_ENUMERATED = re.compile(r"^(?P<mark>(?:[A-Z]|\d{1,2})\.\s+)?(?P<name>.+)$")


def is_scan(data: bytes) -> bool:
    """Whether most of a PDF's first pages are scanned: images, with no text or only an
    OCR layer. A PDF pdfium cannot open is no scan (the PDF reader says what is wrong)."""
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return False
    try:
        count = min(len(document), SAMPLED_PAGES)
        scanned = sum(_scanned(document[index]) for index in range(count))
        return scanned > 0 and scanned >= count / 2
    finally:
        document.close()


def read_scan(data: bytes, *, progress: Progress | None = None) -> Note:
    """Read the note from a scanned PDF's pages by OCR.

    Raises:
        UnreadableDocument: Tesseract is not installed or fails.
    """
    ocr.tesseract()
    workers = os.cpu_count() or 1
    document = pypdfium2.PdfDocument(data)
    pages: list[PageContent] = []
    try:
        total = len(document)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            waiting: deque[Future[PageContent]] = deque()
            for index in range(total):
                page = document[index]
                dpi = _resolution(page)
                image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                page.close()
                waiting.append(pool.submit(read_page, image, index + 1, dpi))
                while len(waiting) >= 2 * workers or (index == total - 1 and waiting):
                    pages.append(waiting.popleft().result())
                    if progress is not None:
                        progress(len(pages), total)
    finally:
        document.close()
    note = assemble(pages, DocumentFormat.PDF, ocr=True)
    note.contents = [heading for entry in note.contents if (heading := _known(entry))]
    return note


def read_page(grey: Image.Image, number: int, dpi: int) -> PageContent:
    """One scanned page: its events tables' rows cell by cell, and its other text by line."""
    page = grid.level(grey)
    ink = grid.despeckle(grid.ink_of(np.asarray(page)))
    across, down = grid.rules(ink, dpi)
    clean = ink & ~across & ~down & ~grid.underlines(ink, dpi)
    tables = [
        table for table in grid.grids(across, down, dpi) if any(len(r) == 3 for r in table.rows)
    ]
    rows = [row for table in tables for row in table.rows if len(row) == 3]
    images = []
    wanted: list[tuple[int, int]] = []
    for row_index, row in enumerate(rows):
        for cell_index, cell in enumerate(row):
            image = _cell_image(clean, cell, dpi)
            if image is not None:
                images.append(image)
                wanted.append((row_index, cell_index))
    outside = clean.copy()
    for table in tables:
        box = table.box
        outside[box.top : box.bottom + 1, box.left : box.right + 1] = False
    read = ocr.read_lines([*images, _image(outside, dpi)], dpi=OCR_DPI)
    cells: list[list[list[ocr.OcrLine]]] = [[[], [], []] for _ in rows]
    for (row_index, cell_index), lines in zip(wanted, read, strict=False):
        cells[row_index][cell_index] = lines
    result = PageContent(number)
    scale = 72 / OCR_DPI
    for row, row_cells in zip(rows, cells, strict=True):
        texts = [
            [cleaned for line in lines if (cleaned := _text(line.text, date=column == 0))]
            for column, lines in enumerate(row_cells)
        ]
        if not any(texts):
            continue
        result.rows.append(
            TableRow(
                texts,
                number,
                row[0].top * 72 / dpi,
                confidence=min((line.confidence for line in row_cells[0]), default=None),
            )
        )
    for line in read[-1]:
        # A lone letter or mark outside the tables is a speck OCR took for one.
        if sum(ch.isalnum() for ch in line.text) < 2:
            continue
        result.lines.append(
            TextLine(
                _page_text(line.text),
                number,
                (line.top - MARGIN) * scale,
                (line.bottom - MARGIN) * scale,
                (line.right - MARGIN) * scale,
                ("ocr", 0.0),
            )
        )
    result.has_text = bool(result.rows or result.lines)
    return result


def _scanned(page: pypdfium2.PdfPage) -> bool:
    width, height = page.get_size()
    cover = 0.0
    for obj in page.get_objects():
        if obj.type == pdfium.FPDF_PAGEOBJ_TEXT and not _ocr_layer(obj):
            return False
        if obj.type == pdfium.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            cover += max(0.0, min(right, width) - max(left, 0)) * max(
                0.0, min(top, height) - max(bottom, 0)
            )
    return cover >= IMAGE_COVER * width * height


def _ocr_layer(text: pypdfium2.PdfObject) -> bool:
    """Whether a text object is invisible or set in an OCR layer's font."""
    if pdfium.FPDFTextObj_GetTextRenderMode(text.raw) == pdfium.FPDF_TEXTRENDERMODE_INVISIBLE:
        return True
    font = pdfium.FPDFTextObj_GetFont(text.raw)
    name = ctypes.create_string_buffer(128)
    pdfium.FPDFFont_GetBaseFontName(font, name, len(name))
    return name.value.decode("latin-1").endswith(_OCR_FONTS)


def _resolution(page: pypdfium2.PdfPage) -> int:
    """The resolution of the page's largest image, as placed on the page."""
    best = None
    for obj in page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE]):
        left, _, right, _ = obj.get_bounds()
        pixels, _ = obj.get_px_size()
        if right - left > 0 and (best is None or pixels > best[0]):
            best = (pixels, pixels / ((right - left) / 72))
    if best is None:
        return DEFAULT_DPI
    return round(min(MAX_DPI, max(MIN_DPI, best[1])))


def _cell_image(ink: grid.Mask, cell: grid.Cell, dpi: int) -> Image.Image | None:
    part = ink[cell.top + INSET : cell.bottom - INSET, cell.left + INSET : cell.right - INSET]
    if part.size == 0 or part.sum() * (OCR_DPI / dpi) ** 2 < MIN_INK:
        return None
    return _image(part, dpi)


def _image(ink: grid.Mask, dpi: int) -> Image.Image:
    """Ink as a black-on-white image at :data:`OCR_DPI`, with a white margin."""
    image = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    if dpi != OCR_DPI:
        size = (round(image.width * OCR_DPI / dpi), round(image.height * OCR_DPI / dpi))
        image = image.resize(size, Image.Resampling.BILINEAR)
    framed = Image.new("L", (image.width + 2 * MARGIN, image.height + 2 * MARGIN), 255)
    framed.paste(image, (MARGIN, MARGIN))
    return framed


def _text(text: str, *, date: bool = False) -> str:
    """OCR's typography made the note's (:data:`_TYPOGRAPHY`), and a date cell's slips mended.

    A section's name with an umlaut, which OCR reads as two i's ("Tiirkiye"), is
    spelled out again.
    """
    if date:
        text = repair_ocr(text)
    text = " ".join(text.translate(_TYPOGRAPHY).split())
    for misread, name in _umlauts().items():
        text = text.replace(misread, name)
    return text


@functools.cache
def _umlauts() -> dict[str, str]:
    return {name.replace("ü", "ii"): name for name in section_names() if "ü" in name}


def _page_text(text: str) -> str:
    """A line outside tables: a contents entry's leaders mended, a misread heading snapped."""
    text = _text(text)
    if entry := _contents_entry(text):
        return entry
    if len(text) <= MAX_HEADING and fuzz.ratio(text.lower(), TABLE_HEADING.lower()) >= 85:
        return TABLE_HEADING
    if len(text) <= MAX_HEADING and known_section(text) is None:
        parts = _ENUMERATED.match(text)
        if parts and (heading := closest_section(parts.group("name"), HEADING_LIKENESS)):
            return f"{parts.group('mark') or ''}{heading}"
    return text


def _contents_entry(text: str) -> str | None:
    """A contents entry as "HEADING .... page", if ``text`` is one (it has leaders).

    OCR reads a line of dots as dots and letters ("NIGER.....cscsssesesss 11"):
    a word made mostly of those is where the leaders start. A page number
    OCR has lost becomes 0; the contents' page numbers are not kept.
    """
    words = text.split()
    # The leaders are the last word, or the last but the page number.
    for index in range(max(0, len(words) - 2), len(words)):
        word = words[index]
        marks = sum(ch in _LEADER_MARKS for ch in word.lower())
        if len(word) < 8 or (marks < 0.75 * len(word) and ".." not in word):
            continue
        start = _LEADER_START.search(word)
        head = " ".join([*words[:index], word[: start.start()] if start else ""]).strip(" .,")
        if not head:
            return None
        page = repair_ocr(words[-1][-3:]).lstrip(".,") if index < len(words) else ""
        page = page[-2:] if page[-2:].isdigit() else page[-1:]
        return f"{head} .... {page if page.isdigit() else 0}"
    return None


def _known(entry: str) -> str | None:
    """A contents entry, if it names a section (a misread one would look missing)."""
    if known_section(entry) is not None:
        return entry
    parts = _ENUMERATED.match(entry)
    return closest_section(parts.group("name"), HEADING_LIKENESS) if parts else None

"""Reading the note's PDF form with pdfplumber, or through OCR when it is a scan.

Each page of a born-digital PDF is read once: its ruled tables (found from
their ruling lines; the three-column ones are events tables) and its text
lines outside them. A scan (:func:`~calendar_svc.ingest.scan.is_scan`) is read
from its images instead. Either way the pages are then put together into the
note by :func:`~calendar_svc.ingest.pages.assemble`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pdfplumber
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from calendar_svc.ingest import scan
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.pages import PageContent, TableRow, TextLine, assemble
from models import DocumentFormat
from models.text import printable

#: Ligatures some fonts draw as one glyph, spelled out.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})

#: Told how many of a scan's pages are read, and of how many.
Progress = Callable[[int, int], None]


def read_pdf(
    data: bytes,
    *,
    where: str,
    max_pages: int | None = None,
    progress: Progress | None = None,
) -> Note:
    """Read the structure of the note from a PDF's bytes.

    Args:
        progress: called as a scan's pages are read by OCR (the slow part).

    Raises:
        UnreadableDocument: damaged, truncated or password-protected; more
            pages than ``max_pages``; no text and no scanned pages; or a scan
            when Tesseract is not installed.
    """
    pages = _read_pages(data, where, max_pages)
    if pages is None:
        try:
            return scan.read_scan(data, progress=progress)
        except UnreadableDocument as exc:
            raise UnreadableDocument(f"{where}: {exc}") from None
    if not any(page.has_text for page in pages):
        raise UnreadableDocument(
            f"{where}: the PDF has no text and no scanned pages; ask for the"
            " born-digital PDF or the Word file"
        )
    return assemble(pages, DocumentFormat.PDF)


def _read_pages(data: bytes, where: str, max_pages: int | None) -> list[PageContent] | None:
    """The pages as pdfplumber reads them; None for a scan (images and an OCR layer)."""
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocument(f"{where}: the PDF is truncated (it has no end-of-file marker)")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if type(cause).__name__ in {"PDFPasswordIncorrect", "PDFEncryptionError"}:
            raise UnreadableDocument(
                f"{where}: the PDF is protected by a password; ask for an unprotected copy"
            ) from None
        raise UnreadableDocument(f"{where}: the PDF is damaged ({type(cause).__name__})") from None
    with pdf:
        try:
            count = len(pdf.pages)
        except Exception as exc:  # pdfminer raises many kinds on a broken page tree
            raise UnreadableDocument(
                f"{where}: the PDF is damaged ({type(exc).__name__} in its page tree)"
            ) from None
        if max_pages is not None and count > max_pages:
            raise UnreadableDocument(
                f"{where}: the PDF has {count} pages, more than the {max_pages} accepted"
                " (setting ingest.max_pages)"
            )
        if scan.is_scan(data):
            return None
        pages = []
        for number, page in enumerate(pdf.pages, start=1):
            try:
                pages.append(_read_page(page, number))
            except Exception as exc:  # as above, for a page's content stream
                raise UnreadableDocument(
                    f"{where}: page {number} of the PDF is damaged ({type(exc).__name__})"
                ) from None
            finally:
                page.close()
    return pages


def _read_page(page: Page, number: int) -> PageContent:
    result = PageContent(number, has_text=bool(page.chars))
    tables = [t for t in page.find_tables() if max(len(r.cells) for r in t.rows) == 3]
    boxes = [table.bbox for table in tables]
    for table in tables:
        for row, texts in zip(table.rows, table.extract(), strict=True):
            if len(texts) != 3:
                continue
            cells = [_clean(text or "").split("\n") for text in texts]
            result.rows.append(TableRow(cells, number, row.bbox[1]))

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    for line in text_page.extract_text_lines(return_chars=True):
        first = line["chars"][0]
        result.lines.append(
            TextLine(
                _clean(line["text"]),
                number,
                line["top"],
                line["bottom"],
                line["x1"],
                (_font_family(first["fontname"]), round(first["size"], 1)),
            )
        )
    return result


def _clean(text: str) -> str:
    # Control characters in a text layer are glyphs a font maps to no letter,
    # not text anyone wrote, and a PDF cannot be fixed by the person importing
    # it: they become spaces (a text file holding one is refused instead).
    return printable(text.translate(_LIGATURES), keep="\n", replacement=" ").replace("\u00a0", " ")


def _font_family(fontname: str) -> str:
    """``ABCDEF+LiberationSerif-Bold`` -> ``LiberationSerif-Bold``: subset prefixes differ."""
    return fontname.split("+", 1)[-1]

"""Reading the note's PDF form (born digital) with pdfplumber.

Each page is read once: its ruled tables (found from their ruling lines; the
three-column ones are events tables) and its text lines outside them. Then,
over the whole document:

- the running header and footer are lines that recur at the same height on
  most pages once digits are masked ("5484/24 PC/es 12"); they are dropped;
- wrapped lines of a paragraph are joined (a line that reaches the right
  margin continues on the next in the same font), hyphen-aware;
- a table whose page ends with it and whose next page starts with it is one
  table; a repeated header row is skipped, and a row cut by the page break is
  merged cell by cell, unless its date cell clearly starts a new date;
- a cell's wrapped lines are joined hyphen-aware: "EU-" + "Cabo Verde" gives
  "EU-Cabo Verde".

What remains goes to the :class:`NoteBuilder` in reading order, each row with
the page on which it starts.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import pdfplumber
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from calendar_svc.ingest.dates import parse_date_cell
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import Note, NoteBuilder, Place, is_column_header, is_date
from models import DocumentFormat, Precision
from models.text import printable

#: A line that ends this close (points) to the right margin was wrapped.
WRAP_SLACK = 90
#: A running header or footer line recurs on at least this share of pages.
RUNNING_SHARE = 0.5
#: Ligatures some fonts draw as one glyph, spelled out.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
_HYPHEN_END = re.compile(r"\w[-/]$")
_LEADER_END = re.compile(r"\.{2,}\s*\d{1,3}$")
_STARTS_WITH_DAY = re.compile(r"^\d{1,2}(?!\d)")


@dataclass
class _Line:
    """A line of text outside the tables."""

    text: str
    page: int
    top: float
    bottom: float
    x1: float
    font: tuple[str, float]


@dataclass
class _TableRow:
    """A row of a three-column table: each cell's lines."""

    cells: list[list[str]]
    page: int
    top: float
    #: The table this row belongs to (its pages joined), numbered over the document.
    table: int = 0


@dataclass
class _Page:
    number: int
    lines: list[_Line] = field(default_factory=list)
    rows: list[_TableRow] = field(default_factory=list)
    has_text: bool = False


def read_pdf(data: bytes, *, where: str, max_pages: int | None = None) -> Note:
    """Read the structure of the note from a PDF's bytes.

    Raises:
        UnreadableDocument: damaged, truncated or password-protected; more
            pages than ``max_pages``; or no text layer (a scan).
    """
    pages = _read_pages(data, where, max_pages)
    if not any(page.has_text for page in pages):
        raise UnreadableDocument(
            f"{where}: the PDF has no text layer: it looks like a scan; ask for the"
            " born-digital PDF or the Word file"
        )
    running = _running_lines(pages)
    for page in pages:
        page.lines = [line for line in page.lines if _running_key(line) not in running]
    items = _reading_order(pages)
    header = [item.text for item in items[:200] if isinstance(item, _Line)]
    builder = NoteBuilder(header, DocumentFormat.PDF)
    for item in _paragraphs(items):
        if isinstance(item, _Line):
            builder.text(Place(page=item.page), item.text)
        else:
            cells = [join_lines(lines) for lines in item.cells]
            builder.row(Place(page=item.page), cells, "\t".join(cells))
    return builder.note()


def _read_pages(data: bytes, where: str, max_pages: int | None) -> list[_Page]:
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


def _read_page(page: Page, number: int) -> _Page:
    result = _Page(number, has_text=bool(page.chars))
    tables = [t for t in page.find_tables() if max(len(r.cells) for r in t.rows) == 3]
    boxes = [table.bbox for table in tables]
    for table in tables:
        for row, texts in zip(table.rows, table.extract(), strict=True):
            if len(texts) != 3:
                continue
            cells = [_clean(text or "").split("\n") for text in texts]
            result.rows.append(_TableRow(cells, number, row.bbox[1]))

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    for line in text_page.extract_text_lines(return_chars=True):
        first = line["chars"][0]
        result.lines.append(
            _Line(
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


def _running_key(line: _Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", " ".join(line.text.split())), round(line.top / 3)


def _running_lines(pages: list[_Page]) -> set[tuple[str, int]]:
    """Lines at the same height on most pages, digits masked: headers and footers."""
    seen = Counter(key for page in pages for key in {_running_key(line) for line in page.lines})
    least = max(2, math.ceil(RUNNING_SHARE * len(pages)))
    return {key for key, pages_with_it in seen.items() if pages_with_it >= least}


def _reading_order(pages: list[_Page]) -> list[_Line | _TableRow]:
    """Lines and rows top to bottom, page after page; rows numbered by table.

    A table continues across a page break when nothing but page furniture lies
    between its rows: then a repeated header row is dropped and a row cut by
    the break is merged into the row it continues.
    """
    items: list[_Line | _TableRow] = []
    tables = 0
    for page in pages:
        ordered: list[_Line | _TableRow] = sorted(
            [*page.lines, *page.rows], key=lambda item: item.top
        )
        for item in ordered:
            previous = items[-1] if items else None
            if isinstance(item, _Line):
                items.append(item)
                continue
            if isinstance(previous, _TableRow):
                item.table = previous.table
                if is_column_header(_first_lines(item)):
                    continue
                if previous.page != item.page and _continues(previous, item):
                    for cell, more in zip(previous.cells, item.cells, strict=True):
                        cell.extend(more)
                    continue
            else:
                tables += 1
                item.table = tables
                if is_column_header(_first_lines(item)):
                    continue
            items.append(item)
    return items


def _first_lines(row: _TableRow) -> list[str]:
    return [join_lines(lines) for lines in row.cells]


def _continues(previous: _TableRow, row: _TableRow) -> bool:
    """Whether ``row``, first on its page, is the rest of ``previous``, cut by the break.

    It is unless its date cell clearly starts a new date. An empty date cell
    continues. After a complete date, only what is no date on its own does
    ("Nairobi" after "7-8 February 2024,"). After an incomplete one, what
    makes a date of it and does not start with a day does ("2021" after
    "17 December", "November" after "3-4"); "18 December" after "17 December"
    starts a row of its own.
    """
    date = join_lines(row.cells[0])
    if not date:
        return True
    if not is_date(join_lines([*previous.cells[0], *row.cells[0]])):
        return False
    before = parse_date_cell(join_lines(previous.cells[0]))
    if before.precision is not Precision.UNKNOWN:
        return not is_date(date)
    return not _STARTS_WITH_DAY.match(date)


def _paragraphs(items: list[_Line | _TableRow]) -> list[_Line | _TableRow]:
    """Join the wrapped lines of each paragraph into one line."""
    right = _right_margin([item for item in items if isinstance(item, _Line)])
    result: list[_Line | _TableRow] = []
    for item in items:
        previous = result[-1] if result else None
        if (
            isinstance(item, _Line)
            and isinstance(previous, _Line)
            and _wraps_into(previous, item, right)
        ):
            previous.text = join_lines([previous.text, item.text])
            previous.x1, previous.top, previous.bottom = item.x1, item.top, item.bottom
            continue
        result.append(_copy(item) if isinstance(item, _Line) else item)
    return result


def _copy(line: _Line) -> _Line:
    return _Line(line.text, line.page, line.top, line.bottom, line.x1, line.font)


def _right_margin(lines: list[_Line]) -> float:
    long = sorted(line.x1 for line in lines if len(line.text) > 60)
    return long[int(len(long) * 0.9)] if long else math.inf


def _wraps_into(previous: _Line, line: _Line, right: float) -> bool:
    if previous.font != line.font or _LEADER_END.search(previous.text):
        return False
    if previous.x1 < right - WRAP_SLACK:
        return False
    if previous.page != line.page:
        return True  # the paragraph goes on at the top of the next page
    return line.top - previous.bottom < 0.6 * (previous.bottom - previous.top)


def join_lines(lines: list[str]) -> str:
    """Join a cell's or a paragraph's wrapped lines, hyphen-aware.

    >>> join_lines(["5th EU-", "Cabo Verde Joint", "Committee"])
    '5th EU-Cabo Verde Joint Committee'
    >>> join_lines(["Q1 2023-", "Q1 2024", "", "(tbc)"])
    'Q1 2023-Q1 2024 (tbc)'
    >>> join_lines(["meeting –", "Praia"])
    'meeting – Praia'
    >>> join_lines(["the ambassador/", "PR of Cameroon", "migration /", "asylum"])
    'the ambassador/PR of Cameroon migration / asylum'
    """
    text = ""
    for line in lines:
        line = " ".join(line.split())
        if not line:
            continue
        if text.endswith("\u00ad"):
            text = text[:-1] + line
        elif _HYPHEN_END.search(text):
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text

"""The note's pages, as a reader of its PDF form finds them, put together into a :class:`Note`.

A PDF reader (the born-digital one in :mod:`~calendar_svc.ingest.pdf`, the
OCR one in :mod:`~calendar_svc.ingest.scan`) reads each page into a
:class:`PageContent`: its text lines outside tables and the rows of its
three-column tables, with where they stand. Then, over the whole document:

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

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from calendar_svc.ingest.dates import parse_date_cell
from calendar_svc.ingest.note import Note, NoteBuilder, Place, is_column_header, is_date
from models import DocumentFormat, Precision

#: A line that ends this close (points) to the right margin was wrapped.
WRAP_SLACK = 90
#: A running header or footer line recurs on at least this share of pages.
RUNNING_SHARE = 0.5
_HYPHEN_END = re.compile(r"\w[-/]$")
_LEADER_END = re.compile(r"\.{2,}\s*\d{1,3}$")
_STARTS_WITH_DAY = re.compile(r"^\d{1,2}(?!\d)")


@dataclass
class TextLine:
    """A line of text outside the tables; lengths in points from the page's top left."""

    text: str
    page: int
    top: float
    bottom: float
    x1: float
    #: The font's family and size: a paragraph's lines share it.
    font: tuple[str, float]


@dataclass
class TableRow:
    """A row of a three-column table: each cell's lines."""

    cells: list[list[str]]
    page: int
    top: float
    #: The table this row belongs to (its pages joined), numbered over the document.
    table: int = 0
    #: How sure OCR was of the date cell (0-100); None for a row read from text.
    confidence: float | None = None


@dataclass
class PageContent:
    number: int
    lines: list[TextLine] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    has_text: bool = False


def assemble(pages: list[PageContent], format: DocumentFormat, *, ocr: bool = False) -> Note:
    """Put the pages together into the note (see the module's docstring).

    Args:
        ocr: the pages were read by OCR, which misreads the running header
            and footer a little differently on every page: lines the builder
            takes for page furniture are dropped too, before tables are
            joined across pages.
    """
    running = _running_lines(pages)
    for page in pages:
        page.lines = [line for line in page.lines if _running_key(line) not in running]
    header = [line.text for page in pages for line in sorted(page.lines, key=_top)]
    builder = NoteBuilder(header[:200], format)
    if ocr:
        for page in pages:
            page.lines = [line for line in page.lines if not builder.is_page_furniture(line.text)]
    for item in _paragraphs(_reading_order(pages)):
        if isinstance(item, TextLine):
            builder.text(Place(page=item.page), item.text)
        else:
            cells = [join_lines(lines) for lines in item.cells]
            row = builder.row(Place(page=item.page), cells, "\t".join(cells))
            if row is not None:
                row.confidence = item.confidence
    return builder.note()


def _running_key(line: TextLine) -> tuple[str, int]:
    return re.sub(r"\d+", "#", " ".join(line.text.split())), round(line.top / 3)


def _running_lines(pages: list[PageContent]) -> set[tuple[str, int]]:
    """Lines at the same height on most pages, digits masked: headers and footers."""
    seen = Counter(key for page in pages for key in {_running_key(line) for line in page.lines})
    least = max(2, math.ceil(RUNNING_SHARE * len(pages)))
    return {key for key, pages_with_it in seen.items() if pages_with_it >= least}


def _reading_order(pages: list[PageContent]) -> list[TextLine | TableRow]:
    """Lines and rows top to bottom, page after page; rows numbered by table.

    A table continues across a page break when nothing but page furniture lies
    between its rows: then a repeated header row is dropped and a row cut by
    the break is merged into the row it continues.
    """
    items: list[TextLine | TableRow] = []
    tables = 0
    for page in pages:
        ordered: list[TextLine | TableRow] = sorted([*page.lines, *page.rows], key=_top)
        for item in ordered:
            previous = items[-1] if items else None
            if isinstance(item, TextLine):
                items.append(item)
                continue
            if isinstance(previous, TableRow):
                item.table = previous.table
                if is_column_header(_first_lines(item)):
                    continue
                if previous.page != item.page and _continues(previous, item):
                    for cell, more in zip(previous.cells, item.cells, strict=True):
                        cell.extend(more)
                    previous.confidence = _least(previous.confidence, item.confidence)
                    continue
            else:
                tables += 1
                item.table = tables
                if is_column_header(_first_lines(item)):
                    continue
            items.append(item)
    return items


def _first_lines(row: TableRow) -> list[str]:
    return [join_lines(lines) for lines in row.cells]


def _continues(previous: TableRow, row: TableRow) -> bool:
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


def _paragraphs(items: list[TextLine | TableRow]) -> list[TextLine | TableRow]:
    """Join the wrapped lines of each paragraph into one line."""
    right = _right_margin([item for item in items if isinstance(item, TextLine)])
    result: list[TextLine | TableRow] = []
    for item in items:
        previous = result[-1] if result else None
        if (
            isinstance(item, TextLine)
            and isinstance(previous, TextLine)
            and _wraps_into(previous, item, right)
        ):
            previous.text = join_lines([previous.text, item.text])
            previous.x1, previous.top, previous.bottom = item.x1, item.top, item.bottom
            continue
        result.append(_copy(item) if isinstance(item, TextLine) else item)
    return result


def _copy(line: TextLine) -> TextLine:
    return TextLine(line.text, line.page, line.top, line.bottom, line.x1, line.font)


def _right_margin(lines: list[TextLine]) -> float:
    long = sorted(line.x1 for line in lines if len(line.text) > 60)
    return long[int(len(long) * 0.9)] if long else math.inf


def _wraps_into(previous: TextLine, line: TextLine, right: float) -> bool:
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


def _top(item: TextLine | TableRow) -> float:
    return item.top


def _least(a: float | None, b: float | None) -> float | None:
    """The lower of two confidences, either of which may be missing."""
    known = [value for value in (a, b) if value is not None]
    return min(known) if known else None

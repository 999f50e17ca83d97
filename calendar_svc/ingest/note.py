"""The structure of the note: header, sections, and their events tables.

Every form of the note (text, Word, PDF) is read into the same :class:`Note`
by a :class:`NoteBuilder`. A reader hands the builder, in reading order, the
text outside tables (:meth:`NoteBuilder.text`) and the rows of tables
(:meth:`NoteBuilder.row`); the builder skips the table of contents and page
furniture, follows part, chapter and section headings, and files each row
under its section's "Key past and upcoming events" table, numbering tables
and rows in reading order. ``docs/dates.md`` ("Rows") gives the rules.

A row's cells are bounded (:data:`CELL_LIMITS`, ``docs/dates.md``, "Limits"):
a longer one is no cell of the note but a row whose TABs were lost, or a
hostile file, and the file is refused (:class:`CellTooLong`) as soon as a cell
grows past its limit, before anything is parsed or stored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from calendar_svc.ingest.dates import MAX_DATE_CELL, parse_date_cell
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.sections import (
    SectionIdentity,
    chapter_group,
    known_section,
    new_section,
    normalise_heading,
    part_group,
    slugify,
)
from models import DocumentFormat, Group, Precision

_TABLE_HEADING = re.compile(
    r"^(?:key\s+)?(?:(?:past|recent)\s+(?:and|&)\s+)?"
    r"(?:upcoming\s+|future\s+|forthcoming\s+)?"
    r"(?:events|meetings)(?:\s+and\s+meetings)?\s*:?$"
)
_SYMBOL = re.compile(
    r"^(?:ST\s+)?(\d{3,5})\s*(?:/\s*(\d{2})|\s+(\d{4}))((?:\s+(?:REV|COR|ADD)\s*\d+)*)(?:\s+INIT)?$",
    re.I,
)
_DOC_DATE = re.compile(r"Brussels,\s*(\d{1,2}\s+[^\W\d_]+\s+\d{4})")
_PREVIOUS = re.compile(
    r"No\.?\s*prev\.?\s*doc\.?\s*:?\s*(\d{3,5}\s*/\s*\d{2}(?:\s+(?:REV|COR|ADD)\s*\d+)*)", re.I
)
_TOC_ENTRY = re.compile(r"^(?P<heading>.*?\S)(?:\s*\.{2,}\s*|\s*\t\s*)(?P<page>\d{1,3})$")
_LETTERED = re.compile(r"^\W{0,2}[A-Z]\.\s+\S")
_PART = re.compile(r"^\W{0,2}part\s*(?:\d+|[ivx]+|one|two|three)\b", re.I)
_PAGE_NUMBER = re.compile(r"^[-–\s]*\d{1,3}[-–\s]*$|^page\s+\d+(?:\s+of\s+\d+)?$", re.I)
_OFFICE_CODE = re.compile(r"^[A-Z]{2,5}(?:\.\d+[A-Z]?)+(?:\s+EN)?$")
_NOT_SECTIONS = frozenset({"note", "limite", "annex", "contents", "en", "update", "or en"})
#: The header (symbol, date, previous document) is looked for in this many lines.
HEADER_LINES = 120
#: Longer lines are body text, never a heading (the longest real one is ~110).
MAX_HEADING = 160
#: The longest event (title) cell, in characters: the sample note's longest is
#: 310 ("Thematic meeting on fight against trafficking of human beings ...").
MAX_TITLE = 1_000
#: The longest outcome cell, in characters: the sample note's longest is 525.
#: Outcomes are prose and grow with the note, hence more room than for titles.
MAX_OUTCOME = 4_000
#: Each column's name and longest cell (the date column's is the parser's).
CELL_LIMITS = (("date", MAX_DATE_CELL), ("event", MAX_TITLE), ("outcome", MAX_OUTCOME))
#: The longest document symbol ("5484/24 REV 1"), the length of its column:
#: a longer match in the header is no symbol and is not read.
MAX_SYMBOL = 80


class CellTooLong(UnreadableDocument):
    """A cell of an events table is longer than :data:`CELL_LIMITS` allows.

    The message says where (line or page, table and row) but not in which
    file: :func:`~calendar_svc.ingest.source.load_note` adds that.
    """


@dataclass
class Row:
    """One table row: its cells (date, event, outcome) and where it stands.

    ``table`` and ``number`` are 1-based and in reading order: the n-th events
    table of the document and the row within it (a header row is not counted).
    """

    cells: list[str]
    #: The file's line on which the row starts (text input).
    line: int | None = None
    #: The page on which the row starts (PDF input).
    page: int | None = None
    table: int = 0
    number: int = 0
    #: The row as it stands in the file, for people to compare with.
    lines: list[str] = field(default_factory=list)
    #: How sure OCR was of the date cell (0-100) when the row was read from a
    #: scan; None for a row read from text.
    confidence: float | None = None

    @property
    def date(self) -> str:
        return self.cells[0]

    @property
    def title(self) -> str:
        return self.cells[1]

    @property
    def outcome(self) -> str:
        return self.cells[2]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def append(self, index: int, text: str) -> None:
        """Continue one cell with more of its text, one space between.

        Raises:
            CellTooLong: the cell grows past its limit (so that a row of
                endless continuation lines costs no more than its length).
        """
        self.cells[index] = f"{self.cells[index]} {text}".strip()
        self.check(index)

    def check(self, index: int) -> None:
        """Refuse a cell longer than its column's limit (:data:`CELL_LIMITS`).

        >>> Row(["2024", "x" * 1_001, ""], line=7, table=2, number=3).check(1)
        Traceback (most recent call last):
        ...
        calendar_svc.ingest.note.CellTooLong: line 7, table 2 row 3: the event cell is 1,001 \
characters long; a cell of the note's events tables has at most 1,000 in that column \
(docs/dates.md, "Limits")
        """
        name, limit = CELL_LIMITS[index]
        length = len(self.cells[index])
        if length <= limit:
            return
        place = f"line {self.line}" if self.line is not None else None
        if place is None and self.page is not None:
            place = f"p. {self.page}"
        where = ", ".join(filter(None, (place, f"table {self.table} row {self.number}")))
        raise CellTooLong(
            f"{where}: the {name} cell is {length:,} characters long; a cell of the note's"
            f' events tables has at most {limit:,} in that column (docs/dates.md, "Limits")'
        )


@dataclass(frozen=True)
class Place:
    """Where a piece of the note stands: a line of a text file, a page of a PDF."""

    line: int | None = None
    page: int | None = None


@dataclass
class SectionBlock:
    identity: SectionIdentity
    heading: str
    place: Place
    rows: list[Row] = field(default_factory=list)


@dataclass
class Note:
    symbol: str | None
    document_date: dt.date | None
    previous_symbol: str | None
    sections: list[SectionBlock]
    #: Headings listed in the table of contents, in order.
    contents: list[str]
    #: Things a person should look at: new sections, rows in odd places.
    notices: list[str]
    format: DocumentFormat = DocumentFormat.TEXT

    @property
    def rows(self) -> int:
        return sum(len(block.rows) for block in self.sections)

    def sections_missing_from_body(self) -> list[str]:
        """Contents entries for sections whose heading the body never reaches."""
        found = {block.identity.slug for block in self.sections}
        missing = []
        for heading in self.contents:
            if _PART.match(heading) or _is_chapter_only(heading):
                continue
            identity = known_section(heading)
            slug = identity.slug if identity else slugify(heading)
            if slug not in found:
                missing.append(heading)
        return missing


def read_header(lines: list[str]) -> tuple[str | None, dt.date | None, str | None]:
    """The symbol, date and previous document's symbol from the note's first lines."""
    symbol = document_date = previous = None
    for line in lines[:HEADER_LINES]:
        text = line.replace("*", "").strip()
        if symbol is None and (m := _SYMBOL.match(text)) and len(text) <= MAX_SYMBOL:
            year = m.group(2) or m.group(3)[2:]
            suffix = " ".join(m.group(4).upper().split())
            symbol = f"{m.group(1)}/{year}" + (f" {suffix}" if suffix else "")
        if document_date is None and (m := _DOC_DATE.search(text)):
            cell = parse_date_cell(m.group(1))
            if cell.precision is Precision.DAY:
                document_date = cell.windows[0].start
        if previous is None and (m := _PREVIOUS.search(text)) and len(m.group(1)) <= MAX_SYMBOL:
            previous = " ".join(m.group(1).replace(" /", "/").replace("/ ", "/").split())
    return symbol, document_date, previous


class NoteBuilder:
    """Builds a :class:`Note` from the pieces a reader finds, in reading order.

    Args:
        header: the note's first lines, where the symbol and date are read.
        format: the form of the file the pieces come from.
    """

    def __init__(self, header: list[str], format: DocumentFormat) -> None:
        self.symbol, self.document_date, self.previous = read_header(header)
        self.format = format
        self.symbol_token = self.symbol.split()[0] if self.symbol else None
        self.sections: list[SectionBlock] = []
        self.by_slug: dict[str, SectionBlock] = {}
        self.contents: list[str] = []
        self.notices: list[str] = []
        self.group: Group | None = None
        #: The chapter heading just read, until a section heading follows: a
        #: table right under a chapter ("C. Western Balkans") is the chapter's own.
        self.chapter: tuple[str, Place] | None = None
        self.in_body = False
        self.section: SectionBlock | None = None
        #: Rows go to the current section's events table (after its heading).
        self.in_table = False
        #: Tables counted so far, and rows in the current one; None until a
        #: row opens the next table.
        self.tables = 0
        self.table_rows: int | None = None

    def note(self) -> Note:
        return Note(
            self.symbol,
            self.document_date,
            self.previous,
            self.sections,
            self.contents,
            self.notices,
            self.format,
        )

    def text(self, place: Place, text: str) -> None:
        """Read a line or paragraph outside any table (Word and PDF readers).

        Body text ends the current table: rows after it open a new one.
        """
        text = text.strip()
        if not text or self.skips(text) or self.structure(place, text):
            return
        self.end_table()

    def skips(self, text: str) -> bool:
        """Page furniture and table-of-contents entries (recorded in ``contents``)."""
        if self.is_page_furniture(text):
            return True
        if m := _TOC_ENTRY.match(text):
            heading = m.group("heading").strip(" .")
            if _heading_like(heading):
                self.contents.append(heading)
                return True
        return False

    def structure(self, place: Place, text: str, *, new_sections: bool = True) -> bool:
        """Follow an events-table heading or a part, chapter or section heading.

        Args:
            new_sections: an unknown heading may open a new section (the text
                reader says no for a line that may continue a row).

        Returns:
            False if ``text`` is none of them.
        """
        if len(text) <= MAX_HEADING and _TABLE_HEADING.match(normalise_heading(text)):
            if self.section is None:
                self._open_chapter_section()
            if self.section is not None:
                self.in_table = True
                self.end_table()
            return True
        return _heading_like(text) and self._heading(place, text, new_sections)

    def row(self, place: Place, cells: list[str], raw: str) -> Row | None:
        """File a table row (date, event, outcome) under its section's table.

        Returns:
            The row, or None when it is no events row (a column header, a row
            outside every section).
        """
        if is_column_header(cells):
            return None
        if self.section is None and is_date(cells[0]):
            self._open_chapter_section()
        if self.section is None:
            if self.in_body and is_date(cells[0]):
                self._notice(place, "table row outside any section, not imported")
            return None
        if not self.in_table:
            if not is_date(cells[0]):
                return None
            self.in_table = True
            self._notice(
                place,
                "rows without a 'Key past and upcoming events' heading"
                f" read as {self.section.identity.name}'s table",
            )
        if self.table_rows is None:
            self.tables += 1
            self.table_rows = 0
        self.table_rows += 1
        row = Row(cells, place.line, place.page, self.tables, self.table_rows, [raw])
        for index in range(len(CELL_LIMITS)):
            row.check(index)
        self.section.rows.append(row)
        return row

    def end_table(self) -> None:
        """The current table ends: the next row opens a new one."""
        self.table_rows = None

    def _heading(self, place: Place, text: str, new_sections: bool) -> bool:
        if _PART.match(text):
            self.in_body = True
            self.group = part_group(text)
            self._close()
            return True
        identity = known_section(text)
        chapter = chapter_group(text) if _shouted_or_lettered(text) else None
        if chapter is not None:
            self.in_body = True
            self.group = chapter
            if identity is None or identity.group is not chapter:
                self._close()
                self.chapter = (text, place)
                return True
        if identity is None:
            if not (self.in_body and new_sections and _could_be_new_section(text)):
                return False
            group = self.group or Group.GLOBAL_PROCESS
            identity = new_section(text, group)
            self._notice(place, f"new section {identity.name!r} ({identity.slug}, {group})")
        self.in_body = True
        self._open(identity, text, place)
        return True

    def is_page_furniture(self, text: str) -> bool:
        """Page headers and footers: the symbol, "LIMITE", office codes, page numbers."""
        if len(text) > 80:
            return False
        if self.symbol_token and self.symbol_token in text.replace("\t", " ").split():
            return True
        compact = " ".join(text.split())
        return bool(
            _PAGE_NUMBER.match(compact)
            or _OFFICE_CODE.match(compact)
            or (re.search(r"\bLIMITE\b", compact) and len(compact) <= 40)
            or compact.lower() in {"www.parlament.gv.at", "en", "annex"}
        )

    def _notice(self, place: Place, text: str) -> None:
        """Tell what a person should look at, and where (a Word file has no lines or pages)."""
        if place.line is not None:
            text = f"line {place.line}: {text}"
        elif place.page is not None:
            text = f"page {place.page}: {text}"
        self.notices.append(text)

    def _open_chapter_section(self) -> None:
        if self.chapter is None or self.group is None:
            return
        heading, place = self.chapter
        identity = known_section(heading)
        if identity is None:
            identity = new_section(heading, self.group)
            self._notice(place, f"new section {identity.name!r} ({identity.slug}, {self.group})")
        self._open(identity, heading, place)

    def _open(self, identity: SectionIdentity, heading: str, place: Place) -> None:
        self._close()
        block = self.by_slug.get(identity.slug)
        if block is None:
            block = SectionBlock(identity, heading, place)
            self.by_slug[identity.slug] = block
            self.sections.append(block)
        self.section = block

    def _close(self) -> None:
        self.section, self.in_table, self.chapter = None, False, None
        self.end_table()


def is_date(text: str) -> bool:
    """Whether a date cell can be read (perhaps needing a year from its neighbours)."""
    cell = parse_date_cell(text)
    return cell.precision is not Precision.UNKNOWN or cell.needs_year


def is_column_header(cells: list[str]) -> bool:
    # A speck of dust after "Date" in a scan is read as a full stop.
    return cells[0].lower().strip().rstrip(":.") in {"date", "dates", "when"}


def _shouted_or_lettered(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(_LETTERED.match(text)) or (
        len(letters) >= 3 and all(ch.isupper() for ch in letters)
    )


def _heading_like(text: str) -> bool:
    if "\t" in text or len(text) > MAX_HEADING:
        return False
    if _PART.match(text) or _shouted_or_lettered(text):
        return not text.rstrip("*").endswith((".", ":", ";", ",")) or text.endswith("..")
    return len(text.split()) <= 14 and known_section(text) is not None


def _could_be_new_section(text: str) -> bool:
    key = normalise_heading(text)
    letters = sum(ch.isalpha() for ch in key)
    return letters >= 4 and len(key.split()) <= 14 and key not in _NOT_SECTIONS


def _is_chapter_only(heading: str) -> bool:
    chapter = chapter_group(heading)
    identity = known_section(heading)
    return chapter is not None and (identity is None or identity.group is not chapter)

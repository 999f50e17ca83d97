"""The structure of the note: header, sections, and their events tables.

The reader walks the lines once. It takes the symbol and date from the header,
skips the table of contents (entries end in a page number) and page
headers/footers (the symbol, "LIMITE", bare page numbers) wherever they fall,
follows part, chapter and section headings, and collects the rows of each
section's "Key past and upcoming events" table, joining the lines that
continue a row. ``docs/dates.md`` ("Rows") gives the rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from calendar_svc.ingest.dates import parse_date_cell
from calendar_svc.ingest.sections import (
    SectionIdentity,
    chapter_group,
    known_section,
    new_section,
    normalise_heading,
    part_group,
    slugify,
)
from models import Group, Precision

_TABLE_HEADING = re.compile(
    r"^(?:key\s+)?(?:past\s+(?:and|&)\s+)?(?:upcoming\s+|future\s+|forthcoming\s+)?"
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
#: Header lines are looked for in this many lines at the top of the file.
HEADER_LINES = 120
#: Longer lines are body text, never a heading (the longest real one is ~110).
MAX_HEADING = 160


@dataclass
class Row:
    """One table row: its cells (date, event, outcome) and the lines it spans."""

    line: int
    cells: list[str]
    lines: list[str] = field(default_factory=list)

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

    def continue_with_cells(self, cells: list[str], raw: str) -> None:
        for index, cell in enumerate(cells):
            if cell:
                self._append(min(index, 2), cell)
        self.lines.append(raw)

    def continue_with_text(self, text: str, raw: str) -> None:
        if not _is_date(self.date):
            for joined in (self.date + text, f"{self.date} {text}"):
                if _is_date(joined):
                    self.cells[0] = joined
                    self.lines.append(raw)
                    return
        last = max(i for i, cell in enumerate(self.cells) if cell)
        self._append(last, text)
        self.lines.append(raw)

    def _append(self, index: int, text: str) -> None:
        self.cells[index] = f"{self.cells[index]} {text}".strip()


@dataclass
class SectionBlock:
    identity: SectionIdentity
    heading: str
    line: int
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


def parse_note(lines: list[str]) -> Note:
    """Read the structure of the note from its lines (numbered from 1)."""
    symbol, document_date, previous = _read_header(lines[:HEADER_LINES])
    reader = _Reader(symbol)
    for number, line in enumerate(lines, start=1):
        reader.feed(number, line)
    return Note(symbol, document_date, previous, reader.sections, reader.contents, reader.notices)


def _read_header(lines: list[str]) -> tuple[str | None, dt.date | None, str | None]:
    symbol = document_date = previous = None
    for line in lines:
        text = line.replace("*", "").strip()
        if symbol is None and (m := _SYMBOL.match(text)):
            year = m.group(2) or m.group(3)[2:]
            suffix = " ".join(m.group(4).upper().split())
            symbol = f"{m.group(1)}/{year}" + (f" {suffix}" if suffix else "")
        if document_date is None and (m := _DOC_DATE.search(text)):
            cell = parse_date_cell(m.group(1))
            if cell.precision is Precision.DAY:
                document_date = cell.windows[0].start
        if previous is None and (m := _PREVIOUS.search(text)):
            previous = " ".join(m.group(1).replace(" /", "/").replace("/ ", "/").split())
    return symbol, document_date, previous


class _Reader:
    def __init__(self, symbol: str | None) -> None:
        self.symbol_token = symbol.split()[0] if symbol else None
        self.sections: list[SectionBlock] = []
        self.by_slug: dict[str, SectionBlock] = {}
        self.contents: list[str] = []
        self.notices: list[str] = []
        self.group: Group | None = None
        #: The chapter heading just read, until a section heading follows: a
        #: table right under a chapter ("C. Western Balkans") is the chapter's own.
        self.chapter: tuple[str, int] | None = None
        self.in_body = False
        self.section: SectionBlock | None = None
        self.in_table = False
        self.row: Row | None = None
        self.gap = False

    def feed(self, number: int, line: str) -> None:
        raw = line.rstrip("\r\n")
        text = raw.replace("\x0c", " ").rstrip()
        stripped = text.strip()
        if not stripped:
            self.gap = True
            return
        if self._is_page_furniture(stripped):
            return
        if m := _TOC_ENTRY.match(stripped):
            heading = m.group("heading").strip(" .")
            if _heading_like(heading):
                self.contents.append(heading)
                return
        if "\t" in text:
            self._tabbed(number, [cell.strip() for cell in text.split("\t")], raw)
            return
        if len(stripped) <= MAX_HEADING and _TABLE_HEADING.match(normalise_heading(stripped)):
            if self.section is None:
                self._open_chapter_section()
            if self.section is not None:
                self.in_table, self.row = True, None
            return
        if _heading_like(stripped) and self._heading(number, stripped):
            return
        if self.row is not None and not self.gap:
            self.row.continue_with_text(stripped, raw)
            return
        self.row = None

    def _tabbed(self, number: int, cells: list[str], raw: str) -> None:
        if not cells[0]:
            if self.row is not None:
                self.row.continue_with_cells(cells, raw)
                self.gap = False
            return
        if _is_column_header(cells):
            return
        if self.section is None and _is_date(cells[0]):
            self._open_chapter_section()
        if self.section is None:
            if self.in_body and _is_date(cells[0]):
                self.notices.append(f"line {number}: table row outside any section, not imported")
            return
        if not self.in_table:
            if not _is_date(cells[0]):
                return
            self.in_table = True
            self.notices.append(
                f"line {number}: rows without a 'Key past and upcoming events' heading"
                f" read as {self.section.identity.name}'s table"
            )
        values = [cell for cell in cells[1:] if cell]
        title = values[0] if values else ""
        outcome = " ".join(values[1:])
        self.row = Row(number, [cells[0], title, outcome], [raw])
        self.section.rows.append(self.row)
        self.gap = False

    def _heading(self, number: int, text: str) -> bool:
        """Follow a part, chapter or section heading; False if ``text`` is none of them."""
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
                self.chapter = (text, number)
                return True
        if identity is None:
            adjacent_to_row = self.row is not None and not self.gap
            if not self.in_body or adjacent_to_row or not _could_be_new_section(text):
                return False
            group = self.group or Group.GLOBAL_PROCESS
            identity = new_section(text, group)
            self.notices.append(
                f"line {number}: new section {identity.name!r} ({identity.slug}, {group})"
            )
        self.in_body = True
        self._open(identity, text, number)
        return True

    def _open_chapter_section(self) -> None:
        if self.chapter is None or self.group is None:
            return
        heading, number = self.chapter
        identity = known_section(heading)
        if identity is None:
            identity = new_section(heading, self.group)
            self.notices.append(
                f"line {number}: new section {identity.name!r} ({identity.slug}, {self.group})"
            )
        self._open(identity, heading, number)

    def _open(self, identity: SectionIdentity, heading: str, number: int) -> None:
        self._close()
        block = self.by_slug.get(identity.slug)
        if block is None:
            block = SectionBlock(identity, heading, number)
            self.by_slug[identity.slug] = block
            self.sections.append(block)
        self.section = block

    def _close(self) -> None:
        self.section, self.in_table, self.row, self.chapter = None, False, None, None

    def _is_page_furniture(self, text: str) -> bool:
        """Page headers and footers of a PDF or Word conversion."""
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


def _is_date(text: str) -> bool:
    cell = parse_date_cell(text)
    return cell.precision is not Precision.UNKNOWN or cell.needs_year


def _is_column_header(cells: list[str]) -> bool:
    return cells[0].lower().rstrip(":") in {"date", "dates", "when"}


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

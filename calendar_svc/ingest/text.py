"""Reading the note's text form: one line per row, cells separated by TABs.

This is what a copy out of Word or a PDF-to-text conversion gives. The lines
are walked once; what is not a row goes to the :class:`NoteBuilder`. A row's
text can continue on the following lines (a page break, a wrapped cell), so
this reader also joins continuation lines to their row (``docs/dates.md``,
"Rows").
"""

from __future__ import annotations

from calendar_svc.ingest.note import Note, NoteBuilder, Place, Row, is_date
from models import DocumentFormat


def read_text(lines: list[str]) -> Note:
    """Read the structure of the note from its lines (numbered from 1)."""
    reader = _TextReader(NoteBuilder(lines, DocumentFormat.TEXT))
    for number, line in enumerate(lines, start=1):
        reader.feed(number, line)
    return reader.builder.note()


class _TextReader:
    def __init__(self, builder: NoteBuilder) -> None:
        self.builder = builder
        #: The row that the next lines may continue.
        self.row: Row | None = None
        #: A blank line since the last row line: plain text no longer continues it.
        self.gap = False

    def feed(self, number: int, line: str) -> None:
        raw = line.rstrip("\r\n")
        text = raw.replace("\x0c", " ").rstrip()
        stripped = text.strip()
        builder = self.builder
        if not stripped:
            self.gap = True
            return
        if builder.skips(stripped):
            return
        if "\t" in text:
            self._tabbed(number, [cell.strip() for cell in text.split("\t")], raw)
            return
        adjacent = self.row is not None and not self.gap
        if builder.structure(Place(line=number), stripped, new_sections=not adjacent):
            self.row = None
            return
        if self.row is not None and adjacent:
            _continue_with_text(self.row, stripped, raw)
            return
        self.row = None
        builder.end_table()

    def _tabbed(self, number: int, cells: list[str], raw: str) -> None:
        if not cells[0]:
            if self.row is not None:
                for index, cell in enumerate(cells):
                    if cell:
                        self.row.append(min(index, 2), cell)
                self.row.lines.append(raw)
                self.gap = False
            return
        # A row with more than three cells is one whose TABs slipped: the
        # first non-empty cell after the date is the event, the rest the outcome.
        values = [cell for cell in cells[1:] if cell]
        title = values[0] if values else ""
        row = self.builder.row(Place(line=number), [cells[0], title, " ".join(values[1:])], raw)
        if row is not None:
            self.row, self.gap = row, False


def _continue_with_text(row: Row, text: str, raw: str) -> None:
    """A line with no TAB under a row: more of the date cell if that makes it a date,
    else more of the last non-empty cell."""
    if not is_date(row.date):
        for joined in (row.date + text, f"{row.date} {text}"):
            if is_date(joined):
                row.cells[0] = joined
                row.lines.append(raw)
                return
    last = max(i for i, cell in enumerate(row.cells) if cell)
    row.append(last, text)
    row.lines.append(raw)

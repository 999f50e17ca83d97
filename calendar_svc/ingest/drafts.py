"""From table rows to event drafts: cleaned text, windows, status, category.

A draft is what the note says about one event, before it is matched to the
events already stored. Rows are read table by table, because a cell without a
year takes it from the rows around it (``docs/dates.md``, "Missing years").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from calendar_svc.ingest.dates import DateCell, Marker, parse_date_cell
from calendar_svc.ingest.note import Note, Row
from calendar_svc.ingest.sections import SectionIdentity
from models import Category, Precision, Status
from models.category import categorise
from models.title import TBC
from models.window import Window

_CANCELLED = re.compile(r"\b(?:cancell?ed|called\s+off|did\s+not\s+take\s+place)\b", re.I)
_POSTPONED = re.compile(r"\bpostponed\b", re.I)
#: Tags a Word or PDF conversion leaves in cells; any other markup is kept as text.
_FORMATTING_TAGS = frozenset(
    {"a", "b", "br", "del", "em", "font", "i", "ins", "li", "mark", "ol", "p", "s", "small"}
    | {"span", "strike", "strong", "sub", "sup", "u", "ul"}
)
#: How many years forward a tentative cell without a year may be moved.
MAX_YEARS_AHEAD = 3


@dataclass(frozen=True)
class EventDraft:
    section: SectionIdentity
    #: Order of the row within its section's table (0-based).
    position: int
    #: Where the row stands: the n-th table and its row (1-based, reading
    #: order), and the line (text) or page (PDF) on which it starts.
    table: int
    row: int
    line: int | None
    page: int | None
    source_text: str
    raw_date: str
    title: str
    outcome: str
    category: Category
    status: Status
    precision: Precision
    windows: tuple[Window, ...]
    location: str | None
    #: How the date was read when it needed help (an inferred year).
    date_note: str | None
    #: Why the date could not be read (precision unknown), else None.
    problem: str | None
    #: How sure OCR was of the date cell (0-100) when the row was read from a
    #: scan; None for a row read from text, Word or a PDF's text layer.
    ocr_confidence: float | None = None


def draft_events(note: Note) -> list[EventDraft]:
    """Turn every row of every section into a draft, in source order."""
    drafts: list[EventDraft] = []
    for block in note.sections:
        cells = [parse_date_cell(row.date) for row in block.rows]
        statuses = [
            _status(cell, clean_cell(row.title), clean_cell(row.outcome))
            for cell, row in zip(cells, block.rows, strict=True)
        ]
        notes = _infer_years(block.rows, cells, statuses, note.document_date)
        for position, row in enumerate(block.rows):
            drafts.append(
                _draft(
                    block.identity,
                    position,
                    row,
                    cells[position],
                    statuses[position],
                    notes[position],
                )
            )
    return drafts


def clean_cell(text: str) -> str:
    """Remove conversion markup and collapse whitespace.

    >>> clean_cell("<u>Virtual</u>  workshop  <i>(pilot)</i>")
    'Virtual workshop (pilot)'
    >>> clean_cell("if a < b then <script>x</script>")
    'if a < b then <script>x</script>'
    """
    if "<" in text:
        stripper = _TagStripper()
        stripper.feed(text)
        stripper.close()
        text = "".join(stripper.parts)
    return " ".join(text.split())


def _draft(
    section: SectionIdentity,
    position: int,
    row: Row,
    cell: DateCell,
    status: Status,
    date_note: str | None,
) -> EventDraft:
    title = clean_cell(row.title).rstrip(" ,;:-–—") or clean_cell(row.date)
    outcome = clean_cell(row.outcome)
    problem = cell.problem
    if cell.needs_year:
        problem = "no year, and no neighbouring row to take one from"
    return EventDraft(
        section=section,
        position=position,
        table=row.table,
        row=row.number,
        line=row.line,
        page=row.page,
        source_text=row.text,
        raw_date=" ".join(row.date.split()),
        title=title,
        outcome=outcome,
        category=categorise(title, outcome),
        status=status,
        precision=cell.precision,
        windows=cell.windows,
        location=cell.location,
        date_note=date_note,
        problem=problem if cell.precision is Precision.UNKNOWN else None,
        ocr_confidence=row.confidence,
    )


def _status(cell: DateCell, title: str, outcome: str) -> Status:
    if Marker.CANCELLED in cell.markers or _CANCELLED.search(title) or _CANCELLED.search(outcome):
        return Status.CANCELLED
    if Marker.POSTPONED in cell.markers or _POSTPONED.search(title) or _POSTPONED.search(outcome):
        return Status.POSTPONED
    if cell.markers & {Marker.TBC, Marker.ALTERNATIVES} or TBC.search(title):
        return Status.TENTATIVE
    return Status.CONFIRMED


def _infer_years(
    rows: list[Row], cells: list[DateCell], statuses: list[Status], note_date: dt.date | None
) -> list[str | None]:
    """Give year-less cells a year from their neighbours; ``cells`` is updated in place.

    One pass each way, so a table of many year-less rows takes time in
    proportion to its rows (looking for each row's neighbours afresh took the
    square of it).

    Returns, per row, the note to record on the event (None when nothing was inferred).
    """
    notes: list[str | None] = [None] * len(rows)
    # The end of the nearest row below with a year written out, for each row.
    after: list[dt.date | None] = [None] * len(rows)
    following: dt.date | None = None
    for i in range(len(cells) - 1, -1, -1):
        after[i] = following
        if cells[i].windows and not cells[i].needs_year:
            following = cells[i].windows[0].end
    # The start of the last window of the nearest row above with a date, given or inferred.
    before: dt.date | None = None
    for i, cell in enumerate(cells):
        if cell.needs_year:
            _infer_year(i, rows, cells, statuses, note_date, before, after[i], notes)
        if cells[i].windows:
            before = cells[i].windows[-1].start
    return notes


def _infer_year(
    i: int,
    rows: list[Row],
    cells: list[DateCell],
    statuses: list[Status],
    note_date: dt.date | None,
    before: dt.date | None,
    after: dt.date | None,
    notes: list[str | None],
) -> None:
    """Give row ``i``'s year-less cell its year (``docs/dates.md``, "Missing years")."""
    year, source = _neighbour_year(rows[i].date, before, after)
    if year is None and note_date is not None:
        year, source = note_date.year, "the note's date"
    if year is None:
        return
    resolved = parse_date_cell(rows[i].date, default_year=year)
    if statuses[i] is Status.TENTATIVE and note_date is not None:
        # A tentative date is an upcoming one as of the note.
        for ahead in range(1, MAX_YEARS_AHEAD + 1):
            if not resolved.windows or resolved.windows[-1].end >= note_date:
                break
            resolved = parse_date_cell(rows[i].date, default_year=year + ahead)
            source = "neighbouring rows and the note's date (a tbc date is upcoming)"
    if resolved.windows:
        cells[i] = dataclasses.replace(resolved, needs_year=False)
        notes[i] = f"year {resolved.windows[-1].end.year} inferred from {source}"


def _neighbour_year(
    text: str, before: dt.date | None, after: dt.date | None
) -> tuple[int | None, str]:
    source = "neighbouring rows"
    if before is None and after is None:
        return None, source

    def start(year: int) -> dt.date | None:
        windows = parse_date_cell(text, default_year=year).windows
        return windows[0].start if windows else None

    if before is None:
        assert after is not None
        first = start(after.year)
        return (after.year if first is None or first <= after else after.year - 1), source
    for year in (before.year, before.year + 1):
        first = start(year)
        if first is not None and first >= before and (after is None or first <= after):
            return year, source
    return before.year, source


class _TagStripper(HTMLParser):
    """Drops formatting tags, keeps everything else (text, unknown tags, entities) as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORMATTING_TAGS:
            self.parts.append(" " if tag in {"br", "li", "p"} else "")
        else:
            self.parts.append(self.get_starttag_text() or "")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag not in _FORMATTING_TAGS:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.parts.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.parts.append(f"<!--{data}-->")

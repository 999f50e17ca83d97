"""Where an event's row stands in a version of the note.

:class:`SourceRef` owns how that place is written: the label people read in
feeds, mails and pages ("5484/24, p. 12, table 31 row 4") and the ``source``
object of the export (DESIGN.md section 4, ``export.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.document import DocumentFormat

if TYPE_CHECKING:
    from models.event import Event


@dataclass(frozen=True)
class SourceRef:
    """A row's place in a note: the document, its format, the table and row, and
    the line (text files) or page (PDF files) on which the row starts.

    ``table`` and ``row`` are 1-based positions in reading order (the n-th "Key
    past and upcoming events" table of the document, the row within it, header
    row not counted); they are the same for the text, PDF and Word forms of one
    note. They are None only for a row read before tables were recorded whose
    table could not be worked out afterwards (migration 0004).
    """

    document: str
    format: DocumentFormat
    table: int | None
    row: int | None
    line: int | None = None
    page: int | None = None

    @classmethod
    def of(cls, event: Event) -> SourceRef | None:
        """The place of ``event``'s row in the latest version that lists it.

        Reads ``event.document_version``: load it with the event (a join) when
        building many. Returns None for an event added by hand that no note lists.
        """
        document = event.document_version
        if document is None:
            return None
        return cls.in_document(event, document.symbol, document.format)

    @classmethod
    def in_document(cls, event: Event, symbol: str, format: DocumentFormat) -> SourceRef:
        """The place of ``event``'s row in the version ``symbol``, read from ``format``
        (for a query that selects those two columns beside the event)."""
        return cls(
            document=symbol,
            format=format,
            table=event.source_table,
            row=event.source_row,
            line=event.source_line,
            page=event.source_page,
        )

    @property
    def place(self) -> str:
        """Where in the document, without its symbol; "" when nothing is known.

        A row without its table is left out: "row 4" alone points nowhere.

        >>> SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12).place
        'p. 12, table 31 row 4'
        >>> SourceRef("5484/24", DocumentFormat.TEXT, None, 4, line=812).place
        'line 812'
        >>> SourceRef("5484/24", DocumentFormat.DOCX, None, None).place
        ''
        """
        parts = []
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.table is not None and self.row is not None:
            parts.append(f"table {self.table} row {self.row}")
        elif self.table is not None:
            parts.append(f"table {self.table}")
        return ", ".join(parts)

    @property
    def label(self) -> str:
        """What people read: the document, then the page or line, then table and row.

        >>> SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12).label
        '5484/24, p. 12, table 31 row 4'
        >>> SourceRef("5484/24", DocumentFormat.TEXT, 31, 4, line=812).label
        '5484/24, line 812, table 31 row 4'
        >>> SourceRef("5484/24", DocumentFormat.DOCX, 31, 4).label
        '5484/24, table 31 row 4'
        >>> SourceRef("11434/23", DocumentFormat.TEXT, None, None, line=812).label
        '11434/23, line 812'
        >>> SourceRef("11434/23", DocumentFormat.DOCX, None, None).label
        '11434/23'
        """
        place = self.place
        return f"{self.document}, {place}" if place else self.document

    def __str__(self) -> str:
        return self.label

    def as_json(self) -> dict[str, str | int | None]:
        """The export's ``source`` object: ``line`` and ``page`` only when known.

        >>> SourceRef("5484/24", DocumentFormat.TEXT, 31, 4, line=812).as_json()
        {'document': '5484/24', 'format': 'text', 'table': 31, 'row': 4, 'line': 812}
        >>> SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12).as_json()
        {'document': '5484/24', 'format': 'pdf', 'table': 31, 'row': 4, 'page': 12}
        >>> SourceRef("5484/24", DocumentFormat.DOCX, 31, 4).as_json()
        {'document': '5484/24', 'format': 'docx', 'table': 31, 'row': 4}
        """
        record: dict[str, str | int | None] = {
            "document": self.document,
            "format": self.format.value,
            "table": self.table,
            "row": self.row,
        }
        if self.line is not None:
            record["line"] = self.line
        if self.page is not None:
            record["page"] = self.page
        return record


__all__ = ["SourceRef"]

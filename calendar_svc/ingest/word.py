"""Reading the note's Word form (.docx) with python-docx.

The body is walked in order, paragraphs and tables interleaved. Paragraphs
(each line of one, where it has line breaks) go to the :class:`NoteBuilder`
as text: headings give the sections. Every three-column table is read row by
row, a cell's paragraphs joined with spaces, formatting dropped; other tables
(the From/To/Subject block) count only for the header. Header and footer
parts are never read: they hold page furniture, not the note.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import HEADER_LINES, Note, NoteBuilder, Place
from models import DocumentFormat
from models.text import printable

#: The main part of a Word document, and of the forms that look like one but are not.
WORD_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OTHER_MAIN_PARTS = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "a macro-enabled Word document"
    " (.docm); save it as a Word document (.docx)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "a Word"
    " template (.dotx); save it as a Word document (.docx)",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "a macro-enabled Word"
    " template (.dotm); save it as a Word document (.docx)",
}
#: Uncompressed size a .docx may unpack to, against ZIP bombs (the sample: about 1 MB).
MAX_UNPACKED_BYTES = 200_000_000
_NO_PLACE = Place()
#: As python-docx parses parts: no entity expansion, nothing fetched.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)


def read_word(data: bytes, *, where: str) -> Note:
    """Read the structure of the note from a .docx file's bytes.

    Raises:
        UnreadableDocument: not a readable Word document (a damaged or
            truncated file, a .docm, another kind of ZIP archive).
    """
    document = _open(data, where)
    blocks = list(document.iter_inner_content())
    builder = NoteBuilder(_header_lines(blocks), DocumentFormat.DOCX)
    for block in blocks:
        if isinstance(block, Paragraph):
            for line in _text(block).split("\n"):
                builder.text(_NO_PLACE, line)
        elif _is_events_shape(block):
            builder.end_table()
            for cells in _rows(block):
                builder.row(_NO_PLACE, cells, "\t".join(cells))
            builder.end_table()
    return builder.note()


def _open(data: bytes, where: str) -> docx.document.Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            main = _main_part_type(archive)
            if unpacked <= MAX_UNPACKED_BYTES:
                archive.testzip()
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError):
        raise UnreadableDocument(
            f"{where}: the Word file is damaged or truncated (not a readable ZIP archive)"
        ) from None
    if main != WORD_DOCUMENT:
        what = _OTHER_MAIN_PARTS.get(main or "", "a ZIP archive, not a Word document (.docx)")
        raise UnreadableDocument(f"{where}: {what}")
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableDocument(
            f"{where}: the Word file unpacks to {unpacked / 1e6:.0f} MB, more than the"
            f" {MAX_UNPACKED_BYTES / 1e6:.0f} MB a note can take"
        )
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx and lxml raise many kinds on a broken part
        raise UnreadableDocument(
            f"{where}: the Word file is damaged ({type(exc).__name__} in its XML)"
        ) from None


def _main_part_type(archive: zipfile.ZipFile) -> str | None:
    """The content type of the package's main document part, from [Content_Types].xml."""
    try:
        types = etree.fromstring(archive.read("[Content_Types].xml"), _SAFE_XML)
    except KeyError:
        return None
    except etree.XMLSyntaxError:
        raise ValueError("[Content_Types].xml") from None
    for override in types:
        if override.get("PartName") == "/word/document.xml":
            return override.get("ContentType")
    for override in types:
        content_type = override.get("ContentType") or ""
        if content_type.endswith(".main+xml"):
            return content_type
    return None


def _header_lines(blocks: list[Paragraph | Table]) -> list[str]:
    """The first lines of the body: tables give each cell's lines and each row on one
    line ("No. prev. doc.:" and "11434/23" stand in two cells)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.extend(_text(block).split("\n"))
            continue
        for row in block.rows:
            cells = [_text(cell) for cell in _distinct(row.cells)]
            lines.append(" ".join(" ".join(cells).split()))
            for cell in cells:
                lines.extend(cell.split("\n"))
        if len(lines) >= HEADER_LINES:
            break
    return lines


def _is_events_shape(table: Table) -> bool:
    return len(table.columns) == 3


def _rows(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        cells = [" ".join(_text(cell).split()) for cell in _distinct(row.cells)]
        if len(cells) == 3 and any(cells):
            yield cells


def _text(block: Paragraph | docx.table._Cell) -> str:
    """A paragraph's or cell's text, its control characters as spaces.

    XML keeps most C0 controls out of a .docx, but DEL and the C1 controls
    pass; like a PDF's, they are not text anyone wrote (see ``models.text``).
    """
    return printable(block.text, keep="\t\n", replacement=" ")


def _distinct(cells: tuple[docx.table._Cell, ...]) -> list[docx.table._Cell]:
    """A merged cell once, not once per column it spans."""
    seen: list[docx.table._Cell] = []
    for cell in cells:
        if not seen or cell._tc is not seen[-1]._tc:
            seen.append(cell)
    return seen

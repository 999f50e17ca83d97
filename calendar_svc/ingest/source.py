"""Reading a note file, in any of its forms, refusing what is not one.

A file is recognised by its content, not its name: a PDF by its ``%PDF-``
signature, a Word document by its ZIP signature and main part, anything else
is decoded as text. Checks happen before anything is parsed: a missing path,
an empty file, one over the size limit (checked with ``stat``, so a huge file
is never read), and each form's own ways of being damaged raise
:class:`UnreadableDocument` with a one-line reason.
"""

from __future__ import annotations

import codecs
import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import CellTooLong, Note
from calendar_svc.ingest.text import read_text
from models import DocumentFormat
from models.text import describe, find_control

#: Above this share of control characters a file is taken for binary.
MAX_CONTROL_SHARE = 0.01
#: The control characters a note's text form may hold: they mean something there
#: (TAB between cells, line breaks, the form feed of a page break in a PDF copy).
ALLOWED_CONTROLS = "\t\n\r\f"
_ZIP = b"PK\x03\x04"
#: Formats people may hand in by mistake, by signature, with what to do instead.
#: How many readings :func:`_read` keeps.
KEPT_READINGS = 4
_REFUSED = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc); save it as .docx or PDF"),
    (b"{\\rtf", "an RTF file; save it as .docx or PDF"),
)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    format: DocumentFormat
    #: The decoded text of a text file (None for PDF and Word).
    text: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_source(path: Path, *, max_bytes: int) -> SourceFile:
    """Read a note file and tell its form.

    Raises:
        UnreadableDocument: missing, not a file, empty, too large, or (for
            what is neither PDF nor Word) not text.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableDocument(f"{path}: no such file") from None
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot read ({exc.strerror})") from None
    if not path.is_file():
        raise UnreadableDocument(f"{path}: not a regular file")
    if size > max_bytes:
        raise UnreadableDocument(
            f"{path}: {_megabytes(size)} is larger than the {_megabytes(max_bytes)} accepted"
            " (setting ingest.max_bytes)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot read ({exc.strerror})") from None
    return source_of(data, path)


def source_of(data: bytes, path: Path) -> SourceFile:
    """The file ``data`` read from ``path`` (or uploaded under that name), and its form.

    Raises:
        UnreadableDocument: a kind of file the note never comes as, or text
            that cannot be decoded.
    """
    if b"%PDF-" in data[:1024]:
        return SourceFile(path, data, DocumentFormat.PDF)
    if data.startswith(_ZIP):
        return SourceFile(path, data, DocumentFormat.DOCX)
    for signature, what in _REFUSED:
        if data.startswith(signature):
            raise UnreadableDocument(f"{path}: {what}")
    return SourceFile(path, data, DocumentFormat.TEXT, decode(data, str(path)))


def load_note(
    source: SourceFile,
    *,
    max_pages: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Note:
    """Read the note in ``source``, and refuse one that has no tables or is visibly cut short.

    Args:
        max_pages: refuse a PDF with more pages (None: any number).
        progress: told the pages done and the pages in all while a scan is
            read by OCR (minutes for a long note).

    Raises:
        UnreadableDocument: the file cannot be read in its form, has no
            events table, lacks sections its contents list at the end of
            the body (a truncated file), or has a cell longer than its
            column's limit (``calendar_svc.ingest.note.CELL_LIMITS``).
    """
    where = str(source.path)
    try:
        # A copy: the caller may add notices, and the cached note stays as read.
        note = copy.deepcopy(_read(source, where, max_pages, progress))
    except CellTooLong as exc:
        # Raised where the row is read, which knows its place but not the file.
        raise UnreadableDocument(f"{where}: {exc}") from None
    if note.rows == 0:
        raise UnreadableDocument(
            f"{where}: no 'Key past and upcoming events' table with rows found"
            " (is this the state-of-play note?)"
        )
    missing = note.sections_missing_from_body()
    if missing and note.contents and missing[-1] == note.contents[-1]:
        raise UnreadableDocument(
            f"{where}: the contents list {len(missing)} section(s) the file does not"
            f" contain, from {missing[0]!r} to the end: the file looks truncated"
        )
    if missing:
        note.notices.append(f"listed in the contents but not found: {', '.join(missing)}")
    return note


def forget_readings() -> None:
    """Forget the notes read so far (:func:`_read` keeps the last few): a benchmark
    times each reading afresh."""
    with _READINGS_LOCK:
        _READINGS.clear()


_READINGS: OrderedDict[tuple[str, str, int | None], Note] = OrderedDict()
_READINGS_LOCK = threading.Lock()


def _read(
    source: SourceFile,
    where: str,
    max_pages: int | None,
    progress: Callable[[int, int], None] | None,
) -> Note:
    """Read ``source`` in its form.

    The last :data:`KEPT_READINGS` files read are kept (by content, name and
    page limit): the web upload reads a file for its preview and again when
    the editor imports it, and a 93-page PDF takes seconds to read (a scan,
    minutes). Refusals are not kept.
    """
    key = (source.sha256, where, max_pages)
    with _READINGS_LOCK:
        if (kept := _READINGS.get(key)) is not None:
            _READINGS.move_to_end(key)
            return kept
    note = _read_form(source, where, max_pages, progress)
    with _READINGS_LOCK:
        _READINGS[key] = note
        while len(_READINGS) > KEPT_READINGS:
            _READINGS.popitem(last=False)
    return note


def _read_form(
    source: SourceFile,
    where: str,
    max_pages: int | None,
    progress: Callable[[int, int], None] | None,
) -> Note:
    # The PDF and Word readers are imported when needed: pdfplumber and
    # python-docx take 0.1 s and 0.06 s to import, which a text import need not pay.
    if source.format is DocumentFormat.PDF:
        from calendar_svc.ingest.pdf import read_pdf

        return read_pdf(source.data, where=where, max_pages=max_pages, progress=progress)
    if source.format is DocumentFormat.DOCX:
        from calendar_svc.ingest.word import read_word

        return read_word(source.data, where=where)
    return read_text(lines_of(source.text or ""))


def lines_of(text: str) -> list[str]:
    """A text's lines, numbered from 1 by the caller as an editor does."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def decode(data: bytes, where: str) -> str:
    """Decode a note's bytes: UTF-8 or UTF-16 with a byte-order mark, else UTF-8, else cp1252.

    The text holds no control character but TAB, line breaks and form feeds
    (``models.text``), whatever the byte-order mark said.

    Raises:
        UnreadableDocument: empty, binary, cut in the middle of a character,
            or holding another control character (the message names its line).
    """
    if not data.strip():
        raise UnreadableDocument(f"{where}: the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16", where)
    elif data.startswith(codecs.BOM_UTF8):
        text = _strict(data, "utf-8-sig", where)
    elif b"\x00" in data:
        raise UnreadableDocument(f"{where}: not a text file (it contains binary data)")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                raise UnreadableDocument(
                    f"{where}: the file ends in the middle of a character (truncated?)"
                ) from None
            # Word's "plain text" export on Windows.
            text = data.decode("cp1252", errors="replace")
    first = find_control(text, ALLOWED_CONTROLS)
    if first is None:
        return text
    controls = sum(1 for ch in text if find_control(ch, ALLOWED_CONTROLS) is not None)
    if controls > MAX_CONTROL_SHARE * len(text):
        raise UnreadableDocument(f"{where}: not a text file (it contains binary data)")
    # Any other control character is refused, not dropped: in a text file it
    # is a wrong file or a hostile one (ESC and BEL act on terminals, NUL is
    # refused by PostgreSQL, the strict calendar parsers refuse the feed), and
    # the person importing can fix the file.
    line = len(lines_of(text[:first]))
    raise UnreadableDocument(
        f"{where}: line {line} holds a control character ({describe(text[first])});"
        " a note's text has none but TAB, line breaks and page breaks"
    )


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableDocument(f"{where}: not valid {encoding} text") from None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"

"""Reading a note file into text, refusing what is not one.

Checks happen before anything is parsed: a missing path, an empty file, one
over the size limit (checked with ``stat``, so a huge file is never read), and
binary content each raise :class:`UnreadableDocument` with a one-line reason.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from calendar_svc.ingest.errors import UnreadableDocument

#: Above this share of control characters a file is taken for binary.
MAX_CONTROL_SHARE = 0.01
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def lines(self) -> list[str]:
        """The file's lines, numbered from 1 by the caller as an editor does."""
        return self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_source(path: Path, *, max_bytes: int) -> SourceFile:
    """Read and decode a note file.

    Raises:
        UnreadableDocument: missing, not a file, empty, too large, or not text.
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
    return SourceFile(path, data, decode(data, str(path)))


def decode(data: bytes, where: str) -> str:
    """Decode a note's bytes: UTF-8 or UTF-16 with a byte-order mark, else UTF-8, else cp1252.

    Raises:
        UnreadableDocument: empty, binary, or cut in the middle of a character.
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
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROLS)
    if controls > MAX_CONTROL_SHARE * len(text):
        raise UnreadableDocument(f"{where}: not a text file (it contains binary data)")
    return text


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableDocument(f"{where}: not valid {encoding} text") from None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"

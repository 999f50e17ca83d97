"""Damaged and wrong PDF and Word files, made from the good fixtures as a user might
meet them: each function writes one into a folder and returns its path.

The good files are ``tests/data/*.pdf`` and ``*.docx`` (``tests/data/make_documents.py``).
Made with real tools: pypdf encrypts and makes blank pages, zipfile repackages.
Scanned copies are made by ``tests/helpers/scans.py``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf

from tests.helpers.data import DATA

SAMPLE_PDF = DATA / "note_5484_24.pdf"
SAMPLE_DOCX = DATA / "note_5484_24.docx"
V2_PDF = DATA / "note_v2.pdf"
V2_DOCX = DATA / "note_v2.docx"
NOT_A_NOTE_PDF = DATA / "not_a_note.pdf"
NOT_A_NOTE_DOCX = DATA / "not_a_note.docx"
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def encrypted_pdf(folder: Path) -> Path:
    """The sample PDF, opened only with a password."""
    writer = pypdf.PdfWriter(clone_from=SAMPLE_PDF)
    writer.encrypt("a password", algorithm="AES-256")
    path = folder / "encrypted.pdf"
    with path.open("wb") as f:
        writer.write(f)
    return path


def blank_pdf(folder: Path, pages: int = 2) -> Path:
    """A PDF of empty pages: no text, and no images to read by OCR."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    path = folder / "blank.pdf"
    with path.open("wb") as f:
        writer.write(f)
    return path


def truncated(source: Path, folder: Path) -> Path:
    """The first half of a file: a download cut short."""
    data = source.read_bytes()
    path = folder / f"truncated{source.suffix}"
    path.write_bytes(data[: len(data) // 2])
    return path


def damaged_pdf(folder: Path) -> Path:
    """A PDF signature and end marker around bytes that are no PDF."""
    path = folder / "damaged.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return path


def macro_enabled(folder: Path) -> Path:
    """The sample Word file saved as a macro-enabled document (.docm): its main part's type."""
    return _repackaged(
        SAMPLE_DOCX,
        folder / "note.docm",
        lambda name, data: (
            data.replace(_WORD_MAIN.encode(), _MACRO_MAIN.encode())
            if name == "[Content_Types].xml"
            else data
        ),
    )


def other_zip(folder: Path) -> Path:
    """A ZIP archive that is no Office document at all, named like one."""
    path = folder / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("note.txt", "Key past and upcoming events\n")
    return path


def _repackaged(source: Path, path: Path, change: object) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info)))  # type: ignore[operator]
    path.write_bytes(buffer.getvalue())
    return path


def broken_xml_docx(folder: Path) -> Path:
    """A Word file whose ZIP is whole but whose main part is cut mid-element."""
    return _repackaged(
        SAMPLE_DOCX,
        folder / "broken.docx",
        lambda name, data: data[: len(data) // 2] if name == "word/document.xml" else data,
    )


def zip_bomb_docx(folder: Path, megabytes: int = 250) -> Path:
    """The sample Word file with a part of zeros that unpacks to ``megabytes`` MB
    (about 0.25 MB packed)."""
    path = folder / "bomb.docx"
    path.write_bytes(SAMPLE_DOCX.read_bytes())
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/padding.bin", "w", force_zip64=True) as part,
    ):
        zeros = bytes(1_000_000)
        for _ in range(megabytes):
            part.write(zeros)
    return path


def control_characters_pdf(folder: Path, source: Path = V2_PDF) -> Path:
    """``source`` whose text layer reads ESC for "&", BEL for "+" and the C1 control
    CSI (U+009B) for "–": the glyphs are drawn as before, but the fonts' ToUnicode
    maps, which text extraction reads, now name control characters."""
    writer = pypdf.PdfWriter(clone_from=source)
    changed: set[int] = set()
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            to_unicode = font.get_object().get("/ToUnicode")
            if to_unicode is None or to_unicode.indirect_reference.idnum in changed:
                continue
            changed.add(to_unicode.indirect_reference.idnum)
            stream = to_unicode.get_object()
            data = stream.get_data()
            for glyph, control in ((b"<0026>", b"<001B>"), (b"<002B>", b"<0007>"),
                                   (b"<2013>", b"<009B>")):  # fmt: skip
                data = data.replace(glyph, control)
            stream.set_data(data)
    path = folder / "controls.pdf"
    with path.open("wb") as f:
        writer.write(f)
    return path


def control_characters_docx(folder: Path, source: Path = V2_DOCX) -> Path:
    """``source`` with the C1 control CSI (U+009B) for each "&" and DEL for each " – "
    dash: the control characters XML lets a Word file hold (it has no room for C0)."""
    return _repackaged(
        source,
        folder / "controls.docx",
        lambda name, data: (
            data.replace(b"&amp;", b"&#x9B;").replace(" – ".encode(), b" &#x7F; ")
            if name == "word/document.xml"
            else data
        ),
    )

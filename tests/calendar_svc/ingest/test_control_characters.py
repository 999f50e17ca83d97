"""Control characters in a note: refused in the text form, made spaces in a PDF's or
Word file's text, so that none reaches the database, a feed, a mail or a terminal.

A text file is something a person can fix, and one holding ESC, BEL or NUL
(after a byte-order mark, which once let NUL through) is a wrong file or a
hostile one: ``calendar-svc ingest`` refuses it in one line naming the line.
In a PDF or Word file a control character is a glyph mapped to no letter
(``tests/helpers/documents.py`` makes such files), not text anyone wrote: it becomes
a space, and the feeds of what was imported are read by the strict ``ical``
package.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ical.calendar_stream import IcsCalendarStream

from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.source import decode, load_note, read_source
from calendar_svc.settings import load_settings
from tests.helpers.commands import Runner
from tests.helpers.data import MAX_BYTES, V2
from tests.helpers.documents import control_characters_docx, control_characters_pdf

#: The line of note_v2.txt holding the 10th EU-Serbia JRC (numbered from 1).
SERBIA_LINE = 784
#: Every control character but TAB, LF and CR (the ones an .ics line may end with).
CONTROLS = {chr(c) for c in range(0x20)} - set("\t\n\r") | {chr(c) for c in range(0x7F, 0xA0)}


def hostile_v2(control: str, *, bom: bytes = b"", encoding: str = "utf-8") -> bytes:
    """note_v2.txt with ``control`` inside the 10th EU-Serbia JRC's title."""
    lines = V2.read_text(encoding="utf-8").split("\n")
    assert "10 th EU-Serbia Joint Readmission" in lines[SERBIA_LINE - 1]
    lines[SERBIA_LINE - 1] = lines[SERBIA_LINE - 1].replace("EU-Serbia", f"EU-{control}Serbia")
    return bom + "\n".join(lines).encode(encoding)


#: (name, file's bytes, the character the refusal names)
HOSTILE_NOTES = [
    ("esc", hostile_v2("\x1b[2J"), "U+001B"),
    ("bel", hostile_v2("\x07"), "U+0007"),
    ("nul-after-utf8-bom", hostile_v2("\x00", bom=codecs.BOM_UTF8), "U+0000"),
    ("nul-in-utf16", hostile_v2("\x00", bom=codecs.BOM_UTF16_LE, encoding="utf-16-le"), "U+0000"),
    ("c1-csi", hostile_v2("\x9b31m"), "U+009B"),
    ("vertical-tab", hostile_v2("\x0b"), "U+000B"),
]


def controls_in(value: Any) -> set[str]:
    """The control characters (as above) in every string ``value`` holds."""
    if isinstance(value, str):
        return set(value) & CONTROLS
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        fields = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        fields = list(value)
    elif hasattr(value, "__dict__"):
        fields = list(vars(value).values())
    else:
        return set()
    return set().union(*(controls_in(f) for f in fields))


@pytest.mark.parametrize(("name", "data", "code"), HOSTILE_NOTES, ids=[n[0] for n in HOSTILE_NOTES])
def test_decoding_refuses_a_control_character_naming_its_line(
    name: str, data: bytes, code: str
) -> None:
    with pytest.raises(UnreadableDocument) as refused:
        decode(data, "note.txt")
    assert str(refused.value) == (
        f"note.txt: line {SERBIA_LINE} holds a control character ({code});"
        " a note's text has none but TAB, line breaks and page breaks"
    )


def test_tabs_line_breaks_and_page_breaks_are_text() -> None:
    """What a copy out of Word or a PDF-to-text conversion holds is still read."""
    text = "Serbia\r\nQ1 2024\tJRC\tagreed\fnext page\rold Mac line"
    assert decode(text.encode(), "note.txt") == text


def test_mostly_binary_data_is_still_not_a_text_file() -> None:
    with pytest.raises(UnreadableDocument, match="not a text file"):
        decode(codecs.BOM_UTF8 + b"\x01\x02\x03\x1b" * 100 + b"text", "x.txt")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Callable[[Path], Path]], Path]:
    """The file a ``make`` function makes, made once for the module's tests: the ones
    that import it read it again, and the reading (seconds for a PDF) is shared."""
    paths: dict[Callable[[Path], Path], Path] = {}

    def make_once(make: Callable[[Path], Path]) -> Path:
        if make not in paths:
            paths[make] = make(tmp_path_factory.mktemp(make.__name__))
        return paths[make]

    return make_once


@pytest.mark.parametrize("make", [control_characters_pdf, control_characters_docx])
def test_a_pdf_or_word_files_control_characters_become_spaces(
    make: Any, made: Callable[[Callable[[Path], Path]], Path]
) -> None:
    # With the command's page limit: the same reading as ``ingest`` below, which finds it read.
    max_pages = load_settings(env={}).ingest.max_pages
    note = load_note(read_source(made(make), max_bytes=MAX_BYTES), max_pages=max_pages)
    assert note.rows > 800
    assert controls_in(note) == set()
    # Where they were, the text goes on: "... project & Fourth Reference Group Meeting".
    assert "project Fourth Reference Group Meeting" in " ".join(str(note).split())


#: Through the installed command: the finding's NUL after a BOM, and ESC (every
#: other character is refused by the same decoder, tested above).
COMMAND_NOTES = [note for note in HOSTILE_NOTES if note[0] in {"esc", "nul-after-utf8-bom"}]


@pytest.mark.parametrize(("name", "data", "code"), COMMAND_NOTES, ids=[n[0] for n in COMMAND_NOTES])
def test_ingest_refuses_a_note_with_control_characters_in_one_line(
    imported: Runner, tmp_path: Path, name: str, data: bytes, code: str
) -> None:
    """The command's answer to such a file is one line, and the database stays as it was."""
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    before = imported("export", "--format", "json").stdout
    result = imported("ingest", str(path), "--now", "2024-05-16")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}: line {SERBIA_LINE} holds a control character ({code});"
        " a note's text has none but TAB, line breaks and page breaks\n"
    )
    assert imported("export", "--format", "json").stdout == before


@pytest.mark.parametrize("make", [control_characters_docx, control_characters_pdf])
def test_what_a_pdf_or_word_file_with_control_characters_imports_makes_strict_feeds(
    imported: Runner, made: Callable[[Callable[[Path], Path]], Path], make: Any
) -> None:
    """The feed (``export --format ics``, the feeds' bytes) is read by the strict parser."""
    result = imported("ingest", str(made(make)), "--now", "2024-05-16")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout) & CONTROLS == set()
    ics = imported("export", "--format", "ics", "--now", "2024-05-16").stdout
    assert set(ics) & CONTROLS == set()
    calendar = IcsCalendarStream.calendar_from_ics(ics)
    summaries = [event.summary or "" for event in calendar.events]
    assert any("Fourth Reference Group Meeting" in summary for summary in summaries)
    records = json.loads(imported("export", "--format", "json").stdout)
    assert controls_in(records) == set()

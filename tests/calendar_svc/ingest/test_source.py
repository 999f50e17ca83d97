"""Reading a file refuses what is not a note, with one line saying why."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from calendar_svc.ingest import source as source_module
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.source import decode, lines_of, load_note, read_source, source_of
from tests.helpers.data import SAMPLE
from tests.helpers.documents import SAMPLE_DOCX


def test_reads_the_sample_and_hashes_its_bytes() -> None:
    source = read_source(SAMPLE, max_bytes=1_000_000)
    assert source.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert source.text is not None
    assert len(lines_of(source.text)) == 1583


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files a form reader reads from now on, in order (none kept before)."""
    names: list[str] = []
    read_form = source_module._read_form

    def spy(source: source_module.SourceFile, where: str, *args: object) -> object:
        names.append(where)
        return read_form(source, where, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(source_module, "_read_form", spy)
    source_module.forget_readings()
    return names


def test_a_file_read_again_is_not_parsed_again_and_each_caller_gets_its_own_note(
    readings: list[str],
) -> None:
    """Preview, then import: the upload's second reading is the first one's copy."""
    data = SAMPLE_DOCX.read_bytes()
    first = load_note(source_of(data, Path("upload.docx")))
    first.notices.append("a caller's own notice")
    second = load_note(source_of(bytes(data), Path("upload.docx")))
    assert readings == ["upload.docx"]
    assert "a caller's own notice" not in second.notices
    assert (second.rows, second.symbol) == (first.rows, first.symbol)
    third = load_note(source_of(data, Path("other-name.docx")))
    assert readings == ["upload.docx", "other-name.docx"]  # its own notices and errors
    assert third.rows == first.rows


def test_only_the_last_few_readings_are_kept(readings: list[str]) -> None:
    data = SAMPLE_DOCX.read_bytes()
    names = [f"copy-{n}.docx" for n in range(source_module.KEPT_READINGS + 1)]
    for name in names:
        load_note(source_of(data, Path(name)))
    load_note(source_of(data, Path(names[-1])))  # kept
    load_note(source_of(data, Path(names[0])))  # the oldest, forgotten
    assert readings == [*names, names[0]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n \t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
        (bytes(range(1, 32)) * 50, "not a text file"),
        ("Key past and upcoming events\n12 March 2024\tJRC\té".encode()[:-1], "truncated"),
    ],
)
def test_refuses_files_that_are_not_text(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match=message) as info:
        read_source(path, max_bytes=1_000_000)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="no such file"):
        read_source(tmp_path / "nope.txt", max_bytes=10)


def test_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="not a regular file"):
        read_source(tmp_path, max_bytes=10)


def test_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # sparse: 400 MB on paper, nothing on disk
        f.truncate(400_000_000)
    with pytest.raises(UnreadableDocument, match=r"400\.0 MB is larger than the 20\.0 MB accepted"):
        read_source(path, max_bytes=20_000_000)


def test_decodes_utf16_and_windows_text() -> None:
    assert decode(codecs.BOM_UTF16_LE + "Türkiye".encode("utf-16-le"), "x") == "Türkiye"
    assert decode("Côte d'Ivoire – VTC".encode("cp1252"), "x") == "Côte d'Ivoire – VTC"
    assert decode(codecs.BOM_UTF8 + b"Kosovo", "x") == "Kosovo"

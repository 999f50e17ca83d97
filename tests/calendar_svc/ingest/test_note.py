"""The structure reader: header, sections, tables and rows, on the sample and on variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import MAX_OUTCOME, MAX_TITLE
from calendar_svc.ingest.source import decode, load_note, source_of
from calendar_svc.ingest.text import read_text
from models import Group
from tests.helpers import hostile
from tests.helpers.data import SAMPLE, V2


def lines_of(path: Any) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def sample() -> Any:
    return read_text(lines_of(SAMPLE))


@pytest.fixture(scope="module")
def v2() -> Any:
    return read_text(lines_of(V2))


def test_reads_symbol_date_and_previous_document_from_the_header(sample: Any) -> None:
    assert sample.symbol == "5484/24"
    assert sample.document_date == dt.date(2024, 2, 6)
    assert sample.previous_symbol == "11434/23"


def test_finds_every_section_and_table_row_of_the_sample(
    sample: Any, sample_sections: list[dict[str, Any]]
) -> None:
    found = [
        (b.identity.slug, b.heading, len(b.rows), b.rows[0].line, b.rows[-1].line)
        for b in sample.sections
    ]
    expected = [
        (s["slug"], s["heading"], s["rows"], s["first_line"], s["last_line"])
        for s in sample_sections
    ]
    assert found == expected
    assert sample.rows == 836


def test_the_contents_are_not_sections(sample: Any) -> None:
    assert len(sample.contents) == 57
    assert "NIGER" in sample.contents
    assert all((block.place.line or 0) > 101 for block in sample.sections)
    assert sample.sections_missing_from_body() == []


@pytest.mark.parametrize(
    ("slug", "name", "group", "iso"),
    [
        ("cabo-verde", "Cabo Verde", Group.AFRICA, "CV"),
        ("dr-congo", "Democratic Republic of the Congo", Group.AFRICA, "CD"),
        ("western-balkans", "Western Balkans (regional)", Group.WESTERN_BALKANS, None),
        ("kosovo", "Kosovo", Group.WESTERN_BALKANS, "XK"),
        ("turkiye", "Türkiye", Group.WESTERN_BALKANS, "TR"),
        ("moldova", "Republic of Moldova", Group.EASTERN_PARTNERSHIP, "MD"),
        ("russia", "Russia", Group.RUSSIA, "RU"),
        ("united-states", "United States of America", Group.UNITED_STATES, "US"),
        ("prague-process", "Prague Process", Group.REGIONAL_PROCESS, None),
        ("gfmd", "Global Forum on Migration and Development", Group.GLOBAL_PROCESS, None),
        ("united-nations", "United Nations", Group.GLOBAL_PROCESS, None),
    ],
)
def test_sections_get_their_stable_identity(
    sample: Any, slug: str, name: str, group: Group, iso: str | None
) -> None:
    identity = next(b.identity for b in sample.sections if b.identity.slug == slug)
    assert (identity.name, identity.group, identity.iso_code, identity.is_known) == (
        name,
        group,
        iso,
        True,
    )


def test_a_row_continued_on_a_tabbed_line_after_a_page_break_is_one_row(sample: Any) -> None:
    wb = next(b for b in sample.sections if b.identity.slug == "western-balkans")
    row = next(r for r in wb.rows if r.line == 591)
    assert row.outcome.endswith("Commissioner Johansson held bilaterals with BiH, MK, KS.")
    assert row.text.split("\n") == [lines_of(SAMPLE)[590], "\t\tMK, KS."]
    assert all(r.line != 593 for r in wb.rows)


def test_version_two_variants_are_read_like_the_sample(v2: Any) -> None:
    """Page furniture, new headings, a wrapped title, a cut date cell (tests/data/README.md)."""
    assert (v2.symbol, v2.document_date, v2.previous_symbol) == (
        "9876/24",
        dt.date(2024, 5, 15),
        "5484/24",
    )
    by_slug = {b.identity.slug: b for b in v2.sections}
    assert "russia" not in by_slug
    assert len(by_slug["cabo-verde"].rows) == 14  # "Key past and upcoming events:"
    assert len(by_slug["cameroon"].rows) == 8  # "KEY PAST AND UPCOMING EVENTS"
    assert by_slug["turkiye"].heading == "TURKEY"
    praia = by_slug["cabo-verde"].rows[-1]
    assert praia.title.endswith("Joint Visa Facilitation Committee meeting – Praia")
    nigeria = [r.date for r in by_slug["nigeria"].rows]
    assert len(nigeria) == 23
    assert not any(cell in {"9876/24", "ANNEX", "13"} for cell in nigeria)
    autumn = next(r for r in by_slug["azerbaijan"].rows if "written exchange" in r.title)
    assert autumn.date == "Autumn 2020"
    togo = by_slug["togo"]
    assert (togo.identity.name, togo.identity.group, togo.identity.iso_code) == (
        "Togo",
        Group.AFRICA,
        "TG",
    )
    assert not togo.identity.is_known
    assert [r.title for r in togo.rows] == [
        "First EU-Togo senior officials meeting on migration, Lomé",
        "Technical meeting on readmission",
    ]
    assert any("new section 'Togo'" in notice for notice in v2.notices)
    assert v2.sections_missing_from_body() == []


SMALL_NOTE = """\
Council of the European Union
Brussels, 3 March 2025
7001/25
LIMITE

Part 1- Bilateral dialogues

A. AFRICAN COUNTRIES

GHANA

Intro text about Ghana.

Key events
Date\tEvent\tOutcome
12 May 2025\tFirst EU-Ghana dialogue on migration, Accra\t
Q3 2025 (tbc)\tTechnical meeting\tAgreed in
principle.

B. SOUTHERN MEDITERRANEAN COUNTRIES

Morocco

Some text.

4 June 2025\tSenior Officials Meeting\t
"""


def test_reads_a_small_note_with_other_wordings() -> None:
    note = read_text(SMALL_NOTE.split("\n"))
    assert (note.symbol, note.document_date) == ("7001/25", dt.date(2025, 3, 3))
    ghana, morocco = note.sections
    assert (ghana.identity.slug, ghana.identity.iso_code, ghana.identity.group) == (
        "ghana",
        "GH",
        Group.AFRICA,
    )
    assert [r.date for r in ghana.rows] == ["12 May 2025", "Q3 2025 (tbc)"]
    assert ghana.rows[1].outcome == "Agreed in principle."
    # A title-case heading of a known section, and rows without a table heading.
    assert morocco.identity.slug == "morocco"
    assert [r.title for r in morocco.rows] == ["Senior Officials Meeting"]
    assert any("without a 'Key past and upcoming events' heading" in n for n in note.notices)


def test_crlf_and_utf16_files_read_the_same() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    crlf = decode(text.replace("\n", "\r\n").encode("utf-8"), "crlf")
    utf16 = decode(text.encode("utf-16"), "utf16")
    for variant in (crlf, utf16):
        lines = variant.replace("\r\n", "\n").split("\n")
        assert read_text(lines).rows == 836


def test_a_truncated_note_misses_the_last_sections_of_its_contents() -> None:
    lines = lines_of(SAMPLE)
    cut = read_text(lines[:1100])  # ends inside Azerbaijan's table
    missing = cut.sections_missing_from_body()
    assert missing[0] == "BELARUS"
    assert missing[-1] == "B. UNITED NATIONS"
    assert "F. RUSSIA" in missing


CHAPTER_TABLES = """\
Brussels, 3 March 2025
7001/25

Part 1- Bilateral dialogues

21 January 2025\tA row before any section\t

C. Western Balkans (copy 2)

Regional text.

Key past and upcoming events

4 April 2025\tRegional ministerial\t

F. RUSSIAN FEDERATION

Text.

1 May 2025\tExpert meeting on drugs\t
"""


def test_a_table_right_under_a_chapter_heading_belongs_to_that_chapter() -> None:
    note = read_text(CHAPTER_TABLES.split("\n"))
    regional, russia = note.sections
    assert (regional.identity.slug, regional.identity.group, regional.identity.is_known) == (
        "western-balkans-copy-2",
        Group.WESTERN_BALKANS,
        False,
    )
    assert [r.title for r in regional.rows] == ["Regional ministerial"]
    assert (russia.identity.slug, [r.title for r in russia.rows]) == (
        "russia",
        ["Expert meeting on drugs"],
    )


def test_a_row_outside_every_section_is_reported_not_dropped_silently() -> None:
    note = read_text(CHAPTER_TABLES.split("\n"))
    assert "line 6: table row outside any section, not imported" in note.notices


# Findings 3 and 8: a cell longer than its column's limit refuses the file in
# one line, whatever the form, before it is parsed (docs/dates.md, "Limits").


def _refusal(data: bytes, name: str) -> str:
    with pytest.raises(UnreadableDocument) as refused:
        load_note(source_of(data, Path(name)))
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("kind", sorted(hostile.CELLS))
def test_issue_8_a_hostile_date_cell_refuses_the_text_file_in_one_line(kind: str) -> None:
    cell = hostile.CELLS[kind]
    message = _refusal(hostile.text_note(date=cell), "hostile.txt")
    assert message == (
        f"hostile.txt: line {hostile.row_line()}, table 23 row 18: the date cell is"
        f" {len(cell.strip()):,} characters long; a cell of the note's events tables has at most"
        ' 200 in that column (docs/dates.md, "Limits")'
    )


def test_issue_8_a_hostile_date_cell_refuses_the_word_file_too() -> None:
    message = _refusal(hostile.word_note(date=hostile.RECURSION_CELL), "hostile.docx")
    assert message.startswith("hostile.docx: table 23 row 18: the date cell is 12,004 characters")


def test_a_title_or_outcome_longer_than_its_limit_refuses_the_file() -> None:
    """At the limit the row is read; one character more and the file is refused."""
    at_limit = load_note(source_of(hostile.text_note(title="T" * MAX_TITLE), Path("ok.txt")))
    assert any(row.title == "T" * MAX_TITLE for block in at_limit.sections for row in block.rows)
    title = _refusal(hostile.text_note(title="T" * (MAX_TITLE + 1)), "long.txt")
    assert "the event cell is 1,001 characters long" in title
    assert "at most 1,000 in that column" in title
    outcome = _refusal(hostile.text_note(outcome="O" * (MAX_OUTCOME + 1)), "long.txt")
    assert "the outcome cell is 4,001 characters long" in outcome


def test_a_cell_grown_by_endless_continuation_lines_is_refused_at_its_limit() -> None:
    """Continuation lines append to the row's cell: refused as soon as it passes the limit."""
    lines = hostile.text_note().decode().split("\n")
    at = hostile.row_line()
    lines[at:at] = ["\t\tmore"] * 5000
    message = _refusal("\n".join(lines).encode(), "grown.txt")
    assert message.startswith(f"grown.txt: line {at}, table 23 row 18: the outcome cell is 4,0")


def test_the_limits_leave_room_over_the_sample_and_long_body_text_alone(sample: Any) -> None:
    """The sample's longest cells are a third of the limits or less; its body lines of
    2,000 characters and more are no cells and are read as before."""
    rows = [row for block in sample.sections for row in block.rows]
    assert len(rows) == 836
    assert max(len(row.date) for row in rows) == 55
    assert max(len(row.title) for row in rows) == 310
    assert max(len(row.outcome) for row in rows) == 525
    assert max(len(line) for line in lines_of(SAMPLE)) > MAX_OUTCOME / 2


def test_a_symbol_longer_than_its_column_in_the_header_is_not_read() -> None:
    """ "5484/24 REV 1 REV 1 ..." past 80 characters is no symbol (the column holds 80)."""
    lines = lines_of(V2)
    at = next(i for i, line in enumerate(lines) if line.startswith("No. prev. doc."))
    lines[at] = "No. prev. doc.:\t5484/24" + " REV 1" * 20
    assert read_text(lines).previous_symbol is None
    lines[at] = "No. prev. doc.:\t5484/24 REV 1"
    assert read_text(lines).previous_symbol == "5484/24 REV 1"

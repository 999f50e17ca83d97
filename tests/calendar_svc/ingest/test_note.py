"""The structure reader: header, sections, tables and rows, on the sample and on variants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from calendar_svc.ingest.source import decode
from calendar_svc.ingest.text import read_text
from models import Group
from tests.conftest import SAMPLE, V2


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

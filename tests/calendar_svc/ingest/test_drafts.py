"""Every row of the sample becomes exactly one right event draft.

Irregular rows are checked against ``sample_irregular_rows.toml`` (a reading of
the note by hand); plain "D Month YYYY" rows against a deliberately simple
second reader written here, which splits the line on tabs and needs no parser.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from calendar_svc.ingest.dates import parse_date_cell
from calendar_svc.ingest.drafts import EventDraft, clean_cell, draft_events
from calendar_svc.ingest.note import Row
from calendar_svc.ingest.text import read_text
from models import Category, Precision, Status
from models.window import Window
from tests.helpers.data import SAMPLE

PLAIN = re.compile(
    r"^(\d{1,2}) (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) (\d{4})$"
)
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


@pytest.fixture(scope="module")
def drafts() -> list[EventDraft]:
    return draft_events(read_text(SAMPLE.read_text(encoding="utf-8").split("\n")))


@pytest.fixture(scope="module")
def by_line(drafts: list[EventDraft]) -> dict[int, EventDraft]:
    return {d.line: d for d in drafts}


def section_of_line(line: int, sections: list[dict[str, Any]]) -> str:
    return next(s["slug"] for s in sections if s["first_line"] <= line <= s["last_line"])


def test_every_table_row_is_one_draft_in_source_order(
    drafts: list[EventDraft], sample_sections: list[dict[str, Any]]
) -> None:
    assert len(drafts) == 836
    assert [d.line for d in drafts] == sorted(d.line for d in drafts)
    assert all(d.section.slug == section_of_line(d.line, sample_sections) for d in drafts)
    assert all(d.problem is None for d in drafts)


def test_every_irregular_row_reads_as_written_down_by_hand(
    by_line: dict[int, EventDraft], irregular_rows: list[dict[str, Any]]
) -> None:
    assert len(irregular_rows) == 314
    mismatches = []
    for row in irregular_rows:
        draft = by_line[row["line"]]
        got = {
            "section": draft.section.slug,
            "raw_date": draft.raw_date,
            "title": draft.title,
            "occurrences": [[w.start.isoformat(), w.end.isoformat()] for w in draft.windows],
            "precision": draft.precision.value,
            "status": draft.status.value,
            "location": draft.location or "",
            "year_inferred": draft.date_note is not None,
        }
        expected = {key: row[key] for key in got}
        if got != expected:
            mismatches.append((row["line"], got, expected))
    assert mismatches == []


def second_reading_of_text(line_number: int, lines: list[str]) -> tuple[str, str]:
    """Title and outcome of a row read with nothing but str.split and a tag regex."""
    cells = lines[line_number - 1].split("\t")
    outcome = cells[2].strip() if len(cells) > 2 else ""
    for following in lines[line_number:]:
        if following.startswith("\t\t"):
            outcome += " " + following.strip()
        elif following.strip():
            break
    title = " ".join(re.sub(r"</?(?:i|u|b|ul|li)\b[^>]*>", "", cells[1]).split())
    outcome = " ".join(re.sub(r"</?(?:i|u|b|ul|li)\b[^>]*>", "", outcome).split())
    return title.rstrip(" ,;:-–"), outcome


def test_every_title_and_outcome_agrees_with_a_second_reading(
    by_line: dict[int, EventDraft],
) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    got = {n: (d.title, d.outcome) for n, d in by_line.items()}
    expected = {n: second_reading_of_text(n, lines) for n in by_line}
    assert got == expected


def second_reading(line_number: int, lines: list[str]) -> dict[str, Any] | None:
    """A plain row read with nothing but str.split and the rules of docs/dates.md."""
    cells = lines[line_number - 1].split("\t")
    match = PLAIN.match(cells[0])
    if not match:
        return None
    title, outcome = second_reading_of_text(line_number, lines)
    day = dt.date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    if re.search(r"cancel+ed|called off|did not take place", title + " " + outcome, re.I):
        status = Status.CANCELLED
    elif re.search(r"postponed", title + " " + outcome, re.I):
        status = Status.POSTPONED
    elif re.search(r"\btbc\b|to be confirmed", title, re.I):
        status = Status.TENTATIVE
    else:
        status = Status.CONFIRMED
    return {
        "title": title,
        "outcome": outcome,
        "windows": (Window(day, day),),
        "precision": Precision.DAY,
        "status": status,
        "location": None,
    }


def test_every_plain_row_agrees_with_a_second_reading(by_line: dict[int, EventDraft]) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    checked = 0
    for number, draft in by_line.items():
        expected = second_reading(number, lines)
        if expected is None:
            continue
        checked += 1
        got = {key: getattr(draft, key) for key in expected}
        assert got == expected, number
    assert checked == 836 - 314


@pytest.mark.parametrize(
    ("line", "status", "why"),
    [
        (376, Status.CANCELLED, "outcome: 'was cancelled'"),
        (785, Status.POSTPONED, "outcome: 'POSTPONED'"),
        (1341, Status.CANCELLED, "date cell: 'March 2020-cancelled, new date tbc'"),
        (493, Status.TENTATIVE, "title: '(tbc)'"),
        (1105, Status.TENTATIVE, "date and title: '(TBC)'"),
        (230, Status.CONFIRMED, "a 'tbc' in the outcome does not count"),
        (150, Status.CONFIRMED, "'Last quarter 2023' has no tbc"),
        (875, Status.CONFIRMED, "'Q1 2024' has no tbc"),
    ],
)
def test_status_comes_from_date_title_and_outcome(
    by_line: dict[int, EventDraft], line: int, status: Status, why: str
) -> None:
    assert by_line[line].status is status, why


def test_formatting_markup_is_removed_from_cells(by_line: dict[int, EventDraft]) -> None:
    drafting = by_line[1458]
    assert drafting.title == (
        "Drafting Committees • Towards the update of the Joint Valetta Action Plan and "
        "• Preparation of the Khartoum Process Multiannual Work Plan"
    )
    assert by_line[1425].title.startswith("Virtual migration scenario-building workshop")
    assert by_line[253].outcome == "Discussion on the provisions of the text"


def test_continued_outcomes_are_joined(by_line: dict[int, EventDraft]) -> None:
    assert by_line[1318].outcome.endswith("second half of 2022")
    assert by_line[612].outcome.startswith("This year has been the 5 th anniversary")
    assert "between Greece and North Macedonia" in by_line[612].outcome


def test_the_source_text_keeps_the_row_as_written(by_line: dict[int, EventDraft]) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert by_line[131].source_text == lines[130]
    assert by_line[591].source_text == lines[590] + "\n\t\tMK, KS."


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (768, Category.JOINT_READMISSION_COMMITTEE),
        (121, Category.VISA_FACILITATION_COMMITTEE),
        (122, Category.JOINT_READMISSION_COMMITTEE),
        (143, Category.ARTICLE_25A),
        (176, Category.SENIOR_OFFICIALS),  # a DDG and an ambassador; 25a is the tag (outcome)
        (1164, Category.MINISTERIAL),  # Association Council
        (252, Category.NEGOTIATION_ROUND),
        (258, Category.MINISTERIAL),  # a Commissioner's discussion with a minister
        (1276, Category.SENIOR_OFFICIALS),
        (900, Category.SUMMIT),
        (1097, Category.JOINT_READMISSION_COMMITTEE),
        (706, Category.JOINT_READMISSION_COMMITTEE),
    ],
)
def test_categories_of_sample_rows(
    by_line: dict[int, EventDraft], line: int, category: Category
) -> None:
    assert by_line[line].category is category


def test_every_draft_has_a_category(drafts: list[EventDraft]) -> None:
    assert all(isinstance(d.category, Category) for d in drafts)


def table(*cells: str) -> list[Row]:
    return [
        Row([cell, f"Meeting {i}", ""], line=i + 1, lines=[cell]) for i, cell in enumerate(cells)
    ]


def infer(cells: list[str], note_date: dt.date | None = None) -> list[tuple[str, str | None]]:
    from calendar_svc.ingest.drafts import _infer_years, _status

    rows = table(*cells)
    parsed = [parse_date_cell(r.date) for r in rows]
    statuses = [_status(c, r.title, "") for c, r in zip(parsed, rows, strict=True)]
    notes = _infer_years(rows, parsed, statuses, note_date)
    return [
        (c.windows[0].start.isoformat() if c.windows else "-", n)
        for c, n in zip(parsed, notes, strict=True)
    ]


def test_a_missing_year_comes_from_the_row_above_when_that_keeps_the_order() -> None:
    result = infer(["6-7 March 2023", "13 March", "6 February 2024"])
    assert result[1] == ("2023-03-13", "year 2023 inferred from neighbouring rows")


def test_a_missing_year_moves_to_the_next_year_when_the_row_above_is_later() -> None:
    result = infer(["1 November 2022", "10 January", "1 March 2023"])
    assert result[1][0] == "2023-01-10"


def test_a_missing_year_with_no_row_above_comes_from_the_row_below() -> None:
    assert infer(["5 May", "1 June 2021"])[0][0] == "2021-05-05"
    assert infer(["5 December", "1 June 2021"])[0][0] == "2020-12-05"


def test_a_tentative_cell_without_a_year_is_upcoming_as_of_the_note() -> None:
    result = infer(["28 November 2022", "March/April (tbc)"], note_date=dt.date(2024, 2, 6))
    assert result[1][0] == "2024-03-01"
    assert "the note's date" in (result[1][1] or "")


def test_with_no_neighbour_the_note_date_gives_the_year() -> None:
    result = infer(["13 March"], note_date=dt.date(2024, 2, 6))
    assert result[0] == ("2024-03-13", "year 2024 inferred from the note's date")


def test_clean_cell_keeps_unknown_markup_as_text() -> None:
    assert clean_cell("<script>alert(1)</script> <b>x</b>") == "<script>alert(1)</script> x"
    assert clean_cell("R&D  &amp; co") == "R&D &amp; co"

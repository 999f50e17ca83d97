"""Reading the PDF form: ruled tables across pages, running footers, cut rows, bad files.

The fixture is the sample note printed by LibreOffice (``tests/data/make_documents.py``):
93 A4 pages whose breaks cut 47 rows, 13 of them inside the date cell.
That every event matches the text form is ``test_forms.py``; this file checks
how the PDF's own features are read, with rows and pages read off the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.pages import TableRow, _continues
from calendar_svc.ingest.source import SourceFile, load_note, read_source
from tests.helpers import documents
from tests.helpers.data import MAX_BYTES


@pytest.fixture(scope="module")
def note(read_note: Callable[[Path], tuple[SourceFile, Note]]) -> Note:
    return read_note(documents.SAMPLE_PDF)[1]


@pytest.fixture(scope="module")
def drafts(note: Note) -> list[EventDraft]:
    return draft_events(note)


def row_at(drafts: list[EventDraft], raw_date: str, title_start: str) -> EventDraft:
    (draft,) = [d for d in drafts if d.raw_date == raw_date and d.title.startswith(title_start)]
    return draft


@pytest.mark.parametrize(
    ("raw_date", "title_start", "page", "location"),
    [
        # "24 January" at the foot of page 6, "2019" at the top of page 7.
        ("24 January 2019", "Visit of PM Abiy to Brussels", 6, None),
        # "3-4" on page 84, "November" on page 85 (the year comes from the rows around).
        ("3-4 November", "High-Level Meeting on remittances, Brussels", 84, None),
        # "12-13 May" on page 77, "2022, Vienna" on page 78.
        ("12-13 May 2022, Vienna", "Senior Officials Meeting, Vienna", 77, "Vienna"),
        # "30 November or 1 December" on page 50, "2023" on page 51.
        ("30 November or 1 December 2023", "2 nd EU-China Dialogue on Drugs", 50, None),
    ],
)
def test_a_date_cell_cut_by_a_page_break_is_one_date_on_the_page_where_it_starts(
    drafts: list[EventDraft], raw_date: str, title_start: str, page: int, location: str | None
) -> None:
    draft = row_at(drafts, raw_date, title_start)
    assert (draft.page, draft.line, draft.location) == (page, None, location)
    assert draft.windows


def test_a_row_cut_after_its_date_keeps_its_title_and_outcome_whole(
    drafts: list[EventDraft],
) -> None:
    """Page 5 ends inside Cameroon's "1 June 2022" row; its event cell goes on at the
    top of page 6 under the repeated header row ("...migrants and asylum seekers to
    Cyprus (article 25a VC)")."""
    draft = row_at(drafts, "1 June 2022", "Meeting of EEAS MDA Africa")
    assert draft.title.endswith(
        "on arrival of migrants and asylum seekers to Cyprus (article 25a VC)"
    )
    assert draft.outcome.startswith("Focus on specificities")
    assert (draft.table, draft.row, draft.page) == (2, 2, 5)


def test_running_footers_and_repeated_header_rows_are_not_read_as_the_note(
    note: Note, drafts: list[EventDraft]
) -> None:
    every_text = " ".join(f"{d.raw_date} {d.title} {d.outcome}" for d in drafts)
    for furniture in ("PC/es", "JAI.1", "LIMITE"):
        assert furniture not in every_text
    assert not any(d.raw_date == "Date" or d.title == "Event" for d in drafts)
    assert note.notices == []


@pytest.mark.parametrize(
    ("before", "after", "continues"),
    [
        (["10 September 2019"], [""], True),
        (["17 December"], ["2021"], True),
        (["3-4"], ["November"], True),
        (["26-28"], ["February 2020"], True),
        (["7-8 February 2024,"], ["Nairobi"], True),
        (["Q1 2024"], ["(tbc)"], True),
        (["17 December"], ["18 December"], False),
        (["10 September 2019"], ["11 September 2019"], False),
        (["March 2024"], ["2025"], False),
    ],
)
def test_a_row_first_on_its_page_continues_the_last_unless_its_date_starts_a_new_one(
    before: list[str], after: list[str], continues: bool
) -> None:
    previous = TableRow([before, ["Meeting"], []], page=6, top=700)
    first = TableRow([after, ["more of the title"], []], page=7, top=80)
    assert _continues(previous, first) is continues


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (documents.encrypted_pdf, "the PDF is protected by a password"),
        (documents.blank_pdf, "the PDF has no text and no scanned pages"),
        (lambda folder: documents.truncated(documents.SAMPLE_PDF, folder), "PDF is truncated"),
        (documents.damaged_pdf, "the PDF is damaged"),
        (lambda _: documents.NOT_A_NOTE_PDF, "no 'Key past and upcoming events' table"),
    ],
)
def test_a_pdf_that_is_no_readable_note_is_refused_in_one_line(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(UnreadableDocument, match=message) as info:
        load_note(read_source(path, max_bytes=MAX_BYTES), max_pages=500)
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)


def test_a_pdf_with_more_pages_than_the_limit_is_refused_before_its_pages_are_read() -> None:
    with pytest.raises(UnreadableDocument, match=r"93 pages, more than the 50 accepted"):
        load_note(read_source(documents.SAMPLE_PDF, max_bytes=MAX_BYTES), max_pages=50)

"""The Word and PDF forms of a note give the same events as its text form.

The fixtures (``tests/data/*.docx``, ``*.pdf``) were made from the text files
by ``tests/data/make_documents.py`` with python-docx and LibreOffice, without
the code under test; their page breaks cut rows and date cells. Every event
must come out the same in every form: section, title and outcome (whitespace
aside), date cell, windows, status, precision, category, location, and its
place (table and row), in the same order. Imports then keep every uid and
make the same revisions whatever the form of each version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import SourceFile, read_source
from models import DocumentFormat, DocumentVersion, Event, EventRevision
from tests.helpers.data import DATA, MAX_BYTES, SAMPLE, V2

FORMS = ("text", "docx", "pdf")
NOTES = {"sample": SAMPLE, "v2": V2}
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def path_of(note: str, form: str) -> Path:
    text = NOTES[note]
    return text if form == "text" else DATA / f"{text.stem}.{form}"


@pytest.fixture(scope="module")
def notes(
    read_note: Callable[[Path], tuple[SourceFile, Note]],
) -> dict[tuple[str, str], tuple[SourceFile, Note]]:
    """Every form of both notes, read once per test process (a PDF takes seconds)."""
    return {(note, form): read_note(path_of(note, form)) for note in NOTES for form in FORMS}


def facts(draft: EventDraft) -> dict[str, Any]:
    """What must agree across forms; title and outcome compared without whitespace."""
    return {
        "section": draft.section.slug,
        "title": "".join(draft.title.split()),
        "outcome": "".join(draft.outcome.split()),
        "raw_date": draft.raw_date,
        "windows": draft.windows,
        "status": draft.status,
        "precision": draft.precision,
        "category": draft.category,
        "location": draft.location,
        "table": draft.table,
        "row": draft.row,
    }


@pytest.mark.parametrize("note", NOTES)
@pytest.mark.parametrize("form", ["docx", "pdf"])
def test_every_event_of_a_word_or_pdf_note_matches_its_text_form(
    notes: dict[tuple[str, str], tuple[SourceFile, Note]], note: str, form: str
) -> None:
    expected = [facts(d) for d in draft_events(notes[note, "text"][1])]
    got = [facts(d) for d in draft_events(notes[note, form][1])]
    assert len(expected) == {"sample": 836, "v2": 833}[note]
    mismatches = [
        (i, {k: (e[k], g[k]) for k in e if e[k] != g[k]})
        for i, (e, g) in enumerate(zip(expected, got, strict=False))
        if e != g
    ]
    assert mismatches == []
    assert len(got) == len(expected)


@pytest.mark.parametrize("note", NOTES)
@pytest.mark.parametrize("form", FORMS)
def test_the_header_gives_symbol_date_and_previous_document_in_every_form(
    notes: dict[tuple[str, str], tuple[SourceFile, Note]], note: str, form: str
) -> None:
    source, read = notes[note, form]
    assert source.format is DocumentFormat(form)
    assert read.format is DocumentFormat(form)
    assert (read.symbol, read.document_date, read.previous_symbol) == {
        "sample": ("5484/24", dt.date(2024, 2, 6), "11434/23"),
        "v2": ("9876/24", dt.date(2024, 5, 15), "5484/24"),
    }[note]
    assert len(read.contents) == 57
    assert read.sections_missing_from_body() == []


def test_forms_are_told_by_content_not_by_name(tmp_path: Path) -> None:
    for form, content_of in [("pdf", "docx"), ("docx", "pdf"), ("text", "pdf")]:
        misnamed = tmp_path / f"note.{content_of}"
        misnamed.write_bytes(path_of("sample", form).read_bytes())
        assert read_source(misnamed, max_bytes=MAX_BYTES).format is DocumentFormat(form)


def history(session: Session) -> list[tuple[str, str, int, list[tuple[int, str, list[str]]]]]:
    """Every event's uid, title, revision and revisions, in source order."""
    events = session.scalars(select(Event).order_by(Event.uid)).all()
    revisions: dict[int, list[tuple[int, str, list[str]]]] = {}
    for revision in session.scalars(select(EventRevision).order_by(EventRevision.revision)):
        revisions.setdefault(revision.event_id, []).append(
            (revision.revision, revision.kind.value, sorted(revision.labels))
        )
    return [(e.uid, "".join(e.title.split()), e.revision, revisions.get(e.id, [])) for e in events]


@pytest.mark.parametrize(("first", "second"), [("text", "pdf"), ("pdf", "docx")])
def test_a_second_version_in_another_form_keeps_uids_and_makes_the_same_revisions(
    session: Session,
    notes: dict[tuple[str, str], tuple[SourceFile, Note]],
    now: dt.datetime,
    first: str,
    second: str,
) -> None:
    def ingest(note: str, form: str, at: dt.datetime) -> ImportReport:
        source, read = notes[note, form]
        return import_note(session, source, read, now=at)

    with session.begin_nested() as text_only:
        ingest("sample", "text", now)
        ingest("v2", "text", LATER)
        expected = history(session)
        text_only.rollback()
    ingest("sample", first, now)
    report = ingest("v2", second, LATER)
    assert (len(report.created), len(report.updated), len(report.removed)) == (4, 8, 7)
    assert history(session) == expected
    assert [d.format.value for d in session.scalars(select(DocumentVersion))] == [first, second]


def test_rows_of_a_pdf_keep_their_page_table_and_row(
    session: Session, notes: dict[tuple[str, str], tuple[SourceFile, Note]], now: dt.datetime
) -> None:
    """Read off the fixture's pages: Ethiopia's table is the note's third (after Cabo
    Verde and Cameroon); its first row, "24 January" | "2019", is cut by the break
    from page 6 to page 7; the next starts on page 7."""
    source, read = notes["sample", "pdf"]
    import_note(session, source, read, now=now)

    def place(raw_date: str, title_start: str) -> tuple[int | None, ...]:
        event = session.scalars(
            select(Event).where(Event.raw_date == raw_date, Event.title.startswith(title_start))
        ).one()
        return (event.source_table, event.source_row, event.source_page, event.source_line)

    assert place("24 January 2019", "Visit of PM Abiy to Brussels") == (3, 1, 6, None)
    assert place("9 February 2019", "EU-Ethiopia Ministerial Meeting") == (3, 2, 7, None)
    assert place("23 May 2022", "Cameroon participated in the launch") == (2, 3, 6, None)

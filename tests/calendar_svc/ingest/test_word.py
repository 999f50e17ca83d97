"""Reading the Word form: the body in order, three-column tables, nothing from headers
and footers, and Word files that are not a readable note.

That every event of the fixtures matches the text form is ``test_forms.py``;
here a small document built with python-docx shows each rule on its own.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from calendar_svc.ingest.drafts import draft_events
from calendar_svc.ingest.errors import UnreadableDocument
from calendar_svc.ingest.source import load_note, read_source
from models import Precision, Status
from tests.helpers import documents
from tests.helpers.data import MAX_BYTES


def small_note(path: Path) -> Path:
    """A note as a delegation's Word file might have it: header block, a heading with
    the other wording, a table with a header row, italics, a cell of two paragraphs,
    a merged row, and page furniture in the header and footer parts."""
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Key past and upcoming events"
    section.footer.paragraphs[0].text = "5555/24\tPC/es\t3"
    for line in ("Council of the European Union", "Brussels, 3 March 2024 (OR. en)", "5555/24"):
        document.add_paragraph(line)
    sender = document.add_table(rows=1, cols=2)
    sender.cell(0, 0).text, sender.cell(0, 1).text = "No. prev. doc.:", "5484/24"
    document.add_paragraph("Part 1- Bilateral dialogues", style="Heading 1")
    document.add_paragraph("A. AFRICAN COUNTRIES", style="Heading 2")
    document.add_paragraph("CABO VERDE", style="Heading 3")
    document.add_paragraph("The EU and Cabo Verde agreed on a Mobility Partnership in 2008.")
    document.add_paragraph("Recent and upcoming events", style="Heading 4")
    table = document.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Date", "Event", "Outcome"), strict=True):
        cell.text = text
    first = table.rows[1].cells
    first[0].text = "Q1 2024 (tbc)"
    title = first[1].paragraphs[0]
    title.add_run("6th EU-Cabo Verde Joint Readmission ")
    title.add_run("Committee").italic = True
    first[1].add_paragraph("– Praia")
    first[2].text = ""
    merged = table.rows[2].cells
    merged[0].merge(merged[2]).text = "Meetings in 2023"
    second = table.rows[3].cells
    second[0].text, second[1].text, second[2].text = "9 March 2023", "5th JRC", "Held"
    document.add_paragraph("CAMEROON", style="Heading 3")
    document.add_paragraph("Key past and upcoming events", style="Heading 4")
    other = document.add_table(rows=1, cols=3)
    for cell, text in zip(other.rows[0].cells, ("1 April 2022", "Meeting", ""), strict=True):
        cell.text = text
    document.save(path)
    return path


def test_the_body_is_read_in_order_and_each_table_row_is_one_event(tmp_path: Path) -> None:
    note = load_note(read_source(small_note(tmp_path / "note.docx"), max_bytes=MAX_BYTES))
    assert (note.symbol, str(note.document_date), note.previous_symbol) == (
        "5555/24",
        "2024-03-03",
        "5484/24",
    )
    drafts = draft_events(note)
    got = [(d.section.slug, d.raw_date, d.title, d.table, d.row, d.line, d.page) for d in drafts]
    assert got == [
        (
            "cabo-verde",
            "Q1 2024 (tbc)",
            "6th EU-Cabo Verde Joint Readmission Committee – Praia",
            1,
            1,
            None,
            None,
        ),
        ("cabo-verde", "9 March 2023", "5th JRC", 1, 2, None, None),
        ("cameroon", "1 April 2022", "Meeting", 2, 1, None, None),
    ]
    assert (drafts[0].status, drafts[0].precision) == (Status.TENTATIVE, Precision.QUARTER)
    assert drafts[1].outcome == "Held"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (documents.macro_enabled, r"a macro-enabled Word document \(\.docm\)"),
        (documents.other_zip, r"a ZIP archive, not a Word document \(\.docx\)"),
        (
            lambda folder: documents.truncated(documents.SAMPLE_DOCX, folder),
            "the Word file is damaged or truncated",
        ),
        (documents.broken_xml_docx, r"the Word file is damaged \(XMLSyntaxError"),
        (lambda _: documents.NOT_A_NOTE_DOCX, "no 'Key past and upcoming events' table"),
    ],
)
def test_a_word_file_that_is_no_readable_note_is_refused_in_one_line(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(UnreadableDocument, match=message) as info:
        load_note(read_source(path, max_bytes=MAX_BYTES))
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)


def test_a_word_file_that_unpacks_to_too_much_is_refused_before_it_is_unpacked(
    tmp_path: Path,
) -> None:
    bomb = documents.zip_bomb_docx(tmp_path)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(UnreadableDocument, match=r"unpacks to 251 MB, more than the 200 MB"):
        load_note(read_source(bomb, max_bytes=MAX_BYTES))

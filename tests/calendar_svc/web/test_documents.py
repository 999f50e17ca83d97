"""Uploading a new version of the note: a preview that writes nothing, then the import,
then the diff against the previous version."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from models import DocumentVersion, Event, EventRevision
from tests.calendar_svc.web.test_pages import section_of_page, titles
from tests.helpers import documents
from tests.helpers.data import SAMPLE, V2
from tests.helpers.sites import Site, csrf_token


def upload(client: FlaskClient, data: bytes, filename: str = "note_v2.txt") -> TestResponse:
    return client.post(
        "/documents/upload",
        data={"csrf_token": csrf_token(client, "/documents"), "note": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def upload_and_import(
    client: FlaskClient, data: bytes | None = None, filename: str = "note_v2.txt"
) -> TestResponse:
    preview = upload(client, data if data is not None else V2.read_bytes(), filename)
    assert preview.status_code == 200, preview.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.text))
    return client.post("/documents/import", data=form)


def document_id(site: Site, symbol: str) -> int:
    with site.session() as session:
        return session.execute(
            select(DocumentVersion.id).where(DocumentVersion.symbol == symbol)
        ).scalar_one()


def counts(site: Site) -> tuple[int, int]:
    with site.session() as session:
        return (
            session.scalar(select(func.count()).select_from(DocumentVersion)) or 0,
            session.scalar(select(func.count()).select_from(EventRevision)) or 0,
        )


def test_the_preview_says_what_would_change_and_writes_nothing(
    site: Site, editor: FlaskClient
) -> None:
    before = counts(site)
    preview = upload(editor, V2.read_bytes())
    assert preview.status_code == 200
    html = preview.text
    assert "Preview: 9876/24 of 15 May 2024" in html
    # From reading the two notes: 4 rows new, 8 changed, 7 no longer listed (the
    # unchanged yearless "March/April (tbc)" row keeps its year, issue 12).
    assert "add 4 events, change 8, remove 7" in html
    assert "Import 9876/24" in html
    assert counts(site) == before


def test_importing_shows_the_diff_against_the_previous_version(
    site: Site, editor: FlaskClient
) -> None:
    response = upload_and_import(editor)
    assert response.status_code == 302
    # Ids come from the database (PostgreSQL sequences skip numbers), so ask it.
    assert response.location == f"/documents/{document_id(site, '9876/24')}"
    html = editor.get(response.location).text
    assert "Imported 9876/24." in html
    assert "Compared with the version before it" in html
    assert ">5484/24</a>" in html
    # The second note confirms three tbc dates, cancels one meeting and postpones
    # the India summit, moves or rewords three, adds four rows and drops seven (its
    # unchanged yearless "March/April (tbc)" row keeps its year, issue 12).
    assert "New (4)" in html
    assert "Confirmed (3)" in html
    assert "Cancelled (2)" in html
    assert "Changed (3)" in html
    assert "Removed (7)" in html
    assert sorted(titles(section_of_page(html, "confirmed"))) == [
        "10th EU-Serbia Joint Readmission Committee meeting, Belgrade",
        "8th EU-Montenegro Joint Readmission Committee meeting",
        "EU-Jordan Business Forum",
    ]
    assert "Q1 2024 (tbc) → 19 March 2024" in section_of_page(html, "confirmed")
    assert sorted(titles(section_of_page(html, "cancelled"))) == [
        "EU-India Summit",
        "EU-WB JHA SOM",
    ]
    assert "Virtual workshop readmission management" in titles(section_of_page(html, "removed"))
    assert counts(site)[0] == 2
    listing = editor.get("/documents").text
    assert listing.index(">9876/24</a>") < listing.index(">5484/24</a>")  # newest first


@pytest.mark.parametrize("document", [documents.V2_PDF, documents.V2_DOCX], ids=["pdf", "docx"])
def test_the_pdf_or_word_form_is_previewed_and_imported_like_the_text(
    site: Site, editor: FlaskClient, document: Path
) -> None:
    preview = upload(editor, document.read_bytes(), document.name)
    assert preview.status_code == 200, preview.text
    assert "Preview: 9876/24 of 15 May 2024" in preview.text
    assert "add 4 events, change 8, remove 7" in preview.text
    response = upload_and_import(editor, document.read_bytes(), document.name)
    assert response.location == f"/documents/{document_id(site, '9876/24')}"
    html = editor.get(response.location).text
    for heading in ("New (4)", "Confirmed (3)", "Cancelled (2)", "Changed (3)", "Removed (7)"):
        assert heading in html
    with site.session() as session:
        jrc = session.scalars(
            select(Event.uid).where(Event.title.startswith("10 th EU-Serbia Joint Readmission"))
        ).one()
    # Read off the PDF: the JRC row opens page 45; Serbia's is the 23rd table of
    # 9876/24 (Togo came in before it) and the JRC its 18th row.
    place = "p. 45, table 23 row 18" if document.suffix == ".pdf" else "table 23 row 18"
    assert f">9876/24</a>, {place} (note of 15 May 2024)" in editor.get(f"/events/{jrc}").text


def test_a_scan_is_refused_with_what_to_ask_for(
    site: Site, editor: FlaskClient, tmp_path: Path
) -> None:
    before = counts(site)
    response = upload(editor, documents.scanned_pdf(tmp_path).read_bytes(), "scan.pdf")
    assert response.status_code == 400
    assert "scan.pdf: the PDF has no text layer: it looks like a scan" in response.text
    assert counts(site) == before


def test_a_file_that_is_not_the_note_is_refused_in_one_line(
    site: Site, editor: FlaskClient
) -> None:
    before = counts(site)
    response = upload(editor, b"Minutes of a meeting\nnothing else\n", "minutes.txt")
    assert response.status_code == 400
    assert (
        '<p class="error" role="alert">minutes.txt: no &#39;Key past and upcoming events&#39;'
        in response.text
    )
    assert counts(site) == before
    empty = editor.post(
        "/documents/upload",
        data={"csrf_token": csrf_token(editor, "/documents")},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400
    assert "choose the note" in empty.text


def test_the_same_bytes_again_change_nothing(site: Site, editor: FlaskClient) -> None:
    before = counts(site)
    preview = upload(editor, SAMPLE.read_bytes(), "again.txt")
    assert preview.status_code == 200
    assert "These exact bytes were imported before" in preview.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.text))
    response = editor.post("/documents/import", data=form)
    assert response.location == f"/documents/{document_id(site, '5484/24')}"
    assert counts(site) == before


def test_an_import_needs_a_previewed_upload(site: Site, editor: FlaskClient) -> None:
    response = editor.post(
        "/documents/import",
        data={"csrf_token": csrf_token(editor, "/documents"), "digest": "ab" * 32},
    )
    assert response.status_code == 400
    assert "the previewed upload is gone" in response.text
    assert counts(site)[0] == 1

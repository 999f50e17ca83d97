"""Uploading a new version of the note: a preview that writes nothing, then the import,
then the diff against the previous version."""

from __future__ import annotations

import hashlib
import io
import pickle
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from calendar_svc.ingest.pending import PendingUploads
from calendar_svc.ingest.readings import BackgroundReadings, wait_for
from calendar_svc.web import documents as documents_view
from models import DocumentVersion, Event, EventRevision
from tests.calendar_svc.web.test_pages import section_of_page, titles
from tests.helpers import documents
from tests.helpers.data import SAMPLE, V2
from tests.helpers.scans import scanned_copy
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


@pytest.fixture(scope="module")
def v2_scan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Version 2's first page (its header) and fourth (Cabo Verde's table), scanned.

    The contents on pages 2 and 3 are left out: a scan of part of the note
    that lists all its sections would be refused as truncated.
    """
    folder = tmp_path_factory.mktemp("scan")
    return scanned_copy(documents.V2_PDF, folder, dpi=200, pages=[0, 3]).read_bytes()


def readings_of(site: Site) -> BackgroundReadings:
    """The app's readings, as its views keep them."""
    with site.app.test_request_context():
        return documents_view._readings()


def test_a_scan_is_read_in_the_background_then_previewed_and_imported(
    site: Site, editor: FlaskClient, v2_scan: bytes
) -> None:
    before = counts(site)
    response = upload(editor, v2_scan, "scan.pdf")
    assert response.status_code == 303
    digest = hashlib.sha256(v2_scan).hexdigest()
    assert response.location == f"/documents/reading/{digest}?filename=scan.pdf"
    wait_for(digest)
    preview = editor.get(response.location)
    assert preview.status_code == 200, preview.text
    assert "Preview: 9876/24 of 15 May 2024" in preview.text
    assert re.search(r"take \d+ rows read from a scan by OCR", preview.text)
    assert counts(site) == before
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.text))
    imported = editor.post("/documents/import", data=form)
    assert imported.status_code == 302
    # Cabo Verde's first row in version 2, read off its page 4: the 4th Joint Visa
    # Facilitation Committee, 10 September 2019.
    event = site.event("cabo-verde", "4th EU-Cabo Verde Joint Visa Facilitation Committee")
    assert event.ocr_confidence is not None
    page = editor.get(f"/events/{event.uid}").text
    assert "Read from a scan by OCR" in page


def test_while_a_scan_is_read_the_page_shows_how_far_and_asks_again(
    site: Site, editor: FlaskClient, v2_scan: bytes
) -> None:
    """A reading another worker process runs: only its progress is on disk."""
    digest = PendingUploads(Path(site.app.instance_path) / "uploads").save(
        v2_scan, now=site.clock()
    )
    readings_of(site).record(digest, 2, 5)
    page = editor.get(f"/documents/reading/{digest}?filename=scan.pdf")
    assert page.status_code == 200
    assert "Reading scan.pdf by OCR" in page.text
    assert '<p role="status">Page 2 of 5 read.</p>' in page.text
    assert f'<meta http-equiv="refresh" content="{documents_view.REFRESH}">' in page.text


def test_a_reading_that_failed_says_why_in_one_line(
    site: Site, editor: FlaskClient, v2_scan: bytes
) -> None:
    readings = readings_of(site)
    digest = hashlib.sha256(v2_scan).hexdigest()
    readings._write(readings._path(digest).with_suffix(".failed"), b"scan.pdf: it went wrong")
    page = editor.get(f"/documents/reading/{digest}?filename=scan.pdf")
    assert page.status_code == 400
    assert "scan.pdf: it went wrong" in page.text


def test_a_reading_not_signed_with_the_apps_key_is_refused(
    site: Site, editor: FlaskClient, v2_scan: bytes
) -> None:
    """A pickle put in the uploads folder by anything but the app is never unpickled."""
    readings = readings_of(site)
    digest = PendingUploads(Path(site.app.instance_path) / "uploads").save(
        v2_scan, now=site.clock()
    )
    forged = b"\0" * 32 + pickle.dumps("anything")
    readings._write(readings._path(digest).with_suffix(".note"), forged)
    page = editor.get(f"/documents/reading/{digest}?filename=scan.pdf")
    assert page.status_code == 400
    assert "the reading of the scan is damaged; upload the file again" in page.text


def test_a_pdf_with_neither_text_nor_scanned_pages_is_refused_with_what_to_ask_for(
    site: Site, editor: FlaskClient, tmp_path: Path
) -> None:
    before = counts(site)
    response = upload(editor, documents.blank_pdf(tmp_path).read_bytes(), "blank.pdf")
    assert response.status_code == 400
    assert "blank.pdf: the PDF has no text and no scanned pages" in response.text
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

"""Dates read from a scan by OCR: the upload's preview, the dashboard's list of those to
check and the event page's line.

The upload is note_v2 read as if from a scan: the reader the view calls gives
its rows confidences by hand (``tests/helpers/confidence.py``), so the pages are
tested apart from the OCR reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from calendar_svc.ingest.note import Note
from calendar_svc.ingest.source import SourceFile
from calendar_svc.web import documents as documents_view
from tests.calendar_svc.web.test_documents import upload, upload_and_import
from tests.calendar_svc.web.test_pages import section_of_page
from tests.helpers.confidence import scanned
from tests.helpers.data import V2
from tests.helpers.sites import EDITOR, Seed, Site, serve_in_transaction, sign_in

#: note_v2 (9876/24): (section, row in its table) -> the date cell's confidence.
V2_LOW = {
    # Table 23 row 20, line 786: "Q4 2024 (tbc)", the 11th EU-Serbia JRC (new in v2).
    ("serbia", 20): 41.6,
    # Table 23 row 18, line 784: "19 March 2024", the 10th EU-Serbia JRC.
    ("serbia", 18): 67.2,
    # Table 1 row 4, line 124: "30 January 2020"; above the default 80.
    ("cabo-verde", 4): 85.0,
}
HEADING = "Dates read from a scan, to check"
JRC_10 = "10 th EU-Serbia Joint Readmission"
JRC_11 = "11 th EU-Serbia Joint Readmission"


@pytest.fixture(autouse=True)
def read_as_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads are read as if from a scan, with V2_LOW's confidences (96 for the rest)."""
    load_note = documents_view.load_note

    def load_scanned(source: SourceFile, **kwargs: Any) -> Note:
        return scanned(load_note(source, **kwargs), V2_LOW)

    monkeypatch.setattr(documents_view, "load_note", load_scanned)


def linked_uids(html: str) -> list[str]:
    return re.findall(r'<a href="/events/([^"]+)">', html)


def test_the_preview_counts_the_rows_read_by_ocr_and_lists_the_cells_to_check(
    editor: FlaskClient,
) -> None:
    html = upload(editor, V2.read_bytes()).text
    assert "take 833 rows read from a scan by OCR, 2 of them with a date cell under 80%" in html
    part = section_of_page(html, "to-review")
    assert "Date cells read by OCR, to check against the scan (2)" in part
    # In the note's order.
    assert re.findall(r"<li>(.*?)</li>", part) == [
        "line 784, table 23 row 18: “19 March 2024”: 67.2% confidence",
        "line 786, table 23 row 20: “Q4 2024 (tbc)”: 41.6% confidence",
    ]


def test_the_dashboard_lists_the_dates_to_check_lowest_first(
    site: Site, editor: FlaskClient
) -> None:
    assert HEADING not in editor.get("/").text  # the sample was read from text
    assert upload_and_import(editor).status_code == 302
    html = editor.get("/").text
    part = section_of_page(html, "ocr-review")
    assert f"{HEADING} (2)" in part
    jrc_11, jrc_10 = site.event("serbia", JRC_11).uid, site.event("serbia", JRC_10).uid
    assert linked_uids(part) == [jrc_11, jrc_10]
    assert part.index("41.6%") < part.index("67.2%")
    assert "85.0%" not in part  # Cabo Verde's cell is above 80
    # The dashboard's filters narrow it; without any to check, no heading.
    serbia = editor.get("/?section=serbia").text
    assert f"{HEADING} (2)" in serbia
    assert HEADING not in editor.get("/?section=cabo-verde").text


def test_the_event_page_says_how_sure_ocr_was_of_the_date_cell(
    site: Site, editor: FlaskClient
) -> None:
    assert upload_and_import(editor).status_code == 302
    line = "Read from a scan by OCR: the date cell with {}% confidence."
    for slug, title, shown in (
        ("serbia", JRC_11, 42),
        ("serbia", JRC_10, 67),
        ("cabo-verde", "Further round of talks on Agreement", 85),
    ):
        html = editor.get(f"/events/{site.event(slug, title).uid}").text
        assert line.format(shown) in html, (slug, title)
    # Removed by note_v2, so still as the sample's text left it: not read by OCR.
    removed = site.event("russia", "EU-Russia Joint Readmission Committee")
    assert removed.is_removed
    assert "Read from a scan" not in editor.get(f"/events/{removed.uid}").text


@pytest.fixture
def strict_site(shared: Engine, seeded: Seed, tmp_path: Path) -> Iterator[Site]:
    """The site with ``ingest.ocr_review_below = 50``."""
    with serve_in_transaction(shared, seeded, tmp_path, ingest={"ocr_review_below": 50}) as site:
        yield site


def test_the_threshold_is_the_setting(strict_site: Site) -> None:
    editor = strict_site.app.test_client()
    assert sign_in(editor, EDITOR).status_code == 302
    assert "1 of them with a date cell under 50%" in upload(editor, V2.read_bytes()).text
    assert upload_and_import(editor).status_code == 302
    part = section_of_page(editor.get("/").text, "ocr-review")
    assert f"{HEADING} (1)" in part
    assert "less than 50% confidence" in part
    assert linked_uids(part) == [strict_site.event("serbia", JRC_11).uid]

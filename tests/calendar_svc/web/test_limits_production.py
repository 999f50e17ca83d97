"""Findings 3 and 8 through a real gunicorn on loopback and the installed command.

Over a copy of the web tests' database (the sample note, users, a
subscriber; SQLite, and PostgreSQL when the suite has one), where the editor
signs in through the public login form:

- finding 3: an editor confirms an event for 2024-05-01 to 9999-12-31, which
  once made every feed and the section page answer 500; and an occurrence
  already 9999-12-31 in the database (written with SQL, as a row from before
  the bounds would be);
- finding 8: the recursion cell and the quadratic cell, in the upload
  preview and in ``calendar-svc ingest``.

Nothing here sleeps or times anything: a request that hangs fails on the
client's timeout.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import text

from tests.calendar_svc.web.loopback import Browser
from tests.helpers import hostile
from tests.helpers.commands import Runner
from tests.helpers.data import V2
from tests.helpers.databases import connected, fresh_database
from tests.helpers.servers import gunicorn
from tests.helpers.sites import EDITOR, PASSWORD, Seed

JRC = "10 th EU-Serbia Joint Readmission Committee meeting"
#: The production configuration (two workers, the upload timeout of 120 s).
SERVER = ("-c", "python:calendar_svc.ops.server")
WORKERS = {"CALENDAR_SVC_SERVER_WORKERS": "2"}
OUTSIDE = "9999-12-31 is outside the dates calendar-svc keeps (1900-01-01 to 2100-12-31)"
#: Seconds before a request that hangs fails here (beyond the upload timeout).
CLIENT_TIMEOUT = 150


def signed_in(base: str) -> Browser:
    """A browser in which the editor signed in through the public login form."""
    browser = Browser(base, timeout=CLIENT_TIMEOUT)
    assert browser.sign_in(EDITOR, PASSWORD).status == 302
    return browser


def note(data: bytes) -> dict[str, tuple[str, bytes]]:
    """``data`` as the upload form's file field."""
    return {"note": ("note.txt", data)}


@dataclass(frozen=True)
class Site:
    run: Runner
    feed_token: str
    uid: str


@pytest.fixture
def site(seeded: Seed, tmp_path: Path) -> Iterator[Site]:
    """A copy of the web tests' database: the sample note, an editor, and a
    subscriber with a feed token."""
    with fresh_database(seeded.kind, tmp_path, template=seeded.url) as url:
        run = Runner(url, tmp_path)
        (uid,) = (e["uid"] for e in export(run) if e["title"] == JRC.replace("10 th", "10th"))
        yield Site(run, seeded.feed_token, uid)


def export(run: Runner) -> list[dict[str, Any]]:
    result = run("export", "--format", "json", "--now", "2024-02-07")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def served(site: Site) -> Iterator[Browser]:
    with gunicorn(site.run.database, *SERVER, env=WORKERS) as base:
        yield signed_in(base)


FEEDS = ("all.ics", "section/serbia.ics", "group/western-balkans.ics", "mine.ics")


def feed_uids(browser: Browser, site: Site, feed: str) -> set[str]:
    answer = browser.open(f"/feeds/{site.feed_token}/{feed}")
    assert answer.status == 200, (feed, answer.status)
    return {str(e["UID"]) for e in Calendar.from_ical(answer.body).walk("VEVENT")}


def test_issue_3_confirming_a_date_in_year_9999_is_a_400_and_the_feeds_stay_up(
    site: Site, served: Browser
) -> None:
    """The editor's confirm of 2024-05-01 to 9999-12-31 is refused, saying what; the
    event, the feeds and the section page are as they were."""
    before = export(site.run)
    feeds = {feed: feed_uids(served, site, feed) for feed in FEEDS}
    form = {"start": "2024-05-01", "end": "9999-12-31"}
    token = served.form_token(f"/events/{site.uid}")
    answer = served.open(f"/events/{site.uid}/confirm", form=form | {"csrf_token": token})
    assert answer.status == 400
    assert f"cannot confirm 2024-05-01 to 9999-12-31: {OUTSIDE}" in html.unescape(answer.text)
    assert export(site.run) == before
    for feed in FEEDS:
        assert feed_uids(served, site, feed) == feeds[feed]
    for page in ("/sections/serbia", f"/events/{site.uid}", "/"):
        assert served.open(page).status == 200, page


def test_issue_3_an_occurrence_already_in_year_9999_breaks_no_feed_and_no_page(
    site: Site,
) -> None:
    """Written with SQL: the feeds leave that occurrence out and serve the rest; the
    pages show it as stored; the commands that read dates run."""
    with connected(site.run.database) as connection:
        connection.execute(
            text(
                "UPDATE occurrences SET start = '2024-05-01', \"end\" = '9999-12-31'"
                " WHERE event_id = (SELECT id FROM events WHERE uid = :uid)"
            ),
            {"uid": site.uid},
        )
        connection.execute(
            text("UPDATE events SET precision = 'days', status = 'confirmed' WHERE uid = :uid"),
            {"uid": site.uid},
        )
    with gunicorn(site.run.database, *SERVER, env=WORKERS) as base:
        browser = signed_in(base)
        for feed in FEEDS:
            uids = feed_uids(browser, site, feed)
            assert f"{site.uid}-0" not in uids, feed
            assert uids, feed
        section = browser.open("/sections/serbia")
        assert section.status == 200
        assert "31 Dec 9999" in section.text
        for page in (f"/events/{site.uid}", "/", f"/api/v1/events/{site.uid}"):
            assert browser.open(page).status == 200, page
    for command in (
        ("export", "--format", "ics"),
        ("agenda", "--now", "2024-06-01"),
        ("reminders", "run", "--now", "2024-06-01", "--dry-run"),
        ("digest", "preview", "--subscriber", EDITOR, "--now", "2024-06-01"),
    ):
        result = site.run(*command)
        assert (result.returncode, result.stderr) == (0, ""), command


def _refusal(cell: str) -> str:
    return (
        f"line {hostile.row_line()}, table 23 row 18: the date cell is {len(cell.strip()):,}"
        " characters long; a cell of the note's events tables has at most 200 in that column"
    )


@pytest.mark.parametrize("kind", sorted(hostile.CELLS))
def test_issue_8_a_hostile_date_cell_in_an_upload_preview_is_a_400_in_one_line(
    site: Site, served: Browser, kind: str
) -> None:
    """The same note without the cell previews (200); with it, the preview says why
    it refuses the file, at once, and the database is as it was."""
    cell = hostile.CELLS[kind]
    before = export(site.run)
    token = served.form_token("/documents")
    good = served.open("/documents/upload", form={"csrf_token": token}, files=note(V2.read_bytes()))
    assert good.status == 200
    assert "Preview: 9876/24" in good.text
    answer = served.open(
        "/documents/upload", form={"csrf_token": token}, files=note(hostile.text_note(date=cell))
    )
    assert answer.status == 400
    assert _refusal(cell) in html.unescape(answer.text)
    assert served.open("/sections/serbia").status == 200
    assert export(site.run) == before


@pytest.mark.parametrize("kind", sorted(hostile.CELLS))
def test_issue_8_a_hostile_date_cell_through_the_command_is_one_line_and_exit_1(
    site: Site, tmp_path: Path, kind: str
) -> None:
    cell = hostile.CELLS[kind]
    before = export(site.run)
    path = hostile.write(tmp_path, "hostile.txt", hostile.text_note(date=cell))
    result = site.run("ingest", str(path), "--now", "2024-05-16")
    assert result.returncode == 1
    assert result.stderr == f'Error: {path}: {_refusal(cell)} (docs/dates.md, "Limits")\n'
    assert export(site.run) == before


def test_issue_3_a_note_dated_outside_the_bounds_is_refused_by_the_command(
    site: Site,
) -> None:
    before = export(site.run)
    result = site.run("ingest", str(V2), "--date", "9999-12-31", "--now", "2024-05-16")
    assert (result.returncode, result.stderr) == (
        1,
        f"Error: {V2.name}: the note's date {OUTSIDE}\n",
    )
    assert export(site.run) == before

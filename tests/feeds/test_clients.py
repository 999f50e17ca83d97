"""Real calendar clients read the feeds: Mozilla's ical.js, the strict ``ical``
package, libical (through Debian's python3-gi) and vdirsyncer subscribing over HTTP.

ical.js is installed from the npm registry by this module's set-up
(``tests/clients/package.json`` pins it).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.feed import FeedSettings, render_feed
from feeds.ics import exclusive_end
from feeds.scopes import FeedQuery, section_scope
from models import Event, Occurrence, Precision, Section
from tests.helpers.apps import FeedSite, services_of
from tests.helpers.data import V2

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
COARSE = {"months", "quarter", "quarters", "half", "season", "year", "range"}
SETTINGS = FeedSettings(dt.timedelta(hours=6), True, 30, None, 8, 10_000_000, (0, 7, 30, 90))


@pytest.fixture(scope="session")
def icaljs() -> Callable[[list[Path]], dict[str, Any]]:
    """Run ical.js over .ics files; installs it from npm on first use."""
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm, "npm is needed to install ical.js"
    assert node, "Node.js is needed to run ical.js"
    if not (CLIENTS / "node_modules" / "ical.js" / "package.json").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENTS,
            check=True,
            timeout=300,
        )

    def read(paths: list[Path]) -> dict[str, Any]:
        result = subprocess.run(
            [node, str(CLIENTS / "read_feeds.mjs"), *map(str, paths)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return json.loads(result.stdout)

    return read


def expected_events(session: Session, section_id: int) -> dict[str, tuple[str, str, str]]:
    """uid -> (first day, exclusive last day, STATUS) from the database."""
    rows = session.scalars(
        select(Occurrence)
        .join(Occurrence.event)
        .where(Event.section_id == section_id, Event.is_removed.is_(False))
    )
    expected = {}
    for occurrence in rows:
        event = occurrence.event
        last = occurrence.start if event.precision.value in COARSE else occurrence.end
        if event.confidence.value == "off":
            status = "CANCELLED"
        elif event.status.value == "tentative":
            status = "TENTATIVE"
        else:
            status = "CONFIRMED"
        expected[f"{event.uid}-{occurrence.position}"] = (
            occurrence.start.isoformat(),
            exclusive_end(last).isoformat(),
            status,
        )
    return expected


@pytest.fixture(scope="module")
def section_feeds(live_site: FeedSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every section feed, fetched over HTTP from the running app."""
    folder = tmp_path_factory.mktemp("feeds")
    with services_of(live_site.app).session_factory() as session:
        slugs = session.scalars(select(Section.slug)).all()
    paths = {}
    for slug in slugs:
        url = f"{live_site.url}/feeds/{live_site.token}/section/{slug}.ics"
        with urllib.request.urlopen(url, timeout=10) as response:
            paths[slug] = folder / f"{slug}.ics"
            paths[slug].write_bytes(response.read())
    return paths


def test_icaljs_reads_every_section_feed_as_the_database_says(
    live_site: FeedSite, section_feeds: dict[str, Path], icaljs: Callable[..., dict[str, Any]]
) -> None:
    parsed = icaljs(list(section_feeds.values()))
    checked = 0
    with services_of(live_site.app).session_factory() as session:
        for slug, path in section_feeds.items():
            section = session.scalars(select(Section).filter_by(slug=slug)).one()
            calendar = parsed[str(path)]
            assert calendar["method"] == "PUBLISH"
            assert calendar["name"] == f"{section.name} – EU migration dialogues"
            got = {e["uid"]: (e["start"], e["end"], e["status"]) for e in calendar["events"]}
            assert got == expected_events(session, section.id), slug
            assert all(e["allDay"] for e in calendar["events"])
            checked += len(got)
    assert checked == 847


def test_the_strict_ical_package_reads_every_section_feed(
    live_site: FeedSite, section_feeds: dict[str, Path]
) -> None:
    checked = 0
    with services_of(live_site.app).session_factory() as session:
        for slug, path in section_feeds.items():
            section = session.scalars(select(Section).filter_by(slug=slug)).one()
            calendar = IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))
            got = {
                e.uid: (e.dtstart.isoformat(), e.dtend.isoformat(), e.status.value)
                for e in calendar.events
            }
            assert got == expected_events(session, section.id), slug
            checked += len(got)
    assert checked == 847


#: Debian's python3, where python3-gi and gir1.2-ical-3.0 put libical's bindings.
SYSTEM_PYTHON = Path("/usr/bin/python3")
#: The rows of 5484/24 that are Article 25a follow-ups, read in the note: lines 143,
#: 144, 148 (Cameroon), 176 (Ethiopia), 282 (Congo), 292 (DR Congo), 480 (Egypt) and
#: 873 (China); each has one date. Lines 1048 and 1049 mention the process only.
ARTICLE_25A_FOLLOW_UPS = 8


def test_libical_reads_every_section_feed_as_the_database_says(
    live_site: FeedSite, section_feeds: dict[str, Path]
) -> None:
    """libical (Evolution, GNOME Calendar): the dates, statuses, SUMMARY lengths and
    the Article 25a follow-up tag as a CATEGORIES value."""
    assert SYSTEM_PYTHON.exists(), "libical is read through Debian's python3 (see .ci/run)"
    result = subprocess.run(
        [
            str(SYSTEM_PYTHON),
            str(CLIENTS / "read_feeds_libical.py"),
            *map(str, section_feeds.values()),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"apt-get install python3-gi gir1.2-ical-3.0: {result.stderr}"
    parsed = json.loads(result.stdout)
    checked = tagged = 0
    with services_of(live_site.app).session_factory() as session:
        for slug, path in section_feeds.items():
            section = session.scalars(select(Section).filter_by(slug=slug)).one()
            events = parsed[str(path)]["events"]
            got = {e["uid"]: (e["start"], e["end"], e["status"]) for e in events}
            assert got == expected_events(session, section.id), slug
            assert all(e["allDay"] and len(e["summary"]) <= 255 for e in events), slug
            assert all(e["categories"][-1] == section.name for e in events), slug
            tagged += sum("Article 25a follow-up" in e["categories"] for e in events)
            checked += len(got)
    assert checked == 847
    assert tagged == ARTICLE_25A_FOLLOW_UPS


def test_vdirsyncer_subscribes_over_http_and_gets_every_event(
    live_site: FeedSite, tmp_path: Path
) -> None:
    vdirsyncer = Path(sys.executable).with_name("vdirsyncer")
    local = tmp_path / "calendars"
    local.mkdir()
    url = f"{live_site.url}/feeds/{live_site.token}/mine.ics"
    config = tmp_path / "config"
    config.write_text(
        f"""
[general]
status_path = "{tmp_path / "status"}"

[pair subscription]
a = "feed"
b = "folder"
collections = null
conflict_resolution = "a wins"

[storage feed]
type = "http"
url = "{url}"

[storage folder]
type = "filesystem"
path = "{local}"
fileext = ".ics"
"""
    )
    for command in ("discover", "sync"):
        result = subprocess.run(
            [str(vdirsyncer), "-c", str(config), command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            input="y\n",
        )
        assert result.returncode == 0, result.stdout + result.stderr
    items = [Calendar.from_ical(item.read_bytes()) for item in local.glob("*.ics")]
    events = [event for item in items for event in item.walk("VEVENT")]
    summaries = sorted(str(event["SUMMARY"]) for event in events)
    assert len(items) == len(events) == 19 + 18 + 13
    assert "(Q1 2024 tbc) 10th EU-Serbia Joint Readmission Committee meeting" in summaries
    assert "(Q3 2024 tbc) 10th EU-North Macedonia Joint Readmission Committee meeting" in summaries


def test_both_parsers_see_the_same_uids_after_a_second_version(
    session: Session,
    ingest: Callable[..., Any],
    icaljs: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    """vdirsyncer rewrites UIDs, so UID stability is checked with the two parsers."""
    ingest()
    serbia = section_scope(session, "serbia")
    first = tmp_path / "v1.ics"
    first.write_bytes(
        render_feed(session, serbia, FeedQuery(), today=dt.date(2024, 2, 6), settings=SETTINGS).body
    )
    ingest(V2, at=dt.datetime(2024, 5, 16, tzinfo=dt.UTC))
    second = tmp_path / "v2.ics"
    second.write_bytes(
        render_feed(
            session, serbia, FeedQuery(), today=dt.date(2024, 5, 16), settings=SETTINGS
        ).body
    )
    parsed = icaljs([first, second])
    js = {name: {e["uid"]: e["sequence"] for e in parsed[str(path)]["events"]}
          for name, path in (("v1", first), ("v2", second))}  # fmt: skip
    strict = {
        name: {
            e.uid: e.sequence for e in IcsCalendarStream.calendar_from_ics(path.read_text()).events
        }
        for name, path in (("v1", first), ("v2", second))
    }
    assert js == strict
    assert set(js["v1"]) < set(js["v2"])
    bumped = {uid for uid in js["v1"] if js["v2"][uid] == js["v1"][uid] + 1}
    assert len(bumped) == 2
    assert all(js["v2"][uid] == js["v1"][uid] for uid in set(js["v1"]) - bumped)
    confirmed = session.scalars(select(Event).where(Event.raw_date == "19 March 2024")).one()
    assert confirmed.precision is Precision.DAY
    assert f"{confirmed.uid}-0" in bumped


def test_hostile_text_survives_every_reader(
    icaljs: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    """CR/LF, separators, backslashes, other scripts and a 10,000-character outcome."""
    from feeds.ics import CalendarMeta, IcsOptions, build_calendar
    from tests.feeds.test_ics import HOSTILE, entry

    entries = [
        entry(uid=f"hostile-{i}", title=text, outcome=text + " " + "x" * 10_000, location=text)
        for i, text in enumerate(HOSTILE)
    ]
    path = tmp_path / "hostile.ics"
    path.write_bytes(
        build_calendar(
            CalendarMeta("Côte d'Ivoire", "Türkiye"), entries, IcsOptions(dt.timedelta(hours=6))
        )
    )
    expected = {f"hostile-{i}-0": text.replace("\r\n", "\n") for i, text in enumerate(HOSTILE)}
    js = icaljs([path])[str(path)]["events"]
    assert {e["uid"]: e["summary"] for e in js} == expected
    assert {e["uid"]: e["location"] for e in js} == expected
    assert all(f"Outcome: {expected[e['uid']]} {'x' * 10_000}" in e["description"] for e in js)
    assert {e["start"] for e in js} == {"2024-03-12"}
    strict = IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))
    assert {e.uid: e.summary for e in strict.events} == expected
    assert {e.uid: e.location for e in strict.events} == expected


def test_icaljs_reads_the_expected_windows_a_subscriber_opts_into(
    live_site: FeedSite, tmp_path: Path, icaljs: Callable[..., dict[str, Any]]
) -> None:
    # As of 6 February 2024, four Moldovan series list no next meeting and have a
    # rhythm (docs/series.md): the JRC (expected 14 September 2021 to 2 April
    # 2022), the JLS/JFS Sub-committee (27 July 2023 to 29 January 2024), the
    # Association Council and the Association Committee.
    paths = []
    for query in ("", "?expected=1"):
        url = f"{live_site.url}/feeds/{live_site.token}/section/moldova.ics{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            paths.append(tmp_path / f"moldova{len(paths)}.ics")
            paths[-1].write_bytes(response.read())
    parsed = icaljs(paths)
    plain, opted = (parsed[str(p)]["events"] for p in paths)
    assert not [e for e in plain if e["uid"].startswith("series-")]
    markers = {e["summary"]: e for e in opted if e["uid"].startswith("series-")}
    assert len(opted) == len(plain) + 4
    assert sorted(markers) == [
        "(expected by rhythm) Association Committee (Republic of Moldova)",
        "(expected by rhythm) Association Council (Republic of Moldova)",
        "(expected by rhythm) Joint Readmission Committee (Republic of Moldova)",
        "(expected by rhythm) Justice, Freedom and Security Sub-committee (Republic of Moldova)",
    ]
    jfs = markers[
        "(expected by rhythm) Justice, Freedom and Security Sub-committee (Republic of Moldova)"
    ]
    assert (jfs["start"], jfs["end"], jfs["allDay"]) == ("2023-07-27", "2024-01-30", True)
    assert (jfs["transp"], jfs["busy"]) == ("TRANSPARENT", "FREE")
    assert jfs["description"].startswith("Not in the note: no next meeting is listed.")
    assert "every 373 days" in jfs["description"]
    jrc = markers["(expected by rhythm) Joint Readmission Committee (Republic of Moldova)"]
    assert (jrc["start"], jrc["end"]) == ("2021-09-14", "2022-04-03")

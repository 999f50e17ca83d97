"""Dialogues by rhythm: the listing and a series' page, read against the sample note
(5484/24) as of its own day, 6 February 2024, and the editors' changes to series.

The values are worked out by hand from ``docs/series.md`` and the note's rows, e.g.
the EU-Moldova Joint Readmission Committee: the 10th on 15 October 2019 and the 11th
on 18 November 2020 (lines 1185 and 1189), nothing listed next.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Section, Series, SeriesRevision
from tests.calendar_svc.web.test_pages import SVG, section_of_page
from tests.helpers.sites import EDITOR, VIEWER, Site, post, sign_in

#: The note's own day: what the listing is as of.
NOTE_DAY = dt.datetime(2024, 2, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def reader(site: Site, client: FlaskClient) -> FlaskClient:
    """A viewer on the note's day."""
    site.clock.now = NOTE_DAY
    assert sign_in(client, VIEWER).status_code == 302
    return client


@pytest.fixture
def editing(site: Site, editor: FlaskClient) -> FlaskClient:
    """An editor half an hour after the import (7 February 2024, 09:00), so that the
    edits come after the series' creation."""
    site.clock.advance(minutes=30)
    return editor


def series_id(site: Site, slug: str, name: str) -> int:
    with site.session() as session:
        return session.scalars(
            select(Series.id).join(Section).where(Section.slug == slug, Series.name == name)
        ).one()


def text_of(fragment: str) -> str:
    """A fragment as read: cells and items apart, other tags out, entities decoded."""
    spaced = re.sub(r"</(?:t[dh]|li|d[td])>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def rows_of(page: str, section: str) -> dict[str, dict[str, str]]:
    """The table of a section of the listing: series name -> column -> text."""
    start = page.index(f'id="s-{section}"')
    table = page[page.index('<table class="rhythms">', start) :]
    table = table[: table.index("</table>")]
    columns = [text_of(c) for c in re.findall(r'<th scope="col">(.*?)</th>', table)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], flags=re.S):
        texts = [text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
        cells = dict(zip(columns, texts, strict=True))
        rows[cells["Series"]] = cells
    return rows


def drawing(page: str) -> ET.Element:
    """The first rhythm timeline of a page (the legend's keys are drawings too)."""
    return ET.fromstring(re.search(r'<svg class="timeline rhythm".*?</svg>', page, re.S).group(0))


def section_headings(page: str) -> list[str]:
    return [text_of(h) for h in re.findall(r'<h2 id="s-[^"]+">(.*?)</h2>', page)]


def test_the_listing_shows_each_series_rhythm_and_state_by_section(reader: FlaskClient) -> None:
    page = reader.get("/series").text
    assert "<h1>Dialogues by rhythm</h1>" in page
    assert "As of 6 Feb 2024" in page
    headings = section_headings(page)
    # The note's order: Georgia, then the Republic of Moldova.
    assert headings.index("Georgia (4)") + 1 == headings.index("Republic of Moldova (4)")
    moldova = rows_of(page, "moldova")
    # The Human Rights Dialogue met once (19 October 2022): too few to list.
    assert list(moldova) == [
        "Association Council",
        "Joint Readmission Committee",
        "Justice, Freedom and Security Sub-committee",
        "Association Committee",
    ]
    # docs/series.md's example: one interval of 400 days, expected 23 December 2021
    # ± 100 days, closed more than 400 days before 6 February 2024.
    assert moldova["Joint Readmission Committee"] == {
        "State": "stalled",
        "Series": "Joint Readmission Committee",
        "Meetings": "11",  # the 10th and the 11th: eleven meetings so far
        "Median interval": "400 days",
        "Last held": "18 Nov 2020",
        "Next expected": "14 Sep 2021 – 2 Apr 2022",
        "Sequence gaps": "none",
        "Dates": "15 Oct 2019 18 Nov 2020",
    }
    # JLS Subcommittee 14 November 2019 and 24 September 2020, "Justice, Freedom and
    # Security Subcommittee" 12 October 2021, JLS Subcommittee 20 October 2022: intervals
    # of 315, 383 and 373 days, median 373, spread 10; 20 October 2022 + 373 days is
    # 28 October 2023, give or take a quarter of 373 (93): closed on 29 January 2024,
    # 8 days before 6 February, less than one interval ago.
    jfs = moldova["Justice, Freedom and Security Sub-committee"]
    assert (jfs["State"], jfs["Meetings"], jfs["Median interval"], jfs["Next expected"]) == (
        "late",
        "4",
        "373 days",
        "27 Jul 2023 – 29 Jan 2024",
    )
    # 30 September 2019, 28 October 2021 and 7 February 2023: 759 and 467 days, median
    # 613, spread 146 (within half the median); 7 February 2023 + 613 days is
    # 12 October 2024, give or take 153 days (a quarter of 613): not open yet.
    council = moldova["Association Council"]
    assert (council["State"], council["Median interval"], council["Next expected"]) == (
        "on track",
        "613 days",
        "12 May 2024 – 14 Mar 2025",
    )
    georgia = rows_of(page, "georgia")
    jrc = georgia["Joint Readmission Committee"]
    # The 14th is listed for "Q4 2024 (tbc)": scheduled, no window expected; the tbc
    # meeting counts at the middle of its quarter (1 October + 91 // 2 days).
    assert (jrc["State"], jrc["Meetings"], jrc["Last held"], jrc["Next expected"]) == (
        "scheduled",
        "14",
        "26 Oct 2023",
        "—",
    )
    assert jrc["Dates"].endswith("26 Oct 2023 15 Nov 2024 (to be confirmed)")
    # The state is a badge with its name, not a colour alone.
    assert '<span class="badge state-stalled">stalled</span>' in page


def test_the_state_filter_lists_late_and_stalled_series_only(reader: FlaskClient) -> None:
    page = reader.get("/series?state=late,stalled").text
    assert list(rows_of(page, "moldova")) == [
        "Joint Readmission Committee",
        "Justice, Freedom and Security Sub-committee",
    ]
    # Every series of Georgia is scheduled or on track.
    assert 'id="s-georgia"' not in page
    assert {
        cells["State"] for s in ("moldova", "ukraine") for cells in rows_of(page, s).values()
    } <= {
        "late",
        "stalled",
    }
    assert 'name="state" value="late" checked' in page
    assert 'name="state" value="stalled" checked' in page
    # Boxes ticked in the form send one "state" each.
    narrowed = reader.get("/series?section=georgia&state=scheduled").text
    assert section_headings(narrowed) == ["Georgia (3)"]
    assert list(rows_of(narrowed, "georgia")) == [
        "Association Council",  # 20 February 2024
        "Justice, Freedom and Security Sub-committee",  # Q4 2024 (tbc)
        "Joint Readmission Committee",  # Q4 2024 (tbc)
    ]
    assert '<option value="georgia" selected>' in narrowed


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "state=late,soon",
            "no series state &#39;soon&#39;; known: scheduled, irregular, on_track, due,"
            " late, stalled",
        ),
        ("section=atlantis", "no section &#39;atlantis&#39;"),
    ],
)
def test_a_filter_that_names_nothing_is_refused(
    reader: FlaskClient, query: str, message: str
) -> None:
    response = reader.get(f"/series?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert "<svg" not in response.text


def test_the_timeline_draws_meetings_and_the_expected_window_on_one_axis(
    reader: FlaskClient,
) -> None:
    page = reader.get("/series?section=moldova").text
    svg = drawing(page)
    assert svg.find(f"{SVG}title").text == "Rhythm of the dialogues of Republic of Moldova"
    assert "The table beside it lists the same facts." in svg.find(f"{SVG}desc").text
    ticks = {
        t.text: float(t.get("x")) - 3
        for t in svg.iter(f"{SVG}text")
        if t.get("class") == "tick-label"
    }
    # Over several years the axis is ticked by year; 2020 has 366 days.
    per_day = (ticks["2021"] - ticks["2020"]) / 366
    rows = {
        row.find(f"{SVG}a/{SVG}text").text: row
        for row in svg.iter(f"{SVG}g")
        if row.get("class") == "row"
    }
    assert list(rows) == [
        "Association Council",
        "Joint Readmission Committee",
        "Justice, Freedom and Security Sub-com…",  # cut to fit beside the axis
        "Association Committee",
    ]
    jrc = rows["Joint Readmission Committee"]
    held = [c for c in jrc.iter(f"{SVG}circle") if c.get("class") == "mark mark-held"]
    assert len(held) == 2
    first, second = (float(c.get("cx")) for c in held)
    # 15 October 2019 to 18 November 2020: 400 days.
    assert second - first == pytest.approx(400 * per_day, abs=0.3)
    # 15 October 2019 is 78 days before the first tick, 1 January 2020: the axis starts
    # on 1 September 2019, the month of the section's first meeting.
    assert ticks["2020"] - first == pytest.approx(78 * per_day, abs=0.3)
    assert min(ticks.values()) == ticks["2020"]
    (band,) = (r for r in jrc.iter(f"{SVG}rect") if r.get("class") == "expected")
    # 14 September 2021 is 300 days after 18 November 2020; the window has 201 days.
    assert float(band.get("x")) - second == pytest.approx(300 * per_day, abs=0.3)
    assert float(band.get("width")) == pytest.approx(201 * per_day, abs=0.3)
    assert band.find(f"{SVG}title").text == (
        "Joint Readmission Committee: next meeting expected 14 Sep 2021 – 2 Apr 2022"
    )
    (today,) = (line for line in svg.iter(f"{SVG}line") if line.get("class") == "today")
    assert float(today.get("x1")) - ticks["2024"] == pytest.approx(36 * per_day, abs=0.3)


def test_a_tbc_meeting_is_marked_apart_and_a_scheduled_series_expects_nothing(
    reader: FlaskClient,
) -> None:
    page = reader.get("/series?section=georgia").text
    svg = drawing(page)
    rows = {
        row.find(f"{SVG}a/{SVG}text").text: row
        for row in svg.iter(f"{SVG}g")
        if row.get("class") == "row"
    }
    jrc = rows["Joint Readmission Committee"]
    marks = [m for m in jrc.iter() if "mark" in m.get("class", "").split()]
    # The 9th to the 13th held, the 14th "Q4 2024 (tbc)".
    assert [m.get("class") for m in marks] == ["mark mark-held"] * 5 + ["mark mark-tbc"]
    assert marks[-1].tag == f"{SVG}path"  # a diamond, not a circle
    assert marks[-1].find(f"{SVG}title").text == (
        "14th EU-Georgia Joint Readmission Committee, Brussels: Q4 2024 (tbc)"
        " (to be confirmed, counted at 15 Nov 2024)"
    )
    assert not [r for r in jrc.iter(f"{SVG}rect") if r.get("class") == "expected"]


def test_the_series_page_shows_its_facts_meetings_and_history(
    site: Site, reader: FlaskClient
) -> None:
    page = reader.get(f"/series/{series_id(site, 'moldova', 'Joint Readmission Committee')}").text
    assert "<h1>Joint Readmission Committee</h1>" in page
    assert '<a href="/sections/moldova">Republic of Moldova</a>' in page
    facts = text_of(page[page.index('<dl class="facts">') : page.index("</dl>")])
    assert facts == (
        "State on 6 Feb 2024 stalled Meetings 11 Median interval 400 days Spread 0 days"
        " Last held 18 Nov 2020 Next expected 14 Sep 2021 – 2 Apr 2022 Sequence gaps none"
    )
    meetings = section_of_page(page, "meetings")
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", meetings, flags=re.S)][1:]
    assert rows == [
        "10 15 October 2019 15 Oct 2019 10th EU-Moldova Joint Readmission Committee, Brussels firm",
        "11 18 November 2020 18 Nov 2020 11th EU-Moldova Joint Readmission Committee firm",
    ]
    assert re.search(r'<a href="/events/[^"]+">10th EU-Moldova Joint Readmission', meetings)
    history = [
        text_of(r)
        for r in re.findall(r"<tr>(.*?)</tr>", section_of_page(page, "history"), flags=re.S)
    ]
    # Placed by the import of 5484/24, on 7 February 2024.
    assert history[1:] == [
        "7 Feb 2024 09:00 UTC created note 5484/24 as Joint Readmission Committee"
    ]
    # A viewer edits nothing.
    assert "Merge into" not in page
    assert "/rename" not in page


def test_an_unknown_series_is_not_found(reader: FlaskClient) -> None:
    assert reader.get("/series/999999").status_code == 404
    assert reader.get("/series/ninety").status_code == 404


def test_merging_a_series_in_fills_its_sequence_gap(site: Site, editing: FlaskClient) -> None:
    """The 16th FRiT Steering Committee (17 December 2021, line 832) is titled without
    "FRiT": its own series, until an editor merges it into the 12th, 14th, 17th, 18th
    and 19th's, which then miss only the 13th (written "13 ^d", no ordinal) and the 15th."""
    frit = series_id(site, "turkiye", "FRiT Steering Committee Meeting")
    other = series_id(site, "turkiye", "Steering Committee Meeting")
    before = editing.get(f"/series/{frit}").text
    assert "Sequence gaps</dt><dd>#13, #15, #16</dd>" in before
    assert f'<option value="{other}">Steering Committee Meeting (1 event)</option>' in before
    response = post(editing, f"/series/{frit}/merge", {"merged": str(other)})
    assert (response.status_code, response.location) == (302, f"/series/{frit}")
    page = editing.get(f"/series/{frit}").text
    assert "Merged Steering Committee Meeting into this series (1 event)." in page
    assert "Sequence gaps</dt><dd>#13, #15</dd>" in page
    history = section_of_page(page, "history")
    sixteenth = "16th Steering Committee Meeting on the Facility for Refugees in Turkey"
    assert [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", history, flags=re.S)][1:3] == [
        f"7 Feb 2024 09:30 UTC merged {EDITOR} Steering Committee Meeting merged into this"
        f" series, with {sixteenth}",
        f"7 Feb 2024 09:30 UTC event moved {EDITOR} {sixteenth}:"
        " Steering Committee Meeting → FRiT Steering Committee Meeting",
    ]
    assert editing.get(f"/series/{other}").status_code == 404  # merged away
    # The event's own history says so too.
    uid = site.event("turkiye", "16th Steering Committee").uid
    event_history = section_of_page(editing.get(f"/events/{uid}").text, "history")
    assert "updated: series changed" in event_history
    assert (
        "<strong>series</strong>: Steering Committee Meeting → FRiT Steering Committee Meeting"
        in event_history
    )
    assert f"<td>{EDITOR}</td>" in event_history


def test_renaming_is_in_the_history_and_the_listing(site: Site, editing: FlaskClient) -> None:
    jrc = series_id(site, "moldova", "Joint Readmission Committee")
    blank = post(editing, f"/series/{jrc}/rename", {"name": "   "})
    assert blank.status_code == 400
    assert "a series name needs 1 to 200 characters" in blank.text
    response = post(editing, f"/series/{jrc}/rename", {"name": "EU-Moldova  JRC"})
    assert response.status_code == 302
    page = editing.get(f"/series/{jrc}").text
    assert "Renamed to EU-Moldova JRC." in page
    (row,) = [
        text_of(r)
        for r in re.findall(r"<tr>(.*?)</tr>", section_of_page(page, "history"), flags=re.S)
        if "renamed" in r
    ]
    assert row == (
        f"7 Feb 2024 09:30 UTC renamed {EDITOR} Joint Readmission Committee → EU-Moldova JRC"
    )
    assert "EU-Moldova JRC" in rows_of(editing.get("/series?section=moldova").text, "moldova")


def test_splitting_events_off_into_a_new_series(site: Site, editing: FlaskClient) -> None:
    """The Berlin Process Summit of 3 November 2022 (line 602) is a meeting of leaders,
    not of the Home Affairs ministers that the other three Berlin Process rows are."""
    berlin = series_id(site, "western-balkans", "Berlin Process Ministerial")
    summit = site.event("western-balkans", "Berlin Process Summit").uid
    nothing = post(editing, f"/series/{berlin}/split", {"name": "Summits"})
    assert nothing.status_code == 400
    assert "choose the events to split off" in nothing.text
    every = [
        site.event("western-balkans", title).uid
        for title in (
            "Berlin Process Ministerial",
            "Berlin Process Meeting",
            "Berlin Process Summit",
            "Berlin Process Home Affairs",
        )
    ]
    everything = post(editing, f"/series/{berlin}/split", {"name": "Summits", "event": every})
    assert everything.status_code == 400
    assert "splitting off every event leaves nothing: rename the series instead" in (
        everything.text
    )
    with site.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(SeriesRevision)
                .where(SeriesRevision.series_id == berlin, SeriesRevision.kind == "split")
            )
            == 0
        )
    response = post(
        editing, f"/series/{berlin}/split", {"name": "Western Balkans summits", "event": summit}
    )
    assert (response.status_code, response.location) == (302, f"/series/{berlin}")
    page = editing.get(f"/series/{berlin}").text
    assert "Split 1 event off into the new series Western Balkans summits." in page
    assert "Meetings (3)" in page
    history = [
        text_of(r)
        for r in re.findall(r"<tr>(.*?)</tr>", section_of_page(page, "history"), flags=re.S)
    ]
    assert history[1] == (
        f"7 Feb 2024 09:30 UTC split {EDITOR} Berlin Process Summit split off into the new"
        " series Western Balkans summits"
    )
    new = series_id(site, "western-balkans", "Western Balkans summits")
    assert f'<a href="/series/{new}">Western Balkans summits</a>' in page
    new_page = editing.get(f"/series/{new}").text
    assert "Meetings (1)" in new_page
    assert "made of Berlin Process Summit, split off Berlin Process Ministerial" in text_of(
        new_page
    )


def test_moving_an_event_to_another_series_of_its_section(site: Site, editing: FlaskClient) -> None:
    """Egypt's "Migration Dialogue at senior officials level" (16 November 2021) is a
    meeting of senior officials on migration, as those of 10 July 2019 and March 2024."""
    dialogue = series_id(site, "egypt", "Migration Dialogue")
    officials = series_id(site, "egypt", "Senior Officials' Meeting")
    georgia = series_id(site, "georgia", "Joint Readmission Committee")
    uid = site.event("egypt", "Migration Dialogue at senior officials level").uid
    elsewhere = post(editing, f"/series/{dialogue}/move", {"event": uid, "target": str(georgia)})
    assert elsewhere.status_code == 400
    assert "&#39;Joint Readmission Committee&#39; is a series of another section" in (
        elsewhere.text
    )
    response = post(editing, f"/series/{dialogue}/move", {"event": uid, "target": str(officials)})
    assert response.status_code == 302
    assert (
        "Moved Migration Dialogue at senior officials level into Senior Officials&#39; Meeting."
        in (editing.get(f"/series/{dialogue}").text)
    )
    page = editing.get(f"/series/{officials}").text
    assert "Meetings (3)" in page
    assert (
        f"7 Feb 2024 09:30 UTC event moved {EDITOR} Migration Dialogue at senior officials"
        " level: Migration Dialogue → Senior Officials' Meeting"
    ) in [
        text_of(r)
        for r in re.findall(r"<tr>(.*?)</tr>", section_of_page(page, "history"), flags=re.S)
    ]
    # An event of another series cannot be moved from this one's page.
    again = post(editing, f"/series/{dialogue}/move", {"event": uid, "target": str(officials)})
    assert again.status_code == 400
    assert "choose an event of &#39;Migration Dialogue&#39; to move" in again.text

"""What the pages show, read against the sample note (5484/24) as of 7 February 2024."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from calendar_svc.web.timeline import lay_out
from models import DocumentFormat, Event, Occurrence
from tests.helpers.sites import Site, post

SVG = "{http://www.w3.org/2000/svg}"
JRC = "10 th EU-Serbia Joint Readmission Committee meeting"
#: The title as pages, feeds and mails show it (models.title.display_title).
JRC_SHOWN = "10th EU-Serbia Joint Readmission Committee meeting"


def section_of_page(html: str, heading_id: str) -> str:
    """The HTML from a heading with ``id`` to the next h2."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h2", start)
    return html[start : end if end != -1 else len(html)]


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/events/[^"]+">([^<]+)</a>', html)


def test_the_dashboard_lists_by_section(viewer: FlaskClient) -> None:
    html = viewer.get("/?section=serbia").text
    # 6-7 February and 12-13 March are firm and within six weeks of 7 February.
    assert titles(section_of_page(html, "upcoming")) == [
        "Mission of DDG HOME to follow-up on the EU Action Plan on the Western Balkans",
        "EU-Serbia Justice Freedom and Security Sub Committee",
    ]
    # "Q1 2024 (tbc)": the window is open and no date is agreed.
    assert titles(section_of_page(html, "awaiting")) == [JRC_SHOWN]
    assert titles(section_of_page(html, "overdue")) == []
    row = re.search(r"<tr>\s*<td>Q1 2024 \(tbc\)</td>.*?</tr>", html, flags=re.S)
    assert row, "the row shows the date as written"
    assert "1 Jan – 31 Mar 2024" in row.group(0)  # and as a window
    assert '<span class="badge badge-tentative">tentative</span>' in row.group(0)
    assert "Joint Readmission Committee</td>" in row.group(0)  # the category


def test_the_dashboard_counts_six_weeks_of_firm_dates(viewer: FlaskClient) -> None:
    upcoming = titles(section_of_page(viewer.get("/").text, "upcoming"))
    # From the note: every firm date from 7 February to 20 March 2024 (14 rows),
    # among them the Libya mission (5-8 February) that is under way.
    assert len(upcoming) == 14
    assert upcoming[0] == "HOME, NEAR and EEAS mission to Libya"
    assert "Ministerial Conference Brdo-Process" in upcoming  # 20-21 March: starts on day 42
    assert "EU-Jordan Association Committee" not in upcoming  # 6 February: past


def test_filter_by_confidence_category_and_words(viewer: FlaskClient) -> None:
    tentative = viewer.get("/?confidence=tentative").text
    assert titles(section_of_page(tentative, "upcoming")) == []
    awaiting = titles(section_of_page(tentative, "awaiting"))
    assert JRC_SHOWN in awaiting
    assert "8th EU-Bangladesh Joint Working Group for the Implementation of the SOPs, Brussels" in (
        awaiting
    )
    jrc_only = viewer.get("/?category=joint_readmission_committee&q=serbia").text
    assert titles(section_of_page(jrc_only, "awaiting")) == [JRC_SHOWN]
    words = viewer.get("/?q=readmission+serbia").text
    assert titles(section_of_page(words, "awaiting")) == [JRC_SHOWN]
    assert "Clear filters" in words


def test_filter_by_the_article_25a_tag(site: Site, viewer: FlaskClient) -> None:
    """On 20 May 2022, of the eight follow-ups only Cameroon's meeting of 1 June 2022
    (line 144 of 5484/24) is within the next six weeks."""
    site.clock.now = dt.datetime(2022, 5, 20, 9, 0, tzinfo=dt.UTC)
    everything = titles(section_of_page(viewer.get("/").text, "upcoming"))
    page = viewer.get("/?tag=article-25a-follow-up").text
    assert 'name="tag" value="article-25a-follow-up" checked' in page
    tagged = [html.unescape(t) for t in titles(section_of_page(page, "upcoming"))]
    assert tagged == [
        "Meeting of EEAS MDA Africa Bernard QUINTIN and DDG HOME Johannes LUCHNER with"
        " Ambassador ABE'E of CAMEROON, on arrival of migrants and asylum seekers to Cyprus"
        " (article 25a VC)"
    ]
    assert len(everything) > len(tagged)


def test_filter_by_group(viewer: FlaskClient) -> None:
    html = viewer.get("/?group=western-balkans").text
    upcoming = titles(section_of_page(html, "upcoming"))
    assert "Sarajevo Security Forum-ministerial" in upcoming
    assert "HOME, NEAR and EEAS mission to Libya" not in upcoming


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("section=atlantis", "no section &#39;atlantis&#39;"),
        ("group=antarctica", "no group &#39;antarctica&#39;"),
        ("category=picnic", "no category &#39;picnic&#39;"),
        ("confidence=sure", "confidence takes firm, approximate, tentative and off"),
    ],
)
def test_a_filter_that_names_nothing_says_so(viewer: FlaskClient, query: str, message: str) -> None:
    response = viewer.get(f"/?{query}")
    assert response.status_code == 400
    assert message in response.text


def test_the_section_page_draws_each_window_as_a_bar(site: Site, viewer: FlaskClient) -> None:
    html = viewer.get("/sections/serbia").text
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", html, flags=re.S).group(0))
    bars = [r for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]
    assert len(bars) == 19  # the 19 rows of the Serbia table, one date each
    by_title = {bar.find(f"{SVG}title").text.split(":")[0]: bar for bar in bars}
    jrc = by_title[JRC]
    mission = by_title[
        "Mission of DDG HOME to follow-up on the EU Action Plan on the Western Balkans"
    ]
    assert jrc.get("class") == "bar bar-tentative"
    assert mission.get("class") == "bar bar-firm"
    # The axis is ticked by quarter: 1 October 2023 to 1 January 2024 is 92 days.
    ticks = {
        text.text: float(text.get("x")) - 3
        for text in svg.iter(f"{SVG}text")
        if text.get("class") == "tick-label"
    }
    per_day = (ticks["Q1 2024"] - ticks["Q4"]) / 92
    # Q1 2024 (tbc) starts on the Q1 tick and is as wide as its 91 days.
    assert float(jrc.get("x")) == pytest.approx(ticks["Q1 2024"], abs=0.2)
    assert float(jrc.get("width")) == pytest.approx(91 * per_day, rel=0.01)
    # 6-7 February lies inside it, 36 days in; two days are narrower than the
    # visible minimum, so the bar gets that minimum.
    assert float(mission.get("x")) == pytest.approx(ticks["Q1 2024"] + 36 * per_day, abs=0.2)
    assert 2 * per_day < float(mission.get("width")) == 4
    assert len([b for b in bars if b.get("class") == "bar bar-tentative"]) == 1
    assert "today" in html


def test_the_section_page_gives_a_subscriber_their_feed_links(
    site: Site, client: FlaskClient
) -> None:
    from tests.helpers.sites import EDITOR, VIEWER, sign_in

    sign_in(client, EDITOR)
    html = client.get("/sections/serbia").text
    assert f'value="http://127.0.0.1:8000/feeds/{site.feed_token}/section/serbia.ics"' in html
    assert f'value="webcal://127.0.0.1:8000/feeds/{site.feed_token}/section/serbia.ics"' in html
    assert "Add to Outlook" in html
    assert "Home &gt; Add Calendar &gt; From Internet" in html
    post(client, "/logout")
    sign_in(client, VIEWER)
    html = client.get("/sections/serbia").text
    assert "/feeds/" not in html
    assert "set up your subscription" in html


def test_an_unknown_section_is_not_found(viewer: FlaskClient) -> None:
    assert viewer.get("/sections/atlantis").status_code == 404


def test_the_event_page_shows_its_source_and_history(site: Site, viewer: FlaskClient) -> None:
    uid = site.event("serbia", JRC).uid
    html = viewer.get(f"/events/{uid}").text
    assert "<dd>Q1 2024 (tbc)</dd>" in html
    assert 'Council document <a href="/documents/1">5484/24</a>, line 768' in html
    assert f"Q1 2024 (tbc)\t{JRC}" in html  # the raw row
    assert "<td>2024-01-01</td><td>2024-03-31</td>" in html
    history = section_of_page(html, "history")
    assert "created: new" in history
    assert ">5484/24</a>" in history


@pytest.mark.parametrize(
    ("document_format", "line", "page", "label"),
    [
        (DocumentFormat.TEXT, 768, None, ", line 768, table 22 row 18"),
        (DocumentFormat.PDF, None, 19, ", p. 19, table 22 row 18"),
        (DocumentFormat.DOCX, None, None, ", table 22 row 18"),
    ],
)
def test_the_event_page_labels_its_source_as_feeds_and_mails_do(
    site: Site,
    viewer: FlaskClient,
    document_format: DocumentFormat,
    line: int | None,
    page: int | None,
    label: str,
) -> None:
    """The label of models.SourceRef, the symbol linking to the document's page."""
    uid = site.event("serbia", JRC).uid
    with site.session() as session, session.begin():
        event = session.scalars(select(Event).filter_by(uid=uid)).one()
        assert event.document_version is not None
        # Serbia's is the note's 22nd events table, the JRC its 18th row (by reading it).
        event.document_version.format = document_format
        event.source_line, event.source_page = line, page
        event.source_table, event.source_row = 22, 18
    html = viewer.get(f"/events/{uid}").text
    assert (
        f'<p>Council document <a href="/documents/1">5484/24</a>{label} (note of 6 Feb 2024).</p>'
        in html
    )


def test_titles_with_markup_are_shown_as_text(site: Site, editor: FlaskClient) -> None:
    uid = site.event("serbia", JRC).uid
    title = "<script>alert('x')</script><img src=x onerror=alert(1)> JRC"
    response = post(
        editor,
        f"/events/{uid}/details",
        {"title": title, "outcome": "<b>bold</b>", "category": "joint_readmission_committee"},
    )
    assert response.status_code == 302
    for path in (f"/events/{uid}", "/sections/serbia", "/?section=serbia", "/documents/1"):
        html = editor.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    page = editor.get(f"/events/{uid}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    # The timeline's SVG is XML: the title stays text there too.
    svg = re.search(r"<svg.*?</svg>", editor.get("/sections/serbia").text, flags=re.S).group(0)
    assert any(
        (t.text or "").startswith("<script>alert('x')</script>")
        for t in ET.fromstring(svg).iter(f"{SVG}title")
    )


def test_the_documents_page_lists_versions(viewer: FlaskClient) -> None:
    html = viewer.get("/documents").text
    assert ">5484/24</a>" in html
    assert "6 Feb 2024" in html
    assert "<td>836</td>" in html  # every row of the note is new in the first version
    first = viewer.get("/documents/1").text
    assert "The first version imported" in first
    assert "836 events in 50 sections" in first
    assert re.search(r">Serbia</a></td><td>Western Balkans</td><td>19</td>", first)


def test_pages_have_labels_and_landmarks(site: Site, editor: FlaskClient) -> None:
    uid = site.event("serbia", JRC).uid
    for path in ("/", "/sections/serbia", f"/events/{uid}", "/documents", "/subscriptions"):
        html = editor.get(path).text
        assert '<html lang="en">' in html
        assert '<main id="content">' in html
        assert 'href="#content"' in html  # skip link for keyboard users
        ids = set(re.findall(r'<label for="([^"]+)"', html))
        controls = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|checkbox|submit)")[^>]*>', html
        )
        for control in controls:
            control_id = re.search(r'id="([^"]+)"', control)
            assert control_id, (path, control)
            assert control_id.group(1) in ids, (path, control)


def test_issue_3_a_stored_date_in_year_9999_breaks_no_page(site: Site, editor: FlaskClient) -> None:
    """An occurrence written (in SQL) as 1 May 2024 - 31 December 9999: the section
    page and its timeline, the event, the dashboard and the feeds still answer."""
    uid = site.event("serbia", JRC).uid
    with site.session() as session, session.begin():
        session.execute(
            text(
                "UPDATE occurrences SET start = '2024-05-01', \"end\" = '9999-12-31'"
                " WHERE event_id = (SELECT id FROM events WHERE uid = :uid)"
            ),
            {"uid": uid},
        )
    section = editor.get("/sections/serbia")
    assert section.status_code == 200
    assert "31 Dec 9999" in section.text
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", section.text, flags=re.S).group(0))
    bars = [t.text or "" for t in svg.iter(f"{SVG}title")]
    # The timeline draws every other event, on an axis that ends within the bounds.
    assert not any(bar.startswith(JRC) for bar in bars)
    assert any(bar.startswith("EU-Serbia Justice Freedom and Security") for bar in bars)
    assert "9999" not in " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for path in (f"/events/{uid}", "/?section=serbia", f"/api/v1/events/{uid}"):
        assert editor.get(path).status_code == 200, path
    for feed in ("mine.ics", "all.ics", "section/serbia.ics"):
        assert editor.get(f"/feeds/{site.feed_token}/{feed}").status_code == 200, feed


def test_the_timeline_leaves_out_windows_outside_the_bounds() -> None:
    """Pure geometry: an event whose only window is in year 9999 is not drawn."""

    def event(title: str, *windows: tuple[dt.date, dt.date]) -> Event:
        return Event(
            title=title, occurrences=[Occurrence(position=i, start=s, end=e)
                                      for i, (s, e) in enumerate(windows)],
        )  # fmt: skip

    today = dt.date(2024, 2, 7)
    events = [
        event("JRC", (dt.date(2024, 5, 1), dt.date.max)),
        event("Sub-committee", (dt.date(2024, 3, 12), dt.date(2024, 3, 13))),
        event("Missions", (dt.date(1, 1, 1), dt.date(1, 1, 2)), (dt.date(2024, 6, 1),) * 2),
    ]
    timeline = lay_out(events, today=today)
    assert timeline is not None
    assert [(row.label, len(row.bars)) for row in timeline.rows] == [
        ("Sub-committee", 1),
        ("Missions", 1),
    ]
    assert (timeline.first, timeline.last) == (dt.date(2024, 2, 1), dt.date(2024, 7, 1))
    assert lay_out(events[:1], today=today) is None

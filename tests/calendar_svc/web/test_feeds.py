"""Feeds over HTTP: secret tokens, 404s that say nothing, validators, no compression."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar

from calendar_svc.extensions import services
from calendar_svc.subscribers import add_subscriber, find_subscriber
from calendar_svc.web.errors import NOT_FOUND_BODY
from feeds.tokens import issue_token, revoke_tokens
from tests.helpers.apps import SECRET, FeedSite, services_of
from tests.helpers.servers import gunicorn
from tests.helpers.statements import Statements


@pytest.fixture
def client(feed_site: FeedSite):
    return feed_site.app.test_client()


def test_a_feed_is_served_as_uncompressed_calendar_text(client, feed_site: FeedSite) -> None:
    response = client.get(
        f"/feeds/{feed_site.token}/section/serbia.ics", headers={"Accept-Encoding": "gzip, br"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in response.headers
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["ETag"].startswith('"')  # strong, not W/"..."
    assert response.headers["Last-Modified"] == "Wed, 07 Feb 2024 09:00:00 GMT"
    calendar = Calendar.from_ical(response.data)
    assert len(calendar.walk("VEVENT")) == 19


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/all.ics",
        "/feeds//all.ics",
        "/feeds/{wrong}/all.ics",
        "/feeds/{wrong}/section/serbia.ics",
        "/feeds/{revoked}/all.ics",
        "/feeds/{revoked}/mine.ics",
        "/feeds/not-a-token/all.ics",
        "/feeds/{token}/section/atlantis.ics",
        "/feeds/{token}/group/nowhere.ics",
        "/feeds/{token}/category/picnic.ics",
        "/feeds/{token}/other.ics",
        "/nothing-here",
    ],
)
def test_no_token_a_wrong_or_revoked_one_and_unknown_feeds_get_the_same_bare_404(
    client,
    feed_site: FeedSite,
    path: str,
) -> None:
    wrong = secrets.token_urlsafe(32)
    url = path.format(wrong=wrong, revoked=feed_site.revoked_token, token=feed_site.token)
    response = client.get(url)
    assert response.status_code == 404
    assert response.data.decode() == NOT_FOUND_BODY
    assert response.headers["Content-Type"].startswith("text/plain")


def test_repeat_requests_get_304_by_etag_or_by_date(client, feed_site: FeedSite) -> None:
    url = f"/feeds/{feed_site.token}/mine.ics"
    first = client.get(url)
    assert first.status_code == 200
    by_etag = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (by_etag.status_code, by_etag.data) == (304, b"")
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200
    assert stale.data == first.data


@pytest.mark.parametrize(
    "if_none_match",
    ['"0123", {etag}', "W/{etag}", "*", '{etag}, "0123"'],
    ids=["in-a-list", "weak", "any", "first-of-two"],
)
def test_any_if_none_match_naming_the_feed_gets_304(
    client, feed_site: FeedSite, if_none_match: str
) -> None:
    url = f"/feeds/{feed_site.token}/section/serbia.ics"
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": if_none_match.format(etag=etag)})
    assert (response.status_code, response.data) == (304, b"")
    for name in ("ETag", "Cache-Control", "Content-Security-Policy"):
        assert len(response.headers.getlist(name)) == 1, name
    assert "Content-Type" not in response.headers


def test_a_section_is_also_reached_by_its_iso_code(client, feed_site: FeedSite) -> None:
    by_slug = client.get(f"/feeds/{feed_site.token}/section/cabo-verde.ics")
    by_iso = client.get(f"/feeds/{feed_site.token}/section/cv.ics")
    assert by_slug.status_code == by_iso.status_code == 200
    assert by_slug.data == by_iso.data
    kosovo = client.get(f"/feeds/{feed_site.token}/section/XK.ics")
    assert b"X-WR-CALNAME:Kosovo" in kosovo.data


def test_groups_categories_everything_and_mine(client, feed_site: FeedSite) -> None:
    def count(path: str) -> int:
        response = client.get(f"/feeds/{feed_site.token}/{path}")
        assert response.status_code == 200, path
        return len(Calendar.from_ical(response.data).walk("VEVENT"))

    assert count("all.ics") == 847
    assert count("group/regional-process.ics") > count("section/prague-process.ics")
    assert count("category/joint_readmission_committee.ics") == 40
    assert count("category/joint-readmission-committee.ics") == 40
    # Serbia 19, Montenegro 18 and North Macedonia 13 rows, one window each.
    assert count("mine.ics") == 19 + 18 + 13


def test_query_filters_narrow_a_feed(client, feed_site: FeedSite) -> None:
    base = f"/feeds/{feed_site.token}/section/serbia.ics"
    tentative = Calendar.from_ical(client.get(base + "?confidence=tentative").data)
    assert [str(e["STATUS"]) for e in tentative.walk("VEVENT")] == ["TENTATIVE"]
    both = Calendar.from_ical(client.get(base + "?confidence=firm,tentative&past_days=90").data)
    assert len(both.walk("VEVENT")) == 4
    assert client.get(base + "?confidence=maybe").status_code == 400
    assert client.get(base + "?past_days=-3").status_code == 400


def test_tokens_never_reach_the_request_log(
    live_site: FeedSite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    with urllib.request.urlopen(f"{live_site.url}/feeds/{live_site.token}/all.ics") as ok:
        assert ok.status == 200
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"{live_site.url}/feeds/{live_site.revoked_token}/mine.ics")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "/feeds/<redacted>/all.ics" in text
    assert "/feeds/<redacted>/mine.ics" in text
    assert live_site.token not in text
    assert live_site.revoked_token not in text


def test_tokens_never_reach_gunicorns_access_log(feed_site: FeedSite, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    database = services_of(feed_site.app).engine.url.render_as_string(hide_password=False)
    app = ("--workers", "1", "--access-logfile", str(log), "calendar_svc:create_app()")
    with gunicorn(database, *app) as base:
        url = f"{base}/feeds/{feed_site.token}/section/serbia.ics"
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
    text = log.read_text()
    assert "/feeds/<redacted>/section/serbia.ics" in text
    assert feed_site.token not in text


@pytest.fixture
def statements(feed_site: FeedSite) -> Iterator[Statements]:
    """What the site's database driver is sent from here on, counted."""
    engine = services_of(feed_site.app).engine
    watched = Statements()
    watched.watch_driver(engine)
    yield watched
    watched.forget(engine)


@pytest.mark.parametrize(
    "path",
    [
        "section/serbia.ics",
        "section/RS.ics",
        "group/western-balkans.ics",
        "category/joint_readmission_committee.ics",
        "all.ics",
        "mine.ics",
        "section/serbia.ics?confidence=firm&past_days=30",
    ],
)
def test_a_feed_served_before_costs_one_query_also_for_a_304(
    client, feed_site: FeedSite, statements: Statements, path: str
) -> None:
    url = f"/feeds/{feed_site.token}/{path}"
    first = client.get(url)
    assert first.status_code == 200
    statements.clear()
    again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data
    assert len(statements.queries) == 1, statements.queries
    statements.clear()
    unchanged = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    assert len(statements.queries) == 1, statements.queries
    assert statements.writes() == 0


def test_a_revoked_token_stops_a_feed_served_before_at_once(client, feed_site: FeedSite) -> None:
    now = dt.datetime(2024, 2, 7, 10, 0, tzinfo=dt.UTC)
    with feed_site.app.app_context(), services().session_factory.begin() as session:
        reader = add_subscriber(session, "short.lived@example.eu", now=now, sections=["serbia"])
        token = issue_token(session, reader, secret=SECRET, now=now)
    for path in ("section/serbia.ics", "mine.ics"):
        assert client.get(f"/feeds/{token}/{path}").status_code == 200
    with feed_site.app.app_context(), services().session_factory.begin() as session:
        revoke_tokens(session, find_subscriber(session, "short.lived@example.eu"), now=now)
    for path in ("section/serbia.ics", "mine.ics"):
        assert client.get(f"/feeds/{token}/{path}").status_code == 404
    # The other subscriber's token, and the feed cached for it, still work.
    assert client.get(f"/feeds/{feed_site.token}/section/serbia.ics").status_code == 200

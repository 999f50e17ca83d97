"""Feeds read back with icalendar agree with the database, across versions of the note."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.subscribers import add_subscriber
from feeds.errors import FeedNotFound
from feeds.feed import ENTRY_OVERHEAD, FeedCache, FeedSettings, RenderedFeed, render_feed
from feeds.ics import exclusive_end
from feeds.scopes import (
    FeedQuery,
    Scope,
    ScopeCache,
    category_scope,
    everything,
    feed_entries,
    group_scope,
    section_scope,
    subscriber_scope,
)
from models import (
    Confidence,
    Event,
    Occurrence,
    Precision,
    Section,
    SourceRef,
)
from tests.helpers import documents
from tests.helpers.data import V2

NOTE_DAY = dt.date(2024, 2, 6)
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
SETTINGS = FeedSettings(
    refresh=dt.timedelta(hours=6),
    coarse_as_marker=True,
    cancelled_days=30,
    past_days=None,
    cache_size=64,
    cache_bytes=10_000_000,
    past_days_choices=(0, 7, 30, 90, 180, 365, 730),
)
COARSE = {"months", "quarter", "quarters", "half", "season", "year", "range"}
#: DESIGN.md section 5 and issue 3: (STATUS, TRANSP, busy status) by confidence.
EXPECTED_FLAGS = {
    Confidence.FIRM: ("CONFIRMED", "OPAQUE", "BUSY"),
    Confidence.OFF: ("CANCELLED", "TRANSPARENT", "FREE"),
}


def feed(session: Session, scope: Scope, today: dt.date = NOTE_DAY, **query: Any) -> Calendar:
    rendered = render_feed(session, scope, FeedQuery(**query), today=today, settings=SETTINGS)
    return Calendar.from_ical(rendered.body)


def vevents(calendar: Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def expected_flags(event: Event) -> tuple[str, str, str]:
    if event.confidence in EXPECTED_FLAGS:
        return EXPECTED_FLAGS[event.confidence]
    if event.precision in (Precision.DAY, Precision.DAYS):
        return ("TENTATIVE", "TRANSPARENT", "TENTATIVE")
    return (event.status.value.upper(), "TRANSPARENT", "FREE")


def check_against_database(session: Session, section: Section, calendar: Calendar) -> int:
    occurrences = session.scalars(
        select(Occurrence)
        .join(Occurrence.event)
        .where(Event.section_id == section.id, Event.is_removed.is_(False))
    ).all()
    got = vevents(calendar)
    assert set(got) == {f"{o.event.uid}-{o.position}" for o in occurrences}, section.slug
    for occurrence in occurrences:
        event = occurrence.event
        vevent = got[f"{event.uid}-{occurrence.position}"]
        last_day = occurrence.start if event.precision.value in COARSE else occurrence.end
        assert vevent.decoded("DTSTART") == occurrence.start
        assert vevent.decoded("DTEND") == exclusive_end(last_day)
        assert vevent["SEQUENCE"] == event.revision
        assert vevent.decoded("DTSTAMP") == event.updated_at
        assert vevent.decoded("LAST-MODIFIED") == event.updated_at
        assert vevent.decoded("CREATED") == event.created_at
        summary, title = str(vevent["SUMMARY"]), event.display_title
        assert len(summary) <= 255
        if summary.endswith("…"):  # cut at a word: the whole title is in the description
            body = summary[:-1]
            assert title.startswith(body[body.index(") ") + 2 :] if body[0] == "(" else body)
            assert str(vevent["DESCRIPTION"]).startswith(title + "\n")
        else:
            assert summary.endswith(title)
        status, transp, busy = expected_flags(event)
        assert (str(vevent["STATUS"]), str(vevent["TRANSP"])) == (status, transp)
        assert str(vevent["X-MICROSOFT-CDO-BUSYSTATUS"]) == busy
        assert vevent.get("LOCATION") == event.location
        assert f"Date in the note: {event.raw_date}" in str(vevent["DESCRIPTION"])
        # The label of models.SourceRef (tests/models/test_source.py), as pages and mails show it.
        source = SourceRef.of(event)
        assert source is not None
        assert f"Source: Council document {source.label}" in str(vevent["DESCRIPTION"])
    return len(occurrences)


def test_every_section_feed_agrees_with_the_database(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    total = 0
    for section in session.scalars(select(Section)):
        total += check_against_database(
            session, section, feed(session, section_scope(session, section.slug))
        )
    assert total == 847


def test_the_description_says_where_a_pdf_note_has_the_row(
    session: Session, ingest: Callable[..., Any]
) -> None:
    """The feed query carries the version's format and the row's table, row and page."""
    ingest(documents.SAMPLE_PDF)
    jrc = session.scalars(
        select(Event).where(Event.raw_date == "Q1 2024 (tbc)", Event.title.contains("Serbia"))
    ).one()
    # Read off the PDF: the JRC row stands at the foot of page 44; Serbia's table
    # is the note's 22nd, the JRC its 18th row.
    vevent = vevents(feed(session, section_scope(session, "serbia")))[f"{jrc.uid}-0"]
    assert "Source: Council document 5484/24, p. 44, table 22 row 18" in str(
        vevent["DESCRIPTION"]
    ).split("\n")


def test_a_second_version_keeps_uids_and_bumps_sequence_only_on_changed_events(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    serbia = section_scope(session, "serbia")
    before = vevents(feed(session, serbia))
    ingest(V2, at=LATER)
    after_calendar = feed(session, serbia, today=LATER.date())
    check_against_database(
        session, session.scalars(select(Section).filter_by(slug="serbia")).one(), after_calendar
    )
    after = vevents(after_calendar)
    assert set(before) <= set(after)  # nothing of Serbia was removed
    changed = {uid for uid in before if after[uid]["SEQUENCE"] != before[uid]["SEQUENCE"]}
    titles = {str(after[uid]["SUMMARY"]) for uid in changed}
    assert titles == {
        "10th EU-Serbia Joint Readmission Committee meeting, Belgrade",
        "Mission of DDG HOME to follow up the EU Action Plan on the Western Balkans",
    }
    for uid in before:
        moved = uid in changed
        assert (after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1) is moved
        assert (after[uid].decoded("DTSTAMP") == LATER) is moved
        assert (after[uid].decoded("LAST-MODIFIED") == LATER) is moved
    jrc = next(after[uid] for uid in changed if "Readmission" in str(after[uid]["SUMMARY"]))
    assert jrc.decoded("DTSTART") == dt.date(2024, 3, 19)
    assert (str(jrc["STATUS"]), str(jrc["TRANSP"])) == ("CONFIRMED", "OPAQUE")
    new = set(after) - set(before)
    assert [str(after[uid]["SUMMARY"]) for uid in new] == [
        "(Q4 2024 tbc) 11th EU-Serbia Joint Readmission Committee meeting"
    ]


def test_removed_events_drop_out_and_cancelled_ones_stay_for_a_while(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    ingest(V2, at=LATER)
    china = vevents(feed(session, section_scope(session, "china"), today=LATER.date()))
    assert not any("Virtual workshop readmission" in str(e["SUMMARY"]) for e in china.values())
    wb = section_scope(session, "western-balkans")
    soon = vevents(feed(session, wb, today=LATER.date()))
    cancelled = [e for e in soon.values() if str(e["STATUS"]) == "CANCELLED"]
    assert [str(e["SUMMARY"]) for e in cancelled] == ["(cancelled) EU-WB JHA SOM"]
    later = vevents(feed(session, wb, today=LATER.date() + dt.timedelta(days=31)))
    assert not any(str(e["STATUS"]) == "CANCELLED" for e in later.values())
    assert len(later) == len(soon) - 1


def test_an_empty_section_is_a_valid_empty_calendar(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    ingest(V2, at=LATER)
    russia = feed(session, section_scope(session, "RU"), today=LATER.date())
    assert russia.walk("VEVENT") == []
    assert str(russia["X-WR-CALNAME"]) == "Russia – EU migration dialogues"


def test_group_category_everything_and_a_subscribers_own_scope(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    everything_events = vevents(feed(session, everything()))
    assert len(everything_events) == 847
    group = vevents(feed(session, group_scope("western-balkans")))
    wb_slugs = {"western-balkans", "albania", "bosnia-and-herzegovina", "north-macedonia",
                "montenegro", "serbia", "kosovo", "turkiye"}  # fmt: skip
    expected = session.scalar(
        select(func.count(Occurrence.id))
        .join(Occurrence.event)
        .join(Event.section)
        .where(Section.slug.in_(wb_slugs))
    )
    assert len(group) == expected
    jrcs = vevents(feed(session, category_scope("joint-readmission-committee")))
    assert len(jrcs) == 40
    assert all("Readmission Committee" in str(e["SUMMARY"]) for e in jrcs.values())
    subscriber = add_subscriber(
        session,
        "desk.officer@example.eu",
        now=LATER,
        sections=["serbia", "ME", "north-macedonia"],
        categories=["joint_readmission_committee"],
    )
    mine = vevents(feed(session, subscriber_scope(session, subscriber)))
    assert sorted(str(e["SUMMARY"]) for e in mine.values()) == [
        "(Q1 2024 tbc) 10th EU-Serbia Joint Readmission Committee meeting",
        "(Q1-Q2 2024 tbc) 8th EU-Montenegro Joint Readmission Committee meeting",
        "(Q3 2024 tbc) 10th EU-North Macedonia Joint Readmission Committee meeting",
        "7th EU-Montenegro Joint Readmission Committee meeting, VTC",
        "9th EU-North Macedonia Joint Readmission Committee meeting, VTC",
        "9th EU-Serbia Joint Readmission Committee meeting, Belgrade",
    ]


def test_confidence_and_past_days_filters(session: Session, ingest: Callable[..., Any]) -> None:
    ingest()
    serbia = section_scope(session, "serbia")
    firm = vevents(feed(session, serbia, confidences=frozenset({Confidence.FIRM})))
    assert len(firm) == 18
    assert {str(e["STATUS"]) for e in firm.values()} == {"CONFIRMED"}
    tentative = vevents(feed(session, serbia, confidences=frozenset({Confidence.TENTATIVE})))
    assert [str(e["SUMMARY"]) for e in tentative.values()] == [
        "(Q1 2024 tbc) 10th EU-Serbia Joint Readmission Committee meeting"
    ]
    recent = vevents(feed(session, serbia, past_days=90))
    assert sorted(e.decoded("DTSTART").isoformat() for e in recent.values()) == [
        "2023-11-30",
        "2024-01-01",
        "2024-02-06",
        "2024-03-12",
    ]


def test_a_feed_is_rendered_once_per_change_of_the_data(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    cache = FeedCache(8, 10_000_000)
    scope = section_scope(session, "serbia")
    first = render_feed(session, scope, FeedQuery(), today=NOTE_DAY, settings=SETTINGS, cache=cache)
    again = render_feed(session, scope, FeedQuery(), today=NOTE_DAY, settings=SETTINGS, cache=cache)
    assert again is first
    assert cache.renders == 1
    ingest(V2, at=LATER)
    changed = render_feed(
        session, scope, FeedQuery(), today=NOTE_DAY, settings=SETTINGS, cache=cache
    )
    assert cache.renders == 2
    assert changed.etag != first.etag
    assert changed.last_modified >= LATER.replace(microsecond=0)


def rendered(size: int) -> RenderedFeed:
    return RenderedFeed(b"x" * size, "etag", dt.datetime(2024, 2, 6, tzinfo=dt.UTC), 0)


def test_the_feed_cache_is_bounded_in_entries_and_in_bytes() -> None:
    """Issue finding 4: the least recently used feeds go first, whichever bound is hit."""
    by_bytes = FeedCache(100, 3 * (1000 + ENTRY_OVERHEAD))
    for key in range(10):
        assert by_bytes.put((key,), rendered(1000))
        assert by_bytes.bytes <= 3 * (1000 + ENTRY_OVERHEAD)
    assert [key for key in range(10) if by_bytes.get((key,))] == [7, 8, 9]
    by_bytes.get((7,))  # used again: 8 goes first now
    by_bytes.put(("new",), rendered(1000))
    assert [key for key in range(10) if by_bytes.get((key,))] == [7, 9]
    by_entries = FeedCache(2, 10**9)
    for key in range(5):
        by_entries.put((key,), rendered(10))
    assert (len(by_entries), by_entries.bytes) == (2, 2 * (10 + ENTRY_OVERHEAD))
    # The same key again replaces its feed and its cost.
    by_entries.put((4,), rendered(20))
    assert (len(by_entries), by_entries.bytes) == (2, 30 + 2 * ENTRY_OVERHEAD)


def test_a_feed_larger_than_the_byte_bound_is_not_kept() -> None:
    cache = FeedCache(8, 5000)
    cache.put(("small",), rendered(100))
    assert not cache.put(("large",), rendered(5000))
    assert cache.get(("large",)) is None
    assert cache.get(("small",)) is not None
    assert cache.renders == 2


#: Every confidence filter a URL can write, the empty and the full one among them.
CONFIDENCE_FILTERS = [
    frozenset(combination)
    for size in range(len(Confidence) + 1)
    for combination in itertools.combinations(Confidence, size)
]


def test_whatever_the_url_says_a_scope_has_few_renderings(
    session: Session, ingest: Callable[..., Any]
) -> None:
    """Issue finding 4: past_days is rounded up to a configured choice and the
    confidences are a set, so a token holder's URLs name a bounded number of feeds."""
    ingest()
    cache = FeedCache(10_000, 10**9)
    scope = section_scope(session, "serbia")
    horizons = [None, *range(0, 1500, 5), 36_500]
    for confidences, past_days in itertools.product(CONFIDENCE_FILTERS, horizons):
        render_feed(
            session,
            scope,
            FeedQuery(confidences, past_days),
            today=NOTE_DAY,
            settings=SETTINGS,
            cache=cache,
        )
    # 15 confidence filters (none, every one or the empty one being no filter)
    # x (7 choices + above them all; the default, None, is the latter here).
    assert len(CONFIDENCE_FILTERS) * len(horizons) == 16 * 302
    assert cache.renders == len(cache) == 15 * (len(SETTINGS.past_days_choices) + 1)


def test_cached_feeds_stay_within_the_byte_bound_whatever_is_asked(
    session: Session, ingest: Callable[..., Any]
) -> None:
    """Subscribers' own feeds, sections and everything, with any filters: the cache
    never holds more than its bound."""
    ingest()
    bound = 120_000
    cache = FeedCache(1000, bound)
    subscribers = [
        add_subscriber(session, f"officer{n}@example.eu", now=LATER, sections=sections)
        for n, sections in enumerate((["serbia"], ["ME", "niger"], ["north-macedonia"]))
    ]
    scopes = [
        everything(),
        section_scope(session, "serbia"),
        *(subscriber_scope(session, s) for s in subscribers),
    ]
    queries = [FeedQuery(c, d) for c in CONFIDENCE_FILTERS[:4] for d in (None, 7)]
    for scope, query in itertools.product(scopes, queries):
        feed = render_feed(session, scope, query, today=NOTE_DAY, settings=SETTINGS, cache=cache)
        assert cache.bytes <= bound
        if scope.key == "all" and query == FeedQuery():
            assert len(feed.body) > bound  # served, never kept
    assert 0 < len(cache) < len(scopes) * len(queries)


def test_no_confidence_filter_and_an_empty_one_are_the_same_feed(
    session: Session, ingest: Callable[..., Any]
) -> None:
    """``?confidence=,`` once cached an empty feed under the key of the whole one."""
    ingest()
    cache = FeedCache(8, 10_000_000)
    scope = section_scope(session, "serbia")
    empty = render_feed(
        session, scope, FeedQuery(frozenset()), today=NOTE_DAY, settings=SETTINGS, cache=cache
    )
    whole = render_feed(session, scope, FeedQuery(), today=NOTE_DAY, settings=SETTINGS, cache=cache)
    assert whole.events == empty.events == 19


def test_a_rounded_horizon_shows_at_least_what_was_asked(
    session: Session, ingest: Callable[..., Any]
) -> None:
    ingest()
    scope = section_scope(session, "serbia")
    asked = feed_entries(session, scope, FeedQuery(past_days=45), today=NOTE_DAY, cancelled_days=30)
    shown = vevents(feed(session, scope, past_days=45))
    assert {f"{e.uid}-{e.position}" for e in asked} < set(shown)
    assert set(shown) == set(vevents(feed(session, scope, past_days=90)))
    assert set(vevents(feed(session, scope, past_days=800))) == set(vevents(feed(session, scope)))


@pytest.mark.parametrize("key", ["atlantis", "xx"])
def test_unknown_scopes_are_not_found(session: Session, key: str) -> None:
    from feeds.errors import FeedNotFound

    with pytest.raises(FeedNotFound):
        section_scope(session, key)
    with pytest.raises(FeedNotFound):
        group_scope(key)
    with pytest.raises(FeedNotFound):
        category_scope(key)


def test_issue_12_no_summary_exceeds_outlooks_subject_limit(
    session: Session, ingest: Callable[..., Any]
) -> None:
    """The sample has two titles too long for a subject (310 and 262 characters
    with the prefix, issue 12): cut at a word with "…", whole in the description.
    No SUMMARY keeps a split ordinal or a cut hyphen."""
    ingest()
    summaries = [str(v["SUMMARY"]) for v in vevents(feed(session, everything())).values()]
    assert max(len(s) for s in summaries) <= 255
    assert len([s for s in summaries if s.endswith("…")]) == 2
    assert not [s for s in summaries if re.search(r"\b\d+ (st|nd|rd|th)\b|[^\W\d_]- [^\W\d_]", s)]


def test_scopes_are_made_once_per_data_version_and_unknown_ones_never_kept() -> None:
    made: list[str] = []

    def make(name: str) -> Callable[[], Scope]:
        def scope() -> Scope:
            made.append(name)
            return everything()

        return scope

    def unknown() -> Scope:
        made.append("atlantis")
        raise FeedNotFound("atlantis")

    cache = ScopeCache(size=2)
    first = cache.get("1.5", ("section", "serbia"), make("serbia"))
    assert cache.get("1.5", ("section", "serbia"), make("serbia")) is first
    assert made == ["serbia"]
    # A new version (an import, an edit) makes it again.
    cache.get("1.6", ("section", "serbia"), make("serbia"))
    assert made == ["serbia", "serbia"]
    for _ in range(2):
        with pytest.raises(FeedNotFound):
            cache.get("1.6", ("section", "atlantis"), unknown)
    assert made.count("atlantis") == 2
    # At its bound the cache starts afresh rather than growing.
    cache.get("1.6", ("group", "western-balkans"), make("wb"))
    cache.get("1.6", ("category", "jrc"), make("jrc"))
    cache.get("1.6", ("section", "serbia"), make("serbia"))
    assert made[-3:] == ["wb", "jrc", "serbia"]

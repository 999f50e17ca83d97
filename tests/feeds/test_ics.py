"""The VCALENDAR a feed is made of: properties, confidence, escaping, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from icalendar import Calendar

from feeds.ics import CalendarMeta, IcsOptions, build_calendar, exclusive_end, summary_prefix
from feeds.scopes import FeedEntry
from models import Category, DocumentFormat, Precision, SourceRef, Status

STAMP = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
META = CalendarMeta(name="Serbia – EU migration dialogues", description="Serbia")
OPTIONS = IcsOptions(refresh=dt.timedelta(hours=6))


def entry(**changes: object) -> FeedEntry:
    base = FeedEntry(
        uid="2c1d7f8e-0000-4000-8000-000000000001",
        position=0,
        start=dt.date(2024, 3, 12),
        end=dt.date(2024, 3, 13),
        title="EU-Serbia Justice Freedom and Security Sub Committee",
        outcome="",
        raw_date="12-13 March 2024",
        status=Status.CONFIRMED,
        precision=Precision.DAYS,
        category=Category.SUBCOMMITTEE,
        location=None,
        section="Serbia",
        source=SourceRef("5484/24", DocumentFormat.TEXT, table=22, row=19, line=769),
        revision=1,
        created_at=STAMP,
        updated_at=STAMP,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def only_event(*entries: FeedEntry, options: IcsOptions = OPTIONS) -> Calendar:
    return Calendar.from_ical(build_calendar(META, entries, options))


def test_calendar_properties_are_written_the_way_outlook_reads_them() -> None:
    body = build_calendar(META, [], OPTIONS).decode()
    lines = body.split("\r\n")
    for line in (
        "VERSION:2.0",
        "PRODID:-//calendar-svc//EU external migration dialogues//EN",
        "METHOD:PUBLISH",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Serbia – EU migration dialogues",
        "X-WR-CALDESC:Serbia",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ):
        assert line in lines
    # No calendar-level UID: vdirsyncer would take it for every event's.
    assert not any(line.startswith("UID:") for line in lines)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert body.endswith("END:VCALENDAR\r\n")


def test_an_empty_feed_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(build_calendar(META, [], OPTIONS))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == META.name


def test_a_firm_event_blocks_time() -> None:
    event = only_event(entry()).walk("VEVENT")[0]
    assert str(event["UID"]) == "2c1d7f8e-0000-4000-8000-000000000001-0"
    assert event.decoded("DTSTART") == dt.date(2024, 3, 12)
    assert event.decoded("DTEND") == dt.date(2024, 3, 14)  # exclusive
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert (str(event["STATUS"]), str(event["TRANSP"])) == ("CONFIRMED", "OPAQUE")
    assert str(event["X-MICROSOFT-CDO-BUSYSTATUS"]) == "BUSY"
    assert str(event["X-MICROSOFT-CDO-ALLDAYEVENT"]) == "TRUE"
    assert str(event["SUMMARY"]) == "EU-Serbia Justice Freedom and Security Sub Committee"
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTAMP") == STAMP
    assert event.decoded("LAST-MODIFIED") == STAMP
    assert event.decoded("CREATED") == STAMP
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Sub-committee", "Serbia"]
    description = str(event["DESCRIPTION"])
    assert "Date in the note: 12-13 March 2024" in description
    assert "Confidence: firm" in description
    assert "Source: Council document 5484/24, line 769, table 22 row 19" in description


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (
            SourceRef("5484/24", DocumentFormat.PDF, table=22, row=19, page=19),
            "Source: Council document 5484/24, p. 19, table 22 row 19",
        ),
        (
            SourceRef("5484/24", DocumentFormat.DOCX, table=22, row=19),
            "Source: Council document 5484/24, table 22 row 19",
        ),
        (
            # Read before tables were recorded, from a version that is only partly known.
            SourceRef("11434/23", DocumentFormat.TEXT, table=None, row=19, line=702),
            "Source: Council document 11434/23, line 702",
        ),
    ],
)
def test_the_description_names_where_the_note_has_the_row(source: SourceRef, line: str) -> None:
    description = str(only_event(entry(source=source)).walk("VEVENT")[0]["DESCRIPTION"])
    assert line in description.split("\n")


def test_an_event_added_by_hand_has_no_source_line() -> None:
    description = str(only_event(entry(source=None)).walk("VEVENT")[0]["DESCRIPTION"])
    assert "Source" not in description


@pytest.mark.parametrize(
    ("changes", "prefix", "status", "transp", "busy", "last_day"),
    [
        (
            {"status": Status.TENTATIVE, "precision": Precision.DAY, "end": dt.date(2024, 3, 12)},
            "(tbc) ",
            "TENTATIVE",
            "TRANSPARENT",
            "TENTATIVE",
            dt.date(2024, 3, 12),
        ),
        (
            {
                "status": Status.TENTATIVE,
                "precision": Precision.QUARTER,
                "start": dt.date(2024, 1, 1),
                "end": dt.date(2024, 3, 31),
            },
            "(Q1 2024 tbc) ",
            "TENTATIVE",
            "TRANSPARENT",
            "FREE",
            dt.date(2024, 1, 1),  # one marker on the window's first day
        ),
        (
            {
                "precision": Precision.MONTH,
                "start": dt.date(2024, 3, 1),
                "end": dt.date(2024, 3, 31),
            },
            "(March 2024) ",
            "CONFIRMED",
            "TRANSPARENT",
            "FREE",
            dt.date(2024, 3, 31),  # a month is not coarser than a month: shown as a span
        ),
        (
            {
                "status": Status.TENTATIVE,
                "precision": Precision.MONTHS,
                "start": dt.date(2024, 4, 1),
                "end": dt.date(2024, 5, 31),
            },
            "(April-May 2024 tbc) ",
            "TENTATIVE",
            "TRANSPARENT",
            "FREE",
            dt.date(2024, 4, 1),
        ),
        (
            {"status": Status.CANCELLED},
            "(cancelled) ",
            "CANCELLED",
            "TRANSPARENT",
            "FREE",
            dt.date(2024, 3, 13),
        ),
        (
            {"status": Status.POSTPONED},
            "(postponed) ",
            "CANCELLED",
            "TRANSPARENT",
            "FREE",
            dt.date(2024, 3, 13),
        ),
    ],
)
def test_confidence_is_visible_in_status_transparency_busy_status_and_summary(
    changes: dict[str, object],
    prefix: str,
    status: str,
    transp: str,
    busy: str,
    last_day: dt.date,
) -> None:
    e = entry(**changes)
    event = only_event(e).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == prefix + e.title
    assert (str(event["STATUS"]), str(event["TRANSP"])) == (status, transp)
    assert str(event["X-MICROSOFT-CDO-BUSYSTATUS"]) == busy
    assert event.decoded("DTEND") == exclusive_end(last_day)


def test_a_coarse_window_can_be_shown_as_a_span_instead() -> None:
    quarter = entry(
        status=Status.TENTATIVE,
        precision=Precision.QUARTER,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 3, 31),
    )
    spans = IcsOptions(refresh=dt.timedelta(hours=6), coarse_as_marker=False)
    event = only_event(quarter, options=spans).walk("VEVENT")[0]
    assert event.decoded("DTEND") == dt.date(2024, 4, 1)


def test_summary_prefix_of_a_range_and_a_half() -> None:
    assert (
        summary_prefix(
            entry(precision=Precision.RANGE, start=dt.date(2023, 1, 1), end=dt.date(2024, 3, 31))
        )
        == "(Q1 2023 - Q1 2024) "
    )
    assert (
        summary_prefix(
            entry(
                status=Status.TENTATIVE,
                precision=Precision.HALF,
                start=dt.date(2024, 1, 1),
                end=dt.date(2024, 6, 30),
            )
        )
        == "(1st semester 2024 tbc) "
    )


def test_two_renders_of_the_same_data_are_byte_identical() -> None:
    entries = [entry(), entry(uid="other", title="Other", location="Nairobi")]
    assert build_calendar(META, entries, OPTIONS) == build_calendar(META, entries, OPTIONS)


HOSTILE = [
    "Line one\r\nDTSTART;VALUE=DATE:19990101\r\nSUMMARY:injected",
    "Commas, semicolons; and a back\\slash",
    "Türkiye – Côte d'Ivoire – Κύπρος – 中国",
    "END:VEVENT\nBEGIN:VEVENT\nUID:evil",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_without_injecting_properties(text: str) -> None:
    e = entry(title=text, outcome=text + " " + "x" * 10_000, location=text)
    calendar = only_event(e)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    expected = text.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == expected
    assert str(event["LOCATION"]) == expected
    assert f"Outcome: {expected} {'x' * 10_000}" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART") == dt.date(2024, 3, 12)
    assert len([k for k in event if k == "DTSTART"]) == 1
    body = build_calendar(META, [e], OPTIONS)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded in octets


@pytest.mark.parametrize(
    ("start", "end", "precision"),
    [
        (dt.date(2024, 5, 1), dt.date(9999, 12, 31), Precision.DAYS),
        (dt.date(9999, 12, 31), dt.date(9999, 12, 31), Precision.DAY),
        (dt.date(9999, 10, 1), dt.date(9999, 12, 31), Precision.QUARTER),
        (dt.date(1, 1, 1), dt.date(1, 12, 31), Precision.YEAR),
        (dt.date(2101, 1, 1), dt.date(2101, 1, 2), Precision.DAYS),
    ],
)
def test_issue_3_a_stored_date_outside_the_bounds_is_left_out_not_overflowed(
    start: dt.date, end: dt.date, precision: Precision
) -> None:
    """One occurrence in year 9999 (written before the bounds, or in SQL) no longer
    takes the whole feed down: it is left out, the others are served."""
    wrong = entry(uid="wrong", start=start, end=end, precision=precision)
    calendar = only_event(entry(), wrong, entry(position=1, start=dt.date(2100, 12, 31),
                                                 end=dt.date(2100, 12, 31)))  # fmt: skip
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        "2c1d7f8e-0000-4000-8000-000000000001-0",
        "2c1d7f8e-0000-4000-8000-000000000001-1",
    ]
    assert events[1].decoded("DTEND") == dt.date(2101, 1, 1)


def test_exclusive_end_never_overflows() -> None:
    assert exclusive_end(dt.date(2100, 12, 31)) == dt.date(2101, 1, 1)
    assert exclusive_end(dt.date.max) == dt.date.max


def test_issue_12_the_summary_shows_the_display_title() -> None:
    """A split ordinal is joined, a cut hyphen repaired, and a tentative title's own
    "(tbc)" left out: the prefix says tbc already."""
    e = entry(
        title="10 th EU- Montenegro Sub- Committee meeting (tbc)",
        raw_date="March 2024",
        status=Status.TENTATIVE,
        precision=Precision.MONTH,
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 3, 31),
    )
    event = only_event(e).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "(March 2024 tbc) 10th EU-Montenegro Sub-Committee meeting"
    assert str(event["DESCRIPTION"]).startswith("Date in the note: March 2024\n")


def test_issue_12_a_long_summary_is_cut_at_a_word_and_the_description_has_it_all() -> None:
    words = " ".join(f"word{i:03d}" for i in range(40))  # 319 characters
    e = entry(title=words, status=Status.TENTATIVE, raw_date="12-13 March 2024 (tbc)")
    event = only_event(e).walk("VEVENT")[0]
    summary = str(event["SUMMARY"])
    # "(tbc) " and 31 words of 7 characters with their spaces: 6 + 31 * 8 - 1 = 253,
    # one more word would make 261 with the "…".
    assert summary == "(tbc) " + " ".join(f"word{i:03d}" for i in range(31)) + "…"
    assert len(summary) == 254
    assert str(event["DESCRIPTION"]).startswith(words + "\nDate in the note: ")


def test_an_article_25a_follow_up_is_a_second_category() -> None:
    """Issue 12: line 176 of 5484/24, a DDG's call whose outcome is the follow-up."""
    tagged = entry(
        title="HOME DDG Luchner call with Ethiopian Ambassador to the EU Hirut Zemene",
        outcome="Follow up article 25a Visa Code",
        category=Category.SENIOR_OFFICIALS,
        section="Ethiopia",
    )
    event = only_event(tagged).walk("VEVENT")[0]
    assert [str(c) for c in event["CATEGORIES"].cats] == [
        "Senior officials",
        "Article 25a follow-up",
        "Ethiopia",
    ]

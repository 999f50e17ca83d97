"""Matching rows of a newer note to stored events: what keeps uids stable."""

from __future__ import annotations

import datetime as dt

import pytest

from calendar_svc.ingest.matching import Candidate, Incoming, is_settled, match
from models.window import Window

Q1 = (Window(dt.date(2024, 1, 1), dt.date(2024, 3, 31)),)
MARCH_19 = (Window(dt.date(2024, 3, 19), dt.date(2024, 3, 19)),)
JUNE = (Window(dt.date(2024, 6, 1), dt.date(2024, 6, 30)),)


def stored(title: str, raw: str, windows: tuple[Window, ...], **kw: bool) -> Candidate:
    return Candidate(title, raw, windows, kw.get("is_removed", False), kw.get("is_settled", False))


def test_a_confirmed_date_inside_the_tbc_window_is_the_same_event() -> None:
    pairs = match(
        [stored("10 th EU-Serbia Joint Readmission Committee meeting", "Q1 2024 (tbc)", Q1)],
        [
            Incoming(
                "10th EU-Serbia Joint Readmission Committee meeting, Belgrade",
                "19 March 2024",
                MARCH_19,
            )
        ],
    )
    assert pairs == [(0, 0)]


def test_different_ordinals_are_different_meetings() -> None:
    pairs = match(
        [stored("10 th EU-Serbia Joint Readmission Committee meeting", "Q1 2024 (tbc)", Q1)],
        [Incoming("11 th EU-Serbia Joint Readmission Committee meeting", "March 2024", MARCH_19)],
    )
    assert pairs == []


def test_a_unique_title_can_move_to_another_date() -> None:
    pairs = match(
        [
            stored("High Level Migration Dialogue (tbc)", "March 2024", Q1),
            stored("Senior Officials meeting on migration (tbc)", "March 2024", Q1),
        ],
        [
            Incoming("Senior Officials meeting on migration (tbc)", "March 2024", Q1),
            Incoming("High Level Migration Dialogue (tbc)", "June 2024", JUNE),
        ],
    )
    assert sorted(pairs) == [(0, 1), (1, 0)]


def test_a_meeting_that_already_happened_does_not_move() -> None:
    past = (Window(dt.date(2023, 5, 15), dt.date(2023, 5, 15)),)
    pairs = match(
        [stored("EU-WB JHA SOM", "15 May 2023", past, is_settled=True)],
        [Incoming("EU-WB JHA SOM", "16 April 2024", MARCH_19)],
    )
    assert pairs == []


def test_a_title_seen_twice_is_not_guessed_across_dates() -> None:
    a = (Window(dt.date(2024, 5, 1), dt.date(2024, 5, 1)),)
    b = (Window(dt.date(2024, 9, 1), dt.date(2024, 9, 1)),)
    pairs = match(
        [
            stored("Steering Committee, Brussels", "1 May 2024", a),
            stored("Steering Committee, Brussels", "1 September 2024", b),
        ],
        [
            Incoming("Steering Committee, Brussels", "1 October 2024", JUNE),
            Incoming("Steering Committee, Brussels", "1 November 2024", JUNE),
        ],
    )
    assert pairs == []


def test_identical_rows_pair_in_order_and_active_events_first() -> None:
    pairs = match(
        [
            stored("Webinar", "1 May 2024", JUNE, is_removed=True),
            stored("Webinar", "1 May 2024", JUNE),
        ],
        [Incoming("Webinar", "1 May 2024", JUNE)],
    )
    assert pairs == [(1, 0)]


def test_a_reworded_title_with_the_same_dates_is_the_same_event() -> None:
    pairs = match(
        [
            stored(
                "Mission of DDG HOME to follow-up on the EU Action Plan on the Western Balkans",
                "6-7 February 2024",
                Q1,
            )
        ],
        [
            Incoming(
                "Mission of DDG HOME to follow up the EU Action Plan on the Western Balkans",
                "6-7 February 2024",
                Q1,
            )
        ],
    )
    assert pairs == [(0, 0)]


def test_settled_means_firm_and_over_before_the_note() -> None:
    note_date = dt.date(2024, 2, 6)
    assert is_settled(
        (Window(dt.date(2024, 1, 5), dt.date(2024, 1, 6)),),
        firm=True,
        note_date=note_date,
    )
    assert not is_settled(MARCH_19, firm=True, note_date=note_date)
    assert not is_settled(
        (Window(dt.date(2023, 1, 5), dt.date(2023, 1, 6)),), firm=False, note_date=note_date
    )


@pytest.mark.parametrize(
    "marker", ["(tbc)", "TBC", "(tbd)", "to be confirmed", "(To be determined)"]
)
def test_a_title_that_drops_its_tbc_marker_is_the_same_event(marker: str) -> None:
    # Every tbc word of a title (models.title.TBC_WORDS) is left out of the comparison.
    pairs = match([stored(f"JRC {marker}", "March 2024", Q1)], [Incoming("JRC", "March 2024", Q1)])
    assert pairs == [(0, 0)]

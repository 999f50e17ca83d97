"""A series' rhythm and state as of a date (docs/series.md, "Rhythm" and "State")."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Precision, Status
from models.rhythm import Meeting, RhythmSettings, SeriesState, meeting_date, rhythm
from models.window import Window

D = dt.date


def held(day: dt.date, number: int | None = None, status: Status = Status.CONFIRMED) -> Meeting:
    return Meeting(status, Precision.DAY, day, day, number)


#: A body that meets on 1 March every year: median 365, spread 0, so the next
#: meeting is expected 365 days after 1 March 2023 (29 February 2024, a leap
#: year) ± 91 days (a quarter of 365, rounded).
YEARLY = [held(D(2021, 3, 1)), held(D(2022, 3, 1)), held(D(2023, 3, 1))]


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2023, 11, 29), SeriesState.ON_TRACK),
        (D(2023, 11, 30), SeriesState.DUE),  # the window's first day
        (D(2024, 5, 30), SeriesState.DUE),  # the window's last day
        (D(2024, 5, 31), SeriesState.LATE),
        (D(2025, 5, 29), SeriesState.LATE),  # 364 days after the window
        (D(2025, 5, 30), SeriesState.STALLED),  # one median interval after it
    ],
)
def test_the_state_follows_the_expected_window(today: dt.date, state: SeriesState) -> None:
    result = rhythm(YEARLY, today=today)
    assert result.median_interval_days == 365
    assert result.spread_days == 0
    assert result.expected == Window(D(2023, 11, 30), D(2024, 5, 30))
    assert result.last_held == D(2023, 3, 1)
    assert result.state is state


def test_a_listed_next_meeting_makes_it_scheduled_even_when_tbc() -> None:
    next_one = Meeting(Status.TENTATIVE, Precision.QUARTER, D(2024, 10, 1), D(2024, 12, 31), 4)
    result = rhythm([*YEARLY, next_one], today=D(2024, 11, 1))
    assert result.state is SeriesState.SCHEDULED
    assert result.expected is None
    assert result.median_interval_days == 365


def test_a_tbc_window_that_passed_is_neither_held_nor_next() -> None:
    missed = Meeting(Status.TENTATIVE, Precision.MONTH, D(2024, 3, 1), D(2024, 3, 31), None)
    assert rhythm([*YEARLY, missed], today=D(2024, 6, 15)).state is SeriesState.LATE


def test_cancelled_and_postponed_meetings_do_not_count() -> None:
    off = [
        held(D(2024, 3, 1), status=Status.CANCELLED),
        Meeting(Status.POSTPONED, Precision.DAY, D(2024, 9, 1), D(2024, 9, 1), None),
    ]
    result = rhythm([*YEARLY, *off], today=D(2024, 6, 15))
    assert result.last_held == D(2023, 3, 1)
    assert result.state is SeriesState.LATE


def test_one_held_meeting_is_too_few_to_say() -> None:
    result = rhythm([held(D(2022, 5, 1), 3)], today=D(2024, 2, 6))
    assert result.state is SeriesState.IRREGULAR
    assert (result.median_interval_days, result.expected) == (None, None)


def test_an_uneven_rhythm_is_irregular() -> None:
    uneven = [held(D(2020, 1, 1)), held(D(2020, 2, 1)), held(D(2021, 6, 1)), held(D(2023, 1, 1))]
    result = rhythm(uneven, today=D(2024, 2, 6))
    # 31, 486 and 579 days: median 486, distances 455, 0, 93: spread 93 <= 243.
    assert (result.median_interval_days, result.spread_days) == (486, 93)
    assert result.state is not SeriesState.IRREGULAR
    assert rhythm(uneven, today=D(2024, 2, 6), settings=RhythmSettings(max_spread=0.1)).state is (
        SeriesState.IRREGULAR
    )


def test_the_interval_is_per_meeting_where_the_numbers_say_how_many() -> None:
    # The 10th in October 2019 and the 12th two years later: two yearly meetings.
    result = rhythm([held(D(2019, 10, 1), 10), held(D(2021, 10, 1), 12)], today=D(2022, 1, 1))
    assert result.median_interval_days == 366  # 731 days / 2
    assert result.gaps == (11,)


def test_a_meeting_listed_twice_counts_once() -> None:
    twice = [held(D(2021, 6, 9), 5), held(D(2022, 6, 22), 6), held(D(2022, 6, 22), None)]
    result = rhythm(twice, today=D(2023, 1, 1))
    assert result.median_interval_days == 378


def test_the_moldova_jrc_of_the_sample_has_stalled() -> None:
    # docs/series.md's example: the 10th and 11th, nothing since.
    result = rhythm([held(D(2019, 10, 15), 10), held(D(2020, 11, 18), 11)], today=D(2024, 2, 6))
    assert result.median_interval_days == 400
    assert result.expected == Window(D(2021, 9, 14), D(2022, 4, 2))
    assert result.state is SeriesState.STALLED


def test_a_coarse_date_counts_at_its_middle() -> None:
    autumn = Window(D(2020, 9, 1), D(2020, 11, 30))
    assert meeting_date(Precision.SEASON, autumn) == D(2020, 10, 16)
    assert meeting_date(Precision.DAYS, Window(D(2023, 3, 6), D(2023, 3, 7))) == D(2023, 3, 6)

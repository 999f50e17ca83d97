"""The date-cell parser: every form the note uses, new wordings, and its properties."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from calendar_svc.ingest.dates import (
    MAX_DATE_CELL,
    Marker,
    _covered_by_finer,
    parse_date_cell,
    repair_ocr,
)
from models import Precision
from models.window import Window, format_window

D = dt.date
P = Precision


def w(start: str, end: str | None = None) -> Window:
    return Window(D.fromisoformat(start), D.fromisoformat(end or start))


# (cell, windows, precision, markers, location), read off docs/dates.md by hand.
FORMS = [
    ("12 March 2024", [w("2024-03-12")], P.DAY, set(), None),
    ("06 May, 2023", [w("2023-05-06")], P.DAY, set(), None),
    ("24/01/2023", [w("2023-01-24")], P.DAY, set(), None),
    ("9 – 10 June 2021", [w("2021-06-09", "2021-06-10")], P.DAYS, set(), None),
    ("20 /21 May 2021", [w("2021-05-20", "2021-05-21")], P.DAYS, set(), None),
    ("28/29 August 2019", [w("2019-08-28", "2019-08-29")], P.DAYS, set(), None),
    ("17- 22 June 2021", [w("2021-06-17", "2021-06-22")], P.DAYS, set(), None),
    ("23 -24 November 2020", [w("2020-11-23", "2020-11-24")], P.DAYS, set(), None),
    ("29-30/03/2023", [w("2023-03-29", "2023-03-30")], P.DAYS, set(), None),
    ("21-22/06/2023", [w("2023-06-21", "2023-06-22")], P.DAYS, set(), None),
    ("27 August – 2 September 2021", [w("2021-08-27", "2021-09-02")], P.DAYS, set(), None),
    ("30 January -2 February 2023", [w("2023-01-30", "2023-02-02")], P.DAYS, set(), None),
    ("31 January- 1 February 2023", [w("2023-01-31", "2023-02-01")], P.DAYS, set(), None),
    (
        "05 January, 24 February, 17 March, 22 May 2023",
        [w("2023-01-05"), w("2023-02-24"), w("2023-03-17"), w("2023-05-22")],
        P.DAY,
        set(),
        None,
    ),
    (
        "7 July and 13-14 October 2021",
        [w("2021-07-07"), w("2021-10-13", "2021-10-14")],
        P.DAYS,
        set(),
        None,
    ),
    ("04 March 2021 15 April 2021", [w("2021-03-04"), w("2021-04-15")], P.DAY, set(), None),
    ("3 and 10 December 2020", [w("2020-12-03"), w("2020-12-10")], P.DAY, set(), None),
    ("17 and 18 March 2021", [w("2021-03-17", "2021-03-18")], P.DAYS, set(), None),
    (
        "7 and 9 December 2022 December, 8 January, 8 March 2023",
        [w("2022-12-07"), w("2022-12-09"), w("2023-01-08"), w("2023-03-08")],
        P.DAY,
        set(),
        None,
    ),
    (
        "5-6 16-17 March 2023 (Stockholm)",
        [w("2023-03-05", "2023-03-06"), w("2023-03-16", "2023-03-17")],
        P.DAYS,
        set(),
        "Stockholm",
    ),
    (
        "30 November or 1 December 2023",
        [w("2023-11-30", "2023-12-01")],
        P.DAYS,
        {Marker.ALTERNATIVES},
        None,
    ),
    ("March 2024", [w("2024-03-01", "2024-03-31")], P.MONTH, set(), None),
    ("February 2024 (TBC)", [w("2024-02-01", "2024-02-29")], P.MONTH, {Marker.TBC}, None),
    ("April/May 2024 (TBC)", [w("2024-04-01", "2024-05-31")], P.MONTHS, {Marker.TBC}, None),
    ("May-June 2024", [w("2024-05-01", "2024-06-30")], P.MONTHS, set(), None),
    ("Q1 2024 (tbc)", [w("2024-01-01", "2024-03-31")], P.QUARTER, {Marker.TBC}, None),
    ("Q1/Q2 2024 (tbc)", [w("2024-01-01", "2024-06-30")], P.QUARTERS, {Marker.TBC}, None),
    ("Q3/Q4 2024 (tbc)", [w("2024-07-01", "2024-12-31")], P.QUARTERS, {Marker.TBC}, None),
    ("Last quarter 2023", [w("2023-10-01", "2023-12-31")], P.QUARTER, set(), None),
    ("1 st Semester 2024 TBC", [w("2024-01-01", "2024-06-30")], P.HALF, {Marker.TBC}, None),
    ("second half of 2024", [w("2024-07-01", "2024-12-31")], P.HALF, set(), None),
    ("Autumn 2020", [w("2020-09-01", "2020-11-30")], P.SEASON, set(), None),
    ("Fall 2022 (tbc)", [w("2022-09-01", "2022-11-30")], P.SEASON, {Marker.TBC}, None),
    ("Winter 2024", [w("2024-12-01", "2025-02-28")], P.SEASON, set(), None),
    ("2023 (tbc)", [w("2023-01-01", "2023-12-31")], P.YEAR, {Marker.TBC}, None),
    ("2022 – TBC", [w("2022-01-01", "2022-12-31")], P.YEAR, {Marker.TBC}, None),
    (
        "December 2022 – February 2023",
        [w("2022-12-01", "2023-02-28")],
        P.RANGE,
        set(),
        None,
    ),
    ("Q1 2023-Q1 2024", [w("2023-01-01", "2024-03-31")], P.RANGE, set(), None),
    ("23 April (TBC) 2024", [w("2024-04-23")], P.DAY, {Marker.TBC}, None),
    (
        "March 2020-cancelled, new date tbc",
        [w("2020-03-01", "2020-03-31")],
        P.MONTH,
        {Marker.CANCELLED, Marker.TBC},
        None,
    ),
    ("7-8 February 2024, Nairobi", [w("2024-02-07", "2024-02-08")], P.DAYS, set(), "Nairobi"),
    ("12 October 2021 (VTC)", [w("2021-10-12")], P.DAY, set(), "VTC"),
    ("15 - 16 March 2023, Berlin.", [w("2023-03-15", "2023-03-16")], P.DAYS, set(), "Berlin"),
    ("16 December 2021, Washington D.C", [w("2021-12-16")], P.DAY, set(), "Washington D.C"),
    ("February 2023, Dakar tbc", [w("2023-02-01", "2023-02-28")], P.MONTH, {Marker.TBC}, "Dakar"),
    ("13-14 November 2023 (DC)", [w("2023-11-13", "2023-11-14")], P.DAYS, set(), "DC"),
    # Wordings the sample does not use but other versions may.
    ("March 15, 2024", [w("2024-03-15")], P.DAY, set(), None),
    ("2024-03-12", [w("2024-03-12")], P.DAY, set(), None),
    ("30 December 2023 - 2 January 2024", [w("2023-12-30", "2024-01-02")], P.DAYS, set(), None),
    ("early 2025", [w("2025-01-01", "2025-06-30")], P.HALF, set(), None),
    ("mid-2024", [w("2024-04-01", "2024-09-30")], P.QUARTERS, set(), None),
    ("end of 2024", [w("2024-07-01", "2024-12-31")], P.HALF, set(), None),
    ("Q2 2024 to be confirmed", [w("2024-04-01", "2024-06-30")], P.QUARTER, {Marker.TBC}, None),
    ("18 June 2024 (postponed)", [w("2024-06-18")], P.DAY, {Marker.POSTPONED}, None),
    ("between 3 and 5 July 2024", [w("2024-07-03", "2024-07-05")], P.DAYS, set(), None),
    ("March or April 2024", [w("2024-03-01", "2024-04-30")], P.MONTHS, {Marker.ALTERNATIVES}, None),
]


@pytest.mark.parametrize(("text", "windows", "precision", "markers", "location"), FORMS)
def test_reads_each_form_of_the_note(
    text: str,
    windows: list[Window],
    precision: Precision,
    markers: set[Marker],
    location: str | None,
) -> None:
    cell = parse_date_cell(text)
    assert list(cell.windows) == windows
    assert cell.precision is precision
    assert set(cell.markers) == markers
    assert cell.location == location
    assert cell.problem is None


@pytest.mark.parametrize(
    ("text", "default_year", "windows", "precision"),
    [
        ("13 March", 2023, [w("2023-03-13")], P.DAY),
        ("2-3 May", 2023, [w("2023-05-02", "2023-05-03")], P.DAYS),
        ("3-4 November", 2022, [w("2022-11-03", "2022-11-04")], P.DAYS),
        ("March/April (tbc)", 2024, [w("2024-03-01", "2024-04-30")], P.MONTHS),
        ("December, 8 January", 2024, [w("2023-12-01", "2023-12-31"), w("2024-01-08")], P.MONTH),
    ],
)
def test_a_cell_without_a_year_needs_one_and_takes_the_one_given(
    text: str, default_year: int, windows: list[Window], precision: Precision
) -> None:
    alone = parse_date_cell(text)
    assert alone.needs_year
    assert alone.windows == ()
    cell = parse_date_cell(text, default_year=default_year)
    assert not cell.needs_year
    assert list(cell.windows) == windows
    assert cell.precision is precision


@pytest.mark.parametrize(
    ("text", "markers", "problem"),
    [
        ("tbc", {Marker.TBC}, "no date found"),
        ("date to be agreed with the partners", {Marker.TBC}, "no date found"),
        ("", set(), "no date found"),
        ("Ministerial in Rabat", set(), "no date found"),
        ("31 February 2024", set(), "not a calendar date"),
        ("10-5 March 2024", set(), "ends before it starts"),
    ],
)
def test_an_unreadable_cell_is_unknown_with_a_reason(
    text: str, markers: set[Marker], problem: str
) -> None:
    cell = parse_date_cell(text)
    assert cell.precision is P.UNKNOWN
    assert cell.windows == ()
    assert set(cell.markers) == markers
    assert cell.problem is not None
    assert problem in cell.problem


@given(st.text(max_size=80), st.one_of(st.none(), st.integers(min_value=1, max_value=9999)))
@example("5-6 16-17 March 2023 (Stockholm)", None)
@example("Winter 9999", None)
@example("December, 8 January 1", None)
def test_never_raises_and_every_window_is_ordered(text: str, default_year: int | None) -> None:
    cell = parse_date_cell(text, default_year=default_year)
    assert all(window.start <= window.end for window in cell.windows)
    assert (cell.precision is P.UNKNOWN) == (not cell.windows)


NOTE_WORDS = st.sampled_from(
    ["January", "May", "Dec", "2024", "1999", "tbc", "or", "and", "Autumn", "Q3", "/", "-", ",",
     "semester", "1 st", "last quarter", "(VTC)", "31", "29", "February", "early", "2023-2024"]
)  # fmt: skip


@given(st.lists(NOTE_WORDS, max_size=10).map(" ".join))
def test_note_like_gibberish_never_raises(text: str) -> None:
    cell = parse_date_cell(text)
    assert all(window.start <= window.end for window in cell.windows)


YEARS = st.integers(min_value=1990, max_value=2090)


def _month_end(year: int, month: int) -> D:
    return D(year, month, calendar.monthrange(year, month)[1])


@st.composite
def windows_with_precision(draw: st.DrawFn) -> tuple[Window, Precision]:
    precision = draw(st.sampled_from([p for p in Precision if p is not P.UNKNOWN]))
    year = draw(YEARS)
    if precision in (P.DAY, P.DAYS):
        start = draw(st.dates(D(1990, 1, 1), D(2090, 12, 31)))
        if precision is P.DAY:
            return Window(start, start), precision
        return Window(start, start + dt.timedelta(days=draw(st.integers(1, 40)))), precision
    if precision in (P.MONTH, P.MONTHS):
        first = draw(st.integers(1, 12 if precision is P.MONTH else 11))
        last = first if precision is P.MONTH else draw(st.integers(first + 1, 12))
        return Window(D(year, first, 1), _month_end(year, last)), precision
    if precision in (P.QUARTER, P.QUARTERS):
        first = draw(st.integers(1, 4 if precision is P.QUARTER else 3))
        last = first if precision is P.QUARTER else draw(st.integers(first + 1, 4))
        return Window(D(year, 3 * first - 2, 1), _month_end(year, 3 * last)), precision
    if precision is P.HALF:
        first = draw(st.sampled_from([1, 7]))
        return Window(D(year, first, 1), _month_end(year, first + 5)), precision
    if precision is P.SEASON:
        month = draw(st.sampled_from([3, 6, 9, 12]))
        end = _month_end(year + 1, 2) if month == 12 else _month_end(year, month + 2)
        return Window(D(year, month, 1), end), precision
    if precision is P.YEAR:
        return Window(D(year, 1, 1), D(year, 12, 31)), precision
    # A range crosses a year end, at month or quarter grain.
    grain = draw(st.sampled_from(["month", "quarter", "year"]))
    end_year = year + draw(st.integers(1, 3))
    if grain == "year":
        return Window(D(year, 1, 1), D(end_year, 12, 31)), precision
    if grain == "quarter":
        q1, q2 = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        return Window(D(year, 3 * q1 - 2, 1), _month_end(end_year, 3 * q2)), precision
    m1, m2 = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    return Window(D(year, m1, 1), _month_end(end_year, m2)), precision


@given(windows_with_precision())
def test_a_formatted_window_reads_back_as_the_same_window(case: tuple[Window, Precision]) -> None:
    window, precision = case
    text = format_window(window, precision)
    cell = parse_date_cell(text)
    assert cell.windows == (window,), text
    assert cell.precision is precision, text


# Finding 8: the parser could be made to fail (RecursionError) or crawl (every
# item compared with every other). No test here times anything: bench/dates.py
# measures the growth; these check the results and the refusals.

RECURSION_CELL = "early " * 2000 + "2024"
YEARS_CELL = "2024, " * 4000


def test_issue_8_a_chain_of_modifiers_is_read_without_recursion() -> None:
    """Two thousand "early" (and ten times more) read in a loop: no RecursionError."""
    for text in (RECURSION_CELL, "early " * 20_000 + "2024"):
        cell = parse_date_cell(text, max_length=None)
        assert cell.windows == (w("2024-01-01", "2024-06-30"),)
        assert cell.precision is P.HALF


@pytest.mark.parametrize(
    ("text", "window", "precision"),
    [
        # Of several modifiers the nearest to the date decides, as before.
        ("early late 2024", w("2024-07-01", "2024-12-31"), P.HALF),
        ("late early 2024", w("2024-01-01", "2024-06-30"), P.HALF),
        ("early-mid 2024", w("2024-04-01", "2024-09-30"), P.QUARTERS),
        ("end of the early 2024", w("2024-01-01", "2024-06-30"), P.HALF),
        ("early early March 2024", w("2024-03-01", "2024-03-31"), P.MONTH),
    ],
)
def test_issue_8_chained_modifiers_read_as_before(
    text: str, window: Window, precision: Precision
) -> None:
    cell = parse_date_cell(text)
    assert cell.windows == (window,)
    assert cell.precision is precision


def test_issue_8_modifiers_with_nothing_to_modify_are_skipped() -> None:
    assert parse_date_cell("early " * 30 + "tbc").problem == "no date found"
    cell = parse_date_cell("early late, 5 May 2023")
    assert cell.windows == (w("2023-05-05"),)


def test_issue_8_a_long_list_of_years_reads_every_item() -> None:
    """The "2024, " list that took seconds: every item read, none dropped."""
    cell = parse_date_cell(YEARS_CELL, max_length=None)
    assert cell.windows == (w("2024-01-01", "2024-12-31"),) * 4000
    assert cell.precision is P.YEAR


@pytest.mark.parametrize("text", [RECURSION_CELL, YEARS_CELL, "5 May 2024, " * 17 + "x"])
def test_issue_8_a_cell_longer_than_the_limit_is_not_read(text: str) -> None:
    """Longer than MAX_DATE_CELL: unread, with a problem saying how long it is."""
    cell = parse_date_cell(text)
    assert len(text) > MAX_DATE_CELL
    assert (cell.windows, cell.precision) == ((), P.UNKNOWN)
    assert cell.problem == (
        f"the cell is {len(text):,} characters long; a date cell has at most {MAX_DATE_CELL}"
    )


def test_the_longest_date_cell_of_the_sample_is_well_within_the_limit() -> None:
    longest = "7 and 9 December 2022 December, 8 January, 8 March 2023"
    assert len(longest) * 3 < MAX_DATE_CELL
    assert len(parse_date_cell(longest).windows) == 4


@pytest.mark.parametrize(
    ("text", "default_year", "problem"),
    [
        ("December, 8 January 1900", None, "1899-12-01 is outside"),
        ("13 March", 1899, "1899-03-13 is outside"),
        ("Winter", 2100, "2101-02-28 is outside"),
        ("Q4", 2101, "2101-10-01 is outside"),
    ],
)
def test_issue_3_a_date_outside_the_bounds_is_unreadable(
    text: str, default_year: int | None, problem: str
) -> None:
    """Outside 1900-2100 (models.window.BOUNDS): unknown, no windows, the bounds named."""
    cell = parse_date_cell(text, default_year=default_year)
    assert (cell.windows, cell.precision) == ((), P.UNKNOWN)
    assert cell.problem is not None
    assert cell.problem.startswith(problem)
    assert cell.problem.endswith("(1900-01-01 to 2100-12-31)")


def test_the_bounds_keep_the_note_s_extremes() -> None:
    assert parse_date_cell("January 1900").windows == (w("1900-01-01", "1900-01-31"),)
    assert parse_date_cell("Winter 2099").windows == (w("2099-12-01", "2100-02-28"),)


@given(
    st.lists(
        st.tuples(st.dates(D(2020, 1, 1), D(2020, 3, 31)), st.integers(0, 40), st.integers(0, 9)),
        max_size=12,
    )
)
def test_coarse_items_dropped_are_those_a_finer_item_lies_within(
    items: list[tuple[D, int, int]],
) -> None:
    """The sweep finds what comparing every pair found (docs/dates.md, "Lists")."""
    windows = [Window(start, start + dt.timedelta(days=days)) for start, days, _ in items]
    ranks = [rank for _, _, rank in items]
    pairwise = [
        any(
            ranks[j] < ranks[i]
            and windows[i].start <= windows[j].start
            and windows[j].end <= windows[i].end
            for j in range(len(windows))
        )
        for i in range(len(windows))
    ]
    assert _covered_by_finer(windows, ranks) == pairwise


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("2O24", "2024"),
        ("l2 March 2O23", "12 March 2023"),
        ("I0-l1 October 2019", "10-11 October 2019"),
        ("3|4 May", "314 May"),  # a bar between digits is a 1, even where a dash was meant
        ("QI 2024 (tbc)", "Q1 2024 (tbc)"),
        ("Ju1y 2022", "July 2022"),
        ("N0vember 2020", "November 2020"),
        ("Septernber 2023", "September 2023"),
        ("DECEMBFR 2021", "DECEMBER 2021"),
    ],
)
def test_ocr_slips_in_a_date_cell_are_mended_where_only_one_reading_fits(
    read: str, meant: str
) -> None:
    assert repair_ocr(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "Oslo, 10 June 2024",  # O and l in a word are letters
        "Il-Nov 2024",  # no digit: not taken for a number
        "Jule 2024",  # one letter from June and from July: ambiguous
        "tbc, Autumn 2024 (Lisbon)",
        "Q1 2024 - Q2 2024",
        "Mid-2024",
    ],
)
def test_what_ocr_may_have_read_right_is_left_alone(text: str) -> None:
    assert repair_ocr(text) == text

"""Reading one date cell of the note: windows, precision, markers, location.

The rules are in ``docs/dates.md``. :func:`parse_date_cell` never raises: a
cell it cannot read comes back with precision ``unknown``, no windows and a
``problem`` saying why, so the import can keep and report it. That includes a
cell longer than :data:`MAX_DATE_CELL` and one whose dates fall outside
:data:`models.window.BOUNDS`.

The parser is bounded (``docs/dates.md``, "Limits"): it has no recursion, and
its time grows linearly with the cell's length (one pass over the tokens, and
one sort of the windows, linear for the note's chronological lists);
``bench/dates.py`` measures it on hostile cells.

>>> cell = parse_date_cell("Q1/Q2 2024 (tbc)")
>>> cell.windows, cell.precision.value, sorted(m.value for m in cell.markers)
((Window(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 6, 30)),), 'quarters', ['tbc'])
>>> parse_date_cell("7-8 February 2024, Nairobi").location
'Nairobi'
>>> parse_date_cell("13 March").needs_year
True
>>> parse_date_cell("13 March", default_year=2023).windows[0].start
datetime.date(2023, 3, 13)
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from models import Precision
from models.title import TBC_WORDS
from models.window import MONTH_NAMES, Window, month_end, out_of_bounds

#: The longest date cell read, in characters: the sample note's longest is 55
#: ("7 and 9 December 2022 December, 8 January, 8 March 2023"). A longer one is
#: not a date but a row whose TABs were lost, or a hostile file; it also keeps
#: a cell's place (at most this long) within the 200 characters stored.
MAX_DATE_CELL = 200


class Marker(StrEnum):
    """Facts about the status that a date cell states besides its dates."""

    TBC = "tbc"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    #: "30 November or 1 December 2023": one of several dates, so not firm.
    ALTERNATIVES = "alternatives"


@dataclass(frozen=True)
class DateCell:
    """What a date cell says.

    ``needs_year`` is true when the cell gives no year and none was passed as
    ``default_year``; the windows are then empty until a year is supplied.
    """

    windows: tuple[Window, ...]
    precision: Precision
    markers: frozenset[Marker] = frozenset()
    location: str | None = None
    needs_year: bool = False
    problem: str | None = None


# Finest first; a list's precision is its coarsest item's.
PRECISION_ORDER = (
    Precision.DAY,
    Precision.DAYS,
    Precision.MONTH,
    Precision.MONTHS,
    Precision.QUARTER,
    Precision.QUARTERS,
    Precision.HALF,
    Precision.SEASON,
    Precision.YEAR,
    Precision.RANGE,
)

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

SEASONS = {"spring": 1, "summer": 2, "autumn": 3, "fall": 3, "winter": 4}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
ORDINALS |= {"fourth": 4, "4th": 4, "last": 4, "final": 4}

#: A date cell says tbc in the words a title does, and in a few of its own.
_TBC = rf"{TBC_WORDS}|tba|to\s+be\s+(?:defined|decided|agreed)|provisional(?:ly)?"
_MARKER_PATTERNS = (
    (Marker.CANCELLED, re.compile(r"\(?\s*\b(?:cancel+(?:ed|lation)?)\b\s*\)?", re.I)),
    (Marker.POSTPONED, re.compile(r"\(?\s*\bpostpone[ds]?\b\s*\)?", re.I)),
    (Marker.TBC, re.compile(rf"\(?\s*\b(?:new\s+date\s+)?(?:{_TBC})\b\s*\)?", re.I)),
)
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
# 24/01/2023, 29-30/03/2023, 24.01.2023: rewritten as "24 January 2023" first.
_NUMERIC_DATE = re.compile(
    r"\b(\d{1,2})(?:\s*-\s*(\d{1,2}))?\s*([./])\s*(\d{1,2})\s*\3\s*((?:19|20)\d{2})\b"
)
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_ORDINAL_GAP = re.compile(r"\b(\d{1,2})\s+(st|nd|rd|th)\b", re.I)
_PARENS = re.compile(r"\(([^()]*)\)")

_TOKEN = re.compile(
    r"""
    (?P<year>\b(?:19|20)\d{2}\b)
  | (?P<num>\b\d{1,2}(?:st|nd|rd|th)?\b)
  | (?P<quarter>\bq[1-4]\b)
  | (?P<halfcode>\b[hs][12]\b)
  | (?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?)
  | (?P<range>-|\bto\b|\buntil\b|\btill\b|\bthrough\b)
  | (?P<slash>/)
  | (?P<list>[,;&+])
  | (?P<other>\S)
    """,
    re.X | re.I,
)
_MODIFIERS = frozenset({"early", "beginning", "start", "mid", "middle", "late", "end"})
_CONNECTOR_WORDS = frozenset({"and", "or", "of", "the", "from", "between", "in", "on", "at"})
_DATE_WORDS = (
    frozenset(MONTHS)
    | frozenset(SEASONS)
    | frozenset(ORDINALS)
    | {
        "quarter",
        "semester",
        "half",
        "early",
        "beginning",
        "start",
        "mid",
        "middle",
        "late",
        "end",
    }
)


class _Token(NamedTuple):
    """A token of the cell. A tuple of strings and numbers, which the garbage
    collector stops tracking: a long cell's tokens cost it nothing."""

    kind: str
    text: str
    start: int
    end: int


@dataclass
class _Point:
    """A partly known date: a day, or a month/quarter/half/season/year."""

    unit: str  # day | month | quarter | half | season | year | midyear
    day: int | None = None
    month: int | None = None
    value: int | None = None  # quarter, half or season number
    year: int | None = None

    def window(self) -> Window:
        assert self.year is not None
        y = self.year
        if self.unit == "day":
            assert self.month is not None
            assert self.day is not None
            day = dt.date(y, self.month, self.day)
            return Window(day, day)
        if self.unit == "month":
            assert self.month is not None
            return Window(dt.date(y, self.month, 1), month_end(y, self.month))
        if self.unit == "quarter":
            assert self.value is not None
            first = 3 * self.value - 2
            return Window(dt.date(y, first, 1), month_end(y, first + 2))
        if self.unit == "half":
            first = 1 if self.value == 1 else 7
            return Window(dt.date(y, first, 1), month_end(y, first + 5))
        if self.unit == "season":
            if self.value == 4:
                return Window(dt.date(y, 12, 1), month_end(y + 1, 2))
            assert self.value is not None
            first = 3 * self.value
            return Window(dt.date(y, first, 1), month_end(y, first + 2))
        if self.unit == "midyear":
            return Window(dt.date(y, 4, 1), dt.date(y, 9, 30))
        return Window(dt.date(y, 1, 1), dt.date(y, 12, 31))

    @property
    def precision(self) -> Precision:
        return {
            "day": Precision.DAY,
            "month": Precision.MONTH,
            "quarter": Precision.QUARTER,
            "half": Precision.HALF,
            "season": Precision.SEASON,
            "year": Precision.YEAR,
            "midyear": Precision.QUARTERS,
        }[self.unit]


@dataclass
class _Item:
    """A point, or a span ``first - last`` of two points."""

    first: _Point
    last: _Point | None = None
    points: list[_Point] = field(init=False)

    def __post_init__(self) -> None:
        self.points = [self.first] if self.last is None else [self.first, self.last]

    def window(self) -> Window:
        if self.last is None:
            return self.first.window()
        start = self.first.window().start
        end = self.last.window().end
        if end < start:
            raise ValueError("the span ends before it starts")
        return Window(start, end)

    @property
    def precision(self) -> Precision:
        if self.last is None:
            return self.first.precision
        return _span_precision(self.first, self.last)


def parse_date_cell(
    text: str, *, default_year: int | None = None, max_length: int | None = MAX_DATE_CELL
) -> DateCell:
    """Read a date cell of the note.

    Args:
        text: the cell as written ("Q1 2024 (tbc)", "7-8 February 2024, Nairobi").
        default_year: the year for a cell that gives none (inferred by the caller
            from neighbouring rows); without it such a cell has ``needs_year``.
        max_length: a longer cell is not read (None: any length, for the benchmark
            of the parser itself).

    Returns:
        The windows, precision, markers and location; precision ``unknown`` with
        a ``problem`` when no date can be read, when the cell is longer than
        ``max_length``, or when a date lies outside :data:`models.window.BOUNDS`.

    >>> parse_date_cell("2024, " * 40).problem
    'the cell is 240 characters long; a date cell has at most 200'
    >>> parse_date_cell("December, 8 January 1900").problem
    '1899-12-01 is outside the dates calendar-svc keeps (1900-01-01 to 2100-12-31)'
    """
    if max_length is not None and len(text) > max_length:
        return DateCell(
            (),
            Precision.UNKNOWN,
            problem=f"the cell is {len(text):,} characters long;"
            f" a date cell has at most {max_length:,}",
        )
    cleaned = _normalise(text)
    markers: set[Marker] = set()
    for marker, pattern in _MARKER_PATTERNS:
        cleaned, count = pattern.subn(" ", cleaned)
        if count:
            markers.add(marker)
    cleaned, location = _take_parenthesised_place(cleaned)
    tokens = [
        _Token(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(cleaned)
    ]
    items, connectors, used = _read_items(tokens)
    if not items:
        return DateCell(
            (), Precision.UNKNOWN, frozenset(markers), location, problem="no date found"
        )
    location = location or _trailing_place(cleaned, tokens, used)
    if "or" in connectors:
        markers.add(Marker.ALTERNATIVES)
    if not _fill_missing(items, default_year):
        return DateCell((), Precision.UNKNOWN, frozenset(markers), location, needs_year=True)
    try:
        windows = [item.window() for item in items]
    except ValueError as exc:
        problem = str(exc) if "span" in str(exc) else f"not a calendar date ({exc})"
        return DateCell((), Precision.UNKNOWN, frozenset(markers), location, problem=problem)
    for window in windows:
        if outside := out_of_bounds(window):
            return DateCell((), Precision.UNKNOWN, frozenset(markers), location, problem=outside)
    precisions = [item.precision for item in items]
    if Marker.ALTERNATIVES in markers:
        hull = Window(min(w.start for w in windows), max(w.end for w in windows))
        firsts = [i.first for i in items]
        lasts = [i.last or i.first for i in items]
        precision = _span_precision(min(firsts, key=_sort_key), max(lasts, key=_sort_key))
        if precision is Precision.DAY and hull.start != hull.end:
            precision = Precision.DAYS
        return DateCell((hull,), precision, frozenset(markers), location)
    windows, precisions = _tidy_list(windows, precisions)
    return DateCell(
        tuple(windows), max(precisions, key=PRECISION_ORDER.index), frozenset(markers), location
    )


def repair_ocr(text: str) -> str:
    """Mend OCR's slips in a date cell where only one reading makes sense.

    Letters among digits become digits (O and o as 0; I, l and | as 1), digits
    in a month's name become letters, "rn" in one is "m", "Ql" is Q1, and a
    word one letter away from exactly one month's full name becomes that
    month. Then, around months: a lone I, l, | or J before one is 1, a digit
    glued to one is parted from it, and a dash with nothing after it goes; a
    tilde between two numbers is the dash it was, and "(tbe)" is (tbc).

    >>> repair_ocr("l5 Ju1y 2O24")
    '15 July 2024'
    >>> repair_ocr("Ql 2024 (tbe)")
    'Q1 2024 (tbc)'
    >>> repair_ocr("Jaly 2023, 0ctober 2023")
    'July 2023, October 2023'
    >>> repair_ocr("25 ~ 28 May, J December, 1July, 30 November orl December")
    '25-28 May, 1 December, 1 July, 30 November or 1 December'
    >>> repair_ocr("Oslo, 10 June 2024")
    'Oslo, 10 June 2024'
    """
    text = _QUARTER_MISREAD.sub(r"\g<1>1", text)
    text = _DIGITS_MISREAD.sub(lambda m: m.group().translate(_AS_DIGITS), text)
    text = _WORD.sub(_month_repaired, text)
    text = _TBC_MISREAD.sub(lambda m: "(TBC)" if m.group(1).isupper() else "(tbc)", text)
    for pattern, replacement in _AROUND_MONTHS:
        text = pattern.sub(replacement, text)
    return text


def _month_repaired(m: re.Match[str]) -> str:
    word = m.group()
    if word[0].isdigit() and word[1:].lower() in MONTHS:
        return word  # a day glued to its month: parted below
    lower = word.lower().translate(_AS_LETTERS)
    if lower.replace("rn", "m") in MONTHS:  # "rn" for "m", OCR's classic
        lower = lower.replace("rn", "m")
    if lower in MONTHS or not lower.isalpha():
        return _cased(lower, word) if lower in MONTHS else word
    if len(lower) < 4 or lower in _DATE_WORDS:
        return word
    close = [name for name in _FULL_MONTHS if Levenshtein.distance(lower, name) == 1]
    return _cased(close[0], word) if len(close) == 1 else word


def _cased(name: str, like: str) -> str:
    if like.isupper():
        return name.upper()
    return name.capitalize() if like[:1].isupper() or like[:1].isdigit() else name


_AS_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_AS_LETTERS = str.maketrans({"0": "o", "1": "l"})
#: A run of digits and the letters OCR takes them for, with at least one true digit.
_DIGITS_MISREAD = re.compile(r"(?<![^\W\d_])(?=[\dOoIl|]*\d)[\dOoIl|]{2,}(?![^\W\d_])")
_QUARTER_MISREAD = re.compile(r"\b([Qq])[lIi|](?=\s|$|\W)")
#: A parenthesised word one letter from "tbc", its last or first letter misread.
_TBC_MISREAD = re.compile(r"\(((?:tb[eoa]|[il]bc|TB[EO]|[IL]BC))\)")
_MONTH_AHEAD = (
    r"(?=\s*(?i:january|february|march|april|may|june|july|august|september|october"
    r"|november|december)\b)"
)
_AROUND_MONTHS = (
    (re.compile(rf"(?<![^\W\d_])[IlJ|] {_MONTH_AHEAD}"), "1 "),
    (re.compile(rf"\b(and|or)[lI|] {_MONTH_AHEAD}"), r"\1 1 "),
    (re.compile(rf"(\d)(?=[A-Za-z]){_MONTH_AHEAD}"), r"\1 "),
    (re.compile(rf"(\d)-\s+{_MONTH_AHEAD}"), r"\1 "),
    (re.compile(r"\b(and|or)-(?=\d)"), r"\1 "),
    (re.compile(r"(?<=\d)\s*~\s*(?=\d)"), "-"),
)
_WORD = re.compile(r"[^\W_]{3,}")
_FULL_MONTHS = tuple(name for name in MONTHS if len(name) > 3)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = _NUMERIC_DATE.sub(_numeric_to_words, text)
    text = _ISO_DATE.sub(_iso_to_words, text)
    text = _ORDINAL_GAP.sub(r"\1\2", text)  # "1 st Semester" -> "1st Semester"
    return " ".join(text.split())


def _numeric_to_words(m: re.Match[str]) -> str:
    month = int(m.group(4))
    if not 1 <= month <= 12:
        return m.group(0)
    days = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
    return f"{days} {MONTH_NAMES[month]} {m.group(5)}"


def _iso_to_words(m: re.Match[str]) -> str:
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return m.group(0)
    return f"{int(m.group(3))} {MONTH_NAMES[month]} {m.group(1)}"


def _take_parenthesised_place(text: str) -> tuple[str, str | None]:
    """Remove "(Stockholm)"-style groups that hold no date; return the first as the place."""
    place: str | None = None

    def replace_group(m: re.Match[str]) -> str:
        nonlocal place
        inner = m.group(1).strip()
        words = {t.group().lower() for t in _TOKEN.finditer(inner) if t.lastgroup == "word"}
        has_date = any(
            t.lastgroup in {"year", "num", "quarter", "halfcode"} for t in _TOKEN.finditer(inner)
        )
        if has_date or words & _DATE_WORDS:
            return f" {inner} "
        if words and place is None:
            place = _clean_place(inner)
        return " "

    return _PARENS.sub(replace_group, text), place


def _trailing_place(text: str, tokens: list[_Token], used: set[int]) -> str | None:
    """The words after the last date token ("…2024, Nairobi"), if any."""
    last_used = max(used)
    rest = tokens[last_used + 1 :]
    words = [t for t in rest if t.kind == "word" and t.text.lower() not in _CONNECTOR_WORDS]
    if not words:
        return None
    return _clean_place(text[words[0].start :])


def _clean_place(text: str) -> str | None:
    place = text.strip(" ,;:.-/")
    return place or None


def _read_items(tokens: list[_Token]) -> tuple[list[_Item], list[str], set[int]]:
    """Group tokens into items (points or spans) and the connectors between them.

    Returns the items, the connector before each item after the first ("list"
    or "or"), and the indexes of the tokens that were read as dates.
    """
    items: list[_Item] = []
    connectors: list[str] = []
    used: set[int] = set()
    pending: str | None = None
    between = False
    i = 0
    while i < len(tokens):
        point, i_next = _read_point(tokens, i)
        if point is None:
            # Every token up to i_next is read as a connector or skipped: none
            # of them starts a point (see _read_point).
            for token in tokens[i:i_next]:
                kind, word = token.kind, token.text.lower()
                if kind == "list" or word == "and":
                    pending = "range" if between and word == "and" else (pending or "list")
                    between = False
                elif word == "or":
                    pending = "or"
                elif word == "between":
                    between = True
                elif kind in {"range", "slash"} and items:
                    pending = "range"
            i = i_next
            continue
        used.update(range(i, i_next))
        if pending == "range" and items and items[-1].last is None:
            items[-1] = _Item(items[-1].first, point)
        else:
            if items:
                connectors.append(pending if pending == "or" else "list")
            items.append(_Item(point))
        pending = None
        i = i_next
    return items, connectors, used


def _read_point(tokens: list[_Token], i: int) -> tuple[_Point | None, int]:
    """Read one point starting at ``tokens[i]``; return it and the next index.

    Without a point, the next index is that of the first token that may start
    one: ``i + 1``, or the end of a chain of modifiers that has nothing to
    modify ("early early ... tbc"), none of whose tokens starts a point either.
    """
    tok = tokens[i]
    kind, low = tok.kind, tok.text.lower()
    if kind == "word" and low in _MODIFIERS:
        return _read_modified(tokens, i)
    if kind == "num":
        day = int(re.sub(r"\D", "", low))
        j = i + 1
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.lower() in MONTHS:
            month = MONTHS[tokens[j].text.lower()]
            point = _Point("day", day=day, month=month)
            return _with_year(point, tokens, j + 1)
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.lower() in ORDINALS:
            return None, i + 1
        if low in ORDINALS and j < len(tokens):
            coarse = _coarse_unit(tokens, j, ORDINALS[low])
            if coarse is not None:
                return _with_year(coarse[0], tokens, coarse[1])
        if 1 <= day <= 31:
            return _Point("day", day=day), i + 1
        return None, i + 1
    if kind == "word" and low in MONTHS:
        month = MONTHS[low]
        j = i + 1
        # "March 15, 2024"
        if j < len(tokens) and tokens[j].kind == "num" and _is_year_next(tokens, j + 1):
            day = int(re.sub(r"\D", "", tokens[j].text))
            return _with_year(_Point("day", day=day, month=month), tokens, j + 1)
        return _with_year(_Point("month", month=month), tokens, j)
    if kind == "word" and low in SEASONS:
        return _with_year(_Point("season", value=SEASONS[low]), tokens, i + 1)
    if kind == "word" and low in ORDINALS:
        coarse = _coarse_unit(tokens, i + 1, ORDINALS[low])
        if coarse is not None:
            return _with_year(coarse[0], tokens, coarse[1])
        return None, i + 1
    if kind == "quarter":
        return _with_year(_Point("quarter", value=int(low[1])), tokens, i + 1)
    if kind == "halfcode":
        return _with_year(_Point("half", value=int(low[1])), tokens, i + 1)
    if kind == "year":
        return _Point("year", year=int(low)), i + 1
    return None, i + 1


def _read_modified(tokens: list[_Token], i: int) -> tuple[_Point | None, int]:
    """Modifiers ("early", "end of the", "early-mid") and the point they modify.

    A loop, not recursion, so a cell of thousands of modifiers is read in one
    pass. Of several modifiers in a row the last, nearest the date, decides:
    it turns a year into a half or mid-year, on which the others have no effect
    (:func:`_apply_modifier`), so "early late 2024" is the second half.
    """
    nearest = i
    j = _skip_words(tokens, i + 1, {"of", "the"})
    while j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.lower() in _MODIFIERS:
        nearest = j
        j = _skip_words(tokens, j + 1, {"of", "the"})
    if j < len(tokens):
        point, after = _read_point(tokens, j)  # tokens[j] is no modifier: no deeper call
        if point is not None:
            return _apply_modifier(point, tokens[nearest].text.lower()), after
    return None, j


def _coarse_unit(tokens: list[_Token], j: int, number: int) -> tuple[_Point, int] | None:
    """After an ordinal: "quarter" (Q1-Q4) or "half"/"semester" (first/second)."""
    if j >= len(tokens) or tokens[j].kind != "word":
        return None
    word = tokens[j].text.lower()
    if word == "quarter":
        return _Point("quarter", value=number), j + 1
    if word in {"half", "semester"} and number in (1, 2):
        return _Point("half", value=number), j + 1
    return None


def _apply_modifier(point: _Point, modifier: str) -> _Point:
    """ "early 2024" is the first half, "mid-2024" April-September, "late 2024" the second half.

    Within a month ("early March") the window stays the month: the note's
    wording is too loose to narrow it.
    """
    if point.unit != "year":
        return point
    if modifier in {"mid", "middle"}:
        return replace(point, unit="midyear")
    return replace(
        point, unit="half", value=1 if modifier in {"early", "beginning", "start"} else 2
    )


def _with_year(point: _Point, tokens: list[_Token], j: int) -> tuple[_Point, int]:
    """Attach a following year ("March 2024", "06 May, 2023", "half of 2024") to ``point``."""
    k = j
    while k < len(tokens) and tokens[k].kind == "word" and tokens[k].text.lower() in {"of", "the"}:
        k += 1
    if k < len(tokens) and tokens[k].kind == "year":
        return replace(point, year=int(tokens[k].text)), k + 1
    if _is_year_next(tokens, j) and tokens[j].kind == "list" and tokens[j].text == ",":
        return replace(point, year=int(tokens[j + 1].text)), j + 2
    # "winter 2023/24" is handled by the caller as a span; "Q1/Q2" likewise.
    return point, j


def _is_year_next(tokens: list[_Token], j: int) -> bool:
    if j < len(tokens) and tokens[j].kind == "year":
        return True
    return (
        j + 1 < len(tokens)
        and tokens[j].text == ","
        and tokens[j + 1].kind == "year"
        and (
            j + 2 >= len(tokens)
            or tokens[j + 2].kind != "word"
            or tokens[j + 2].text.lower() not in MONTHS
        )
    )


def _skip_words(tokens: list[_Token], j: int, words: set[str]) -> int:
    while j < len(tokens) and (tokens[j].text.lower() in words or tokens[j].kind == "range"):
        j += 1
    return j


def _fill_missing(items: list[_Item], default_year: int | None) -> bool:
    """Give every point a month (bare days) and a year, from the right.

    Returns False when no year is known at all (the caller must infer one).
    """
    points = [p for item in items for p in item.points]
    if all(p.year is None for p in points):
        if default_year is None:
            return False
        points[-1].year = default_year
    next_month: int | None = None
    next_year: int | None = None
    following: _Point | None = None
    for point in reversed(points):
        own_month = point.unit != "day" or point.month is not None
        if point.unit == "day" and point.month is None:
            point.month = next_month
            if point.month is None:
                point.unit, point.month = "month", None
                return False
        if point.year is None:
            point.year = next_year
            # Items are chronological: "December, 8 January 2023" is December 2022;
            # but "10-5 March" borrows March: a bad span, not 10 March last year.
            if (
                own_month
                and following is not None
                and point.year is not None
                and _sort_key(point) > _sort_key(following)
            ):
                point.year -= 1
        if point.month is not None:
            next_month = point.month
        if point.year is not None:
            next_year = point.year
        following = point
    return all(p.year is not None for p in points)


def _sort_key(point: _Point) -> tuple[int, int, int]:
    month = point.month or {
        "quarter": 3 * (point.value or 1) - 2,
        "half": 1 if point.value == 1 else 7,
    }.get(point.unit, 1)
    if point.unit == "season":
        month = 12 if point.value == 4 else 3 * (point.value or 1)
    return (point.year or 0, month, point.day or 1)


def _span_precision(first: _Point, last: _Point) -> Precision:
    if first.unit == last.unit == "day":
        return Precision.DAYS
    if first.year == last.year:
        if first.unit == last.unit == "month":
            return Precision.MONTHS
        if first.unit == last.unit == "quarter":
            return Precision.QUARTERS
    if first.unit == last.unit == "year" and first.year == last.year:
        return Precision.YEAR
    return Precision.RANGE


def _tidy_list(
    windows: list[Window], precisions: list[Precision]
) -> tuple[list[Window], list[Precision]]:
    """Drop coarse items that only repeat finer ones; merge adjacent day windows."""
    covered = _covered_by_finer(windows, [PRECISION_ORDER.index(p) for p in precisions])
    pairs = [(w, p) for w, p, c in zip(windows, precisions, covered, strict=True) if not c]
    merged: list[tuple[Window, Precision]] = []
    for window, precision in pairs:
        if merged:
            last, last_precision = merged[-1]
            day_grain = {last_precision, precision} <= {Precision.DAY, Precision.DAYS}
            if day_grain and last.start <= window.start <= last.end + dt.timedelta(days=1):
                merged[-1] = (Window(last.start, max(last.end, window.end)), Precision.DAYS)
                continue
        merged.append((window, precision))
    return [w for w, _ in merged], [p for _, p in merged]


def _covered_by_finer(windows: list[Window], ranks: list[int]) -> list[bool]:
    """For each window, whether a window of a finer precision (lower rank) lies within it.

    One sweep from the latest start to the earliest, keeping for each rank the
    earliest end among the windows that start on or after the current start: a
    window is covered when some finer rank's earliest end is on or before its
    own end. Linear apart from the sort, which is linear too for a
    chronological list (the note's); comparing every pair was quadratic.

    >>> day, month = Window(dt.date(2022, 12, 7), dt.date(2022, 12, 7)), Window(
    ...     dt.date(2022, 12, 1), dt.date(2022, 12, 31))
    >>> _covered_by_finer([day, month], [0, 2])
    [False, True]
    """
    order = sorted(range(len(windows)), key=lambda i: windows[i].start, reverse=True)
    earliest_end: list[dt.date | None] = [None] * len(PRECISION_ORDER)
    covered = [False] * len(windows)
    for _start, group in itertools.groupby(order, key=lambda i: windows[i].start):
        members = list(group)
        for i in members:
            end = earliest_end[ranks[i]]
            if end is None or windows[i].end < end:
                earliest_end[ranks[i]] = windows[i].end
        for i in members:
            finer = [end for end in earliest_end[: ranks[i]] if end is not None]
            covered[i] = bool(finer) and min(finer) <= windows[i].end
    return covered

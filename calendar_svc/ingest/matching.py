"""Which stored event a row of a newer note is: the key to stable uids.

Rows are matched to the events of the same section in three passes, each
one-to-one and greedy (best score first, active events before removed ones):

1. same title and same date text;
2. similar titles whose dates are compatible: the same windows (title
   reworded, threshold :data:`SAME_DATE_SIMILARITY`) or overlapping ones (a
   date refined or confirmed, threshold :data:`OVERLAP_SIMILARITY`);
3. a nearly identical title, unique on both sides, with a date that moved. An
   event that was firm and over before the note's date cannot move: the note
   lists it as having happened.

Titles whose ordinals differ ("9th" and "10th Joint Readmission Committee")
never match: they are different meetings of the same body.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from models.title import TBC
from models.window import Window

SAME_DATE_SIMILARITY = 60
OVERLAP_SIMILARITY = 85
MOVED_SIMILARITY = 90

_ORDINAL = re.compile(
    r"\b(\d+)\s*(?:st|nd|rd|th|d)\b|\b(first|second|third|fourth|fifth|sixth|seventh|eighth"
    r"|ninth|tenth|eleventh|twelfth)\b"
)


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know of a stored event."""

    title: str
    raw_date: str
    windows: tuple[Window, ...]
    is_removed: bool
    #: Firm and over before the new note's date: it happened, it cannot move.
    is_settled: bool


@dataclass(frozen=True)
class Incoming:
    """What matching needs to know of a row of the new note."""

    title: str
    raw_date: str
    windows: tuple[Window, ...]


def match(candidates: Sequence[Candidate], rows: Sequence[Incoming]) -> list[tuple[int, int]]:
    """Pair stored events with rows of the same section.

    Returns:
        ``(candidate index, row index)`` pairs; unpaired candidates were removed
        from the note, unpaired rows are new events.
    """
    keys_c = [_title_key(c.title) for c in candidates]
    keys_r = [_title_key(r.title) for r in rows]
    ords_c = [_ordinals(k) for k in keys_c]
    ords_r = [_ordinals(k) for k in keys_r]
    free_c = set(range(len(candidates)))
    free_r = set(range(len(rows)))
    pairs: list[tuple[int, int]] = []

    def take(scored: list[tuple[float, int, int]]) -> None:
        # Highest score first; on ties active events, then source order.
        scored.sort(key=lambda s: (-s[0], candidates[s[1]].is_removed, s[1], s[2]))
        for _, ci, ri in scored:
            if ci in free_c and ri in free_r:
                free_c.discard(ci)
                free_r.discard(ri)
                pairs.append((ci, ri))

    take(
        [
            (100.0, ci, ri)
            for ci in free_c
            for ri in free_r
            if keys_c[ci] == keys_r[ri]
            and _date_key(candidates[ci].raw_date) == _date_key(rows[ri].raw_date)
        ]
    )

    scored = []
    for ci in free_c:
        for ri in free_r:
            if ords_c[ci] and ords_r[ri] and ords_c[ci] != ords_r[ri]:
                continue
            relation = _relation(candidates[ci].windows, rows[ri].windows)
            if relation == "apart":
                continue
            similarity = fuzz.token_sort_ratio(keys_c[ci], keys_r[ri])
            threshold = SAME_DATE_SIMILARITY if relation == "same" else OVERLAP_SIMILARITY
            if similarity >= threshold:
                scored.append((similarity + (10 if relation == "same" else 0), ci, ri))
    take(scored)

    close: dict[int, list[int]] = {ci: [] for ci in free_c if not candidates[ci].is_settled}
    for ci in close:
        for ri in free_r:
            if ords_c[ci] and ords_r[ri] and ords_c[ci] != ords_r[ri]:
                continue
            if fuzz.token_sort_ratio(keys_c[ci], keys_r[ri]) >= MOVED_SIMILARITY:
                close[ci].append(ri)
    claimed: dict[int, int] = {}
    for rows_of_c in close.values():
        for ri in rows_of_c:
            claimed[ri] = claimed.get(ri, 0) + 1
    take(
        [
            (float(MOVED_SIMILARITY), ci, rows_of_c[0])
            for ci, rows_of_c in close.items()
            if len(rows_of_c) == 1 and claimed[rows_of_c[0]] == 1
        ]
    )
    return pairs


def is_settled(windows: Sequence[Window], *, firm: bool, note_date: dt.date) -> bool:
    """Whether a firm event was already over when the note was issued."""
    return firm and bool(windows) and max(w.end for w in windows) < note_date


def _title_key(title: str) -> str:
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = TBC.sub(" ", text)
    text = re.sub(r"\b(\d+)\s+(st|nd|rd|th)\b", r"\1\2", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _ordinals(key: str) -> frozenset[str]:
    return frozenset(m.group(1) or m.group(2) for m in _ORDINAL.finditer(key))


def _date_key(raw: str) -> str:
    return " ".join(raw.lower().split())


def _relation(a: Sequence[Window], b: Sequence[Window]) -> str:
    if tuple(a) == tuple(b):
        return "same"
    if not a or not b:
        return "overlap"
    if any(x.start <= y.end and y.start <= x.end for x in a for y in b):
        return "overlap"
    return "apart"

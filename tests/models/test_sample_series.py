"""The series of the sample note, against a table written by reading it.

``tests/data/sample_series.toml`` lists, for every section, the series with
three or more meetings (its rows, or its highest sequence number), each with
its member rows (by line of the text file), their sequence numbers, the
median interval, the expected window and the state as of 6 February 2024,
worked out by hand with the rules of ``docs/series.md``. The code must give
exactly that.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Section
from models.series import series_rhythms
from tests.helpers.data import DATA

NOTE_DAY = dt.date(2024, 2, 6)
TABLE = tomllib.loads((DATA / "sample_series.toml").read_text(encoding="utf-8"))["series"]


def expected_rows() -> list[tuple[Any, ...]]:
    return [
        (
            s["section"],
            s["name"],
            tuple(s["lines"]),
            tuple(n or None for n in s["sequences"]),
            s.get("median_interval_days"),
            tuple(s["expected"]) if "expected" in s else None,
            s["state"],
        )
        for s in TABLE
    ]


def computed_rows(session: Session) -> list[tuple[Any, ...]]:
    lines = dict(session.execute(select(Event.id, Event.source_line)).all())
    slugs = dict(session.execute(select(Section.id, Section.slug)).all())
    rows = []
    for series in series_rhythms(session, today=NOTE_DAY):
        if series.meetings < 3:
            continue
        rhythm = series.rhythm
        rows.append(
            (
                slugs[series.section_id],
                series.name,
                tuple(lines[m.event_id] for m in series.members),
                tuple(m.number for m in series.members),
                rhythm.median_interval_days,
                (rhythm.expected.start.isoformat(), rhythm.expected.end.isoformat())
                if rhythm.expected
                else None,
                rhythm.state.value,
            )
        )
    return rows


@pytest.fixture
def imported(session: Session, ingest: Callable[..., Any]) -> Session:
    ingest()
    return session


def test_the_table_holds_the_series_the_issue_names() -> None:
    named = {(s["section"], s["name"]) for s in TABLE}
    for section in ("georgia", "pakistan", "armenia", "serbia", "moldova"):
        assert (section, "Joint Readmission Committee") in named
    jfs = "Justice, Freedom and Security Sub-committee"
    assert {("georgia", jfs), ("moldova", jfs), ("armenia", jfs), ("ukraine", jfs)} <= named


def test_every_series_of_the_sample_is_as_read_by_hand(imported: Session) -> None:
    computed = computed_rows(imported)
    expected = expected_rows()
    missing = [row for row in expected if row not in computed]
    extra = [row for row in computed if row not in expected]
    assert (missing, extra) == ([], [])
    assert computed == expected  # in the note's order too

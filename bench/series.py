"""Series benchmark: every series' rhythm and state over the 100,000-event population.

The population of the reminder benchmark (``bench.population``: the sample
note, then synthetic events up to 100,000 over two years around 6 February
2024) with its synthetic events put in series as an import would: ten
meetings to a series, each series within one section, numbered in date
order, so 9,917 series besides the sample's. The figure is the median time
of :func:`models.series.series_rhythms` for every series as of 6 February
2024, which ``calendar-svc series``, ``/api/v1/series``, the digest and the
reminder pass all start from; issue 16's bar is under 1 s. SQLite and the
PostgreSQL server of ``CALENDAR_SVC_BENCH_DATABASE_URL``.

Run it alone with ``python -m bench.series``: it writes its section of
RESULTS.md (``bench.marked``); ``bench/run.py`` keeps that section.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench import marked
from bench.ingest import FreshDatabase, check_server, server_url
from bench.machine import machine
from bench.population import NOW, populate
from models import Event, Occurrence, Series, SeriesMember, make_engine
from models.series import series_rhythms
from tests.helpers.databases import fresh_database

EVENTS = 100_000
PER_SERIES = 10
RUNS = 5
BAR_SECONDS = 1.0


def put_in_series(url: str) -> None:
    """Put the synthetic events (one window each) in series of ten per section."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        rows = session.execute(
            select(Event.id, Event.section_id, Occurrence.start)
            .join(Occurrence, Occurrence.event_id == Event.id)
            .where(Event.title.startswith("Synthetic meeting"))
            .order_by(Event.section_id, Occurrence.start, Event.id)
        ).all()
        by_section: dict[int, list[int]] = defaultdict(list)
        for event_id, section_id, _start in rows:
            by_section[section_id].append(event_id)
        members = []
        for section_id, ids in by_section.items():
            for first in range(0, len(ids), PER_SERIES):
                series = Series(
                    section_id=section_id,
                    name=f"Synthetic body {first // PER_SERIES}",
                    created_at=NOW,
                    updated_at=NOW,
                )
                session.add(series)
                session.flush()
                members += [
                    {"event_id": event_id, "series_id": series.id, "meeting_number": n + 1}
                    for n, event_id in enumerate(ids[first : first + PER_SERIES])
                ]
        for start in range(0, len(members), 10_000):
            session.execute(insert(SeriesMember), members[start : start + 10_000])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def time_states(url: str) -> tuple[list[float], int, Counter[str]]:
    engine = make_engine(url)
    timings: list[float] = []
    series = []
    for _ in range(RUNS):
        with Session(engine) as session:
            started = time.perf_counter()
            series = series_rhythms(session, today=NOW.date())
            timings.append(time.perf_counter() - started)
    engine.dispose()
    return timings, len(series), Counter(s.rhythm.state.value for s in series)


def run() -> list[tuple[str, list[float], int, Counter[str]]]:
    check_server()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        databases: list[tuple[str, FreshDatabase]] = [
            ("SQLite", functools.partial(fresh_database, "sqlite", folder)),
            (
                "PostgreSQL",
                functools.partial(fresh_database, "postgresql", folder, server=server_url()),
            ),
        ]
        for name, fresh in databases:
            with fresh() as url:
                populate(url, random.Random(2024), events=EVENTS, subscribers=0)
                put_in_series(url)
                results.append((name, *time_states(url)))
                print(name, results[-1][1], flush=True)
    return results


def lines(results: list[tuple[str, list[float], int, Counter[str]]]) -> list[str]:
    rows = [
        "| every series' state, 100,000 events | median | slowest | runs | series | states |",
        "|---|---|---|---|---|---|",
    ]
    for name, timings, count, states in results:
        median = statistics.median(timings)
        verdict = "under" if median < BAR_SECONDS else "OVER"
        rows.append(
            f"| {name} | {median:.2f} s ({verdict} {BAR_SECONDS:.0f} s) | {max(timings):.2f} s"
            f" | {len(timings)} | {count:,} | "
            + ", ".join(f"{state} {n:,}" for state, n in sorted(states.items()))
            + " |"
        )
    rows += [
        "",
        f"Series: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}. The population"
        " of `bench/population.py` (100,000 events) with its synthetic events in series of"
        f" {PER_SERIES} per section (`bench/series.py`); `series_rhythms` for every series as"
        " of 6 February 2024: two queries' worth of rows, then the rhythm of each in Python.",
    ]
    return rows


def main() -> None:
    block = lines(run())
    marked.replace("series", block)
    print("\n".join(block))


if __name__ == "__main__":
    main()

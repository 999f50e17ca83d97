"""Reminder benchmark over ``bench.population``: 1,000 subscribers.

Figures: the median time of ``due_reminders`` (every rule, every subscriber)
on SQLite and on PostgreSQL, at 10,000, 100,000 and 1,000,000 events, each
database made afresh for its size. (Digests: ``bench/digests.py``.)

The pass reads only the occurrences whose dates can make something due (the
indexes on their start and end) and pairs them with the subscribers who follow
their sections: its time grows with what is due, O(occurrences in the windows
x their followers), which here is proportional to the events. Each reminder
row also carries the query plan of every rule's statement on that database
(``bench/plans.py``).

PostgreSQL is the server named by ``CALENDAR_SVC_BENCH_DATABASE_URL`` (by
default the local one), as for ``bench/ingest.py``.
"""

from __future__ import annotations

import functools
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.ingest import FreshDatabase, check_server, server_url
from bench.plans import plans
from bench.population import NOW, populate
from models import make_engine
from notifications.rules import ReminderPolicy, due_reminders
from tests.helpers.databases import fresh_database

SIZES = (10_000, 100_000, 1_000_000)
SUBSCRIBERS = 1_000
#: The size whose plans go into RESULTS.md.
PLAN_EVENTS = 100_000
RUNS = 3


def time_pass(url: str, runs: int) -> tuple[list[float], int]:
    """The times of ``runs`` reminder passes over the database at ``url``, and how many
    reminders each found. Statistics are gathered first, as a server's autovacuum would."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    timings, due = [], 0
    for _ in range(runs):
        with Session(engine) as session:
            started = time.perf_counter()
            due = len(due_reminders(session, now=NOW, policy=ReminderPolicy()))
            timings.append(time.perf_counter() - started)
    engine.dispose()
    return timings, due


def reminder_rows(
    database: str, fresh: FreshDatabase, *, sizes: tuple[int, ...] = SIZES, runs: int = RUNS
) -> list[dict[str, object]]:
    """One row per size: the median pass, what it found, and the rules' plans."""
    rows: list[dict[str, object]] = []
    for events in sizes:
        with fresh() as url:
            populate(url, random.Random(2024), events=events, subscribers=SUBSCRIBERS)
            timings, due = time_pass(url, runs)
            rows.append(
                {
                    "name": f"due reminders, {events:,} events x {SUBSCRIBERS:,} subscribers"
                    f" ({database})",
                    "database": database,
                    "events": events,
                    "seconds": statistics.median(timings),
                    "runs": runs,
                    "note": f"{due:,} reminders due;"
                    f" {1e6 * statistics.median(timings) / max(due, 1):.2f} µs per reminder",
                    "plans": plans(url, now=NOW, policy=ReminderPolicy()),
                }
            )
    return rows


def run() -> list[dict[str, object]]:
    check_server()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return reminder_rows(
            "SQLite", functools.partial(fresh_database, "sqlite", folder)
        ) + reminder_rows(
            "PostgreSQL",
            functools.partial(fresh_database, "postgresql", folder, server=server_url()),
        )


def plan_lines(rows: list[dict[str, object]]) -> list[str]:
    """The rules' plans at the middle size on each database, as Markdown, for RESULTS.md."""
    lines = []
    for row in rows:
        if row.get("events") != PLAN_EVENTS or "plans" not in row:
            continue
        lines += [
            "",
            f"Query plans of the reminder rules ({row['database']}, {PLAN_EVENTS:,} events):",
        ]
        for rule, plan in row["plans"].items():  # type: ignore[attr-defined]
            lines += ["", f"{rule}:", "", "```", plan, "```"]
    return lines


if __name__ == "__main__":
    import sys

    results = run()
    for row in results:
        print(f"{row['name']}: {row['seconds']:.2f} s ({row['note']})")
    if "--plans" in sys.argv:
        print("\n".join(plan_lines(results)))

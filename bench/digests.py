"""Digest benchmark: every weekly digest of a pass, built and rendered, over 100,000
events (``bench.population``) for 100, 1,000 and 10,000 subscribers (SQLite).

A figure is the median of :data:`RUNS` runs of what a digest pass does besides
sending: load the subscribers, make one ``DigestBuilder`` (its queries and the
rendering of each agenda item), then the subject, text and HTML of each
digest. Each run starts from a new session, so nothing is reused between runs.
The population is made once, with the most subscribers; a figure for n
subscribers is the digests of its first n, who are exactly those a population
of n would have (the same seed draws the events first, then the subscribers in
order).

Complexity: the builder reads and renders the agenda once, O(agenda items) for
all sections together, then O(sections x category sets) section blocks; each
digest filters and merges the items of its own sections, O(k log k) for the k
items of those sections, and joins the rendered items, O(size of the digest).
Subscribers with the same scope (sections, categories, lead time) share the
lists: only the shell (greeting, footer, links) is rendered for each. So the
time is a constant (the agenda) plus about the total size of the digests; it
no longer multiplies subscribers by the agenda queries and the item rendering
(0.13 s per digest before, over the same population).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from bench.population import NOW, populate
from models import Subscriber, make_engine
from notifications.digest import DigestBuilder, DigestSchedule
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy

EVENTS = 100_000
SUBSCRIBERS = (100, 1_000, 10_000)
RUNS = 3
CONTEXT = MailContext("https://cal.example.eu", "calendar@example.eu", b"bench")


def digest_pass(engine: Engine, subscribers: int) -> tuple[float, int]:
    """Seconds to build and render the digests of the first ``subscribers``, and
    their size in characters (text and HTML)."""
    size = 0
    with Session(engine) as session:
        started = time.perf_counter()
        chosen = session.scalars(
            select(Subscriber)
            .order_by(Subscriber.id)
            .limit(subscribers)
            .options(
                selectinload(Subscriber.sections),
                selectinload(Subscriber.groups),
                selectinload(Subscriber.categories),
                selectinload(Subscriber.tokens),
            )
        ).all()
        digests = DigestBuilder(
            session,
            now=NOW,
            schedule=DigestSchedule(),
            policy=ReminderPolicy(),
            context=CONTEXT,
        )
        for subscriber in chosen:
            _subject, text, html = digests.render(session, subscriber)
            size += len(text) + len(html)
        seconds = time.perf_counter() - started
    return seconds, size


def run() -> list[dict[str, object]]:
    rng = random.Random(2024)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'digests.sqlite3'}"
        populate(url, rng, events=EVENTS, subscribers=max(SUBSCRIBERS))
        engine = make_engine(url)
        for subscribers in SUBSCRIBERS:
            timings, size = [], 0
            for _ in range(RUNS):
                seconds, size = digest_pass(engine, subscribers)
                timings.append(seconds)
            median = statistics.median(timings)
            rows.append(
                {
                    "name": (
                        f"{subscribers:,} digests built and rendered, {EVENTS:,} events (SQLite)"
                    ),
                    "seconds": median,
                    "runs": RUNS,
                    "note": (
                        f"{1000 * median / subscribers:.2f} ms per digest;"
                        f" {size / subscribers / 1000:.0f} kB of text and HTML per digest"
                    ),
                }
            )
        engine.dispose()
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['seconds']:.2f} s ({row['note']})")

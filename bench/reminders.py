"""Reminder and digest benchmark: 100,000 events, 1,000 subscribers.

Events are spread over two years around "now" (three quarters firm dates,
the rest tbc or approximate windows, a few cancelled) across the 50 sections
of the sample note; subscribers follow two to six sections, a group, or
everything, some narrowed to categories. Figures: the median time of
``due_reminders`` (one SQL pass over everything), and the time to build and
render 1,000 digests.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from models import (
    Category,
    Event,
    Group,
    Occurrence,
    Precision,
    Section,
    Status,
    Subscriber,
    SubscriberCategory,
    SubscriberGroup,
    SubscriberLeadDay,
    make_engine,
)
from models.migrate import upgrade
from models.subscriber import subscriber_sections
from notifications.digest import DigestSchedule, build_digest, render_digest
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy, due_reminders

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "note_5484_24.txt"
NOW = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
EVENTS = 100_000
SUBSCRIBERS = 1_000
DIGESTS = 1_000
RUNS = 5


def populate(url: str, rng: random.Random) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        source = read_source(SAMPLE, max_bytes=10_000_000)
        import_note(session, source, load_note(source), now=NOW)
        document_id = session.scalar(select(Event.document_version_id).limit(1))
        sections = session.execute(select(Section.id, Section.group)).all()
        start_id = (session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0) + 1
        events, occurrences = [], []
        for n in range(EVENTS - 836):
            event_id = start_id + n
            day = NOW.date() + dt.timedelta(days=rng.randint(-365, 365))
            kind = rng.random()
            if kind < 0.75:
                precision, status = Precision.DAYS, Status.CONFIRMED
                end = day + dt.timedelta(days=rng.randint(0, 2))
            elif kind < 0.95:
                precision = rng.choice([Precision.MONTH, Precision.QUARTER, Precision.MONTHS])
                status = rng.choice([Status.TENTATIVE, Status.CONFIRMED])
                end = day + dt.timedelta(days=rng.choice([30, 60, 90]))
            else:
                precision, status = Precision.DAY, rng.choice([Status.CANCELLED, Status.POSTPONED])
                end = day
            events.append(
                {
                    "id": event_id,
                    "uid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "section_id": rng.choice(sections)[0],
                    "title": f"Synthetic meeting {n}",
                    "outcome": "",
                    "category": rng.choice(list(Category)),
                    "raw_date": day.isoformat(),
                    "status": status,
                    "precision": precision,
                    "location": None,
                    "date_note": None,
                    "document_version_id": document_id,
                    "source_line": 1,
                    "source_text": "",
                    "position": n,
                    "revision": 1,
                    "is_manual_override": False,
                    "is_removed": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            occurrences.append({"event_id": event_id, "position": 0, "start": day, "end": end})
        for start in range(0, len(events), 5_000):
            session.execute(insert(Event), events[start : start + 5_000])
            session.execute(insert(Occurrence), occurrences[start : start + 5_000])
        groups = list(Group)
        for n in range(SUBSCRIBERS):
            everything = n % 20 == 0
            subscriber = Subscriber(
                email=f"subscriber{n}@example.eu",
                name=f"Subscriber {n}",
                is_following_everything=everything,
                unsubscribe_token=uuid.UUID(int=rng.getrandbits(128)).hex,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(subscriber)
            session.flush()
            session.add_all(
                SubscriberLeadDay(subscriber_id=subscriber.id, days=d) for d in (14, 7, 1)
            )
            if not everything:
                if n % 7 == 0:
                    session.add(
                        SubscriberGroup(subscriber_id=subscriber.id, group=rng.choice(groups))
                    )
                else:
                    chosen = rng.sample(sections, rng.randint(2, 6))
                    session.execute(
                        insert(subscriber_sections),
                        [{"subscriber_id": subscriber.id, "section_id": s[0]} for s in chosen],
                    )
            if n % 5 == 0:
                for category in rng.sample(list(Category), 3):
                    session.add(SubscriberCategory(subscriber_id=subscriber.id, category=category))
    engine.dispose()


def run() -> list[dict[str, object]]:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'reminders.sqlite3'}"
        populate(url, rng)
        engine = make_engine(url)
        timings, due = [], 0
        for _ in range(RUNS):
            with Session(engine) as session:
                started = time.perf_counter()
                due = len(due_reminders(session, now=NOW, policy=ReminderPolicy()))
                timings.append(time.perf_counter() - started)
        context = MailContext("https://cal.example.eu", "calendar@example.eu", b"bench")
        with Session(engine) as session:
            subscribers = session.scalars(select(Subscriber).limit(DIGESTS)).all()
            started = time.perf_counter()
            for subscriber in subscribers:
                digest = build_digest(
                    session, subscriber, now=NOW, schedule=DigestSchedule(), policy=ReminderPolicy()
                )
                render_digest(digest, context=context)
            digests = time.perf_counter() - started
        engine.dispose()
    return [
        {
            "name": f"due reminders, {EVENTS:,} events x {SUBSCRIBERS:,} subscribers (SQLite)",
            "seconds": statistics.median(timings),
            "runs": RUNS,
            "note": f"{due:,} reminders due",
        },
        {
            "name": f"{DIGESTS:,} digests built and rendered (SQLite)",
            "seconds": digests,
            "runs": 1,
            "note": f"{1000 * digests / DIGESTS:.1f} ms per digest",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['seconds']:.2f} s ({row['note']})")

"""The population the reminder and digest benchmarks run on.

Events are spread over two years around :data:`NOW` (three quarters firm
dates, the rest tbc or approximate windows, a few cancelled) across the 50
sections of the sample note; subscribers follow two to six sections, a group,
or everything, some narrowed to categories, each with lead days 14, 7 and 1.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from enum import Enum
from pathlib import Path

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from models import (
    Base,
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

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "note_5484_24.txt"
NOW = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)


def populate(url: str, rng: random.Random, *, events: int, subscribers: int) -> None:
    """Migrate the empty database at ``url`` and fill it: the sample note, then synthetic
    events up to ``events`` and ``subscribers`` subscribers."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        source = read_source(SAMPLE, max_bytes=10_000_000)
        import_note(session, source, load_note(source), now=NOW)
        document_id = session.scalar(select(Event.document_version_id).limit(1))
        sections = session.execute(select(Section.id, Section.group)).all()
        start_id = (session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0) + 1
        event_rows: list[dict[str, object]] = []
        occurrence_rows: list[dict[str, object]] = []
        for n in range(events - 836):
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
            event_rows.append(
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
                    # The model's default, spelled out: COPY applies no Python defaults.
                    "next_occurrence_position": 0,
                    "is_manual_override": False,
                    "is_removed": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            occurrence_rows.append({"event_id": event_id, "position": 0, "start": day, "end": end})
        connection = session.connection()
        for start in range(0, len(event_rows), 10_000):
            bulk_insert(connection, Event, event_rows[start : start + 10_000])
            bulk_insert(connection, Occurrence, occurrence_rows[start : start + 10_000])
        groups = list(Group)
        for n in range(subscribers):
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


def bulk_insert(connection: Connection, entity: type[Base], rows: list[dict[str, object]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``entity``'s table: COPY on PostgreSQL, an
    executemany of Core INSERTs elsewhere. The ORM's bulk path took minutes for a
    million events on PostgreSQL."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(entity), rows)
        return
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    statement = f'COPY "{entity.__tablename__}" ({columns}) FROM STDIN'
    with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([_plain(row[name]) for name in names])


def _plain(value: object) -> object:
    """What COPY writes for a value: an enum member as its value."""
    return value.value if isinstance(value, Enum) else value

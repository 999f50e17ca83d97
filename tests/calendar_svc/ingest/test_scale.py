"""A large note goes in as one transaction of batched statements, on SQLite and
PostgreSQL; the same note again writes nothing. (The 100x figures are in bench/.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.synthetic import replicate
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import load_note, read_source
from models import Event, EventRevision, Occurrence
from models.migrate import upgrade
from tests.helpers.data import SAMPLE
from tests.helpers.statements import Statements

COPIES = 10
#: Events in the sample note, counted by hand (tests/data/sample_sections.toml).
SAMPLE_EVENTS = 836
NOW = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def big_note(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "note_10x.txt"
    path.write_text(replicate(SAMPLE, COPIES), encoding="utf-8")
    return path


@pytest.fixture
def migrated(fresh_engine: Engine) -> Engine:
    upgrade(fresh_engine)
    return fresh_engine


def ingest(engine: Engine, path: Path) -> ImportReport:
    source = read_source(path, max_bytes=100_000_000)
    with Session(engine) as session, session.begin():
        return import_note(session, source, load_note(source), now=NOW)


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_large_note_is_one_transaction_of_batched_statements(
    migrated: Engine, big_note: Path
) -> None:
    engine = migrated
    sent = Statements()
    sent.watch(engine)
    report = ingest(engine, big_note)
    assert report.events == SAMPLE_EVENTS * COPIES
    assert sent.commits == 1
    # Every event means an event row, at least one occurrence and a revision:
    # batched, that is a few hundred statements for 25,000 rows, not 25,000.
    assert count(engine, Event) == report.events
    assert count(engine, EventRevision) == report.events
    assert count(engine, Occurrence) >= report.events
    assert sent.writes() < report.events / 10
    assert sum(sent.verbs.values()) < report.events / 5


def test_the_same_note_again_writes_nothing(migrated: Engine, big_note: Path) -> None:
    engine = migrated
    ingest(engine, big_note)
    sent = Statements()
    sent.watch(engine)
    again = ingest(engine, big_note)
    assert not again.imported
    assert sent.writes() == 0
    assert count(engine, Event) == SAMPLE_EVENTS * COPIES

"""The Alembic migrations are the schema: applied from empty, they equal the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note, load_note
from calendar_svc.ingest.source import read_source
from models import Base, make_engine
from models.migrate import pending_revisions, upgrade
from tests.conftest import MAX_BYTES, SAMPLE

#: The first migration: the events, their windows, sections, versions and history.
FIRST = "0001"
NOW = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh_engine(database: str) -> Iterator[Engine]:
    """An empty database of each kind."""
    engine = make_engine(database)
    yield engine
    engine.dispose()


def test_migrating_an_empty_database_gives_the_models_schema(fresh_engine: Engine) -> None:
    pending = pending_revisions(fresh_engine)
    assert pending[0] == "0001"
    assert pending == sorted(pending)
    upgrade(fresh_engine)
    assert pending_revisions(fresh_engine) == []
    with fresh_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def events_as_stored(engine: Engine) -> list[tuple[Any, ...]]:
    """Every event's uid, place, text and windows, read without the models (the
    schema in between may be older than they are)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    'SELECT e.uid, s.slug, e.title, e.raw_date, o.position, o.start, o."end"'
                    " FROM events e JOIN sections s ON s.id = e.section_id"
                    " JOIN occurrences o ON o.event_id = e.id ORDER BY e.uid, o.position"
                )
            )
        )


def test_upgrading_a_database_that_holds_the_note_keeps_every_event_and_uid(
    fresh_engine: Engine,
) -> None:
    upgrade(fresh_engine, FIRST)
    source = read_source(SAMPLE, max_bytes=MAX_BYTES)
    with Session(fresh_engine) as session, session.begin():
        report = import_note(session, source, load_note(source), now=NOW)
    before = events_as_stored(fresh_engine)
    assert len({row.uid for row in before}) == report.events == 836
    upgrade(fresh_engine)
    assert pending_revisions(fresh_engine) == []
    assert events_as_stored(fresh_engine) == before


def test_the_session_database_is_at_head(engine: Engine) -> None:
    assert pending_revisions(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"events", "occurrences", "sections", "document_versions", "event_revisions"} <= tables

"""The Alembic migrations are the schema: applied from empty, they equal the models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from models import Base
from models.migrate import downgrade, pending_revisions, upgrade
from tests.helpers.data import MAX_BYTES, SAMPLE, V2

#: The first migration: the events, their windows, sections, versions and history.
FIRST = "0001"
#: The last revision before source references (0004: format, table, row, page).
BEFORE_SOURCES = "0003"
NOW = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def test_migrating_an_empty_database_gives_the_models_schema(fresh_engine: Engine) -> None:
    pending = pending_revisions(fresh_engine)
    assert pending[0] == "0001"
    assert pending == sorted(pending)
    upgrade(fresh_engine)
    assert pending_revisions(fresh_engine) == []
    with fresh_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def holding_notes(engine: Engine, revision: str, *notes: tuple[Path, dt.datetime]) -> None:
    """Bring an empty database to ``revision`` holding ``notes``, imported in order.

    Today's models cannot write to an older schema (they name columns it does
    not have yet), so the notes are imported at head and the schema is then
    taken back: the columns the old revision has keep what the import wrote,
    the ones it lacks are dropped.
    """
    upgrade(engine)
    for path, at in notes:
        source = read_source(path, max_bytes=MAX_BYTES)
        with Session(engine) as session, session.begin():
            import_note(session, source, load_note(source), now=at)
    if revision != "head":
        downgrade(engine, revision)
        assert pending_revisions(engine)[0] == str(int(revision) + 1).zfill(4)


def columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def no_drift(engine: Engine) -> bool:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


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
    holding_notes(fresh_engine, FIRST, (SAMPLE, NOW))
    before = events_as_stored(fresh_engine)
    assert len({row.uid for row in before}) == 836
    upgrade(fresh_engine)
    assert pending_revisions(fresh_engine) == []
    assert events_as_stored(fresh_engine) == before


def sources_as_stored(engine: Engine) -> dict[tuple[str, int], tuple[Any, ...]]:
    """(symbol, line) -> (format, table, row, page) of every event, read without the models."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT d.symbol, e.source_line, d.format, e.source_table, e.source_row,"
                " e.source_page FROM events e JOIN document_versions d"
                " ON d.id = e.document_version_id"
            )
        )
        return {(symbol, line): tuple(rest) for symbol, line, *rest in rows}


def test_downgrading_before_source_references_drops_their_columns_and_nothing_else(
    fresh_engine: Engine,
) -> None:
    holding_notes(fresh_engine, "head", (SAMPLE, NOW))
    before = events_as_stored(fresh_engine)
    downgrade(fresh_engine, BEFORE_SOURCES)
    assert not {"source_table", "source_row", "source_page"} & columns(fresh_engine, "events")
    assert "source_line" in columns(fresh_engine, "events")
    assert "format" not in columns(fresh_engine, "document_versions")
    # A table copied by batch mode on SQLite would have taken the windows with it.
    assert events_as_stored(fresh_engine) == before


def test_upgrading_a_text_note_numbers_its_tables_and_rows_in_reading_order(
    fresh_engine: Engine,
) -> None:
    """Migration 0004 backfills format, table and row of events imported before it."""
    holding_notes(fresh_engine, BEFORE_SOURCES, (SAMPLE, NOW))
    upgrade(fresh_engine)
    sources = sources_as_stored(fresh_engine)
    assert len(sources) == 836
    assert {(fmt, page) for fmt, _, _, page in sources.values()} == {("text", None)}
    # Read off the note: its first table (Cabo Verde) starts on line 121; the
    # 22nd "Key past and upcoming events" heading (line 748) is Serbia's, whose
    # 18th row is the Q1 2024 (tbc) JRC; the last two tables are the GFMD's
    # (49th) and the United Nations' (50th, a blank line after its 9th row).
    assert sources["5484/24", 121][1:3] == (1, 1)
    assert sources["5484/24", 122][1:3] == (1, 2)
    assert sources["5484/24", 768][1:3] == (22, 18)
    assert sources["5484/24", 769][1:3] == (22, 19)
    assert sources["5484/24", 1562][1:3] == (49, 4)
    assert sources["5484/24", 1580][1:3] == (50, 10)
    assert sources["5484/24", 1582][1:3] == (50, 12)
    rows_by_table: dict[int, list[int]] = {}
    for _, table, row, _ in sources.values():
        rows_by_table.setdefault(table, []).append(row)
    assert sorted(rows_by_table) == list(range(1, 51))
    for rows in rows_by_table.values():
        assert sorted(rows) == list(range(1, len(rows) + 1))
    assert no_drift(fresh_engine)


def test_the_backfill_numbers_tables_and_rows_as_an_import_does(fresh_engine: Engine) -> None:
    """An import of today records each row's table and row as the reader counts
    them; dropping them (0003) and backfilling them (0004) gives the same."""

    def tables_and_rows() -> dict[str, tuple[int | None, int | None]]:
        with fresh_engine.connect() as connection:
            rows = connection.execute(text("SELECT uid, source_table, source_row FROM events"))
            return {uid: (table, row) for uid, table, row in rows}

    holding_notes(fresh_engine, "head", (SAMPLE, NOW))
    imported = tables_and_rows()
    assert (None, None) not in imported.values(), "the import records tables and rows"
    downgrade(fresh_engine, BEFORE_SOURCES)
    upgrade(fresh_engine)
    assert tables_and_rows() == imported


def test_upgrading_estimates_the_table_of_rows_only_a_former_note_lists(
    fresh_engine: Engine,
) -> None:
    """The events the latest note dropped still point at the former one, of which
    they are only some rows: their row is known, their table is estimated from
    where their section stands in the latest note."""
    holding_notes(fresh_engine, BEFORE_SOURCES, (SAMPLE, NOW), (V2, LATER))
    upgrade(fresh_engine)
    sources = sources_as_stored(fresh_engine)
    former = {line: source for (symbol, line), source in sources.items() if symbol == "5484/24"}
    assert len(former) == 7  # tests/data/README.md: the rows and the section 9876/24 drops
    latest = {line: source for (symbol, line), source in sources.items() if symbol == "9876/24"}
    # China's "Q1 2024" workshop, the 13th row of China's table (line 875), gets
    # the number of China's table in 9876/24 (its first row on line 879): 26,
    # where in 5484/24 it was the 25th (9876/24 adds Togo before it).
    assert former[875] == ("text", latest[879][1], 13, None)
    assert latest[879][1] == 26
    # Russia, dropped whole (lines 1260-1264), is put after the tables of the
    # sections that stood before it: the 38th, as in 5484/24, where it follows
    # Ukraine's 37th (in 9876/24, after Togo, Ukraine's is the 38th, line 1241).
    assert latest[1241][1] == 38
    assert {former[line] for line in range(1260, 1265)} == {
        ("text", 38, row, None) for row in range(1, 6)
    }
    # 9876/24 adds Togo before Serbia: Serbia's table is the 23rd, and its new
    # "Q4 2024 (tbc)" 11th JRC the 20th row (line 786).
    assert sources["9876/24", 786] == ("text", 23, 20, None)
    assert sources["9876/24", 784] == ("text", 23, 18, None)
    assert no_drift(fresh_engine)


def test_the_session_database_is_at_head(engine: Engine) -> None:
    assert pending_revisions(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"events", "occurrences", "sections", "document_versions", "event_revisions"} <= tables

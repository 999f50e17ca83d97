"""Shared fixtures: the real database in a rolled-back transaction, data files, importing.

The database is SQLite in a temporary file, or the server named by
``CALENDAR_SVC_TEST_DATABASE_URL``; the schema is made by the Alembic
migrations, as in production. Each test runs in a transaction rolled back at
the end (SQLAlchemy's "joining a session into an external transaction"
recipe), so a ``commit()`` inside a test does not leak into the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note, load_note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import read_source
from models import make_engine
from models.migrate import upgrade

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "note_5484_24.txt"
V2 = DATA / "note_v2.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared"
MAX_BYTES = 20_000_000


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("CALENDAR_SVC_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def now() -> dt.datetime:
    """The moment of the first import: the day after the sample note."""
    return dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ingest(session: Session, now: dt.datetime) -> Callable[..., ImportReport]:
    """Import a note file into the test's session, as ``calendar-svc ingest`` does."""

    def run(path: Path = SAMPLE, *, at: dt.datetime | None = None, **kwargs: Any) -> ImportReport:
        source = read_source(path, max_bytes=MAX_BYTES)
        return import_note(session, source, load_note(source), now=at or now, **kwargs)

    return run


@pytest.fixture(scope="session")
def irregular_rows() -> list[dict[str, Any]]:
    with (DATA / "sample_irregular_rows.toml").open("rb") as f:
        return tomllib.load(f)["row"]


@pytest.fixture(scope="session")
def sample_sections() -> list[dict[str, Any]]:
    with (DATA / "sample_sections.toml").open("rb") as f:
        return tomllib.load(f)["section"]

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
import threading
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

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


@dataclass
class FeedSite:
    """The web app over a database holding the sample note, with one subscriber."""

    app: Flask
    token: str
    revoked_token: str
    url: str = ""


@pytest.fixture(scope="module")
def feed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedSite]:
    from calendar_svc.app import create_app, services
    from calendar_svc.subscribers import add_subscriber
    from feeds.tokens import issue_token, revoke_tokens

    folder = tmp_path_factory.mktemp("site")
    now = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
    app = create_app(
        {"database": {"url": f"sqlite:///{folder / 'site.sqlite3'}"}},
        clock=lambda: dt.datetime(2024, 2, 6, 12, 0, tzinfo=dt.UTC),
    )
    engine = services_of(app).engine
    upgrade(engine)
    with app.app_context(), services().session_factory.begin() as session:
        source = read_source(SAMPLE, max_bytes=MAX_BYTES)
        import_note(session, source, load_note(source), now=now)
        subscriber = add_subscriber(
            session,
            "desk.officer@example.eu",
            now=now,
            name="Desk Officer",
            sections=["serbia", "montenegro", "north-macedonia"],
        )
        revoked = issue_token(session, subscriber, now=now)
        revoke_tokens(session, subscriber, now=now)
        token = issue_token(session, subscriber, now=now)
    yield FeedSite(app, token, revoked)
    engine.dispose()


def services_of(app: Flask) -> Any:
    from calendar_svc.app import EXTENSION

    return app.extensions[EXTENSION]


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_site(feed_site: FeedSite) -> Iterator[FeedSite]:
    with serving(feed_site.app) as url:
        feed_site.url = url
        yield feed_site

"""Shared fixtures: the real database in a rolled-back transaction, data files, importing.

The database is SQLite in a temporary file, or the server named by
``CALENDAR_SVC_TEST_DATABASE_URL``; the schema is made by the Alembic
migrations, as in production. Each test runs in a transaction rolled back at
the end (SQLAlchemy's "joining a session into an external transaction"
recipe), so a ``commit()`` inside a test does not leak into the next one.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.ingest import pdf
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import SourceFile, load_note, read_source
from models import make_engine
from models.migrate import upgrade
from tests.helpers.apps import SECRET, FeedSite, services_of
from tests.helpers.commands import Runner
from tests.helpers.data import DATA, MAX_BYTES, SAMPLE
from tests.helpers.databases import KINDS, check_server, fresh_database
from tests.helpers.pdf_reading import reading_once
from tests.helpers.servers import serving
from tests.helpers.smtp import SmtpServer


@pytest.fixture(scope="session", autouse=True)
def pdf_read_once_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each PDF note is really read once per run (``tests/helpers/pdf_reading.py``)."""
    base = tmp_path_factory.getbasetemp()
    # Test processes of one run (pytest-xdist) share the parent of their folders.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "read_pdf", reading_once(pdf.read_pdf, shared / "pdf-notes"))
        yield


def pytest_configure(config: pytest.Config) -> None:
    os.environ["CALENDAR_SVC_SECRET_KEY"] = SECRET.decode()
    # A named server that cannot be used fails the run: it must not quietly
    # become a run on SQLite alone.
    problem = check_server()
    if problem:
        raise pytest.UsageError(problem)


@pytest.fixture(scope="session", params=KINDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """SQLite, and PostgreSQL too when ``CALENDAR_SVC_TEST_DATABASE_URL`` names one:
    a database of this test process's own (test processes run side by side)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction: their commits are savepoints."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def now() -> dt.datetime:
    """The moment of the first import: the day after the sample note."""
    return dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def read_note() -> Callable[[Path], tuple[SourceFile, Note]]:
    """Read a note file as ``calendar-svc ingest`` does, once per test process for each
    content (a PDF takes seconds); each call gets a copy of the note of its own."""
    notes: dict[SourceFile, Note] = {}

    def read(path: Path) -> tuple[SourceFile, Note]:
        source = read_source(path, max_bytes=MAX_BYTES)
        if source not in notes:
            notes[source] = load_note(source)
        return source, copy.deepcopy(notes[source])

    return read


@pytest.fixture
def ingest(
    session: Session, now: dt.datetime, read_note: Callable[[Path], tuple[SourceFile, Note]]
) -> Callable[..., ImportReport]:
    """Import a note file into the test's session, as ``calendar-svc ingest`` does."""

    def run(path: Path = SAMPLE, *, at: dt.datetime | None = None, **kwargs: Any) -> ImportReport:
        source, note = read_note(path)
        return import_note(session, source, note, now=at or now, **kwargs)

    return run


@pytest.fixture(scope="session")
def irregular_rows() -> list[dict[str, Any]]:
    with (DATA / "sample_irregular_rows.toml").open("rb") as f:
        return tomllib.load(f)["row"]


@pytest.fixture(scope="session")
def sample_sections() -> list[dict[str, Any]]:
    with (DATA / "sample_sections.toml").open("rb") as f:
        return tomllib.load(f)["section"]


@pytest.fixture(scope="module", params=KINDS)
def feed_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FeedSite]:
    """The app over a database of its own holding the sample note and one subscriber
    (with a revoked token and a live one)."""
    from calendar_svc.app import create_app
    from calendar_svc.extensions import services
    from calendar_svc.subscribers import add_subscriber
    from feeds.tokens import issue_token, revoke_tokens

    now = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
    with fresh_database(request.param, tmp_path_factory.mktemp("site")) as url:
        app = create_app(
            {"database": {"url": url}},
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
            revoked = issue_token(session, subscriber, secret=SECRET, now=now)
            revoke_tokens(session, subscriber, now=now)
            token = issue_token(session, subscriber, secret=SECRET, now=now)
        yield FeedSite(app, token, revoked)
        engine.dispose()


@pytest.fixture
def app_on() -> Iterator[Callable[[str], Flask]]:
    """Apps over a database URL; their connections are closed when the test ends
    (a PostgreSQL test database is dropped then, and must have none left)."""
    from calendar_svc.app import create_app

    apps: list[Flask] = []

    def make(url: str) -> Flask:
        apps.append(create_app({"database": {"url": url}}))
        return apps[-1]

    yield make
    for app in apps:
        services_of(app).engine.dispose()


@pytest.fixture(scope="module")
def live_site(feed_site: FeedSite) -> Iterator[FeedSite]:
    with serving(feed_site.app) as url:
        feed_site.url = url
        yield feed_site


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: commands commit, so they get their own."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def fresh_engine(database: str) -> Iterator[Engine]:
    """An engine on an empty database of each kind (no schema: a test migrates it)."""
    engine = make_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture
def run(database: str, tmp_path: Path) -> Runner:
    """``calendar-svc`` on a fresh, empty database."""
    return Runner(database, tmp_path)


@pytest.fixture(scope="session", params=KINDS)
def imported_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A database as ``init-db`` and ``ingest <sample> --now 2024-02-07`` leave it."""
    folder = tmp_path_factory.mktemp("imported")
    with fresh_database(request.param, folder) as url:
        runner = Runner(url, folder)
        for args in (("init-db",), ("ingest", str(SAMPLE), "--now", "2024-02-07")):
            result = runner(*args)
            assert result.returncode == 0, result.stderr
        yield request.param, url


@pytest.fixture
def imported(imported_template: tuple[str, str], tmp_path: Path) -> Iterator[Runner]:
    """``calendar-svc`` on a copy of a database that holds the sample note (see above):
    the commands' own tests import it for real; these start from their result."""
    kind, url = imported_template
    with fresh_database(kind, tmp_path, template=url) as copy:
        yield Runner(copy, tmp_path)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()

"""Shared fixtures: the real database in a rolled-back transaction, data files, importing.

The database is SQLite in a temporary file, or the server named by
``CALENDAR_SVC_TEST_DATABASE_URL``; the schema is made by the Alembic
migrations, as in production. Each test runs in a transaction rolled back at
the end (SQLAlchemy's "joining a session into an external transaction"
recipe), so a ``commit()`` inside a test does not leak into the next one.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import SourceFile, load_note, read_source
from models import make_engine
from models.migrate import upgrade
from tests.databases import KINDS, check_server, fresh_database
from tests.smtp import SmtpServer

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "note_5484_24.txt"
V2 = DATA / "note_v2.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared"
MAX_BYTES = 20_000_000
#: Tests run with a known secret key, so no key file is made in the checkout.
SECRET = b"test-secret-key-not-for-production-0123456789"


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


@dataclass
class FeedSite:
    """The web app over a database holding the sample note, with one subscriber."""

    app: Flask
    token: str
    revoked_token: str
    url: str = ""


@pytest.fixture(scope="module", params=KINDS)
def feed_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FeedSite]:
    with fresh_database(request.param, tmp_path_factory.mktemp("site")) as url:
        yield from _feed_site(url)


def _feed_site(url: str) -> Iterator[FeedSite]:
    from calendar_svc.app import create_app
    from calendar_svc.extensions import services
    from calendar_svc.subscribers import add_subscriber
    from feeds.tokens import issue_token, revoke_tokens

    now = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
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


def services_of(app: Flask) -> Any:
    from calendar_svc.extensions import EXTENSION

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


@contextmanager
def gunicorn(database: str, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """gunicorn serving the app over ``database`` (with ``options``), and its base URL.

    It serves a socket made here: requests wait in its backlog until gunicorn
    is up, so nothing has to poll for it.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), *options,
         "--bind", f"fd://{listener.fileno()}"],
        env=os.environ | {"CALENDAR_SVC_DATABASE_URL": database} | (env or {}),
        pass_fds=(listener.fileno(),),
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        process.terminate()
        process.wait(timeout=60)
        listener.close()


@pytest.fixture(scope="module")
def live_site(feed_site: FeedSite) -> Iterator[FeedSite]:
    with serving(feed_site.app) as url:
        feed_site.url = url
        yield feed_site


Run = Callable[..., subprocess.CompletedProcess[str]]


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


@dataclass(frozen=True)
class Runner:
    """``calendar-svc`` on one database, as a user runs it.

    A call runs the command in this process through click's runner (a second
    process costs a second and a half of imports); ``script`` and ``start``
    run the installed console script, for what only a process shows (exit on
    a signal, a server, the entry point itself).
    """

    database: str
    cwd: Path

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        from tests.commands import invoke

        with contextlib.chdir(self.cwd):
            return invoke(
                ["--db", self.database, *args], env=self.environment(env), input_text=input_text
            )

    def script(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed console script to its end."""
        return subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.environment(env),
            check=False,
            timeout=120,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a long-running command (``serve``, ``scheduler``); the caller stops it."""
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.cwd,
            env=self.environment(None),
        )

    def command(self, *args: str) -> list[str]:
        script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
        assert script, "calendar-svc is not installed in this environment"
        return [script, "--db", self.database, *args]

    @staticmethod
    def environment(env: dict[str, str] | None) -> dict[str, str]:
        return (
            {k: v for k, v in os.environ.items() if not k.startswith("CALENDAR_SVC_")}
            | {"CALENDAR_SVC_SECRET_KEY": os.environ["CALENDAR_SVC_SECRET_KEY"]}
            | (env or {})
        )


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

"""The web app over a database holding the sample note, users and a subscriber.

The database is built once per session and kind (migrations, the sample
note, three users, one subscriber). A test's app works in one transaction on
one connection to a copy of it, rolled back when the test ends: the app's
commits are savepoints, so every test starts from the same state and may
commit. What needs the database itself (a server in other threads or
processes, the health probe's own connections) gets a copy of its own
(:func:`serve_copy`). The app's clock is a :class:`Clock` the test can move.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from calendar_svc.app import create_app
from calendar_svc.extensions import services
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from calendar_svc.subscribers import add_subscriber
from calendar_svc.users import add_user
from feeds.tokens import issue_token
from models import Event, Role, Section, make_engine
from models.migrate import upgrade
from tests.helpers.apps import SECRET, services_of
from tests.helpers.data import MAX_BYTES, SAMPLE
from tests.helpers.databases import KINDS, JoinedSession, fresh_database

PASSWORD = "correct horse battery staple"
VIEWER, EDITOR, ADMIN = "viewer@example.eu", "editor@example.eu", "admin@example.eu"
#: The day after the sample note (6 February 2024) was issued.
START = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    """The app's "now": moves only when a test moves it."""

    now: dt.datetime = START
    #: How often the app asked.
    reads: int = 0

    def __call__(self) -> dt.datetime:
        self.reads += 1
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Site:
    app: Flask
    clock: Clock
    #: The editor's feed token (they are also a subscriber following Serbia).
    feed_token: str
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def session(self) -> Session:
        return services_of(self.app).session_factory()

    def event(self, slug: str, title_start: str) -> Event:
        with self.session() as session:
            return session.scalars(
                select(Event)
                .join(Event.section)
                .where(Section.slug == slug, Event.title.startswith(title_start))
            ).one()


@dataclass(frozen=True)
class Seed:
    """The database every web test starts from (copied for each), and the editor's feed token."""

    kind: str
    url: str
    feed_token: str


@pytest.fixture(scope="session", params=KINDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seed]:
    with fresh_database(request.param, tmp_path_factory.mktemp("web")) as url:
        app = create_app({"database": {"url": url}})
        engine = services_of(app).engine
        upgrade(engine)
        with app.app_context(), services().session_factory.begin() as session:
            source = read_source(SAMPLE, max_bytes=MAX_BYTES)
            import_note(session, source, load_note(source), now=START)
            for email, role in ((VIEWER, Role.VIEWER), (EDITOR, Role.EDITOR), (ADMIN, Role.ADMIN)):
                add_user(
                    session,
                    email,
                    name=role.value.title(),
                    role=role,
                    password=PASSWORD,
                    now=START,
                )
            subscriber = add_subscriber(
                session, EDITOR, now=START, name="Editor", sections=["serbia", "montenegro"]
            )
            token = issue_token(session, subscriber, secret=SECRET, now=START)
        # No connection may stay open: SQLite folds its WAL into the file, and
        # PostgreSQL copies a template only while nobody is connected to it.
        engine.dispose()
        yield Seed(request.param, url, token)


@contextmanager
def serve_copy(seed: Seed, folder: Path, **overrides: Any) -> Iterator[Site]:
    """A site over a fresh copy of the seeded database."""
    with fresh_database(seed.kind, folder, template=seed.url) as url:
        clock = Clock()
        app = create_app({"database": {"url": url}} | overrides, clock=clock)
        app.instance_path = str(folder / "instance")
        try:
            yield Site(app, clock, seed.feed_token)
        finally:
            services_of(app).engine.dispose()


@pytest.fixture(scope="session")
def shared(seeded: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One copy of the seeded database, which tests use in transactions rolled back."""
    with fresh_database(seeded.kind, tmp_path_factory.mktemp("shared"), template=seeded.url) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@contextmanager
def serve_in_transaction(
    engine: Engine, seed: Seed, folder: Path, **overrides: Any
) -> Iterator[Site]:
    """A site whose sessions all join one transaction on ``engine``, rolled back afterwards.

    Requests must come one at a time from this thread (Flask's test client):
    they share the connection.
    """
    connection = engine.connect()
    transaction = connection.begin()
    sessions = sessionmaker(
        bind=connection,
        class_=JoinedSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    url = engine.url.render_as_string(hide_password=False)
    clock = Clock()
    app = create_app(
        {"database": {"url": url}} | overrides, clock=clock, sessions=(sessions, sessions)
    )
    app.instance_path = str(folder / "instance")
    try:
        yield Site(app, clock, seed.feed_token)
    finally:
        transaction.rollback()
        connection.close()
        services_of(app).engine.dispose()


@pytest.fixture
def site(shared: Engine, seeded: Seed, tmp_path: Path) -> Iterator[Site]:
    with serve_in_transaction(shared, seeded, tmp_path) as site:
        yield site


@pytest.fixture
def copied_site(seeded: Seed, tmp_path: Path) -> Iterator[Site]:
    """A site over a copy of the seeded database of its own, for what needs a real database."""
    with serve_copy(seeded, tmp_path) as site:
        yield site


@pytest.fixture
def client(site: Site) -> FlaskClient:
    return site.app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form as a browser would."""
    match = _CSRF.search(client.get(path).text)
    assert match, f"no form with a CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **form: str) -> TestResponse:
    """Sign in through the form; ``form`` adds fields (``next``)."""
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)} | form,
    )


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> TestResponse:
    """A form post with the session's CSRF token, as the page's form sends it."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/")} | (data or {}))


@pytest.fixture
def viewer(client: FlaskClient) -> FlaskClient:
    assert sign_in(client, VIEWER).status_code == 302
    return client


@pytest.fixture
def editor(client: FlaskClient) -> FlaskClient:
    assert sign_in(client, EDITOR).status_code == 302
    return client


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    assert sign_in(client, ADMIN).status_code == 302
    return client

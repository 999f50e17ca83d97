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

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from calendar_svc.app import create_app
from calendar_svc.extensions import services
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from calendar_svc.subscribers import add_subscriber
from calendar_svc.users import add_user
from feeds.tokens import issue_token
from models import Role, make_engine
from models.migrate import upgrade
from tests.helpers.apps import SECRET, services_of
from tests.helpers.data import MAX_BYTES, SAMPLE
from tests.helpers.databases import KINDS, fresh_database
from tests.helpers.sites import (
    ADMIN,
    EDITOR,
    PASSWORD,
    START,
    VIEWER,
    Seed,
    Site,
    serve_copy,
    serve_in_transaction,
    sign_in,
)


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


@pytest.fixture(scope="session")
def shared(seeded: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One copy of the seeded database, which tests use in transactions rolled back."""
    with fresh_database(seeded.kind, tmp_path_factory.mktemp("shared"), template=seeded.url) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


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

"""The web app as its tests see it: the users, the clock, the site, signing in and posting forms.

A :class:`Site` is the app over a database holding the sample note, three
users and a subscriber (``tests/calendar_svc/web/conftest.py`` builds it):
in one transaction rolled back afterwards (:func:`serve_in_transaction`), or
over a copy of its own (:func:`serve_copy`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from calendar_svc.app import create_app
from models import Event, Section
from tests.helpers.apps import services_of
from tests.helpers.databases import JoinedSession, fresh_database

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

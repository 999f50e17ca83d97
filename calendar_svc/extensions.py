"""What views, commands and jobs share: the app's services, the sessions, the request's now.

:func:`calendar_svc.app.create_app` builds the :class:`Services` once; views
and commands reach them through the functions here, so that they never import
the factory (which imports them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from sqlalchemy import Engine, PoolProxiedConnection
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.settings import Settings
from feeds.feed import FeedCache, FeedSettings
from feeds.scopes import ScopeCache
from notifications.config import NotificationConfig

EXTENSION = "calendar_svc"


@dataclass(frozen=True)
class Services:
    """What the app factory builds once and every request, command or job shares."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    feed_settings: FeedSettings
    feed_cache: FeedCache
    #: The wall clock (tests pass a fixed one); a request reads it once (:func:`request_now`).
    clock: Callable[[], dt.datetime]
    #: Sessions for commands that read then write (IMMEDIATE on SQLite).
    writer_sessions: sessionmaker[Session]
    #: What the mail commands, ``/healthz`` and the scheduler's jobs are handed.
    notifications: NotificationConfig
    #: Derives feed tokens (``secret_key`` or the instance folder's key file).
    secret: bytes = field(repr=False, default=b"")
    #: Feed scopes looked up at the current data version (``feeds.scopes.ScopeCache``).
    scopes: ScopeCache = field(default_factory=ScopeCache)
    #: A driver connection for one statement outside the ORM (:func:`driver_connection`).
    driver_connections: Callable[[], AbstractContextManager[PoolProxiedConnection]] | None = None


def services() -> Services:
    """The services of the current app."""
    return current_app.extensions[EXTENSION]


def get_session() -> Session:
    """The session of the current request or command, opened on first use."""
    if "db_session" not in g:
        g.db_session = services().session_factory()
    return g.db_session


def driver_connection() -> AbstractContextManager[PoolProxiedConnection]:
    """The driver's connection for one statement sent as it is (the feed path, where
    the ORM session would cost more than the query); back to the pool on exit."""
    app = services()
    if app.driver_connections is not None:
        return app.driver_connections()
    return contextlib.closing(app.engine.raw_connection())


def get_writer_session() -> Session:
    """The session of a request or command that reads then writes (see ``models.db.writer``)."""
    if "db_writer_session" not in g:
        g.db_writer_session = services().writer_sessions()
    return g.db_writer_session


def close_sessions(_exc: BaseException | None) -> None:
    """Close the sessions the request or command opened (the app's teardown)."""
    for name in ("db_session", "db_writer_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


def set_now() -> None:
    """Read the clock once, as the request starts: every part of it sees the same now."""
    g.now = services().clock()


def request_now() -> dt.datetime:
    """The current request's now (see :func:`set_now`); outside a request, the clock's."""
    if has_request_context() and "now" in g:
        return g.now
    return services().clock()

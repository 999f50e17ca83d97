"""What views, commands and jobs share: the app's services, the sessions, the request's now.

:func:`calendar_svc.app.create_app` builds the :class:`Services` once; views
and commands reach them through the functions here, so that they never import
the factory (which imports them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.settings import Settings
from feeds.feed import FeedCache, FeedSettings

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
    #: Derives feed tokens (``secret_key`` or the instance folder's key file).
    secret: bytes = field(repr=False, default=b"")


def notification_config(app_services: Services) -> dict[str, Any]:
    """The plain values ``notifications.jobs.runtime`` builds its objects from."""
    settings = app_services.settings
    smtp, reminders, digest = settings.smtp, settings.reminders, settings.digest
    return {
        "database_url": app_services.engine.url.render_as_string(hide_password=False),
        "smtp": {
            "host": smtp.host,
            "port": smtp.port,
            "security": smtp.security,
            "username": smtp.username,
            "password": smtp.password,
            "timeout_seconds": smtp.timeout_seconds,
        },
        "mail_from": settings.mail_from,
        "base_url": settings.base_url,
        "secret": app_services.secret.hex(),
        "reminders": {
            "overdue_horizon_days": reminders.overdue_horizon_days,
            "max_attempts": reminders.max_attempts,
            "retry_minutes": reminders.retry_minutes,
            "lease_minutes": reminders.lease_minutes,
        },
        "digest": {
            "day": digest.day,
            "time": digest.time,
            "timezone": digest.timezone,
            "upcoming_weeks": digest.upcoming_weeks,
        },
    }


def services() -> Services:
    """The services of the current app."""
    return current_app.extensions[EXTENSION]


def get_session() -> Session:
    """The session of the current request or command, opened on first use."""
    if "db_session" not in g:
        g.db_session = services().session_factory()
    return g.db_session


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

"""The Flask application factory: the one place where settings, database and views meet."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc import logs, redaction
from calendar_svc.settings import Settings, load_settings
from feeds.feed import FeedCache, FeedSettings
from models import make_engine, make_session_factory
from models.db import writer

EXTENSION = "calendar_svc"
DEFAULT_DATABASE = "calendar-svc.sqlite3"


@dataclass(frozen=True)
class Services:
    """What the app factory builds once and every request, command or job shares."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    feed_settings: FeedSettings
    feed_cache: FeedCache
    #: The wall clock, read once at the start of each request.
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


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    overrides: Mapping[str, Any] | None = None, *, clock: Callable[[], dt.datetime] = wall_clock
) -> Flask:
    """Build the web app (also the context of every ``calendar-svc`` command).

    Args:
        overrides: configuration applied last, as nested TOML-like mappings,
            e.g. ``{"database": {"url": "sqlite:///x.db"}}``.
        clock: what "now" is for requests (tests pass a fixed one).
    """
    app = Flask("calendar_svc", instance_relative_config=True)
    settings = load_settings(overrides=overrides)
    # Before anything touches app.logger, so Flask adds no handler of its own.
    logs.configure(settings.logging)
    url = settings.database.url or _default_database(Path(app.instance_path))
    engine = make_engine(url)
    feeds = settings.feeds
    feed_settings = FeedSettings(
        refresh=dt.timedelta(minutes=feeds.refresh_minutes),
        coarse_as_marker=feeds.coarse_windows == "marker",
        cancelled_days=feeds.cancelled_days,
        past_days=feeds.past_days or None,
        cache_size=feeds.cache_size,
        cache_bytes=feeds.cache_bytes,
        past_days_choices=feeds.past_days_choices,
    )
    secret = _secret_key(settings, Path(app.instance_path))
    app.extensions[EXTENSION] = Services(
        settings,
        engine,
        make_session_factory(engine),
        feed_settings,
        FeedCache(feeds.cache_size, feeds.cache_bytes),
        clock,
        make_session_factory(writer(engine)),
        secret=secret,
    )
    app.config.update(
        # Signs the session cookie and CSRF tokens; derived, so that it is not
        # the key that derives feed tokens.
        SECRET_KEY=hashlib.sha256(b"flask-session:" + secret).hexdigest(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        # The session itself lives in the database (calendar_svc.web.auth): the
        # cookie expires with its absolute lifetime and is not set again on
        # every response, which would keep a cookie in use alive forever.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.auth.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=settings.ingest.max_bytes + 100_000,
        WTF_CSRF_TIME_LIMIT=None,  # a form open all day still submits
    )
    app.teardown_appcontext(_close_session)
    redaction.install(app.logger.name, *redaction.LOGGERS)

    from calendar_svc.cli import register_commands
    from calendar_svc.web import (
        api,
        auth,
        dashboard,
        documents,
        errors,
        events,
        headers,
        health,
        input,
        sections,
        subscriptions,
        templating,
        unsubscribe,
        users,
    )
    from calendar_svc.web import feeds as feed_views

    csrf = CSRFProtect(app)
    # Their secret token is the authorisation; the API is read-only.
    csrf.exempt(unsubscribe.blueprint)
    csrf.exempt(api.blueprint)
    for module in (
        health, feed_views, unsubscribe, auth, dashboard, sections, events, documents,
        subscriptions, users, api,
    ):  # fmt: skip
        app.register_blueprint(module.blueprint)
    errors.register(app)
    headers.register(app)
    input.register(app)
    templating.register(app)
    register_commands(app.cli)
    return app


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


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_writer_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


def _secret_key(settings: Settings, instance_path: Path) -> bytes:
    """The configured key, else one made once and kept (mode 0600) in the instance folder."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _default_database(instance_path: Path) -> str:
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / DEFAULT_DATABASE}"

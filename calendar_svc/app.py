"""The Flask application factory: the one place where settings, database and views meet.

What views and commands share (services, sessions, the request's now) is in
:mod:`calendar_svc.extensions`; views import that, never this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc import extensions
from calendar_svc.ops import logs, redaction
from calendar_svc.settings import Settings, load_settings
from feeds.feed import FeedCache, FeedSettings
from models import make_engine, make_session_factory
from models.db import writer
from notifications.config import NotificationConfig, NotificationSettings
from notifications.digest import DigestSchedule
from notifications.ledger import RetryPolicy
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy

DEFAULT_DATABASE = "calendar-svc.sqlite3"


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    overrides: Mapping[str, Any] | None = None,
    *,
    clock: Callable[[], dt.datetime] = wall_clock,
    sessions: tuple[sessionmaker[Session], sessionmaker[Session]] | None = None,
) -> Flask:
    """Build the web app (also the context of every ``calendar-svc`` command).

    Args:
        overrides: configuration applied last, as nested TOML-like mappings,
            e.g. ``{"database": {"url": "sqlite:///x.db"}}``.
        clock: what "now" is for requests (tests pass a fixed one).
        sessions: the readers' and the writers' session factories, instead of
            ones on the engine: tests bind them to one connection in a
            transaction they roll back afterwards. The one statement of a
            feed request, sent outside the ORM, then goes on that connection.
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
        rhythm=settings.series,
    )
    secret = _secret_key(settings, Path(app.instance_path))
    readers, writers = sessions or (
        make_session_factory(engine),
        make_session_factory(writer(engine)),
    )
    # Sessions bound to one connection (tests that roll a site back) see what
    # that connection holds: statements sent outside the ORM use it too.
    bound = readers.kw.get("bind")
    joined = (
        (lambda: contextlib.nullcontext(bound.connection))
        if isinstance(bound, Connection)
        else None
    )
    app.extensions[extensions.EXTENSION] = extensions.Services(
        settings,
        engine,
        readers,
        feed_settings,
        FeedCache(feeds.cache_size, feeds.cache_bytes),
        clock,
        writers,
        _notification_config(settings, engine.url.render_as_string(hide_password=False), secret),
        secret=secret,
        driver_connections=joined,
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
    app.before_request(extensions.set_now)
    app.teardown_appcontext(extensions.close_sessions)
    redaction.install(app.logger.name, *redaction.LOGGERS)

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
        series,
        subscriptions,
        templating,
        unsubscribe,
        users,
    )
    from calendar_svc.web import feeds as feed_views

    app.session_interface = auth.CookieSessions()
    csrf = CSRFProtect(app)
    # Their secret token is the authorisation; the API and the feeds are read-only.
    csrf.exempt(unsubscribe.blueprint)
    csrf.exempt(api.blueprint)
    csrf.exempt(feed_views.blueprint)
    for module in (
        health, feed_views, unsubscribe, auth, dashboard, sections, series, events,
        documents, subscriptions, users, api,
    ):  # fmt: skip
        app.register_blueprint(module.blueprint)
    errors.register(app)
    headers.register(app)
    input.register(app)
    templating.register(app)
    return app


def _notification_config(
    settings: Settings, database_url: str, secret: bytes
) -> NotificationConfig:
    """What the mail commands and the scheduler's jobs take from ``settings``."""
    reminders, digest = settings.reminders, settings.digest
    return NotificationConfig(
        database_url=database_url,
        smtp=settings.smtp,
        settings=NotificationSettings(
            context=MailContext(
                base_url=settings.base_url, sender=settings.mail_from, secret=secret
            ),
            policy=ReminderPolicy(
                overdue_horizon_days=reminders.overdue_horizon_days, rhythm=settings.series
            ),
            retry=RetryPolicy(
                max_attempts=reminders.max_attempts,
                retry=dt.timedelta(minutes=reminders.retry_minutes),
                lease=dt.timedelta(minutes=reminders.lease_minutes),
            ),
            schedule=DigestSchedule(
                day=digest.day,
                time=digest.time,
                timezone=digest.timezone,
                upcoming_weeks=digest.upcoming_weeks,
            ),
        ),
        pass_minutes=reminders.pass_minutes,
    )


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

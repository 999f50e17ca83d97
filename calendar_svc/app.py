"""The Flask application factory: the one place where settings, database and views meet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc import redaction
from calendar_svc.settings import Settings, load_settings
from feeds.feed import FeedCache, FeedSettings
from models import make_engine, make_session_factory

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
    url = settings.database.url or _default_database(Path(app.instance_path))
    engine = make_engine(url)
    feeds = settings.feeds
    feed_settings = FeedSettings(
        refresh=dt.timedelta(minutes=feeds.refresh_minutes),
        coarse_as_marker=feeds.coarse_windows == "marker",
        cancelled_days=feeds.cancelled_days,
        past_days=feeds.past_days or None,
        cache_size=feeds.cache_size,
    )
    app.extensions[EXTENSION] = Services(
        settings,
        engine,
        make_session_factory(engine),
        feed_settings,
        FeedCache(feeds.cache_size),
        clock,
    )
    app.teardown_appcontext(_close_session)
    redaction.install(app.logger.name, *redaction.LOGGERS)

    from calendar_svc.cli import register_commands
    from calendar_svc.web import errors, health
    from calendar_svc.web import feeds as feed_views

    app.register_blueprint(health.blueprint)
    app.register_blueprint(feed_views.blueprint)
    errors.register(app)
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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _default_database(instance_path: Path) -> str:
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / DEFAULT_DATABASE}"

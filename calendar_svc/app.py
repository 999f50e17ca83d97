"""The Flask application factory: the one place where settings, database and views meet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.settings import Settings, load_settings
from models import make_engine, make_session_factory

EXTENSION = "calendar_svc"
DEFAULT_DATABASE = "calendar-svc.sqlite3"


@dataclass(frozen=True)
class Services:
    """What the app factory builds once and every request, command or job shares."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app (also the context of every ``calendar-svc`` command).

    Args:
        overrides: configuration applied last, as nested TOML-like mappings,
            e.g. ``{"database": {"url": "sqlite:///x.db"}}``.
    """
    app = Flask("calendar_svc", instance_relative_config=True)
    settings = load_settings(overrides=overrides)
    url = settings.database.url or _default_database(Path(app.instance_path))
    engine = make_engine(url)
    app.extensions[EXTENSION] = Services(settings, engine, make_session_factory(engine))
    app.teardown_appcontext(_close_session)

    from calendar_svc.cli import register_commands
    from calendar_svc.web import health

    app.register_blueprint(health.blueprint)
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

"""Configuration: the default TOML, an optional file, the environment, overrides.

The order is fixed (later wins): ``config/default.toml`` (bundled in the wheel as
``calendar_svc/default.toml``), the file named by ``CALENDAR_SVC_CONFIG``,
environment variables ``CALENDAR_SVC_<SECTION>_<KEY>`` (``CALENDAR_SVC_<KEY>``
for top-level keys), then ``overrides`` from the caller (tests, ``--db``).
The result is validated into a frozen :class:`Settings`; an unknown key or a
value of the wrong type is a :class:`~calendar_svc.errors.ConfigError`, so a
typo in a deployment file fails loudly instead of being ignored.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calendar_svc.errors import ConfigError
from feeds.feed import MAX_PAST_DAYS
from models.rhythm import RhythmSettings
from notifications.digest import DAYS
from notifications.mail import SmtpSettings

ENV_PREFIX = "CALENDAR_SVC_"
#: Variables of the prefix that are not settings: the configuration file, the
#: clock of the command line, and the test suite's PostgreSQL database.
NON_CONFIG_ENV = frozenset(
    {"CALENDAR_SVC_CONFIG", "CALENDAR_SVC_NOW", "CALENDAR_SVC_TEST_DATABASE_URL"}
)
#: At most this many ``[feeds] past_days_choices``.
MAX_PAST_DAYS_CHOICES = 16


@dataclass(frozen=True)
class DatabaseSettings:
    #: SQLAlchemy URL; empty means the embedded SQLite file in the instance folder.
    url: str


@dataclass(frozen=True)
class IngestSettings:
    max_bytes: int
    #: A PDF with more pages is refused (the note has about 100).
    max_pages: int
    #: Date cells read by OCR with a confidence (0-100) under this are listed
    #: for a person to check (the import's summary, the dashboard); 0: none.
    ocr_review_below: int

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pages"):
            if getattr(self, name) < 1:
                raise ConfigError(f"ingest.{name} must be at least 1")
        if not 0 <= self.ocr_review_below <= 100:
            raise ConfigError("ingest.ocr_review_below must be from 0 to 100")


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    #: gunicorn worker processes in production (calendar_svc/ops/server.py).
    workers: int

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError("server.workers must be at least 1")


@dataclass(frozen=True)
class FeedsSettings:
    refresh_minutes: int
    #: "marker" or "span" (see config/default.toml).
    coarse_windows: str
    cancelled_days: int
    #: 0 keeps every past occurrence.
    past_days: int
    #: Rendered feeds kept per process, at most ...
    cache_size: int
    #: ... and their bytes (bodies plus feeds.feed.ENTRY_OVERHEAD each), at most.
    cache_bytes: int
    #: What a URL's ?past_days=N is rounded up to; above the largest, all is kept.
    past_days_choices: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.coarse_windows not in ("marker", "span"):
            raise ConfigError(
                f"feeds.coarse_windows must be 'marker' or 'span', not {self.coarse_windows!r}"
            )
        for name in ("refresh_minutes", "cache_size", "cache_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"feeds.{name} must be at least 1")
        for name in ("cancelled_days", "past_days"):
            if getattr(self, name) < 0:
                raise ConfigError(f"feeds.{name} must not be negative")
        choices = self.past_days_choices
        # Each choice multiplies the renderings of a feed a token holder can ask for.
        if (
            not all(isinstance(d, int) and 0 <= d <= MAX_PAST_DAYS for d in choices)
            or len(choices) > MAX_PAST_DAYS_CHOICES
        ):
            raise ConfigError(
                f"feeds.past_days_choices must be at most {MAX_PAST_DAYS_CHOICES} whole numbers"
                f" of days from 0 to {MAX_PAST_DAYS}"
            )
        object.__setattr__(self, "past_days_choices", tuple(sorted(set(choices))))


@dataclass(frozen=True)
class RemindersSettings:
    firm_days: tuple[int, ...]
    tentative_days: int
    overdue_horizon_days: int
    pass_minutes: int
    max_attempts: int
    retry_minutes: int
    lease_minutes: int

    def __post_init__(self) -> None:
        if not all(isinstance(d, int) and d >= 1 for d in self.firm_days):
            raise ConfigError("reminders.firm_days must be whole numbers of days, at least 1")
        for name in ("tentative_days", "pass_minutes", "max_attempts", "retry_minutes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"reminders.{name} must be at least 1")


@dataclass(frozen=True)
class DigestSettings:
    day: str
    time: str
    timezone: str
    upcoming_weeks: int

    def __post_init__(self) -> None:
        if self.day not in DAYS:
            raise ConfigError(f"digest.day must be mon..sun, not {self.day!r}")
        hour, _, minute = self.time.partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise ConfigError(f"digest.time must be HH:MM, not {self.time!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"digest.timezone {self.timezone!r} is not a time zone") from None


@dataclass(frozen=True)
class LoggingSettings:
    #: "text" for people reading a terminal, "json" (one object a line) for a log collector.
    format: str
    #: The least severe level logged: DEBUG, INFO, WARNING, ERROR or CRITICAL.
    level: str

    def __post_init__(self) -> None:
        if self.format not in ("text", "json"):
            raise ConfigError(f"logging.format must be 'text' or 'json', not {self.format!r}")
        if self.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(
                f"logging.level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {self.level!r}"
            )


@dataclass(frozen=True)
class AuthSettings:
    """Sessions, API tokens and trusted browsers (``calendar_svc.users``)."""

    #: A session ends this long after sign-in, however busy.
    session_hours: int
    #: ... and this long after its last request.
    idle_minutes: int
    #: New API tokens expire after this many days unless told otherwise; 0: never.
    token_days: int
    #: A browser that signed in is trusted for this long (it may still sign in
    #: while others' failures lock the account).
    device_days: int

    def __post_init__(self) -> None:
        for name in ("session_hours", "device_days"):
            if getattr(self, name) < 1:
                raise ConfigError(f"auth.{name} must be at least 1")
        if self.idle_minutes < 5:
            # The last request is recorded to within a minute (auth.TOUCH_INTERVAL).
            raise ConfigError("auth.idle_minutes must be at least 5")
        if self.token_days < 0:
            raise ConfigError("auth.token_days must not be negative")


@dataclass(frozen=True)
class Settings:
    base_url: str
    secret_key: str = field(repr=False)
    database: DatabaseSettings
    ingest: IngestSettings
    server: ServerSettings
    feeds: FeedsSettings
    smtp: SmtpSettings
    mail_from: str
    reminders: RemindersSettings
    series: RhythmSettings
    digest: DigestSettings
    logging: LoggingSettings
    auth: AuthSettings


def default_config_text() -> str:
    """Return the text of the default configuration file.

    A wheel carries it inside the package; an editable install or a checkout
    reads ``config/default.toml`` beside the packages.
    """
    bundled = resources.files("calendar_svc").joinpath("default.toml")
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "config" / "default.toml").read_text(
        encoding="utf-8"
    )


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build the settings from the four layers.

    Args:
        env: the environment to read (``os.environ`` when None).
        overrides: nested mapping applied last, e.g. ``{"database": {"url": ...}}``.

    Raises:
        ConfigError: a file cannot be read, or a key or value is not valid.
    """
    env = os.environ if env is None else env
    defaults = tomllib.loads(default_config_text())
    merged = copy.deepcopy(defaults)
    config_file = env.get("CALENDAR_SVC_CONFIG")
    if config_file:
        _merge(merged, _read_file(Path(config_file)), defaults, where=config_file)
    _merge(merged, _from_env(env, defaults), defaults, where="environment")
    if overrides:
        _merge(merged, overrides, defaults, where="overrides")
    return Settings(
        base_url=merged["base_url"].rstrip("/"),
        secret_key=merged["secret_key"],
        database=DatabaseSettings(**merged["database"]),
        ingest=IngestSettings(**merged["ingest"]),
        server=ServerSettings(**merged["server"]),
        feeds=FeedsSettings(
            **{
                **merged["feeds"],
                "past_days_choices": tuple(merged["feeds"]["past_days_choices"]),
            }
        ),
        smtp=_smtp_settings(merged["smtp"]),
        mail_from=merged["mail"]["from"],
        reminders=RemindersSettings(
            **{**merged["reminders"], "firm_days": tuple(merged["reminders"]["firm_days"])}
        ),
        series=_series_settings(merged["series"]),
        digest=DigestSettings(**merged["digest"]),
        logging=LoggingSettings(**merged["logging"]),
        auth=AuthSettings(**merged["auth"]),
    )


def _series_settings(series: Mapping[str, Any]) -> RhythmSettings:
    if not 0 < series["tolerance"] < 1:
        raise ConfigError("series.tolerance must be a fraction between 0 and 1")
    if series["min_held"] < 2:
        raise ConfigError("series.min_held must be at least 2 (one interval)")
    if series["max_spread"] <= 0:
        raise ConfigError("series.max_spread must be above 0")
    return RhythmSettings(**series)


def _smtp_settings(smtp: Mapping[str, Any]) -> SmtpSettings:
    """``[smtp]`` as the mailer takes it (``timeout_seconds`` is its ``timeout``)."""
    if smtp["security"] not in ("starttls", "ssl", "none"):
        raise ConfigError(f"smtp.security must be starttls, ssl or none, not {smtp['security']!r}")
    return SmtpSettings(
        host=smtp["host"],
        port=smtp["port"],
        security=smtp["security"],
        username=smtp["username"],
        password=smtp["password"],
        timeout=smtp["timeout_seconds"],
    )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc


def _from_env(env: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Map ``CALENDAR_SVC_*`` variables onto the keys the defaults define."""
    known: dict[str, tuple[str | None, str]] = {}
    for key, value in defaults.items():
        if isinstance(value, dict):
            for sub in value:
                known[f"{ENV_PREFIX}{key}_{sub}".upper()] = (key, sub)
        else:
            known[f"{ENV_PREFIX}{key}".upper()] = (None, key)
    result: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name in NON_CONFIG_ENV:
            continue
        if name not in known:
            raise ConfigError(f"{name} is not a configuration setting")
        section, key = known[name]
        default = defaults[section][key] if section else defaults[key]
        value = _coerce(raw, default, name)
        if section:
            result.setdefault(section, {})[key] = value
        else:
            result[key] = value
    return result


def _coerce(raw: str, default: Any, name: str) -> Any:
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}={raw!r} is not a boolean")
    if isinstance(default, int):
        try:
            return int(raw.replace("_", ""))
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if isinstance(default, list):
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if default and isinstance(default[0], int):
            try:
                return [int(part) for part in parts]
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a list of whole numbers") from None
        return parts
    return raw


def _merge(
    target: dict[str, Any], layer: Mapping[str, Any], defaults: Mapping[str, Any], *, where: str
) -> None:
    """Merge ``layer`` into ``target``, checking keys and types against ``defaults``."""
    for key, value in layer.items():
        if key not in defaults:
            raise ConfigError(f"unknown configuration key {key!r} in {where}")
        default = defaults[key]
        if isinstance(default, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"[{key}] in {where} must be a table")
            _merge(target[key], value, default, where=f"{where} [{key}]")
            continue
        if type(value) is not type(default):
            raise ConfigError(
                f"{key} in {where} must be {type(default).__name__}, not {type(value).__name__}"
            )
        target[key] = value

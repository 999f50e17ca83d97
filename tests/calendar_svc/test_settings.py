"""Configuration layers: defaults, a file, the environment, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calendar_svc.app import create_app
from calendar_svc.errors import ConfigError
from calendar_svc.extensions import services
from calendar_svc.settings import load_settings


def test_defaults_come_from_the_default_file() -> None:
    settings = load_settings(env={})
    assert settings.database.url == ""
    assert settings.ingest.max_bytes == 20_000_000
    assert settings.ingest.ocr_review_below == 80
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8000)
    assert settings.base_url == "http://127.0.0.1:8000"


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "prod.toml"
    config.write_text(
        'base_url = "https://cal.example.eu/"\n[server]\nport = 9000\nhost = "0.0.0.0"\n'
    )
    env = {
        "CALENDAR_SVC_CONFIG": str(config),
        "CALENDAR_SVC_SERVER_PORT": "9100",
        "CALENDAR_SVC_DATABASE_URL": "sqlite:///env.db",
        "CALENDAR_SVC_NOW": "2024-02-06",
    }
    settings = load_settings(env=env, overrides={"database": {"url": "sqlite:///override.db"}})
    assert settings.base_url == "https://cal.example.eu"
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9100)
    assert settings.database.url == "sqlite:///override.db"


@pytest.mark.parametrize(
    ("env", "file_text", "message"),
    [
        (
            {"CALENDAR_SVC_SERVER_PORTT": "1"},
            None,
            "CALENDAR_SVC_SERVER_PORTT is not a configuration setting",
        ),
        ({"CALENDAR_SVC_SERVER_PORT": "eighty"}, None, "is not an integer"),
        ({}, "[server]\nport = '8000'\n", "port in"),
        ({}, "[smtpp]\nhost = 'x'\n", "unknown configuration key 'smtpp'"),
        ({"CALENDAR_SVC_SMTP_SECURITY": "tls"}, None, "smtp.security must be starttls, ssl or"),
        ({}, "not toml = = =", "is not valid TOML"),
        ({"CALENDAR_SVC_LOGGING_FORMAT": "xml"}, None, "logging.format must be 'text' or 'json'"),
        ({}, "[logging]\nlevel = 'loud'\n", "logging.level must be DEBUG, INFO"),
        ({"CALENDAR_SVC_FEEDS_CACHE_BYTES": "0"}, None, "feeds.cache_bytes must be at least 1"),
        ({}, "[feeds]\npast_days_choices = [7, -1]\n", "feeds.past_days_choices must be"),
        ({}, f"[feeds]\npast_days_choices = {list(range(17))}\n", "at most 16 whole numbers"),
        (
            {"CALENDAR_SVC_INGEST_OCR_REVIEW_BELOW": "101"},
            None,
            "ingest.ocr_review_below must be from 0 to 100",
        ),
        ({}, "[ingest]\nocr_review_below = -1\n", "ingest.ocr_review_below must be from 0"),
        ({}, "[ingest]\nocr_review_below = 80.5\n", "ocr_review_below in .* must be int"),
    ],
)
def test_mistakes_in_configuration_are_errors(
    tmp_path: Path, env: dict[str, str], file_text: str | None, message: str
) -> None:
    if file_text is not None:
        path = tmp_path / "c.toml"
        path.write_text(file_text)
        env = env | {"CALENDAR_SVC_CONFIG": str(path)}
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_the_production_example_is_valid_and_logs_json() -> None:
    example = Path(__file__).parents[2] / "config" / "production.example.toml"
    settings = load_settings(env={"CALENDAR_SVC_CONFIG": str(example)})
    assert (settings.logging.format, settings.logging.level) == ("json", "INFO")
    assert load_settings(env={}).logging.format == "text"


def test_a_missing_config_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_settings(env={"CALENDAR_SVC_CONFIG": "/nonexistent/calendar.toml"})


def test_the_app_factory_wires_settings_and_database(tmp_path: Path) -> None:
    app = create_app({"database": {"url": f"sqlite:///{tmp_path / 'x.db'}"}})
    with app.app_context():
        assert services().engine.url.database == str(tmp_path / "x.db")
    assert app.test_client().get("/healthz").status_code == 503  # no schema yet


def test_the_app_factory_hands_the_notifications_their_settings(tmp_path: Path) -> None:
    app = create_app(
        {
            "base_url": "https://cal.example.eu",
            "secret_key": "k",
            "database": {"url": f"sqlite:///{tmp_path / 'x.db'}"},
            "smtp": {"host": "mail.example.eu", "port": 465, "security": "ssl"},
            "mail": {"from": "Calendar <calendar@example.eu>"},
            "reminders": {"pass_minutes": 7, "retry_minutes": 2, "overdue_horizon_days": 30},
            "digest": {"day": "fri", "time": "17:30"},
        }
    )
    with app.app_context():
        config = services().notifications
    assert config.database_url == f"sqlite:///{tmp_path / 'x.db'}"
    assert (config.smtp.address, config.smtp.security, config.smtp.timeout) == (
        "mail.example.eu:465",
        "ssl",
        30,
    )
    context = config.settings.context
    assert (context.base_url, context.sender, context.secret) == (
        "https://cal.example.eu",
        "Calendar <calendar@example.eu>",
        b"k",
    )
    assert config.settings.policy.overdue_horizon_days == 30
    assert config.settings.retry.retry == dt.timedelta(minutes=2)
    assert (config.settings.schedule.day, config.settings.schedule.time) == ("fri", "17:30")
    assert config.pass_minutes == 7
    assert "sqlite" not in repr(config)  # the URL may hold the database's password

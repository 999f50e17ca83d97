"""Logs as ``[logging]`` says, text or JSON lines, with no token or password in them."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, make_url, select, text
from sqlalchemy.exc import DBAPIError

from calendar_svc.ops import logs
from calendar_svc.ops.redaction import redact
from calendar_svc.settings import LoggingSettings, load_settings
from models import Subscriber, derive_token
from tests.helpers.apps import SECRET, FeedSite, services_of
from tests.helpers.commands import Run
from tests.helpers.servers import gunicorn

FEED_TOKEN = derive_token(SECRET, "nonce-of-the-log-test")
UNSUBSCRIBE_TOKEN = secrets.token_urlsafe(24)
API_TOKEN = secrets.token_urlsafe(32)
DATABASE_PASSWORD = "pg-pass/word-9f3a"
DATABASE_URL = f"postgresql+psycopg://calendar_svc:{DATABASE_PASSWORD}@db.internal/calendar_svc"
SECRETS = (FEED_TOKEN, UNSUBSCRIBE_TOKEN, API_TOKEN, DATABASE_PASSWORD)


@pytest.fixture
def configure() -> Iterator[Any]:
    """Configure logging as a test says; the default configuration again afterwards."""
    yield lambda fmt: logs.configure(LoggingSettings(format=fmt, level="INFO"))
    logs.configure(load_settings().logging)


def log_every_kind_of_secret() -> None:
    log = logging.getLogger("tests.logs")
    log.info(
        "feed https://cal.example.eu/feeds/%s/all.ics, unsubscribe /unsubscribe/%s, database %s",
        FEED_TOKEN,
        UNSUBSCRIBE_TOKEN,
        DATABASE_URL,
    )
    log.warning("API request with header Authorization: Bearer %s", API_TOKEN)
    try:
        raise ConnectionError(f"cannot reach {DATABASE_URL}")
    except ConnectionError:
        log.exception("database down")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tokens_and_passwords_are_redacted_in_both_formats(
    fmt: str, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(fmt)
    log_every_kind_of_secret()
    err = capsys.readouterr().err
    for secret in SECRETS:
        assert secret not in err
    assert "/feeds/<redacted>/all.ics" in err
    assert "/unsubscribe/<redacted>" in err
    # As SQLAlchemy itself shows a URL without its password.
    assert make_url(DATABASE_URL).render_as_string(hide_password=True) in err
    assert "Authorization: Bearer <redacted>" in err
    assert "ConnectionError: cannot reach postgresql+psycopg://calendar_svc:***@" in err


def test_json_logs_are_one_object_a_line(
    configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("json")
    log_every_kind_of_secret()
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["level"], e["logger"]) for e in entries] == [
        ("INFO", "tests.logs"),
        ("WARNING", "tests.logs"),
        ("ERROR", "tests.logs"),
    ]
    for entry in entries:
        assert dt.datetime.fromisoformat(entry["time"]).utcoffset() == dt.timedelta(0)
    assert entries[0]["message"].startswith("feed https://cal.example.eu/feeds/<redacted>/all.ics")
    assert entries[2]["message"] == "database down"
    assert entries[2]["exception"].startswith("Traceback (most recent call last):")
    assert entries[2]["exception"].endswith("calendar_svc:***@db.internal/calendar_svc")
    assert "exception" not in entries[0]


@pytest.mark.usefixtures("configure")
def test_the_logging_level_is_applied(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(LoggingSettings(format="text", level="warning"))
    logging.getLogger("tests.logs").info("not shown")
    logging.getLogger("tests.logs").warning("shown")
    err = capsys.readouterr().err
    assert "not shown" not in err
    assert " WARNING tests.logs: shown" in err


def calendar_svc() -> str:
    script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
    assert script is not None
    return script


def test_a_command_writes_json_lines_on_stderr(run: Run, database: str, tmp_path: Path) -> None:
    """The scheduler, a real process, logs JSON from its start to its SIGTERM."""
    assert run("init-db").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALENDAR_SVC_")} | {
        "CALENDAR_SVC_SECRET_KEY": SECRET.decode(),
        "CALENDAR_SVC_LOGGING_FORMAT": "json",
    }
    with subprocess.Popen(
        [calendar_svc(), "--db", database, "scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as scheduler:
        assert scheduler.stderr is not None
        # Should it never log, it is killed, its stderr ends and the test fails.
        watchdog = threading.Timer(60, scheduler.kill)
        watchdog.start()
        try:
            lines = []
            for line in scheduler.stderr:
                lines.append(line)
                # Stopped once the jobs of its start have run and it waits for
                # the next: a SIGTERM in the middle of APScheduler handing out
                # jobs can make it fail (JobLookupError), not the logging.
                if "executed successfully" in line:
                    break
            scheduler.send_signal(signal.SIGTERM)
            lines += scheduler.stderr.read().splitlines()
            scheduler.wait(timeout=60)
        finally:
            watchdog.cancel()
            if scheduler.poll() is None:  # the test failed above: leave nothing running
                scheduler.kill()
    assert scheduler.returncode == 0, "\n".join(lines)
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry)
    messages = {(e["logger"], e["message"]) for e in entries}
    assert ("apscheduler.scheduler", "Scheduler started") in messages
    assert any(
        logger == "notifications.scheduler" and message.startswith("scheduler stopping")
        for logger, message in messages
    )


def test_gunicorn_logs_json_without_tokens(feed_site: FeedSite, tmp_path: Path) -> None:
    """gunicorn's access log takes the app's format once a worker has loaded the app."""
    access_log = tmp_path / "access.log"
    database = services_of(feed_site.app).engine.url.render_as_string(hide_password=False)
    app = ("--workers", "1", "--access-logfile", str(access_log), "calendar_svc:create_app()")
    with gunicorn(database, *app, env={"CALENDAR_SVC_LOGGING_FORMAT": "json"}) as base:
        url = f"{base}/feeds/{feed_site.token}/section/serbia.ics"
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
    text = access_log.read_text()
    assert feed_site.token not in text
    [entry] = [json.loads(line) for line in text.splitlines()]
    assert (entry["level"], entry["logger"]) == ("INFO", "gunicorn.access")
    assert '"GET /feeds/<redacted>/section/serbia.ics HTTP/1.1" 200' in entry["message"]


#: What an attacker would like a log to show after a line break of theirs.
FORGED = "1999-01-01 00:00:00,000 CRITICAL forged: admin signed in"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_line_break_in_a_logged_path_forges_no_record(
    fmt: str, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue finding 6: a path decoded from "%0a" (or "%0d", U+2028, ESC) stays in its record."""
    configure(fmt)
    path = f"/events/x\n{FORGED}\r\n{FORGED}\u2028{FORGED}\x1b[2J"
    log = logging.getLogger("tests.logs")
    log.info("GET %s", path)
    try:
        raise LookupError(f"no event at {path}")
    except LookupError:
        log.exception("Exception on %s [GET]", path)
    lines = capsys.readouterr().err.split("\n")[:-1]
    assert not [line for line in lines if FORGED in line.split(" ", 1)[0] + line[:24]]
    if fmt == "json":
        entries = [json.loads(line) for line in lines]
        assert [e["message"] for e in entries] == [
            f"GET /events/x\\n{FORGED}\\r\\n{FORGED}\\u2028{FORGED}\\x1b[2J",
            f"Exception on /events/x\\n{FORGED}\\r\\n{FORGED}\\u2028{FORGED}\\x1b[2J [GET]",
        ]
        assert entries[1]["exception"].startswith("Traceback (most recent call last):\n")
        assert "\r" not in entries[1]["exception"]
        return
    record = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|ERROR) tests\.logs: ")
    assert [bool(record.match(line)) for line in lines] == [True, True] + [False] * (len(lines) - 2)
    assert all(line.startswith(logs.CONTINUATION) for line in lines[2:])
    assert lines[2] == "  Traceback (most recent call last):"
    # The exception's own line breaks continue the record, indented; the rest is escaped.
    assert lines[-3:] == [
        "  LookupError: no event at /events/x",
        f"  {FORGED}\\r",
        f"  {FORGED}\\u2028{FORGED}\\x1b[2J",
    ]


#: A feed token and an unsubscribe token (of the first form) as paths may spell them.
SPELLINGS = [
    "/feeds/{feed}/all.ics",
    "/feeds//{feed}/all.ics",
    "/feeds///{feed}/mine.ics",
    "/feeds/%{feed_first:02X}{feed_rest}/all.ics",
    "/feeds/%{feed_first:02x}{feed_rest}/all.ics",
    "/feeds%2F{feed}/all.ics",
    "/feeds%2f%2F{feed}/all.ics",
    "/feeds%252F{feed}/all.ics",
    "/%66eeds/{feed}/all.ics",
    "/FEEDS/{feed}/all.ics",
    "/feeds/./{feed}/all.ics",
    "/feeds/\n{feed}/all.ics",
    "https://cal.example.eu/feeds/{feed}/section/serbia.ics?past_days=90",
    "/unsubscribe/{unsubscribe}",
    "/unsubscribe//{unsubscribe}",
    "/unsubscribe/%{unsubscribe_first:02X}{unsubscribe_rest}",
    "/Unsubscribe%2f{unsubscribe}",
    "/login?next=%2Ffeeds%2F{feed}%2Fall.ics",
    "/login?next=%2funsubscribe%2F%2F{unsubscribe}&x=1",
    "/login?next=/feeds/{feed}/mine.ics",
    "/calendar?token={unsubscribe}",
    "Exception on /unsubscribe/{unsubscribe} [GET]",
    "'/feeds/{feed}'",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_secret_path_is_redacted(spelling: str) -> None:
    """Issue finding 7: gunicorn's %(r)s writes the path as sent, %(U)s decoded."""
    line = spelling.format(
        feed=FEED_TOKEN,
        feed_first=ord(FEED_TOKEN[0]),
        feed_rest=FEED_TOKEN[1:],
        unsubscribe=UNSUBSCRIBE_TOKEN,
        unsubscribe_first=ord(UNSUBSCRIBE_TOKEN[0]),
        unsubscribe_rest=UNSUBSCRIBE_TOKEN[1:],
    )
    redacted = redact(line)
    assert "<redacted>" in redacted
    for secret in (FEED_TOKEN, UNSUBSCRIBE_TOKEN):
        assert secret[4:] not in redacted


def test_file_names_under_feeds_stay_readable_in_tracebacks() -> None:
    line = 'File "/srv/calendar-svc/feeds/feed.py", line 12, in render_feed'
    assert redact(line) == line


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_real_database_errors_parameters_are_redacted(
    fmt: str, connection: Connection, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue finding 6: SQLAlchemy's [parameters: ...] may hold a token, a password hash
    or the note's text; they are blanked wholesale, and the literals of its [SQL: ...]."""
    configure(fmt)
    log = logging.getLogger("tests.logs")
    statements = [
        # An unknown column, as when the code is newer than the schema.
        (
            text("SELECT id FROM subscribers WHERE email = 'a@b.eu' AND nope = :t"),
            {"t": UNSUBSCRIBE_TOKEN},
        ),
    ]
    if connection.dialect.name == "postgresql":
        # PostgreSQL's text cannot hold NUL: psycopg refuses the parameter itself.
        statements.append(
            (select(Subscriber.id).filter_by(unsubscribe_token=UNSUBSCRIBE_TOKEN + "\x00"), {})
        )
    for statement, parameters in statements:
        savepoint = connection.begin_nested()
        with pytest.raises(DBAPIError) as caught:
            connection.execute(statement, parameters)
        savepoint.rollback()
        assert UNSUBSCRIBE_TOKEN in str(caught.value)  # what the log must not show
        log.error("Exception on /unsubscribe/%s [GET]", UNSUBSCRIBE_TOKEN, exc_info=caught.value)
    err = capsys.readouterr().err
    assert UNSUBSCRIBE_TOKEN[4:] not in err
    assert "a@b.eu" not in err
    if fmt == "json":
        err = "\n".join(json.loads(line).get("exception", "") for line in err.splitlines())
    assert err.count("[parameters: <redacted>]") == len(statements)
    assert "[SQL: SELECT" in err

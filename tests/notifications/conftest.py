"""Notification settings and an SMTP mailer for the tests (the server: ``tests.helpers.smtp``),
and the installed ``calendar-svc`` started as real processes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, create_engine, text

from notifications.digest import DigestSchedule
from notifications.jobs import NotificationSettings
from notifications.ledger import RetryPolicy
from notifications.mail import SmtpMailer, SmtpSettings
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy
from tests.helpers.apps import SECRET
from tests.helpers.smtp import BASE_URL, SmtpServer


@pytest.fixture
def settings() -> NotificationSettings:
    return NotificationSettings(
        context=MailContext(BASE_URL, "Calendar <calendar@example.eu>", SECRET),
        policy=ReminderPolicy(overdue_horizon_days=90),
        retry=RetryPolicy(
            max_attempts=3, retry=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=10)
        ),
        schedule=DigestSchedule(),
    )


@pytest.fixture
def mailer(smtp: SmtpServer) -> SmtpMailer:
    return SmtpMailer(SmtpSettings("127.0.0.1", smtp.port, security="none", timeout=10))


Start = Callable[..., subprocess.Popen[str]]


def script(name: str = "calendar-svc") -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found is not None
    return found


@pytest.fixture
def cli(database: str, tmp_path: Path) -> Start:
    """Start ``calendar-svc --db <database> ARGS`` sending mail to ``smtp_port``."""

    def start(
        *args: str, smtp_port: int, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        environment = os.environ | {
            "CALENDAR_SVC_SMTP_HOST": "127.0.0.1",
            "CALENDAR_SVC_SMTP_PORT": str(smtp_port),
            "CALENDAR_SVC_SMTP_SECURITY": "none",
            "CALENDAR_SVC_SMTP_TIMEOUT_SECONDS": "60",
            "CALENDAR_SVC_BASE_URL": BASE_URL,
            **(env or {}),
        }
        return subprocess.Popen(
            [script(), "--db", database, *args],
            env=environment,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def rows(database: str, query: str) -> list[Row[Any]]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


def ledger_states(database: str) -> Counter[str]:
    return Counter(state for (state,) in rows(database, "SELECT state FROM reminder_ledger"))


def delivered_exactly_once(smtp: SmtpServer, per_recipient: Mapping[str, int]) -> None:
    """Every mail arrived once: no Message-ID twice, and each recipient got their count."""
    ids = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert [i for i, n in ids.items() if n > 1] == []
    assert Counter(m["X-Envelope-To"] for m in smtp.inbox.messages) == per_recipient

"""Notification settings and an SMTP mailer for the tests (the server: ``tests.helpers.smtp``),
and the installed ``calendar-svc`` started as real processes (``tests.helpers.commands``)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from notifications.config import NotificationSettings
from notifications.digest import DigestSchedule
from notifications.ledger import RetryPolicy
from notifications.mail import SmtpMailer, SmtpSettings
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy
from tests.helpers.apps import SECRET
from tests.helpers.commands import Start, script
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

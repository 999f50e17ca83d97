"""Notification settings and an SMTP mailer for the tests (the server: ``tests.smtp``)."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.digest import DigestSchedule
from notifications.jobs import NotificationSettings
from notifications.ledger import RetryPolicy
from notifications.mail import SmtpMailer, SmtpSettings
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy
from tests.conftest import SECRET
from tests.smtp import BASE_URL, SmtpServer


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

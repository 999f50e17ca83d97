"""What the notifications take from the service's configuration, typed.

The app factory (``calendar_svc.app.create_app``) builds one
:class:`NotificationConfig` from the loaded settings; the commands and the
scheduler's jobs are handed it. This package does not read configuration
files or the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.digest import DigestSchedule
from notifications.ledger import RetryPolicy
from notifications.mail import SmtpSettings
from notifications.messages import MailContext
from notifications.rules import ReminderPolicy


@dataclass(frozen=True)
class NotificationSettings:
    """What a pass needs besides its sessions and mailer."""

    context: MailContext
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    schedule: DigestSchedule = field(default_factory=DigestSchedule)


@dataclass(frozen=True)
class NotificationConfig:
    """What a command or a scheduler job needs to run passes (``notifications.jobs.runtime``)."""

    #: SQLAlchemy URL, password included: each job opens and disposes its own engine.
    database_url: str = field(repr=False)
    smtp: SmtpSettings
    settings: NotificationSettings
    #: How often the scheduler runs a reminder pass.
    pass_minutes: int

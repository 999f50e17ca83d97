"""Sending mail: a small interface, SMTP for real, a recorder for unit tests.

:class:`SmtpMailer` speaks SMTP with STARTTLS, implicit TLS or neither, and
logs in when credentials are configured. Every failure becomes
:class:`DeliveryFailed` with a one-line reason (never the password).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol


class DeliveryFailed(Exception):
    """The message could not be handed to the mail server; the reason is one line."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    #: "starttls", "ssl" or "none".
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if not s.host:
            raise DeliveryFailed("mail is not configured (smtp.host is empty)")
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise DeliveryFailed(f"{s.host}:{s.port}: {reason}") from exc

    def check(self) -> None:
        """Connect and greet the server (``calendar-svc check``); raise DeliveryFailed if not."""
        s = self.settings
        if not s.host:
            raise DeliveryFailed("mail is not configured (smtp.host is empty)")
        try:
            cls = smtplib.SMTP_SSL if s.security == "ssl" else smtplib.SMTP
            with cls(s.host, s.port, timeout=s.timeout) as client:
                client.noop()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{s.host}:{s.port}: {exc}") from exc


@dataclass
class RecordingMailer:
    """Keeps messages instead of sending them; ``fail_with`` makes every send fail."""

    messages: list[EmailMessage] = field(default_factory=list)
    fail_with: str | None = None

    def send(self, message: EmailMessage) -> None:
        if self.fail_with:
            raise DeliveryFailed(self.fail_with)
        self.messages.append(message)

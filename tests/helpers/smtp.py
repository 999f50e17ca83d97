"""A real SMTP server for the tests: aiosmtpd on loopback, restartable."""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

BASE_URL = "https://cal.example.eu"
# aiosmtpd logs each connection at INFO from its own thread; under the app's
# logging that lands in whatever stderr a later command's test is capturing.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Inbox:
    """What the server received: one parsed message per recipient."""

    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)
    #: Called with each message before the server answers the DATA command: the
    #: moment the sender waits for the answer that says the mail is taken.
    on_message: Callable[[EmailMessage], None] | None = None

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        for recipient in envelope.rcpt_tos:
            message = message_from_bytes(envelope.content, policy=policy.default)
            message["X-Envelope-To"] = recipient
            self.messages.append(message)  # type: ignore[arg-type]
            if self.on_message is not None:
                self.on_message(message)  # type: ignore[arg-type]
        with self.changed:
            self.arrived.set()
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float) -> bool:
        """Whether ``count`` messages have arrived within ``timeout`` seconds."""
        with self.changed:
            return self.changed.wait_for(lambda: len(self.messages) >= count, timeout)

    def subjects(self, to: str | None = None) -> list[str]:
        return sorted(
            str(m["Subject"]) for m in self.messages if to is None or m["X-Envelope-To"] == to
        )


class SmtpServer:
    """aiosmtpd on a fixed loopback port, that can be stopped and started again."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "CALENDAR_SVC_SMTP_HOST": "127.0.0.1",
            "CALENDAR_SVC_SMTP_PORT": str(self.port),
            "CALENDAR_SVC_SMTP_SECURITY": "none",
            "CALENDAR_SVC_BASE_URL": BASE_URL,
            "CALENDAR_SVC_MAIL_FROM": "Calendar <calendar@example.eu>",
        }


def delivered_exactly_once(smtp: SmtpServer, per_recipient: Mapping[str, int]) -> None:
    """Every mail arrived once: no Message-ID twice, and each recipient got their count."""
    ids = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert [i for i, n in ids.items() if n > 1] == []
    assert Counter(m["X-Envelope-To"] for m in smtp.inbox.messages) == per_recipient

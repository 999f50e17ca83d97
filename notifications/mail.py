"""Sending mail: a small interface, SMTP for real, a recorder for unit tests.

:class:`SmtpMailer` speaks SMTP with STARTTLS, implicit TLS or neither, and
logs in when credentials are configured. It sends the bytes
:func:`wire_bytes` makes, not ``smtplib.send_message``'s: that one flattens
with ``mangle_from_=True``, which turns every body line starting "From " into
">From ". A mail with 8-bit text goes out as such with ``BODY=8BITMIME`` when
the server offers 8BITMIME, and quoted-printable (7-bit) when it does not.

Every failure becomes :class:`DeliveryFailed` with a one-line reason that says
what to change where it can (``[smtp] security`` or ``port``), and never holds
the password.
"""

from __future__ import annotations

import base64
import copy
import email.policy
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Protocol


class DeliveryFailed(Exception):
    """The message could not be handed to the mail server; the reason is one line."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


#: How mails are flattened for SMTP: CRLF line ends, long headers kept whole
#: (as ``notifications.messages.POLICY``), and never a "From " line mangled
#: (that is the generator's choice, made in :func:`wire_bytes`).
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)
#: The ports whose use is fixed by RFC 8314 and RFC 6409: 465 speaks TLS from
#: the first byte, 587 and 25 start in plain text and offer STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({465})
PLAIN_START_PORTS = frozenset({25, 587})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    #: "starttls", "ssl" or "none".
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def port_mismatch(settings: SmtpSettings) -> str | None:
    """Why ``security`` does not fit the (well-known) port, or None if it does.

    >>> port_mismatch(SmtpSettings("mail.example.eu", 465, security="starttls"))
    'security "starttls" on port 465, which expects TLS from the start: set [smtp] security = "ssl"'
    >>> port_mismatch(SmtpSettings("mail.example.eu", 587, security="ssl"))
    'security "ssl" on port 587, which starts in plain text: set [smtp] security = "starttls"'
    >>> port_mismatch(SmtpSettings("mail.example.eu", 587)) is None
    True
    """
    if settings.port in IMPLICIT_TLS_PORTS and settings.security != "ssl":
        return (
            f'security "{settings.security}" on port {settings.port}, which expects TLS'
            ' from the start: set [smtp] security = "ssl"'
        )
    if settings.port in PLAIN_START_PORTS and settings.security == "ssl":
        return (
            f'security "ssl" on port {settings.port}, which starts in plain text:'
            ' set [smtp] security = "starttls"'
        )
    return None


def is_8bit(message: EmailMessage) -> bool:
    """Whether a part of ``message`` is sent with ``Content-Transfer-Encoding: 8bit``."""
    return any(
        str(part.get("Content-Transfer-Encoding", "")).lower() == "8bit" for part in message.walk()
    )


def seven_bit(message: EmailMessage) -> EmailMessage:
    """A copy of ``message`` whose 8-bit text parts are quoted-printable instead."""
    copied = copy.deepcopy(message)
    for part in copied.walk():
        if str(part.get("Content-Transfer-Encoding", "")).lower() == "8bit":
            part.set_content(
                part.get_content(), subtype=part.get_content_subtype(), cte="quoted-printable"
            )
    return copied


def wire_bytes(message: EmailMessage, *, utf8: bool = False) -> bytes:
    """``message`` as it goes over SMTP: CRLF, unmangled "From " lines, ``.`` not yet doubled.

    >>> m = EmailMessage()
    >>> m.set_content("Hello\\nFrom the Council note\\n")
    >>> wire_bytes(m).split(b"\\r\\n\\r\\n", 1)[1]
    b'Hello\\r\\nFrom the Council note\\r\\n'
    """
    policy = WIRE_POLICY.clone(utf8=True) if utf8 else WIRE_POLICY
    return message.as_bytes(policy=policy)


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        sender = [address for _name, address in getaddresses([str(message["From"])])]
        recipients = [
            address
            for _name, address in getaddresses(
                [str(value) for key in ("To", "Cc") for value in message.get_all(key, [])]
            )
        ]
        try:
            with self._session() as client:
                if s.username:
                    client.login(s.username, s.password)
                options: list[str] = []
                international = not "".join([*sender, *recipients]).isascii()
                if international:
                    if not client.has_extn("smtputf8"):
                        raise DeliveryFailed(
                            f"{s.address} does not offer SMTPUTF8, which an address"
                            " with non-ASCII characters needs"
                        )
                    options = ["SMTPUTF8", "BODY=8BITMIME"]
                elif is_8bit(message):
                    if client.has_extn("8bitmime"):
                        options = ["BODY=8BITMIME"]
                    else:
                        message = seven_bit(message)
                client.sendmail(
                    sender[0] if sender else "",
                    recipients,
                    wire_bytes(message, utf8=international),
                    mail_options=options,
                )
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(self._reason(exc)) from exc

    def check(self) -> None:
        """Connect, greet and start TLS as a send does; raise DeliveryFailed if that fails.

        Does not log in: ``/healthz`` calls it, and a failed login shows as
        the last error of the mails waiting to retry.
        """
        try:
            with self._session() as client:
                client.noop()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(self._reason(exc)) from exc

    def _session(self) -> smtplib.SMTP:
        """A connected client that has said EHLO, over TLS if so configured."""
        s = self.settings
        if not s.host:
            raise DeliveryFailed("mail is not configured (smtp.host is empty)")
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryFailed(
                        f"STARTTLS not offered by {s.address}; set [smtp] security"
                        ' ("none" for a server without TLS, "ssl" for TLS from the start)'
                    )
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
        except BaseException:
            client.close()
            raise
        return client

    def _reason(self, exc: BaseException) -> str:
        """One line on why ``exc`` happened, with a hint on the settings, never the password."""
        s = self.settings
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            reason = f"login as {s.username!r} refused: {reason}"
        if isinstance(exc, ssl.SSLError) and s.security == "ssl":
            reason += "; does the port speak TLS from the start? else set [smtp] security"
        if hint := port_mismatch(s):
            reason += f"; {hint}"
        return _redact(f"{s.address}: {reason}", s)


def _redact(text: str, settings: SmtpSettings) -> str:
    """``text`` without the password, plain or in the base64 of AUTH PLAIN and LOGIN."""
    if not settings.password:
        return text
    user, password = settings.username, settings.password
    secrets = {
        password,
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
    }
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass
class RecordingMailer:
    """Keeps messages instead of sending them; ``fail_with`` makes every send fail."""

    messages: list[EmailMessage] = field(default_factory=list)
    fail_with: str | None = None

    def send(self, message: EmailMessage) -> None:
        if self.fail_with:
            raise DeliveryFailed(self.fail_with)
        self.messages.append(message)

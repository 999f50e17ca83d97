"""What goes over the wire: unmangled "From " lines, 8BITMIME or 7-bit, reasons for failures.

One aiosmtpd server on loopback for the module; its handler keeps each
envelope as received (the bytes and the MAIL FROM parameters) and can stop
offering 8BITMIME.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from notifications.mail import DeliveryFailed, SmtpMailer, SmtpSettings
from notifications.messages import POLICY

#: The footer line smtplib.send_message turned into ">From the Council note".
FOOTER = "From the Council note on external cooperation in migration (LIMITE): do not forward."
#: A line that a generator with ``mangle_from_=True`` wrote.
MANGLED = re.compile(rb"(?m)^>From ")
TEXT = f"Kick-off in Brüssel · Thu 14 Mar\n. a line with a leading dot\n--\n{FOOTER}\n"


@dataclass
class Raw:
    envelopes: list[Envelope] = field(default_factory=list)
    without_8bitmime: bool = False

    async def handle_EHLO(
        self, server: SMTP, session: SmtpSession, envelope: Envelope, hostname: str,
        responses: list[str],
    ) -> list[str]:  # fmt: skip
        session.host_name = hostname
        if self.without_8bitmime:
            return [r for r in responses if r[4:].upper() != "8BITMIME"]
        return responses

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Raw, int]]:
    handler = Raw()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def raw(server: tuple[Raw, int]) -> Iterator[Raw]:
    handler, _port = server
    yield handler
    handler.envelopes.clear()
    handler.without_8bitmime = False


@pytest.fixture
def mailer(server: tuple[Raw, int]) -> SmtpMailer:
    return SmtpMailer(SmtpSettings("127.0.0.1", server[1], security="none", timeout=10))


def mail() -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = "Calendar <calendar@example.eu>"
    message["To"] = "desk@example.eu"
    message["Subject"] = "Thu 14 Mar: Kick-off"
    message.set_content(TEXT)
    message.add_alternative(f"<p>Kick-off in Brüssel</p>\n<p>\n{FOOTER}\n</p>\n", subtype="html")
    return message


def body_options(envelope: Envelope) -> list[str]:
    """The MAIL FROM parameters that say how the body is encoded (not SIZE)."""
    return [o for o in envelope.mail_options if o.upper().startswith(("BODY=", "SMTPUTF8"))]


def received(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    parsed = message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_8bit_mail_goes_out_as_built_with_body_8bitmime(raw: Raw, mailer: SmtpMailer) -> None:
    mailer.send(mail())
    (envelope,) = raw.envelopes
    assert body_options(envelope) == ["BODY=8BITMIME"]
    assert (envelope.mail_from, envelope.rcpt_tos) == ("calendar@example.eu", ["desk@example.eu"])
    assert isinstance(envelope.content, bytes)
    assert not MANGLED.search(envelope.content)
    assert f"\r\n{FOOTER}\r\n".encode() in envelope.content
    assert "Brüssel · Thu 14 Mar".encode() in envelope.content  # 8-bit, as built
    body = received(envelope).get_body(preferencelist=("plain",))
    assert body is not None
    assert (
        body.get_content().replace("\r\n", "\n") == TEXT
    )  # the leading dot survived SMTP's dot-stuffing


def test_a_server_without_8bitmime_gets_quoted_printable(raw: Raw, mailer: SmtpMailer) -> None:
    raw.without_8bitmime = True
    mailer.send(mail())
    (envelope,) = raw.envelopes
    assert body_options(envelope) == []
    assert isinstance(envelope.content, bytes)
    assert envelope.content.isascii()
    assert not MANGLED.search(envelope.content)
    message = received(envelope)
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        assert part is not None
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        content = part.get_content().replace("\r\n", "\n")
        assert "Brüssel" in content
        assert f"\n{FOOTER}\n" in content


def test_starttls_not_offered_says_what_to_set(server: tuple[Raw, int], raw: Raw) -> None:
    port = server[1]
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", port, security="starttls", timeout=10))
    for attempt in (lambda: mailer.send(mail()), mailer.check):
        with pytest.raises(DeliveryFailed) as failed:
            attempt()
        assert str(failed.value).startswith(
            f"STARTTLS not offered by 127.0.0.1:{port}; set [smtp] security"
        )
    assert raw.envelopes == []


def test_implicit_tls_against_a_plain_server_says_what_to_check(server: tuple[Raw, int]) -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", server[1], security="ssl", timeout=10))
    with pytest.raises(DeliveryFailed) as failed:
        mailer.check()
    assert str(failed.value).startswith(f"127.0.0.1:{server[1]}: ")
    assert "does the port speak TLS from the start? else set [smtp] security" in str(failed.value)


def test_a_reason_never_holds_the_password() -> None:
    """Whatever a server echoes back, the password (plain or base64) is not kept."""
    settings = SmtpSettings("mail.example.eu", 587, username="desk", password="hunter2!")
    plain = base64.b64encode(b"\0desk\0hunter2!").decode()
    echoed = smtplib.SMTPAuthenticationError(535, f"bad {plain} hunter2!".encode())
    reason = SmtpMailer(settings)._reason(echoed)
    assert "hunter2" not in reason
    assert plain not in reason
    assert reason == "mail.example.eu:587: login as 'desk' refused: (535, b'bad *** ***')"


def test_the_reminder_footer_is_never_mangled_over_smtp(raw: Raw, mailer: SmtpMailer) -> None:
    """A mail as notifications.messages builds it, footer and all."""
    from types import SimpleNamespace

    from notifications.messages import MailContext, build_message
    from tests.helpers.apps import SECRET

    entry = SimpleNamespace(id=1, rule=SimpleNamespace(value="open"), due_date=dt.date(2024, 1, 1))
    message = build_message(
        to="desk@example.eu",
        subject="Q1 2024: A meeting (tbc; window open until Sun 31 Mar)",
        text=TEXT,
        html=f"<p>\n{FOOTER}\n</p>\n",
        entry=entry,  # type: ignore[arg-type]
        now=dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC),
        context=MailContext("https://cal.example.eu", "Calendar <calendar@example.eu>", SECRET),
        unsubscribe="https://cal.example.eu/unsubscribe/x",
    )
    mailer.send(message)
    (envelope,) = raw.envelopes
    assert isinstance(envelope.content, bytes)
    assert not MANGLED.search(envelope.content)
    assert envelope.content.count(f"\r\n{FOOTER}\r\n".encode()) == 2  # text and HTML
    assert body_options(envelope) == ["BODY=8BITMIME"]

"""Keeping secrets out of logs: tokens in URLs and headers, passwords in URLs.

:class:`RedactSecrets` rewrites every record it sees, message and exception
text, so that ``/feeds/<token>/...`` is logged as ``/feeds/<redacted>/...``,
a database URL as SQLAlchemy shows it with ``hide_password=True``
(``postgresql://user:***@host/db``) and an ``Authorization: Bearer`` token as
``Bearer <redacted>``. It sits on the loggers that see request paths (so any
handler gets redacted records) and on the handlers ``calendar_svc.logs``
installs (so every record does).
"""

from __future__ import annotations

import logging
import re

_SECRET_IN_PATH = re.compile(r"(/(?:feeds|unsubscribe)/)[A-Za-z0-9_-]{16,}")
#: The password of a URL's user info, read as SQLAlchemy reads one (anything but
#: "@" up to the "@"): a password with "/" in it must not slip through. The cost
#: is that "scheme://host:port/path...@..." is redacted too.
_PASSWORD_IN_URL = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@]+(?=@)")
#: API tokens (``calendar-svc users token``) as an HTTP header carries them.
_BEARER_TOKEN = re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
#: Loggers that see request paths.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
_TRACEBACKS = logging.Formatter()


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # Formatters reuse exc_text once it is set, so the traceback they print
        # is the redacted one.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def redact(text: str) -> str:
    """Return ``text`` with tokens and passwords replaced.

    >>> redact('"GET /feeds/abcdefghijklmnopqrstuvwxyz/all.ics HTTP/1.1" 200')
    '"GET /feeds/<redacted>/all.ics HTTP/1.1" 200'
    >>> redact("cannot connect to postgresql+psycopg://app:s3cr/et@db.internal/cal")
    'cannot connect to postgresql+psycopg://app:***@db.internal/cal'
    >>> redact("Authorization: Bearer Zm9vYmFy-0123_abc")
    'Authorization: Bearer <redacted>'
    """
    text = _SECRET_IN_PATH.sub(r"\1<redacted>", text)
    text = _PASSWORD_IN_URL.sub(r"\1***", text)
    return _BEARER_TOKEN.sub(r"\1<redacted>", text)


def install(*logger_names: str) -> None:
    """Put the filter on each named logger (once)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

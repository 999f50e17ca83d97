"""Keeping secrets out of logs: feed and unsubscribe tokens travel in URLs.

:class:`RedactSecrets` rewrites every record of the loggers it is put on
(werkzeug's request log, the app's own) so that ``/feeds/<token>/...`` is
logged as ``/feeds/<redacted>/...``.
"""

from __future__ import annotations

import logging
import re

_SECRET_IN_PATH = re.compile(r"(/(?:feeds|unsubscribe)/)[A-Za-z0-9_-]{16,}")
#: Loggers that see request paths.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact(text: str) -> str:
    """>>> redact('"GET /feeds/abcdefghijklmnopqrstuvwxyz/all.ics HTTP/1.1" 200')
    '"GET /feeds/<redacted>/all.ics HTTP/1.1" 200'
    """
    return _SECRET_IN_PATH.sub(r"\1<redacted>", text)


def install(*logger_names: str) -> None:
    """Put the filter on each named logger (once)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

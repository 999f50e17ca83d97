"""How every process logs: one handler on stderr, text or JSON lines, secrets redacted.

:func:`configure` is called by the app factory, so each ``calendar-svc``
command (the scheduler among them), the development server and every gunicorn
worker log alike, as ``[logging]`` says. gunicorn's own handlers (error and
access log) get the same format. Whatever the format, records pass
:class:`~calendar_svc.ops.redaction.RedactSecrets` on the way out.

A record is one line, whatever it quotes: a request path decoded by gunicorn
or werkzeug may hold "%0a", and a line break there must not start a line that
reads as another record. Both formats write control characters of a message
as escapes (:func:`escape_controls`); the text format writes a traceback's
lines indented under its record, the JSON format inside the record's object.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import TextIO, cast

from flask.logging import wsgi_errors_stream

from calendar_svc.ops.redaction import RedactSecrets
from calendar_svc.settings import LoggingSettings

#: Names the handler :func:`configure` installs, so that it replaces it when called again.
HANDLER_NAME = "calendar_svc"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: gunicorn sets these up (with their own handlers, not propagating) before the app loads.
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")
#: Prefix of every line of a record after its first (a traceback) in the text
#: format: a line that reads as a record starts with its time, never blank.
CONTINUATION = "  "
#: C0 controls, DEL, C1 controls (NEL among them) and the Unicode line and
#: paragraph separators: each ends a line, or acts on a terminal, for some
#: reader of logs.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str, *, keep: str = "") -> str:
    r"""``text`` with each control character not in ``keep`` written as a Python escape.

    >>> print(escape_controls("GET /a%0a\n2024-02-06 INFO forged\r\x1b[2J\u2028"))
    GET /a%0a\n2024-02-06 INFO forged\r\x1b[2J\u2028
    >>> escape_controls("line one\nline two\t", keep="\n")
    'line one\nline two\\t'
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else repr(m.group())[1:-1], text)


class TextFormatter(logging.Formatter):
    r"""``time LEVEL logger: message`` on one line, then a traceback's lines indented.

    >>> record = logging.LogRecord("calendar_svc", logging.ERROR, "", 0,
    ...                            "Exception on %s", ("/a\n2024-02-06 INFO forged",), None)
    >>> record.exc_text = "Traceback (most recent call last):\nValueError: /a\nb"
    >>> print(TextFormatter("%(levelname)s %(name)s: %(message)s").format(record))
    ERROR calendar_svc: Exception on /a\n2024-02-06 INFO forged
      Traceback (most recent call last):
      ValueError: /a
      b
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.formatMessage(record))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        # exc_text is left as it is: other handlers format the same record.
        for block in (record.exc_text, record.stack_info and self.formatStack(record.stack_info)):
            if block:
                lines += [CONTINUATION + escape_controls(line) for line in block.split("\n")]
        return "\n".join(lines)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, exception.

    The message's control characters are escaped before it is encoded, so that
    it reads as one line once decoded too; the exception keeps its line breaks.

    >>> record = logging.LogRecord("calendar_svc", logging.INFO, "", 0, 'said "%s"', ("hi",), None)
    >>> record.created = 1707206400.0
    >>> print(JsonFormatter().format(record))
    {"time": "2024-02-06T08:00:00.000+00:00", "level": "INFO",
     "logger": "calendar_svc", "message": "said \\"hi\\""}
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": escape_controls(record.getMessage()),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = escape_controls(record.exc_text, keep="\n")
        if record.stack_info:
            entry["stack"] = escape_controls(self.formatStack(record.stack_info), keep="\n")
        # ensure_ascii: the line separators a JSON reader may split on stay escaped too.
        return json.dumps(entry, ensure_ascii=True)


def configure(settings: LoggingSettings) -> None:
    """Log to stderr in the configured format and level; calling it again replaces the setup."""
    formatter = JsonFormatter() if settings.format == "json" else TextFormatter(TEXT_FORMAT)
    # Flask's stream: the request's wsgi.errors (gunicorn's error log) during a
    # request, else whatever sys.stderr is when the record is written.
    # A LocalProxy: typed as the proxy, it writes as the stream it stands for.
    handler = logging.StreamHandler(cast(TextIO, wsgi_errors_stream))
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for installed in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(installed)
    root.addHandler(handler)
    level = logging.getLevelNamesMapping()[settings.level.upper()]
    root.setLevel(level)
    # Alembic says at INFO which DDL implementation it uses each time the
    # migrations are inspected: on every `calendar-svc check` and /healthz probe.
    logging.getLogger("alembic").setLevel(
        level if level == logging.DEBUG else max(level, logging.WARNING)
    )
    for name in GUNICORN_LOGGERS:
        for gunicorn_handler in logging.getLogger(name).handlers:
            gunicorn_handler.setFormatter(formatter)
            if not any(isinstance(f, RedactSecrets) for f in gunicorn_handler.filters):
                gunicorn_handler.addFilter(RedactSecrets())

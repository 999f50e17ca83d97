"""How every process logs: one handler on stderr, text or JSON lines, secrets redacted.

:func:`configure` is called by the app factory, so each ``calendar-svc``
command (the scheduler among them), the development server and every gunicorn
worker log alike, as ``[logging]`` says. gunicorn's own handlers (error and
access log) get the same format. Whatever the format, records pass
:class:`~calendar_svc.redaction.RedactSecrets` on the way out.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from flask.logging import wsgi_errors_stream

from calendar_svc.redaction import RedactSecrets
from calendar_svc.settings import LoggingSettings

#: Names the handler :func:`configure` installs, so that it replaces it when called again.
HANDLER_NAME = "calendar_svc"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: gunicorn sets these up (with their own handlers, not propagating) before the app loads.
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, exception.

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
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry)


def configure(settings: LoggingSettings) -> None:
    """Log to stderr in the configured format and level; calling it again replaces the setup."""
    formatter = JsonFormatter() if settings.format == "json" else logging.Formatter(TEXT_FORMAT)
    # Flask's stream: the request's wsgi.errors (gunicorn's error log) during a
    # request, else whatever sys.stderr is when the record is written.
    handler = logging.StreamHandler(wsgi_errors_stream)
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

"""Keeping secrets out of logs: tokens in URLs and headers, passwords in URLs, SQL parameters.

:class:`RedactSecrets` rewrites every record it sees, message and exception
text, with :func:`redact`:

- the secret segment of a feed or unsubscribe path, however the URL spells
  it: ``/feeds/<token>/...`` is logged as ``/feeds/<redacted>/...`` also when
  written ``/feeds//<token>``, ``/feeds%2F<token>``, ``/%66eeds/<token>``,
  ``/feeds/%6D<rest>`` or inside a query string (``?next=%2Ffeeds%2F...``),
  because gunicorn and werkzeug decode such spellings to the same route while
  an access log writes the request line as it came (gunicorn's ``%(r)s``) or
  decoded (``%(U)s``);
- query parameters named like a secret (``?token=``, ``password=``, ...);
- a database URL as SQLAlchemy shows it with ``hide_password=True``
  (``postgresql://user:***@host/db``), and an ``Authorization: Bearer`` token
  as ``Bearer <redacted>``;
- what a database error repeats of the data: SQLAlchemy's ``[parameters:
  ...]`` wholesale (they may hold tokens, password hashes or the note's
  text), string literals in its ``[SQL: ...]`` and in PostgreSQL's ``LINE n:``
  echo, and PostgreSQL's ``DETAIL:`` lines (``Key (email)=(...)``,
  ``Failing row contains (...)``).

It sits on the loggers that see request paths (so any handler gets redacted
records) and on the handlers ``calendar_svc.ops.logs`` installs (so every record
does).
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"
#: A "/" as a URL may spell it: plain, or percent-encoded (any case, also
#: encoded again as "%252F"): werkzeug routes "/feeds%2F<token>/all.ics"
#: as "/feeds/<token>/all.ics", since gunicorn decodes the path first.
_SLASH = r"(?:/|%(?:25)*2f)"


def _spelled(word: str) -> str:
    """A pattern for ``word`` with any of its letters percent-encoded (``%66eeds``)."""
    return "".join(f"(?:{re.escape(c)}|%(?:25)*{ord(c):02x})" for c in word)


#: The segment after ``/feeds/`` or ``/unsubscribe/``: a path segment of at
#: least 16 characters (tokens have 34 or 43; "feed.py" in a traceback's file
#: names stays), after any empty or dot segments, blanks and control
#: characters (a decoded path, gunicorn's ``%(U)s``, may hold them). Whatever
#: the segment holds is the secret: a token spelled with "%6D" is still one.
_SECRET_IN_PATH = re.compile(
    rf"(?P<prefix>{_SLASH}(?:{_spelled('feeds')}|{_spelled('unsubscribe')}){_SLASH}"
    rf"(?:{_SLASH}|(?:\.|%(?:25)*2e){{1,2}}{_SLASH}|[\s\x00-\x1f\x7f-\x9f\u2028\u2029])*)"
    rf"(?:(?!%(?:25)*2f)[^\s/?#&\"'<>]){{16,}}",
    re.IGNORECASE,
)
#: Query parameters that name a secret (``?token=``, ``csrf_token=``, ``password=``).
_SECRET_PARAMETER = re.compile(
    r"(?P<prefix>[?&;](?:[\w.-]*token|password|passwd|secret)=)[^&\s\"'#]+", re.IGNORECASE
)
#: The password of a URL's user info, read as SQLAlchemy reads one (anything but
#: "@" up to the "@"): a password with "/" in it must not slip through. The cost
#: is that "scheme://host:port/path...@..." is redacted too.
_PASSWORD_IN_URL = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s@]+(?=@)")
#: API tokens (``calendar-svc users token``) as an HTTP header carries them.
_BEARER_TOKEN = re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
#: SQLAlchemy's parameters block is one line (values are repr()s); to its end,
#: since a value may hold "]".
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
#: The statement of SQLAlchemy's [SQL: ...] block (several lines), and the
#: statement PostgreSQL echoes in its "LINE 1: ..." line.
_SQL_STATEMENT = re.compile(r"\[SQL: .*?\](?=\n|$)|^LINE \d+: .*$", re.DOTALL | re.MULTILINE)
_SQL_STRING = re.compile(r"'(?:[^']|'')*'")
#: PostgreSQL's DETAIL repeats values: "Key (email)=(a@b) already exists.",
#: "Failing row contains (...)".
_DETAIL = re.compile(r"^(DETAIL:\s*).*$", re.MULTILINE)
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
    """Return ``text`` with tokens, passwords and SQL parameters replaced.

    >>> redact('"GET /feeds/abcdefghijklmnopqrstuvwxyz/all.ics HTTP/1.1" 200')
    '"GET /feeds/<redacted>/all.ics HTTP/1.1" 200'
    >>> redact('"GET /feeds//%61bcdefghijklmnopqrstuvwxyz/all.ics HTTP/1.1" 308')
    '"GET /feeds//<redacted>/all.ics HTTP/1.1" 308'
    >>> redact("GET /login?next=%2fUnsubscribe%2F%2Fabcdefghijklmnopqrstuvwxyz&x=1")
    'GET /login?next=%2fUnsubscribe%2F%2F<redacted>&x=1'
    >>> redact('File "/srv/calendar-svc/feeds/feed.py", line 12')
    'File "/srv/calendar-svc/feeds/feed.py", line 12'
    >>> redact("cannot connect to postgresql+psycopg://app:s3cr/et@db.internal/cal")
    'cannot connect to postgresql+psycopg://app:***@db.internal/cal'
    >>> redact("Authorization: Bearer Zm9vYmFy-0123_abc")
    'Authorization: Bearer <redacted>'
    >>> print(redact("(sqlite3.OperationalError) no such column: subscribers.x\\n"
    ...              "[SQL: SELECT id FROM subscribers\\nWHERE name = 'Ann' AND token = ?]\\n"
    ...              "[parameters: ('abcdefghijklmnopqrstuvwxyz', 'x]y')]"))
    (sqlite3.OperationalError) no such column: subscribers.x
    [SQL: SELECT id FROM subscribers
    WHERE name = '<redacted>' AND token = ?]
    [parameters: <redacted>]
    """
    text = _SECRET_IN_PATH.sub(rf"\g<prefix>{REDACTED}", text)
    text = _SECRET_PARAMETER.sub(rf"\g<prefix>{REDACTED}", text)
    text = _PASSWORD_IN_URL.sub(r"\1***", text)
    text = _BEARER_TOKEN.sub(rf"\1{REDACTED}", text)
    if "[parameters: " in text:
        text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    if "[SQL: " in text or "LINE " in text:
        text = _SQL_STATEMENT.sub(lambda m: _SQL_STRING.sub(f"'{REDACTED}'", m.group()), text)
    if "DETAIL:" in text:
        text = _DETAIL.sub(rf"\1{REDACTED}", text)
    return text


def install(*logger_names: str) -> None:
    """Put the filter on each named logger (once)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

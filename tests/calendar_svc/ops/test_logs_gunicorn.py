"""Issue findings 6 and 7: gunicorn's access and error logs, in both formats, hold no
token however the URL spells it, no SQL parameters, and no record forged by a line
break in a path.

gunicorn writes the request line as it came (``%(r)s``) and the path decoded
(``%(U)s``); both are in the access log format used here, with the query
(``%(q)s``) and the Referer (``%(f)s``). The database error is real: the
subscribers table lacks a column the code reads (as when new code runs before
``calendar-svc init-db``), so that looking up an unsubscribe token fails with
the token among the statement's parameters, and Flask logs the 500 with
SQLAlchemy's ``[SQL: ...]`` and ``[parameters: ...]`` in the error log.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.calendar_svc.test_subscribers import token_of
from tests.calendar_svc.web.loopback import Browser
from tests.helpers.commands import Runner
from tests.helpers.servers import gunicorn

FORMATS = ["text", "json"]
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s path=%(U)s query=%(q)s referer="%(f)s"'
#: A record of the text format starts with its time and level.
TEXT_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
)
#: Lines gunicorn writes in its own format before a worker has loaded the app.
GUNICORN_OWN = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] ")
#: What an attacker would like a log to show: a record of each format.
FORGED_TEXT = "1999-01-01 00:00:00,000 CRITICAL forged: admin signed in from 10.6.6.6"
FORGED_JSON = '{"time": "1999-01-01T00:00:00.000+00:00", "level": "CRITICAL", "logger": "forged"}'
#: A stretch of a token this long anywhere in a log, however encoded, is a leak.
WINDOW = 12


@dataclass(frozen=True)
class Site:
    """A database holding the sample note and a subscriber whose table has drifted."""

    database: str
    #: A live feed token.
    token: str
    #: The subscriber's stored unsubscribe token: links of the first form carry it.
    unsubscribe: str


@pytest.fixture
def site(imported: Runner) -> Site:
    run = imported
    assert run("subscribers", "add", "desk@example.eu", "--all").returncode == 0
    token = token_of(run("subscribers", "token", "desk@example.eu").stdout)
    engine = create_engine(run.database)
    try:
        with engine.begin() as connection:
            unsubscribe = connection.scalar(
                text("SELECT unsubscribe_token FROM subscribers WHERE email = 'desk@example.eu'")
            )
            # Every query of subscribers now fails, after binding its parameters.
            connection.execute(
                text("ALTER TABLE subscribers RENAME COLUMN wants_digest TO wants_digest_old")
            )
    finally:
        engine.dispose()
    return Site(run.database, token, unsubscribe)


def get(base: str, path: str, referer: str = "") -> int:
    """GET ``path`` from a fresh browser (no cookies), following no redirect: a 308 is
    an answer here, not a hop."""
    headers = {"Referer": referer} if referer else None
    return Browser(base, timeout=60).open(path, headers=headers).status


def serve(site: Site, fmt: str, folder: Path, requests: list[tuple[str, str]]) -> tuple[str, str]:
    """gunicorn (one worker) answers ``requests`` (path, referer); its access and error logs."""
    access, error = folder / "access.log", folder / "error.log"
    options = (
        "--workers", "1", "--access-logfile", str(access), "--error-logfile", str(error),
        "--access-logformat", ACCESS_FORMAT, "calendar_svc:create_app()",
    )  # fmt: skip
    with gunicorn(site.database, *options, env={"CALENDAR_SVC_LOGGING_FORMAT": fmt}) as base:
        for path, referer in requests:
            get(base, path, referer and base + referer)
    return access.read_text(), error.read_text()


def encoded(text: str) -> str:
    """Every character of ``text`` percent-encoded."""
    return "".join(f"%{ord(c):02X}" for c in text)


def spellings(token: str, unsubscribe: str) -> list[str]:
    """The paths that reach, or nearly reach, a secret link, each spelled another way."""
    first, rest = token[0], token[1:]
    return [
        f"/feeds/{token}/all.ics",
        f"/feeds//{token}/all.ics",  # 308 to the single slash
        f"/feeds///{token}/section/serbia.ics",
        f"/feeds/%{ord(first):02X}{rest}/all.ics",  # served: gunicorn decodes the path
        f"/feeds/%{ord(first):02x}{rest}/all.ics?past_days=90",
        f"/feeds/{encoded(token)}/all.ics",
        f"/feeds%2F{token}/all.ics",
        f"/feeds%2f%2F{token}/all.ics",
        f"/%66eeds/{token}/all.ics",
        f"/feeds/{token}/mine.ics",  # reads subscribers: a 500 with the SQL in the error log
        f"/feeds/%{ord(first):02X}{rest}/mine.ics",
        f"/unsubscribe/{unsubscribe}",  # the token is the statement's parameter
        f"/unsubscribe//{unsubscribe}",
        f"/unsubscribe/%{ord(unsubscribe[0]):02x}{unsubscribe[1:]}",
        f"/unsubscribe%2F{unsubscribe}",
        f"/Unsubscribe%2f{unsubscribe}",
        f"/login?next=%2Ffeeds%2F{token}%2Fall.ics",
        f"/login?next=%2funsubscribe%2F%2F{unsubscribe}",
        f"/login?next=/feeds//{token}/mine.ics&token={unsubscribe}",
    ]


def leaks(log: str, secret: str) -> list[str]:
    """Stretches of ``secret`` found in ``log``, as written or once or twice decoded."""
    decoded = urllib.parse.unquote(urllib.parse.unquote(log))
    return [
        secret[i : i + WINDOW]
        for i in range(len(secret) - WINDOW + 1)
        if secret[i : i + WINDOW] in log or secret[i : i + WINDOW] in decoded
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_spelling_of_a_token_and_no_sql_parameter_reaches_gunicorns_logs(
    site: Site, fmt: str, tmp_path: Path
) -> None:
    paths = spellings(site.token, site.unsubscribe)
    # The Referer of a client that followed a feed link, as %(f)s writes it.
    requests = [(path, f"/feeds//{site.token}/all.ics") for path in paths]
    access, error = serve(site, fmt, tmp_path, requests)
    for name, log in (("access", access), ("error", error)):
        for secret in (site.token, site.unsubscribe):
            assert not leaks(log, secret), f"{name} log ({fmt}):\n{log}"
    records = access.splitlines()
    assert len(records) == len(paths)
    if fmt == "json":
        records = [json.loads(line)["message"] for line in records]
    assert all(record.count("<redacted>") >= 3 for record in records), "\n".join(records)
    # The error log did get the database's error, with its parameters blanked.
    assert "[parameters: <redacted>]" in error
    assert "[SQL: SELECT" in error


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_line_break_in_a_path_forges_no_record(site: Site, fmt: str, tmp_path: Path) -> None:
    forged = [urllib.parse.quote(f"\n{FORGED_TEXT}"), urllib.parse.quote(f"\r\n{FORGED_JSON}")]
    requests = [
        *((f"/feeds/{site.token}/all.ics{f}", "") for f in forged),
        *((f"/healthz{f}", "") for f in forged),
        # A 500 (the drifted table) logged with its path, unless refused before.
        *((f"/unsubscribe/{site.unsubscribe}{f}", "") for f in forged),
    ]
    access, error = serve(site, fmt, tmp_path, requests)
    assert len(access.splitlines()) == len(requests)
    for log in (access, error):
        lines = log.splitlines()
        assert not [line for line in lines if line.startswith(("1999", '{"time": "1999'))]
        for line in lines:
            if fmt == "text":
                # A record, a traceback's indented line, or gunicorn's own.
                assert TEXT_RECORD.match(line) or line.startswith("  ") or GUNICORN_OWN.match(line)
            elif not GUNICORN_OWN.match(line):
                entry = json.loads(line)
                assert entry["logger"] != "forged"
                assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", entry["message"])
    # The line breaks are there, escaped.
    assert "\\n1999-01-01" in access

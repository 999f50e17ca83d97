"""The production command: gunicorn with the workers the settings name, and feeds
that every worker brings up to date when the data changes under them."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from icalendar import Calendar, Event

from tests.calendar_svc.test_subscribers import token_of
from tests.helpers.commands import Runner
from tests.helpers.data import V2
from tests.helpers.servers import gunicorn

WORKERS = 2
#: The end of an access log line in the format asked for: "<pid> status etag".
ACCESS = re.compile(r"<(\d+)> (\d{3}) (\S+)$", re.M)
#: Concurrent requests per round: enough that both workers answer some.
PARALLEL = 8


@dataclass(frozen=True)
class Answer:
    """One line of gunicorn's access log: which worker answered, and with what."""

    pid: int
    status: int
    etag: str


def answers(log: Path) -> list[Answer]:
    text = log.read_text() if log.exists() else ""
    return [Answer(int(pid), int(status), etag) for pid, status, etag in ACCESS.findall(text)]


def jrc(url: str) -> Event:
    """The 10th EU-Serbia Joint Readmission Committee, as the feed has it."""
    with urllib.request.urlopen(url) as response:
        calendar = Calendar.from_ical(response.read())
    (event,) = (e for e in calendar.walk("VEVENT") if "10th EU-Serbia Joint" in e["SUMMARY"])
    return event


def fetch_until_every_worker_answered(url: str, log: Path) -> list[Answer]:
    """Rounds of concurrent requests until both workers have answered; their log lines."""
    seen = len(answers(log))
    for _ in range(20):
        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(lambda _: urllib.request.urlopen(url, timeout=60).status,
                                     range(PARALLEL)))  # fmt: skip
        assert statuses == [200] * PARALLEL
        new = answers(log)[seen:]
        if len({a.pid for a in new}) == WORKERS:
            return new
    raise AssertionError("one worker answered every request")


def test_gunicorn_runs_the_configured_workers_and_each_sees_a_new_note(
    imported: Runner, tmp_path: Path
) -> None:
    run = imported
    assert run("subscribers", "add", "desk@example.eu", "--section", "serbia").returncode == 0
    token = token_of(run("subscribers", "token", "desk@example.eu").stdout)
    log = tmp_path / "access.log"
    options = ("-c", "python:calendar_svc.ops.server", "--access-logfile", str(log),
               "--access-logformat", "%(p)s %(s)s %({etag}o)s")  # fmt: skip
    workers = {"CALENDAR_SVC_SERVER_WORKERS": str(WORKERS)}
    with gunicorn(imported.database, *options, env=workers) as base:
        url = f"{base}/feeds/{token}/section/serbia.ics"
        before = fetch_until_every_worker_answered(url, log)
        assert jrc(url)["STATUS"] == "TENTATIVE"
        # The second note dates the 10th EU-Serbia JRC: a change of the data
        # version in the database, which every worker's feed cache keys on.
        assert run("ingest", str(V2), "--now", "2024-05-16").returncode == 0
        after = fetch_until_every_worker_answered(url, log)
        confirmed = jrc(url)
        assert (confirmed["STATUS"], confirmed.decoded("DTSTART")) == (
            "CONFIRMED",
            dt.date(2024, 3, 19),
        )
    assert {a.etag for a in before} != {a.etag for a in after}
    assert len({a.etag for a in before}) == len({a.etag for a in after}) == 1
    assert len({a.pid for a in before + after}) == WORKERS

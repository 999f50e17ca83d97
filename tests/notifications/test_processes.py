"""Exactly once with real processes: concurrent passes, a killed pass, SMTP down and back.

Each test runs the installed ``calendar-svc`` against one SQLite file and a
real SMTP server on loopback, and checks what arrived there.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.smtp import SmtpServer

NOTE_DAY = "2024-02-06T08:00:00+00:00"
#: The Serbia/Montenegro/North Macedonia desk (2 mails) and one who follows everything (20).
EXPECTED = 22


def script(name: str = "calendar-svc") -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found is not None
    return found


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "reminders.sqlite3")


@pytest.fixture
def cli(database: str, tmp_path: Path) -> Callable[..., subprocess.Popen[str]]:
    def start(*args: str, smtp_port: int) -> subprocess.Popen[str]:
        env = os.environ | {
            "CALENDAR_SVC_SMTP_HOST": "127.0.0.1",
            "CALENDAR_SVC_SMTP_PORT": str(smtp_port),
            "CALENDAR_SVC_SMTP_SECURITY": "none",
            "CALENDAR_SVC_SMTP_TIMEOUT_SECONDS": "60",
            "CALENDAR_SVC_BASE_URL": "https://cal.example.eu",
        }
        return subprocess.Popen(
            [script(), "--db", f"sqlite:///{database}", *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


@pytest.fixture
def prepared(cli: Callable[..., subprocess.Popen[str]], smtp: SmtpServer) -> SmtpServer:
    """The sample note and two subscribers in the database."""
    for args in (
        ["init-db"],
        ["ingest", str(SAMPLE), "--now", "2024-02-06"],
        ["subscribers", "add", "desk@example.eu", "--section", "serbia",
         "--section", "montenegro", "--section", "north-macedonia"],
        ["subscribers", "add", "all@example.eu", "--all"],
    ):  # fmt: skip
        finish(cli(*args, smtp_port=smtp.port))
    return smtp


def delivered_once(smtp: SmtpServer) -> None:
    ids = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert sum(ids.values()) == EXPECTED, sorted(ids)
    assert all(n == 1 for n in ids.values())
    per_recipient = Counter(m["X-Envelope-To"] for m in smtp.inbox.messages)
    assert per_recipient == {"desk@example.eu": 2, "all@example.eu": 20}


def ledger_states(database: str) -> Counter[str]:
    with sqlite3.connect(database) as connection:
        return Counter(
            state for (state,) in connection.execute("SELECT state FROM reminder_ledger")
        )


def test_two_passes_at_once_send_every_reminder_once(
    prepared: SmtpServer, cli: Callable[..., subprocess.Popen[str]], database: str
) -> None:
    first = cli("reminders", "run", "--now", NOTE_DAY, smtp_port=prepared.port)
    second = cli("reminders", "run", "--now", NOTE_DAY, smtp_port=prepared.port)
    outputs = [finish(first), finish(second)]
    assert all(out.startswith(f"due: {EXPECTED};") for out in outputs)
    delivered_once(prepared)
    assert ledger_states(database) == {"sent": EXPECTED}


class SilentServer:
    """Accepts SMTP connections and never answers: a pass sending to it hangs."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connected = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)
            self.connected.set()

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.socket.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_pass_killed_after_recording_is_made_good_by_the_next_once(
    prepared: SmtpServer,
    cli: Callable[..., subprocess.Popen[str]],
    database: str,
    silent: SilentServer,
) -> None:
    doomed = cli("reminders", "run", "--now", NOTE_DAY, smtp_port=silent.port)
    # It has recorded and claimed every mail, and is stuck handing the first one over.
    assert silent.connected.wait(timeout=60)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert ledger_states(database) == {"sending": EXPECTED}
    assert prepared.inbox.messages == []
    # Within the lease nobody takes the claimed mails over ...
    within = cli("reminders", "run", "--now", "2024-02-06T08:05:00+00:00", smtp_port=prepared.port)
    assert finish(within).startswith(f"due: {EXPECTED}; sent: 0,")
    # ... after it, the next pass does, once.
    after = cli("reminders", "run", "--now", "2024-02-06T08:11:00+00:00", smtp_port=prepared.port)
    assert f"sent: {EXPECTED}," in finish(after)
    delivered_once(prepared)


def test_smtp_down_then_back_loses_nothing_and_duplicates_nothing(
    prepared: SmtpServer, cli: Callable[..., subprocess.Popen[str]], database: str
) -> None:
    prepared.stop()
    down = finish(cli("reminders", "run", "--now", NOTE_DAY, smtp_port=prepared.port))
    assert f"to retry: {EXPECTED}," in down
    assert ledger_states(database) == {"pending": EXPECTED}
    prepared.start()
    early = finish(
        cli("reminders", "run", "--now", "2024-02-06T08:04:00+00:00", smtp_port=prepared.port)
    )
    assert "sent: 0," in early  # not before the backoff
    back = finish(
        cli("reminders", "run", "--now", "2024-02-06T08:05:00+00:00", smtp_port=prepared.port)
    )
    assert f"sent: {EXPECTED}," in back
    delivered_once(prepared)
    assert ledger_states(database) == {"sent": EXPECTED}


def test_the_scheduler_process_sends_beats_and_stops_on_sigterm(
    cli: Callable[..., subprocess.Popen[str]], smtp: SmtpServer, database: str, tmp_path: Path
) -> None:
    """The scheduler reads the wall clock: the note is made for tomorrow."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    note = tmp_path / "note.txt"
    note.write_text(
        f"Brussels, {tomorrow - dt.timedelta(days=2):%-d %B %Y}\n1234/99\n\n"
        "Part 1- Bilateral dialogues\n\nSERBIA\n\nKey past and upcoming events\n\n"
        f"{tomorrow:%-d %B %Y}\tEU-Serbia Joint Readmission Committee\t\n",
        encoding="utf-8",
    )
    for args in (
        ["init-db"],
        ["ingest", str(note)],
        ["subscribers", "add", "desk@example.eu", "--section", "serbia"],
    ):
        finish(cli(*args, smtp_port=smtp.port))
    scheduler = cli("scheduler", smtp_port=smtp.port)
    try:
        assert smtp.inbox.arrived.wait(timeout=60), "the first pass sent nothing"
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _out, err = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, err
    assert smtp.inbox.subjects() == [
        f"Reminder: EU-Serbia Joint Readmission Committee tomorrow ({tomorrow:%-d %B %Y})"
    ]
    assert "scheduler stopping" in err
    with sqlite3.connect(database) as connection:
        beats = connection.execute("SELECT name, beat_at FROM scheduler_heartbeats").fetchall()
    assert len(beats) == 1
    assert beats[0][0].endswith(f":{scheduler.pid}")

"""Exactly once with real processes: concurrent passes, a killed pass, SMTP down and back.
(The scheduler processes: ``test_schedulers.py``; restarts: ``test_restarts.py``.)

Each test runs the installed ``calendar-svc`` against one SQLite file and a
real SMTP server on loopback, and checks what arrived there.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.helpers.commands import Runner, Start, finish, run_all
from tests.helpers.data import SAMPLE
from tests.helpers.databases import ledger_states
from tests.helpers.smtp import SmtpServer, delivered_exactly_once

NOTE_DAY = "2024-02-06T08:00:00+00:00"
#: The Serbia/Montenegro/North Macedonia desk (2 mails) and one who follows everything
#: (20 about events, and 2 about series that turned within the last 90 days: the
#: EU-Moldova JLS Sub-committee late since 30 January 2024, the Rabat Process
#: Steering Committee stalled since 4 February; tests/notifications/test_rules.py).
EVERYTHING = 22
EXPECTED = 2 + EVERYTHING


@pytest.fixture
def prepared(run: Runner, smtp: SmtpServer) -> SmtpServer:
    """The sample note and two subscribers in the database."""
    run_all(
        run,
        ["init-db"],
        ["ingest", str(SAMPLE), "--now", "2024-02-06"],
        ["subscribers", "add", "desk@example.eu", "--section", "serbia",
         "--section", "montenegro", "--section", "north-macedonia"],
        ["subscribers", "add", "all@example.eu", "--all"],
    )  # fmt: skip
    return smtp


def delivered_once(smtp: SmtpServer) -> None:
    delivered_exactly_once(smtp, {"desk@example.eu": 2, "all@example.eu": EVERYTHING})


def test_two_passes_at_once_send_every_reminder_once(
    prepared: SmtpServer, cli: Start, database: str
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
    cli: Start,
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
    prepared: SmtpServer, cli: Start, database: str
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

"""Every process restarted at random moments of a reminder pass and a digest run:
every due mail still arrives exactly once.

Two slots each run ``reminders run`` then ``digest send`` for the same day,
against one database and a real SMTP server. A restart sends SIGTERM to every
process running at that moment and starts them again. Its moments are drawn
from a seeded random generator: while a mail of either kind is in the
middle of its DATA command (the server has it, the sender waits for the
answer), and at times after the start that fall into start-up, recording
and claiming. SIGKILL is not among them: no process can mark a mail it
cannot outlive (see ``notifications/shutdown.py``).
"""

from __future__ import annotations

import random
import subprocess
import threading
from collections import Counter
from collections.abc import Sequence
from email.message import EmailMessage

from tests.helpers.commands import Runner, Start, run_all
from tests.helpers.data import SAMPLE
from tests.helpers.databases import ledger_states
from tests.helpers.smtp import SmtpServer, delivered_exactly_once
from tests.notifications.supervisor import Supervisor

NOTE_DAY = "2024-02-06T08:00:00+00:00"
FOLLOW_ALL = [f"all{n}@example.eu" for n in range(1, 6)]
#: From reading the note: on 6 February 2024 the Serbia/Montenegro/North
#: Macedonia desk has 2 reminders due and one who follows everything 22
#: (tests/notifications/test_processes.py); each also gets the week's digest.
PER_RECIPIENT = {"desk@example.eu": 2 + 1} | dict.fromkeys(FOLLOW_ALL, 22 + 1)
REMINDERS = 2 + 22 * len(FOLLOW_ALL)
DIGESTS = 1 + len(FOLLOW_ALL)
SEED = 20240206


class RestartPlan:
    """When to restart: at chosen arrivals of each kind of mail."""

    def __init__(self, supervisor: Supervisor, rng: random.Random) -> None:
        self.supervisor = supervisor
        self.at = {
            "reminder": set(rng.sample(range(1, REMINDERS), 3)),
            "digest": set(rng.sample(range(1, DIGESTS), 2)),
        }
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def on_message(self, message: EmailMessage) -> None:
        kind = "digest" if str(message["Subject"]).startswith("Weekly digest") else "reminder"
        with self.lock:
            self.seen[kind] += 1
            due = self.seen[kind] in self.at[kind]
        if due:
            self.supervisor.restart_all()


def test_restarts_during_a_reminder_pass_and_a_digest_run_lose_and_repeat_nothing(
    cli: Start, run: Runner, smtp: SmtpServer, database: str
) -> None:
    run_all(
        run,
        ["init-db"],
        ["ingest", str(SAMPLE), "--now", "2024-02-06"],
        ["subscribers", "add", "desk@example.eu", "--section", "serbia",
         "--section", "montenegro", "--section", "north-macedonia"],
        *(["subscribers", "add", email, "--all"] for email in FOLLOW_ALL),
    )  # fmt: skip
    rng = random.Random(SEED)

    def start(args: Sequence[str]) -> subprocess.Popen[str]:
        return cli(*args, smtp_port=smtp.port)

    supervisor = Supervisor(start, max_restarts=8)
    smtp.inbox.on_message = RestartPlan(supervisor, rng).on_message
    timers = [threading.Timer(rng.uniform(0.3, 3.0), supervisor.restart_all) for _ in range(3)]
    passes = [["reminders", "run", "--now", NOTE_DAY], ["digest", "send", "--now", NOTE_DAY]]
    supervisor.run(passes, passes)
    for timer in timers:
        timer.start()
    supervisor.join()
    for timer in timers:
        timer.cancel()

    assert supervisor.errors == []
    delivered_exactly_once(smtp, PER_RECIPIENT)
    assert ledger_states(database) == {"sent": REMINDERS + DIGESTS}
    # The restarts happened, and hit both kinds of run ...
    stopped = [command for restart in supervisor.restarts for command in restart]
    assert len(supervisor.restarts) >= 5
    assert {"reminders", "digest"} <= set(stopped)
    # ... and at least one process stopped between mails with mails still in hand.
    assert any(
        f.signalled and f.returncode == 1 and "left for the next pass" in f.stdout
        for f in supervisor.finished
    ), [(f.command, f.returncode, f.stdout) for f in supervisor.finished]

"""The long-running scheduler, as real processes: one, then two against one database
(PostgreSQL in CI), restarted while they send.

The scheduler reads the wall clock, so the note is written for tomorrow, and
the digest is set for today at 00:00 in Brussels: a scheduler that starts
sends this week's digest at once (its catch-up), as one that was down at the
digest's hour does.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import subprocess
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from notifications.digest import DAYS
from tests.helpers.commands import Runner, Start, run_all
from tests.helpers.databases import ledger_states, rows
from tests.helpers.smtp import SmtpServer, delivered_exactly_once
from tests.notifications.supervisor import Supervisor

TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
TODAY_IN_BRUSSELS = dt.datetime.now(ZoneInfo("Europe/Brussels"))
DIGEST_DUE = {
    "CALENDAR_SVC_DIGEST_DAY": DAYS[TODAY_IN_BRUSSELS.weekday()],
    "CALENDAR_SVC_DIGEST_TIME": "00:00",
}


def write_note(path: Path, events: dict[str, list[str]]) -> Path:
    """A note dated two days ago listing ``events`` (titles by section heading) for tomorrow."""
    lines = [f"Brussels, {TOMORROW - dt.timedelta(days=2):%-d %B %Y}", "1234/99", ""]
    lines += ["Part 1- Bilateral dialogues", ""]
    for heading, titles in events.items():
        lines += [heading, "", "Key past and upcoming events", ""]
        lines += [f"{TOMORROW:%-d %B %Y}\t{title}\t" for title in titles]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_the_scheduler_sends_reminders_and_the_missed_digest_then_stops_on_sigterm(
    cli: Start, run: Runner, smtp: SmtpServer, database: str, tmp_path: Path
) -> None:
    note = write_note(tmp_path / "note.txt", {"SERBIA": ["EU-Serbia Joint Readmission Committee"]})
    run_all(
        run,
        ["init-db"],
        ["ingest", str(note)],
        ["subscribers", "add", "desk@example.eu", "--section", "serbia"],
    )
    scheduler = cli("scheduler", smtp_port=smtp.port, env=DIGEST_DUE)
    try:
        assert smtp.inbox.wait_for(2, timeout=90), smtp.inbox.subjects()
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _out, err = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, err
    reminder, digest = sorted(smtp.inbox.subjects(), key=lambda s: s.startswith("Weekly"))
    # Tomorrow, with its weekday, and its year only when that is next year.
    year = f" {TOMORROW.year}" if TOMORROW.year != dt.datetime.now(dt.UTC).year else ""
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[TOMORROW.weekday()]
    assert reminder == (
        f"{weekday} {TOMORROW.day} {TOMORROW:%b}{year}: EU-Serbia Joint Readmission Committee"
    )
    monday = TODAY_IN_BRUSSELS.date() - dt.timedelta(days=TODAY_IN_BRUSSELS.weekday())
    assert digest.startswith("Weekly digest: ")
    assert digest.endswith(f"(week of Mon {monday.day} {monday:%b %Y})")
    assert "scheduler stopping" in err
    beats = rows(database, "SELECT name, beat_at FROM scheduler_heartbeats")
    assert len(beats) == 1
    assert beats[0][0].endswith(f":{scheduler.pid}")


SECTIONS = {
    "SERBIA": [f"EU-Serbia expert meeting {n}" for n in range(1, 6)],
    "MONTENEGRO": [f"EU-Montenegro expert meeting {n}" for n in range(1, 6)],
}
FOLLOWERS = ["one@example.eu", "two@example.eu", "three@example.eu"]
#: One "tomorrow" reminder for each of the ten events, and the week's digest, each.
PER_RECIPIENT = dict.fromkeys(FOLLOWERS, 10 + 1)


def test_two_schedulers_restarted_while_sending_deliver_every_mail_once(
    cli: Start, run: Runner, smtp: SmtpServer, database: str, tmp_path: Path
) -> None:
    note = write_note(tmp_path / "note.txt", SECTIONS)
    run_all(
        run,
        ["init-db"],
        ["ingest", str(note)],
        *(["subscribers", "add", email, "--all"] for email in FOLLOWERS),
    )

    def start(args: Sequence[str]) -> subprocess.Popen[str]:
        return cli(*args, smtp_port=smtp.port, env=DIGEST_DUE)

    supervisor = Supervisor(start, max_restarts=4)
    rng = random.Random(20240206)
    restart_at = set(rng.sample(range(1, 30), 3))
    seen = 0

    def on_message(_message: EmailMessage) -> None:
        nonlocal seen
        seen += 1  # one aiosmtpd thread calls this: no lock needed
        if seen in restart_at:
            supervisor.restart_all()

    smtp.inbox.on_message = on_message
    supervisor.run([["scheduler"]], [["scheduler"]])
    try:
        assert smtp.inbox.wait_for(sum(PER_RECIPIENT.values()), timeout=180)
    finally:
        supervisor.stop()
        supervisor.join()

    assert supervisor.errors == []
    assert len(supervisor.restarts) == 3
    delivered_exactly_once(smtp, PER_RECIPIENT)
    assert ledger_states(database) == {"sent": sum(PER_RECIPIENT.values())}
    # Each stopped cleanly, or was stopped before it had started (default SIGTERM);
    # the heartbeats show the processes that ran: two, then more after restarts.
    for f in supervisor.finished:
        assert (f.returncode == 0 and "scheduler stopping" in f.stderr) or (
            f.returncode == -signal.SIGTERM
        ), f.stderr
    beats = {name for (name,) in rows(database, "SELECT name FROM scheduler_heartbeats")}
    assert len(beats) >= 2 + 2

"""``calendar-svc reminders|digest|check`` and the unsubscribe link, through the real script."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from models import SchedulerHeartbeat
from notifications.jobs import beat
from tests.helpers.apps import services_of
from tests.helpers.commands import Run
from tests.helpers.data import SAMPLE
from tests.helpers.smtp import SmtpServer

EMAIL = "desk@example.eu"


@pytest.fixture
def imported(run: Run) -> Run:
    for args in (
        ["init-db"],
        ["ingest", str(SAMPLE), "--now", "2024-02-06"],
        ["subscribers", "add", EMAIL, "--section", "serbia", "--section", "montenegro",
         "--section", "north-macedonia", "--remind", "10", "--remind", "2", "--tbc-lead", "45"],
    ):  # fmt: skip
        result = run(*args)
        assert result.returncode == 0, result.stderr
    return run


def test_preferences_are_kept_per_subscriber(imported: Run) -> None:
    imported("subscribers", "add", "quiet@example.eu", "--all", "--no-reminders", "--no-digest")
    listed = {
        s["email"]: s
        for s in json.loads(imported("subscribers", "list", "--format", "json").stdout)
    }
    assert (listed[EMAIL]["remind_days"], listed[EMAIL]["tbc_lead_days"]) == ([10, 2], 45)
    assert (listed[EMAIL]["reminders"], listed[EMAIL]["digest"]) == (True, True)
    quiet = listed["quiet@example.eu"]
    assert (quiet["remind_days"], quiet["reminders"], quiet["digest"]) == ([14, 7, 1], False, False)


def test_a_dry_run_lists_what_is_due_and_records_nothing(imported: Run) -> None:
    result = imported("reminders", "run", "--dry-run", "--now", "2024-02-06T08:00:00+00:00")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "due: 2; sent: 0, skipped: 0, to retry: 0, failed: 0"
    assert sorted(line.split("\t")[:3] for line in lines[:-1]) == [
        [EMAIL, "open", "2024-01-01"],
        [EMAIL, "open", "2024-01-01"],
    ]
    again = imported("reminders", "run", "--dry-run", "--now", "2024-02-06T08:00:00+00:00")
    assert again.stdout == result.stdout


def test_a_run_sends_over_smtp_and_failed_lists_nothing(imported: Run, smtp: SmtpServer) -> None:
    result = imported("reminders", "run", "--now", "2024-02-06T08:00:00+00:00", env=smtp.env)
    assert result.stdout == "due: 2; sent: 2, skipped: 0, to retry: 0, failed: 0\n"
    assert len(smtp.inbox.messages) == 2
    failed = imported("reminders", "failed")
    assert (failed.returncode, failed.stdout) == (0, "no failed mails\n")


def test_failed_mails_are_listed_and_fail_the_command(imported: Run) -> None:
    no_server = {
        "CALENDAR_SVC_SMTP_HOST": "127.0.0.1",
        "CALENDAR_SVC_SMTP_PORT": "9",
        "CALENDAR_SVC_SMTP_SECURITY": "none",
        "CALENDAR_SVC_REMINDERS_MAX_ATTEMPTS": "1",
    }
    result = imported("reminders", "run", "--now", "2024-02-06T08:00:00+00:00", env=no_server)
    summary, why = result.stdout.splitlines()
    assert summary == "due: 2; sent: 0, skipped: 0, to retry: 0, failed: 2"
    assert why.startswith("failed (2 mail(s), calendar-svc reminders failed): 127.0.0.1:9: ")
    failed = imported("reminders", "failed")
    assert failed.returncode == 1
    assert failed.stderr == "Error: 2 mail(s) failed\n"
    assert all(
        "127.0.0.1:9:" in line and "attempts 1" in line for line in failed.stdout.splitlines()
    )


def test_digest_preview_and_send(imported: Run, smtp: SmtpServer) -> None:
    preview = imported("digest", "preview", "--subscriber", EMAIL, "--now", "2024-02-06")
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith(
        "Subject: Weekly digest: 6 upcoming, 2 awaiting a date, 0 overdue"
        " (week of Mon 5 Feb 2024)\n"
    )
    assert "\n  Q1/Q2 2024 (tbc)  8" in preview.stdout
    assert "Joint Readmission Committee meeting (Montenegro; tbc)\n" in preview.stdout
    sent = imported("digest", "send", "--now", "2024-02-06T07:00:00+00:00", env=smtp.env)
    assert sent.stdout == "due: 0; sent: 1, skipped: 0, to retry: 0, failed: 0\n"
    again = imported("digest", "send", "--now", "2024-02-08T07:00:00+00:00", env=smtp.env)
    assert "sent: 0," in again.stdout
    assert [str(m["Subject"]) for m in smtp.inbox.messages] == [preview.stdout.splitlines()[0][9:]]


def test_the_unsubscribe_link_asks_then_unsubscribes(
    imported: Run, database: str, app_on: Callable[[str], Flask]
) -> None:
    app = app_on(database)
    client = app.test_client()
    # The app's clock is the wall clock: the link of a mail made today.
    today = dt.datetime.now(dt.UTC).date()
    preview = imported("digest", "preview", "--subscriber", EMAIL, "--now", today.isoformat())
    link = re.search(r"Unsubscribe from these mails: \S+(/unsubscribe/\S+)", preview.stdout)
    assert link, preview.stdout
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert b"Stop all reminder and digest mails to d***@example.eu?" in page.data
    assert EMAIL.encode() not in page.data
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    # RFC 8058 one-click: the mail client posts straight away.
    done = client.post(link.group(1), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert b"will get no more reminder or digest mails" in done.data
    listed = json.loads(imported("subscribers", "list", "--format", "json").stdout)
    assert (listed[0]["reminders"], listed[0]["digest"]) == (False, False)
    nothing = imported("reminders", "run", "--dry-run", "--now", "2024-02-06T08:00:00+00:00")
    assert nothing.stdout == "due: 0; sent: 0, skipped: 0, to retry: 0, failed: 0\n"


def test_check_reports_scheduler_mail_and_failures(
    imported: Run, database: str, smtp: SmtpServer, app_on: Callable[[str], Flask]
) -> None:
    sessions = services_of(app_on(database)).session_factory
    unhealthy = imported("check", "--now", "2024-02-06T08:00:00+00:00")
    assert unhealthy.returncode == 1
    assert unhealthy.stdout.splitlines() == [
        "database: reachable",
        "migrations: up to date",
        "scheduler: never seen (start calendar-svc scheduler)",
        "mail: mail is not configured (smtp.host is empty)",
        "failed mails: none",
        "waiting to retry: none",
    ]
    assert unhealthy.stderr == "Error: not healthy: scheduler, mail\n"
    started = dt.datetime(2024, 2, 6, 7, 0, tzinfo=dt.UTC)
    with sessions.begin() as session:
        beat(session, name="host:123", started_at=started, now=started + dt.timedelta(minutes=59))
    healthy = imported("check", "--now", "2024-02-06T08:00:00+00:00", env=smtp.env)
    assert healthy.returncode == 0, healthy.stderr
    assert f"mail: 127.0.0.1:{smtp.port} reachable" in healthy.stdout
    assert "scheduler: alive (host:123, last heartbeat 60 s ago)" in healthy.stdout
    stale = imported("check", "--now", "2024-02-06T09:00:00+00:00", env=smtp.env)
    assert stale.returncode == 1
    assert "scheduler: silent (host:123, last heartbeat 3660 s ago)" in stale.stdout
    with sessions() as session:
        assert session.scalars(select(SchedulerHeartbeat.name)).all() == ["host:123"]


def test_issue_12_mail_failures_say_why(imported: Run, smtp: SmtpServer) -> None:
    """A server without STARTTLS under the default security: every command says so."""
    starttls = smtp.env | {"CALENDAR_SVC_SMTP_SECURITY": "starttls"}
    reason = f"STARTTLS not offered by 127.0.0.1:{smtp.port}; set [smtp] security"
    waiting = (
        f"waiting to retry: 2 mail(s), attempt 2 at 2024-02-06 08:05 UTC; last error: {reason}"
    )
    run = imported("reminders", "run", "--now", "2024-02-06T08:00:00+00:00", env=starttls)
    assert run.returncode == 0, run.stderr
    summary, why = run.stdout.splitlines()
    assert summary == "due: 2; sent: 0, skipped: 0, to retry: 2, failed: 0"
    assert why.startswith(waiting)
    assert smtp.inbox.messages == []
    failed = imported("reminders", "failed")
    assert (failed.returncode, failed.stdout.splitlines()[-1]) == (0, "no failed mails")
    assert failed.stdout.startswith(waiting)
    digest = imported("digest", "send", "--now", "2024-02-06T08:00:00+00:00", env=starttls)
    assert digest.stdout.splitlines()[0] == "due: 0; sent: 0, skipped: 0, to retry: 1, failed: 0"
    # The digest's row and the reminders' share the reason: one line, three mails.
    assert digest.stdout.splitlines()[1].startswith(waiting.replace("2 mail(s)", "3 mail(s)"))
    check = imported("check", "--now", "2024-02-06T08:00:00+00:00", env=starttls)
    assert check.returncode == 1
    assert f"mail: {reason}" in check.stdout
    assert waiting.replace("2 mail(s)", "3 mail(s)") in check.stdout
    assert check.stderr.endswith(", mail, mails waiting to retry\n")
    # Security that does not fit the port is named, whatever the server says.
    on_465 = imported("check", env=smtp.env | {"CALENDAR_SVC_SMTP_PORT": "465"})
    assert (
        'mail settings: security "none" on port 465, which expects TLS from the start:'
        ' set [smtp] security = "ssl"'
    ) in on_465.stdout.splitlines()

"""The long-running scheduler process: it only ticks; the ledger decides.

Three jobs with fixed ids, added by text reference with plain arguments and
``replace_existing``: the reminder pass (every few minutes), the weekly
digest, and a heartbeat. Each also runs once at start: the catch-up after
downtime. The job store is in memory, never shared between processes:
several scheduler processes can run, the ledger's unique key keeps every
mail single. The jobs read the clock as they start: the only clock reads
of the package. Missed runs are coalesced into one. SIGTERM stops it cleanly
(:mod:`notifications.shutdown`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from notifications import shutdown
from notifications.jobs import PassReport, beat, reminder_pass, runtime, send_digests

log = logging.getLogger(__name__)


def build_scheduler(
    config: dict[str, Any], *, pass_minutes: int, now: dt.datetime
) -> BackgroundScheduler:
    """The scheduler with its three jobs (see :func:`notifications.jobs.runtime` for ``config``)."""
    digest = config["digest"]
    scheduler = BackgroundScheduler(
        timezone=digest["timezone"],
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.add_job(
        "notifications.scheduler:run_reminder_pass",
        IntervalTrigger(minutes=pass_minutes),
        id="reminder-pass",
        kwargs={"config": config},
        next_run_time=now,
        replace_existing=True,
    )
    hour, minute = digest["time"].split(":")
    scheduler.add_job(
        "notifications.scheduler:run_digest",
        CronTrigger(
            day_of_week=digest["day"],
            hour=int(hour),
            minute=int(minute),
            timezone=digest["timezone"],
        ),
        id="weekly-digest",
        kwargs={"config": config},
        next_run_time=now,
        replace_existing=True,
    )
    scheduler.add_job(
        "notifications.scheduler:run_heartbeat",
        IntervalTrigger(seconds=60),
        id="heartbeat",
        kwargs={"config": config, "started_at": now.isoformat()},
        next_run_time=now,
        replace_existing=True,
    )
    return scheduler


def log_report(job: str, report: PassReport) -> None:
    """Log what a job did and why any mail was not sent: a scheduler has no other output."""
    log.info("%s: %s", job, report)
    for reason, count in report.retry_reasons.items():
        log.warning("%s: %d mail(s) to retry: %s", job, count, reason)
    for reason, count in report.failures.items():
        log.warning("%s: %d mail(s) failed for good: %s", job, count, reason)


def run_reminder_pass(config: dict[str, Any]) -> None:
    with runtime(config) as rt:
        now = dt.datetime.now(dt.UTC)
        log_report(
            "reminder pass", reminder_pass(rt.sessions, rt.mailer, now=now, settings=rt.settings)
        )


def run_digest(config: dict[str, Any]) -> None:
    """This week's digests, once their time has come. Also run when the scheduler
    starts: a digest missed while no scheduler ran goes out then (once, the ledger sees to it)."""
    with runtime(config) as rt:
        now = dt.datetime.now(dt.UTC)
        if now >= rt.settings.schedule.moment(now):
            log_report(
                "digest", send_digests(rt.sessions, rt.mailer, now=now, settings=rt.settings)
            )


def run_heartbeat(config: dict[str, Any], started_at: str) -> None:
    with runtime(config) as rt, rt.sessions.begin() as session:
        beat(
            session,
            name=process_name(),
            started_at=dt.datetime.fromisoformat(started_at),
            now=dt.datetime.now(dt.UTC),
        )


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(config: dict[str, Any], *, pass_minutes: int) -> None:
    """Run until SIGTERM or SIGINT; running jobs finish first."""
    now = dt.datetime.now(dt.UTC)
    scheduler = build_scheduler(config, pass_minutes=pass_minutes, now=now)
    # A first heartbeat before any job: `calendar-svc check` sees the process at once.
    run_heartbeat(config, started_at=now.isoformat())

    # The signal handler only raises the flag: stopping the scheduler from
    # inside it could interrupt APScheduler halfway through handing out jobs.
    shutdown.stop_on_signals()
    scheduler.start()
    log.info("scheduler started: reminder pass every %s min", pass_minutes)
    shutdown.requested.wait()
    log.info("scheduler stopping: no new jobs; a running one stops after its mail in hand")
    scheduler.shutdown(wait=True)

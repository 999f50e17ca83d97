"""The long-running scheduler process: it only ticks; the ledger decides.

Three jobs with fixed ids, added by text reference with the frozen
:class:`~notifications.config.NotificationConfig` as argument and
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

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from notifications import shutdown
from notifications.config import NotificationConfig
from notifications.jobs import PassReport, beat, reminder_pass, runtime, send_digests

log = logging.getLogger(__name__)


def build_scheduler(config: NotificationConfig, *, now: dt.datetime) -> BackgroundScheduler:
    """The scheduler with its three jobs, each to run first at ``now``."""
    digest = config.settings.schedule
    scheduler = BackgroundScheduler(
        timezone=digest.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.add_job(
        "notifications.scheduler:run_reminder_pass",
        IntervalTrigger(minutes=config.pass_minutes),
        id="reminder-pass",
        kwargs={"config": config},
        next_run_time=now,
        replace_existing=True,
    )
    hour, minute = digest.time.split(":")
    scheduler.add_job(
        "notifications.scheduler:run_digest",
        CronTrigger(
            day_of_week=digest.day,
            hour=int(hour),
            minute=int(minute),
            timezone=digest.timezone,
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


def run_reminder_pass(config: NotificationConfig) -> None:
    with runtime(config) as rt:
        now = dt.datetime.now(dt.UTC)
        log_report(
            "reminder pass", reminder_pass(rt.sessions, rt.mailer, now=now, settings=rt.settings)
        )


def run_digest(config: NotificationConfig) -> None:
    """This week's digests, once their time has come. Also run when the scheduler
    starts: a digest missed while no scheduler ran goes out then (once, the ledger sees to it)."""
    with runtime(config) as rt:
        now = dt.datetime.now(dt.UTC)
        if now >= rt.settings.schedule.moment(now):
            log_report(
                "digest", send_digests(rt.sessions, rt.mailer, now=now, settings=rt.settings)
            )


def run_heartbeat(config: NotificationConfig, started_at: str) -> None:
    with runtime(config) as rt, rt.sessions.begin() as session:
        beat(
            session,
            name=process_name(),
            started_at=dt.datetime.fromisoformat(started_at),
            now=dt.datetime.now(dt.UTC),
        )


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(config: NotificationConfig) -> None:
    """Run until SIGTERM or SIGINT; running jobs finish first."""
    now = dt.datetime.now(dt.UTC)
    scheduler = build_scheduler(config, now=now)
    # A first heartbeat before any job: `calendar-svc check` sees the process at once.
    run_heartbeat(config, started_at=now.isoformat())

    # The signal handler only raises the flag: stopping the scheduler from
    # inside it could interrupt APScheduler halfway through handing out jobs.
    shutdown.stop_on_signals()
    scheduler.start()
    log.info("scheduler started: reminder pass every %s min", config.pass_minutes)
    shutdown.requested.wait()
    log.info("scheduler stopping: no new jobs; a running one stops after its mail in hand")
    scheduler.shutdown(wait=True)

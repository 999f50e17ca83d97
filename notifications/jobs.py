"""What the scheduler runs, and what ``calendar-svc reminders run`` runs once.

A pass is: compute what is due (``rules``), record it in the ledger and
commit, claim what is ready and commit, then for each claimed row build the
mail from the event as it stands, send it, and mark the row. Sending happens
outside any transaction; each mark is its own.

Nothing here reads the clock: ``notifications.scheduler`` does, when one of
its jobs starts, and passes ``now`` in.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models import (
    LedgerEntry,
    LedgerState,
    Rule,
    SchedulerHeartbeat,
    Subscriber,
    make_engine,
    make_session_factory,
)
from models.db import writer
from notifications import shutdown
from notifications.digest import DigestSchedule, compose_digest, week_of
from notifications.ledger import (
    RetryPolicy,
    claim,
    digest_row,
    mark_retry,
    mark_sent,
    mark_skipped,
    record,
    release,
    reminder_rows,
)
from notifications.mail import DeliveryFailed, Mailer, SmtpMailer, SmtpSettings
from notifications.messages import MailContext, compose_reminder
from notifications.rules import DueReminder, ReminderPolicy, due_reminders


@dataclass(frozen=True)
class NotificationSettings:
    context: MailContext
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    schedule: DigestSchedule = field(default_factory=DigestSchedule)


@dataclass
class PassReport:
    due: list[DueReminder] = field(default_factory=list)
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    #: Claimed but not sent because the process was asked to stop.
    given_back: int = 0
    #: Why the mails that failed their last attempt in this pass failed: reason -> count.
    failures: Counter[str] = field(default_factory=Counter)
    #: Why the mails left to retry failed this time: reason -> count.
    retry_reasons: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        text = (
            f"due: {len(self.due)}; sent: {self.sent}, skipped: {self.skipped},"
            f" to retry: {self.retrying}, failed: {self.failed}"
        )
        if self.given_back:
            text += f"; stopped, {self.given_back} left for the next pass"
        return text


def reminder_pass(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    *,
    now: dt.datetime,
    settings: NotificationSettings,
    dry_run: bool = False,
) -> PassReport:
    """Record what is due, then send whatever is ready (also earlier, unsent rows)."""
    with sessions.begin() as session:
        due = due_reminders(session, now=now, policy=settings.policy)
        if dry_run:
            session.rollback()
            return PassReport(due=due)
        record(session, reminder_rows(due, now=now), now=now)
    report = deliver(sessions, mailer, now=now, settings=settings)
    report.due = due
    return report


def send_digests(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    *,
    now: dt.datetime,
    settings: NotificationSettings,
    emails: Sequence[str] = (),
) -> PassReport:
    """Record this week's digest for every subscriber who wants one (or those named), then send."""
    week = week_of(now, settings.schedule.timezone)
    with sessions.begin() as session:
        query = select(Subscriber).where(Subscriber.wants_digest)
        if emails:
            query = query.where(Subscriber.email.in_([e.lower() for e in emails]))
        rows = [digest_row(s.id, s.email, week) for s in session.scalars(query)]
        record(session, rows, now=now)
    return deliver(sessions, mailer, now=now, settings=settings)


def deliver(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    *,
    now: dt.datetime,
    settings: NotificationSettings,
    stop: threading.Event = shutdown.requested,
) -> PassReport:
    """Claim every ready row, send it, mark it; once ``stop`` is set, give the rest back."""
    report = PassReport()
    with sessions.begin() as session:
        token, ids = claim(session, now=now, policy=settings.retry)
    for done, entry_id in enumerate(ids):
        if stop.is_set():
            with sessions.begin() as session:
                report.given_back = release(session, ids[done:], token)
            break
        with sessions() as session:
            entry = session.get(LedgerEntry, entry_id)
            assert entry is not None
            if entry.rule is Rule.DIGEST:
                message = compose_digest(
                    session,
                    entry,
                    now=now,
                    context=settings.context,
                    schedule=settings.schedule,
                    policy=settings.policy,
                )
            else:
                message = compose_reminder(session, entry, now=now, context=settings.context)
        if isinstance(message, str):
            with sessions.begin() as session:
                mark_skipped(session, entry_id, token, why=message)
            report.skipped += 1
            continue
        try:
            mailer.send(message)
        except DeliveryFailed as exc:
            with sessions.begin() as session:
                state = mark_retry(
                    session, entry_id, token, error=str(exc), now=now, policy=settings.retry
                )
            if state is LedgerState.FAILED:
                report.failed += 1
                report.failures[str(exc)] += 1
            else:
                report.retrying += 1
                report.retry_reasons[str(exc)] += 1
            continue
        with sessions.begin() as session:
            mark_sent(session, entry_id, token, now=now)
        report.sent += 1
    return report


def beat(session: Session, *, name: str, started_at: dt.datetime, now: dt.datetime) -> None:
    """Record that the scheduler process ``name`` is alive."""
    updated = session.execute(
        update(SchedulerHeartbeat).where(SchedulerHeartbeat.name == name).values(beat_at=now)
    )
    if not updated.rowcount:
        session.add(SchedulerHeartbeat(name=name, started_at=started_at, beat_at=now))
    session.flush()


@dataclass(frozen=True)
class Runtime:
    sessions: sessionmaker[Session]
    mailer: Mailer
    settings: NotificationSettings


def notification_settings(config: dict[str, Any]) -> NotificationSettings:
    """Settings from plain values (keys: see :func:`runtime`)."""
    reminders = config["reminders"]
    return NotificationSettings(
        context=MailContext(
            base_url=config["base_url"],
            sender=config["mail_from"],
            secret=bytes.fromhex(config["secret"]),
        ),
        policy=ReminderPolicy(overdue_horizon_days=reminders["overdue_horizon_days"]),
        retry=RetryPolicy(
            max_attempts=reminders["max_attempts"],
            retry=dt.timedelta(minutes=reminders["retry_minutes"]),
            lease=dt.timedelta(minutes=reminders["lease_minutes"]),
        ),
        schedule=DigestSchedule(**config["digest"]),
    )


def mailer_from(config: dict[str, Any]) -> SmtpMailer:
    smtp = config["smtp"]
    return SmtpMailer(
        SmtpSettings(
            host=smtp["host"],
            port=smtp["port"],
            security=smtp["security"],
            username=smtp["username"],
            password=smtp["password"],
            timeout=smtp["timeout_seconds"],
        )
    )


@contextmanager
def runtime(config: dict[str, Any]) -> Iterator[Runtime]:
    """Build the database, mailer and settings from plain values; dispose the engine after.

    Keys: ``database_url``; ``smtp`` (host, port, security, username, password,
    timeout_seconds); ``mail_from``; ``base_url``; ``secret`` (hex);
    ``reminders`` (overdue_horizon_days, max_attempts, retry_minutes,
    lease_minutes); ``digest`` (day, time, timezone, upcoming_weeks).
    """
    engine = make_engine(config["database_url"])
    try:
        yield Runtime(
            make_session_factory(writer(engine)), mailer_from(config), notification_settings(config)
        )
    finally:
        engine.dispose()

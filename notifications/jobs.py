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
from models.db import rowcount, writer
from notifications import shutdown
from notifications.config import NotificationConfig, NotificationSettings
from notifications.digest import DigestBuilder, compose_digest, week_of
from notifications.ledger import (
    claim,
    digest_row,
    mark_retry,
    mark_sent,
    mark_skipped,
    record,
    release,
    reminder_rows,
)
from notifications.mail import DeliveryFailed, Mailer, SmtpMailer
from notifications.messages import compose_reminder, compose_series
from notifications.rules import DueReminder, due_reminders


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
    # Made for the first digest row, then shared by the pass's digests.
    digests: DigestBuilder | None = None
    for done, entry_id in enumerate(ids):
        if stop.is_set():
            with sessions.begin() as session:
                report.given_back = release(session, ids[done:], token)
            break
        with sessions() as session:
            entry = session.get(LedgerEntry, entry_id)
            assert entry is not None
            if entry.rule is Rule.DIGEST:
                digests = digests or DigestBuilder(
                    session,
                    now=now,
                    schedule=settings.schedule,
                    policy=settings.policy,
                    context=settings.context,
                )
                message = compose_digest(session, entry, digests=digests)
            elif entry.rule is Rule.SERIES:
                message = compose_series(
                    session,
                    entry,
                    now=now,
                    context=settings.context,
                    rhythm=settings.policy.rhythm,
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
    if not rowcount(updated):
        session.add(SchedulerHeartbeat(name=name, started_at=started_at, beat_at=now))
    session.flush()


@dataclass(frozen=True)
class Runtime:
    sessions: sessionmaker[Session]
    mailer: Mailer
    settings: NotificationSettings


@contextmanager
def runtime(config: NotificationConfig) -> Iterator[Runtime]:
    """Open the database and the mailer ``config`` names; dispose the engine after."""
    engine = make_engine(config.database_url)
    try:
        yield Runtime(
            make_session_factory(writer(engine)), SmtpMailer(config.smtp), config.settings
        )
    finally:
        engine.dispose()

"""The outbox of every reminder and digest: a row first, a mail second.

A due mail is inserted under a unique key (occurrence, rule, recipient, due
date) with ``ON CONFLICT DO NOTHING``, so the key decides that it goes out at
most once, whatever the number of scheduler processes. Then a pass claims
rows (pending -> sending, with a lease), sends them, and marks them sent, or
pending again with a later attempt, or failed after the last attempt.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk, str_enum

if TYPE_CHECKING:
    from models.event import Event
    from models.subscriber import Subscriber


class Rule(StrEnum):
    #: A firm date, some days before it starts (the due date says how many).
    FIRM = "firm"
    #: A tentative or approximate window opens within the lead time.
    OPENS_SOON = "opens_soon"
    #: The window is open and the date still unconfirmed.
    OPEN = "open"
    #: The window has ended with no confirmed date.
    OVERDUE = "overdue"
    #: An event the recipient was reminded of has changed (moved, confirmed, cancelled).
    UPDATE = "update"
    #: The weekly digest (due date: the Monday of its week).
    DIGEST = "digest"
    #: A series of meetings turned late or stalled (docs/series.md; due date: the
    #: day it did; occurrence key "series-<id>-<state>").
    SERIES = "series"


class LedgerState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last attempt; listed by ``calendar-svc reminders failed``.
    FAILED = "failed"
    #: No longer worth sending when its turn came (event removed, cancelled, started).
    SKIPPED = "skipped"


class LedgerEntry(Base):
    __tablename__ = "reminder_ledger"
    __table_args__ = (
        UniqueConstraint("occurrence_key", "rule", "subscriber_id", "due_date"),
        Index("ix_reminder_ledger_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[intpk]
    #: "<event uid>-<occurrence position>" for a reminder, "<event uid>" for an
    #: update, "series-<id>-<state>" for a series, "" for a digest: never NULL,
    #: so the unique key holds on every row.
    occurrence_key: Mapped[str] = mapped_column(String(100))
    rule: Mapped[Rule] = mapped_column(str_enum(Rule, "rule"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    due_date: Mapped[dt.date]
    #: The address the mail goes to (kept if the subscriber changes theirs).
    recipient: Mapped[str] = mapped_column(String(320))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    occurrence_position: Mapped[int | None]
    #: The event's revision the mail speaks of: later changes warrant an update.
    event_revision: Mapped[int | None]
    state: Mapped[LedgerState] = mapped_column(str_enum(LedgerState, "state"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    #: When a pass claimed the row; a claim older than the lease can be taken over.
    claimed_at: Mapped[dt.datetime | None]
    #: Which pass holds the claim: only that pass may mark the row.
    claim: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]

    subscriber: Mapped[Subscriber] = relationship()
    event: Mapped[Event | None] = relationship()


class SchedulerHeartbeat(Base):
    """One row per scheduler process, touched every minute: ``check`` reads its age."""

    __tablename__ = "scheduler_heartbeats"

    #: "<host>:<pid>".
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[dt.datetime]
    beat_at: Mapped[dt.datetime]

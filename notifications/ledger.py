"""Writing to and working off the outbox (``models.ledger``).

- :func:`record` inserts due mails with ``ON CONFLICT DO NOTHING`` on the
  unique key: whichever process gets there first wins, the others do nothing.
- :func:`claim` takes every pending row whose time has come (and rows another
  pass claimed longer than the lease ago) in one ``UPDATE ... RETURNING``, so
  two processes never claim the same row.
- :func:`mark_sent`, :func:`mark_retry`, :func:`mark_skipped` close a row,
  but only for the pass that holds its claim.
- :func:`waiting_to_retry` says which mails wait for another attempt, and why.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import LedgerEntry, LedgerState, Rule
from models.db import insert_ignoring_conflicts, rowcount
from notifications.rules import DueReminder

UNIQUE_KEY = ("occurrence_key", "rule", "subscriber_id", "due_date")
BATCH = 500


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    #: Wait after the first failure; doubled after each further one.
    retry: dt.timedelta = dt.timedelta(minutes=5)
    #: A claim older than this is taken over (its pass died).
    lease: dt.timedelta = dt.timedelta(minutes=10)

    def backoff(self, attempts: int) -> dt.timedelta:
        """>>> RetryPolicy().backoff(3)
        datetime.timedelta(seconds=1200)
        """
        return self.retry * 2.0 ** (attempts - 1)


def reminder_rows(due: Sequence[DueReminder], *, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "occurrence_key": d.occurrence_key,
            "rule": d.rule,
            "subscriber_id": d.subscriber_id,
            "due_date": d.due_date,
            "recipient": d.recipient,
            "event_id": d.event_id,
            "occurrence_position": d.position,
            "event_revision": d.revision,
        }
        for d in due
    ]


def digest_row(subscriber_id: int, recipient: str, week_of: dt.date) -> dict[str, Any]:
    return {
        "occurrence_key": "",
        "rule": Rule.DIGEST,
        "subscriber_id": subscriber_id,
        "due_date": week_of,
        "recipient": recipient,
        "event_id": None,
        "occurrence_position": None,
        "event_revision": None,
    }


def record(session: Session, rows: Sequence[dict[str, Any]], *, now: dt.datetime) -> None:
    """Insert due mails as pending; a row whose key exists already is left alone."""
    statement = insert_ignoring_conflicts(session, LedgerEntry, UNIQUE_KEY)
    defaults = {
        "state": LedgerState.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    for start in range(0, len(rows), BATCH):
        chunk = [defaults | row for row in rows[start : start + BATCH]]
        session.execute(statement, chunk)
    session.flush()


def claim(session: Session, *, now: dt.datetime, policy: RetryPolicy) -> tuple[str, list[int]]:
    """Claim every row ready to send; return the claim and the rows' ids."""
    token = secrets.token_hex(16)
    ready = or_(
        and_(LedgerEntry.state == LedgerState.PENDING, LedgerEntry.next_attempt_at <= now),
        and_(LedgerEntry.state == LedgerState.SENDING, LedgerEntry.claimed_at < now - policy.lease),
    )
    ids = session.scalars(
        update(LedgerEntry)
        .where(ready)
        .values(state=LedgerState.SENDING, claimed_at=now, claim=token)
        .returning(LedgerEntry.id)
        .execution_options(synchronize_session=False)
    ).all()
    return token, sorted(ids)


def release(session: Session, entry_ids: Sequence[int], claim_token: str) -> int:
    """Give back claimed rows that were not sent: ready for the next pass at once."""
    result = session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.id.in_(entry_ids), LedgerEntry.claim == claim_token)
        .values(state=LedgerState.PENDING, claim=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def _close(session: Session, entry_id: int, claim_token: str, **values: Any) -> bool:
    result = session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.id == entry_id, LedgerEntry.claim == claim_token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(rowcount(result))


def mark_sent(session: Session, entry_id: int, claim_token: str, *, now: dt.datetime) -> bool:
    return _close(
        session, entry_id, claim_token, state=LedgerState.SENT, sent_at=now, last_error=None
    )


def mark_skipped(session: Session, entry_id: int, claim_token: str, *, why: str) -> bool:
    """The mail no longer makes sense (the event was removed, cancelled or has started)."""
    return _close(session, entry_id, claim_token, state=LedgerState.SKIPPED, last_error=why)


def mark_retry(
    session: Session,
    entry_id: int,
    claim_token: str,
    *,
    error: str,
    now: dt.datetime,
    policy: RetryPolicy,
) -> LedgerState:
    """Count a failed attempt: pending again after a backoff, or failed after the last one."""
    attempts = session.scalar(select(LedgerEntry.attempts).where(LedgerEntry.id == entry_id)) or 0
    attempts += 1
    state = LedgerState.FAILED if attempts >= policy.max_attempts else LedgerState.PENDING
    _close(
        session,
        entry_id,
        claim_token,
        state=state,
        attempts=attempts,
        next_attempt_at=now + policy.backoff(attempts),
        last_error=error[:2000],
    )
    return state


def failed_entries(session: Session) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.state == LedgerState.FAILED)
            .order_by(LedgerEntry.next_attempt_at)
        )
    )


@dataclass(frozen=True)
class Waiting:
    """Mails that failed an attempt and wait for the next one, with the same last error."""

    error: str
    count: int
    attempts: int
    next_attempt_at: dt.datetime


def waiting_to_retry(session: Session) -> list[Waiting]:
    """Pending mails that failed at least once, grouped by their last error, soonest first."""
    rows = session.execute(
        select(
            LedgerEntry.last_error,
            func.count(),
            func.max(LedgerEntry.attempts),
            func.min(LedgerEntry.next_attempt_at),
        )
        .where(
            LedgerEntry.state == LedgerState.PENDING,
            LedgerEntry.attempts > 0,
            LedgerEntry.last_error.is_not(None),
        )
        .group_by(LedgerEntry.last_error)
        .order_by(func.min(LedgerEntry.next_attempt_at), LedgerEntry.last_error)
    )
    return [
        Waiting(error or "", count, attempts, _aware(next_at))
        for error, count, attempts, next_at in rows
    ]


def _aware(moment: dt.datetime) -> dt.datetime:
    # An aggregate is not typed as the column: SQLite gives it back naive.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

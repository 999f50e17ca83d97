"""Which reminders are due, as of ``now``: computed in SQL for every subscriber at once.

For each subscriber and each occurrence they follow (not removed, not
cancelled or postponed), at most one stage is due, the latest that still
makes sense, so that a pass after downtime or for a new subscriber sends no
backlog:

- firm dates (confirmed, day or days): the reminder of the smallest lead time
  (1 day rather than 7 or 14) whose day has come; nothing once it has started;
- tentative or approximate windows: "opens soon" from the subscriber's lead
  time before the window, "open" while it is open, "overdue" once it has
  ended with no confirmed date, within the horizon (an approximate window its
  note already reported as past is not overdue: ``models.agenda``);
- an update when an event the subscriber was reminded of has since been
  moved, confirmed, cancelled or postponed.

The ledger's unique key (occurrence, rule, recipient, due date) turns "due"
into "sent at most once": these functions only say what is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from models import (
    DocumentVersion,
    Event,
    EventRevision,
    LedgerEntry,
    LedgerState,
    Occurrence,
    Rule,
    Section,
    Subscriber,
    SubscriberLeadDay,
    follows,
)
from models.agenda import is_vague, reported_as_past

#: Changes that warrant telling someone who was reminded of the event.
UPDATE_LABELS = frozenset(
    {
        "moved",
        "date confirmed",
        "date unconfirmed",
        "date narrowed",
        "cancelled",
        "postponed",
        "reinstated",
        "no longer tbc",
        "now tbc",
    }
)


@dataclass(frozen=True)
class ReminderPolicy:
    #: "Overdue tbc" only for windows that ended within this many days.
    overdue_horizon_days: int = 90


@dataclass(frozen=True)
class DueReminder:
    subscriber_id: int
    recipient: str
    rule: Rule
    due_date: dt.date
    event_id: int
    #: "<uid>-<position>" for a stage, "<uid>" for an update.
    occurrence_key: str
    position: int | None
    revision: int


def due_reminders(
    session: Session, *, now: dt.datetime, policy: ReminderPolicy
) -> list[DueReminder]:
    """Every reminder due as of ``now``: at most one per subscriber and occurrence."""
    today = now.date()
    return [*_firm(session, today), *_windows(session, today, policy), *_updates(session)]


def _thresholds(today: dt.date, days: Iterable[int]) -> Subquery:
    """(days, today + days) rows: date arithmetic SQLite and PostgreSQL share."""
    rows = sorted(set(days)) or [0]
    return union_all(
        *(
            select(
                literal(d, Integer).label("days"),
                literal(today + dt.timedelta(days=d), Date).label("until"),
            )
            for d in rows
        )
    ).subquery("thresholds")


#: What a due reminder is made of: who, which occurrence of which event.
PAIR = (
    Subscriber.id,
    Subscriber.email,
    Event.id,
    Event.uid,
    Event.revision,
    Occurrence.position,
    Occurrence.start,
    Occurrence.end,
)
#: The types of :data:`PAIR`'s columns.
Pair = tuple[int, str, int, str, int, int, dt.date, dt.date]


def _pairs(*columns: SQLColumnExpression[Any]) -> Select[*tuple[Any, ...]]:
    """Occurrences of live events x the subscribers who follow them and want reminders."""
    return (
        select(*PAIR, *columns)
        .select_from(Occurrence)
        .join(Event, Occurrence.event_id == Event.id)
        .join(Section, Event.section_id == Section.id)
        .outerjoin(DocumentVersion, Event.document_version_id == DocumentVersion.id)
        .join(Subscriber, follows(Subscriber.id, Subscriber.is_following_everything))
        .where(Subscriber.wants_reminders, not_(Event.is_removed))
    )


def _firm(session: Session, today: dt.date) -> list[DueReminder]:
    lead_days = session.scalars(select(SubscriberLeadDay.days).distinct()).all()
    thresholds = _thresholds(today, lead_days)
    days = func.min(SubscriberLeadDay.days)
    statement: Select[*Pair, int] = (
        _pairs(days)
        .join(SubscriberLeadDay, SubscriberLeadDay.subscriber_id == Subscriber.id)
        .join(thresholds, thresholds.c.days == SubscriberLeadDay.days)
        .where(Event.is_firm, Occurrence.start > today, Occurrence.start <= thresholds.c.until)
        .group_by(*PAIR)
    )
    return [
        DueReminder(
            sid,
            email,
            Rule.FIRM,
            start - dt.timedelta(days=lead),
            eid,
            f"{uid}-{pos}",
            pos,
            revision,
        )
        for sid, email, eid, uid, revision, pos, start, _end, lead in session.execute(statement)
    ]


def _windows(session: Session, today: dt.date, policy: ReminderPolicy) -> list[DueReminder]:
    lead_days = session.scalars(select(Subscriber.tentative_lead_days).distinct()).all()
    thresholds = _thresholds(today, lead_days)
    horizon = today - dt.timedelta(days=policy.overdue_horizon_days)
    stage = case(
        (Occurrence.end < today, Rule.OVERDUE.value),
        (Occurrence.start <= today, Rule.OPEN.value),
        else_=Rule.OPENS_SOON.value,
    )
    statement: Select[*Pair, str, int] = (
        _pairs(stage, Subscriber.tentative_lead_days)
        .join(thresholds, thresholds.c.days == Subscriber.tentative_lead_days)
        .where(
            is_vague(),
            or_(
                and_(Occurrence.end < today, Occurrence.end >= horizon, not_(reported_as_past())),
                and_(Occurrence.start <= today, Occurrence.end >= today),
                and_(Occurrence.start > today, Occurrence.start <= thresholds.c.until),
            ),
        )
    )
    due = []
    for sid, email, eid, uid, revision, pos, start, end, value, lead in session.execute(statement):
        rule = Rule(value)
        if rule is Rule.OVERDUE:
            day = end + dt.timedelta(days=1)
        elif rule is Rule.OPEN:
            day = start
        else:
            day = start - dt.timedelta(days=lead)
        due.append(DueReminder(sid, email, rule, day, eid, f"{uid}-{pos}", pos, revision))
    return due


def _updates(session: Session) -> list[DueReminder]:
    """Updates for events changed since the last mail each recipient had about them."""
    seen = (
        select(
            LedgerEntry.subscriber_id,
            LedgerEntry.event_id,
            func.max(LedgerEntry.event_revision).label("revision"),
        )
        .where(LedgerEntry.state == LedgerState.SENT, LedgerEntry.event_id.is_not(None))
        .group_by(LedgerEntry.subscriber_id, LedgerEntry.event_id)
        .subquery("seen")
    )
    statement: Select[int, str, int, str, int, list[str], dt.datetime] = (
        select(
            Subscriber.id,
            Subscriber.email,
            Event.id,
            Event.uid,
            Event.revision,
            EventRevision.labels,
            EventRevision.changed_at,
        )
        .select_from(seen)
        .join(Subscriber, Subscriber.id == seen.c.subscriber_id)
        .join(Event, Event.id == seen.c.event_id)
        .join(Section, Event.section_id == Section.id)
        .join(
            EventRevision,
            and_(EventRevision.event_id == Event.id, EventRevision.revision > seen.c.revision),
        )
        .where(
            Subscriber.wants_reminders,
            not_(Event.is_removed),
            follows(Subscriber.id, Subscriber.is_following_everything),
        )
    )
    latest: dict[tuple[int, int], tuple[str, str, int, dt.datetime]] = {}
    for sid, email, eid, uid, revision, labels, changed_at in session.execute(statement):
        if not UPDATE_LABELS.intersection(labels):
            continue
        key = (sid, eid)
        if key not in latest or changed_at > latest[key][3]:
            latest[key] = (email, uid, revision, changed_at)
    return [
        DueReminder(sid, email, Rule.UPDATE, changed_at.date(), eid, uid, None, revision)
        for (sid, eid), (email, uid, revision, changed_at) in latest.items()
    ]

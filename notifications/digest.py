"""The weekly digest of one subscriber: upcoming, awaiting a date, overdue, changed.

- upcoming: firm dates in the next weeks, grouped by section, the sections
  in the order of their first date;
- awaiting confirmation: tentative or approximate windows open or opening
  within the subscriber's lead time;
- overdue tbc: windows ended within the horizon with no date;
- changed: every change to a followed event since the subscriber's last
  digest (a week, for the first one), including those a new version of the
  note brought, by the event's date. Events created by the very first import
  are not "changes".

The week of a digest is its Monday in the digest's time zone: one digest per
subscriber and week, whatever day it is sent.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from email.message import EmailMessage
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (
    DocumentVersion,
    Event,
    EventRevision,
    LedgerEntry,
    LedgerState,
    Occurrence,
    RevisionKind,
    Rule,
    Section,
    Subscriber,
    scope_condition,
)
from models.agenda import build_agenda
from notifications.messages import (
    TEMPLATES,
    MailContext,
    build_message,
    day_text,
    event_when,
    links_for,
    state_word,
    window_text,
)
from notifications.rules import ReminderPolicy

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestSchedule:
    #: mon..sun, "HH:MM", IANA time zone.
    day: str = "mon"
    time: str = "08:00"
    timezone: str = "Europe/Brussels"
    upcoming_weeks: int = 6

    def moment(self, now: dt.datetime) -> dt.datetime:
        """When the digest of ``now``'s week is (or was) due.

        >>> DigestSchedule().moment(dt.datetime(2024, 2, 7, 12, 0, tzinfo=dt.UTC))
        datetime.datetime(2024, 2, 5, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Brussels'))
        """
        day = week_of(now, self.timezone) + dt.timedelta(days=DAYS.index(self.day))
        hour, minute = (int(part) for part in self.time.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Change:
    event: Event
    revision: EventRevision


@dataclass(frozen=True)
class Digest:
    subscriber: Subscriber
    week_of: dt.date
    today: dt.date
    upcoming: list[tuple[str, list[Occurrence]]]
    awaiting: list[Occurrence]
    overdue: list[Occurrence]
    changes: list[Change]


def week_of(now: dt.datetime, timezone: str) -> dt.date:
    """The Monday of ``now``'s week, in ``timezone``.

    >>> week_of(dt.datetime(2024, 2, 4, 23, 30, tzinfo=dt.UTC), "Europe/Brussels")
    datetime.date(2024, 2, 5)
    """
    local = now.astimezone(ZoneInfo(timezone)).date()
    return local - dt.timedelta(days=local.weekday())


def build_digest(
    session: Session,
    subscriber: Subscriber,
    *,
    now: dt.datetime,
    schedule: DigestSchedule,
    policy: ReminderPolicy,
) -> Digest:
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    scope = scope_condition(session, subscriber)
    agenda = build_agenda(
        session,
        today=today,
        weeks=schedule.upcoming_weeks,
        lead_days=subscriber.tentative_lead_days,
        horizon_days=policy.overdue_horizon_days,
        condition=scope,
    )
    ordered = sorted(agenda.upcoming, key=lambda o: (o.event.section.position, o.start, o.end))
    by_section = [
        list(items) for _section, items in groupby(ordered, key=lambda o: o.event.section.position)
    ]
    # Sections by their first date (then the note's order), each by date: the
    # reader sees what comes first, first.
    by_section.sort(key=lambda items: (items[0].start, items[0].event.section.position))
    upcoming = [(items[0].event.section.name, items) for items in by_section]
    return Digest(
        subscriber=subscriber,
        week_of=week_of(now, schedule.timezone),
        today=today,
        upcoming=upcoming,
        awaiting=agenda.awaiting,
        overdue=agenda.overdue,
        changes=_changes(session, subscriber, now=now),
    )


def _changes(session: Session, subscriber: Subscriber, *, now: dt.datetime) -> list[Change]:
    last = session.scalar(
        select(func.max(LedgerEntry.sent_at)).where(
            LedgerEntry.subscriber_id == subscriber.id,
            LedgerEntry.rule == Rule.DIGEST,
            LedgerEntry.state == LedgerState.SENT,
        )
    )
    since = last or now - dt.timedelta(days=7)
    first_document = session.scalar(select(func.min(DocumentVersion.id)))
    rows = session.execute(
        select(Event, EventRevision)
        .join(EventRevision, EventRevision.event_id == Event.id)
        .join(Section, Event.section_id == Section.id)
        .where(
            scope_condition(session, subscriber),
            EventRevision.changed_at > since,
            EventRevision.changed_at <= now,
            or_(
                EventRevision.kind != RevisionKind.CREATED,
                EventRevision.document_version_id.is_(None),
                EventRevision.document_version_id != first_document,
            ),
        )
        .order_by(Section.position, Event.position, EventRevision.revision)
    )
    changes = [Change(event, revision) for event, revision in rows]
    # By the event's date like the other sections (events without a date last),
    # then the note's order; the sort is stable, so revisions stay in order.
    changes.sort(key=lambda c: c.event.occurrences[0].start if c.event.occurrences else dt.date.max)
    return changes


def render_digest(digest: Digest, *, context: MailContext) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a digest."""
    upcoming = sum(len(items) for _, items in digest.upcoming)
    subject = (
        f"Weekly digest: {upcoming} upcoming, {len(digest.awaiting)} awaiting a date,"
        f" {len(digest.overdue)} overdue (week of {day_text(digest.week_of)})"
    )
    page = {
        "digest": digest,
        "subscriber": digest.subscriber,
        "links": links_for(digest.subscriber, context, issued=digest.today),
        "base_url": context.base_url,
        "window_text": window_text,
        "day_text": functools.partial(day_text, today=digest.today),
        "state": state_word,
        "when": functools.partial(event_when, today=digest.today),
    }
    text = TEMPLATES.get_template("digest.txt").render(page)
    html = TEMPLATES.get_template("digest.html").render(page)
    return subject, text, html


def compose_digest(
    session: Session,
    entry: LedgerEntry,
    *,
    now: dt.datetime,
    context: MailContext,
    schedule: DigestSchedule,
    policy: ReminderPolicy,
) -> EmailMessage | str:
    subscriber = entry.subscriber
    if not subscriber.wants_digest:
        return "the subscriber no longer wants the digest"
    digest = build_digest(session, subscriber, now=now, schedule=schedule, policy=policy)
    subject, text, html = render_digest(digest, context=context)
    links = links_for(subscriber, context, issued=digest.today)
    return build_message(
        to=entry.recipient,
        subject=subject,
        text=text,
        html=html,
        entry=entry,
        now=now,
        context=context,
        unsubscribe=links.unsubscribe,
    )

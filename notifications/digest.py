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
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from itertools import groupby
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, func, or_, select
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


def digest_since(session: Session, subscriber_id: int, *, now: dt.datetime) -> dt.datetime:
    """Since when a digest made at ``now`` reports changes: the subscriber's last
    digest sent, else a week before."""
    last = session.scalar(
        select(func.max(LedgerEntry.sent_at)).where(
            LedgerEntry.subscriber_id == subscriber_id,
            LedgerEntry.rule == Rule.DIGEST,
            LedgerEntry.state == LedgerState.SENT,
        )
    )
    return last or now - dt.timedelta(days=7)


def _changes_query(
    session: Session, *, since: dt.datetime, now: dt.datetime, condition: ColumnElement[bool]
) -> Select[Event, EventRevision]:
    """Revisions of events meeting ``condition`` (on ``Event`` joined with ``Section``)
    made after ``since``, in the note's order."""
    first_document = session.scalar(select(func.min(DocumentVersion.id)))
    return (
        select(Event, EventRevision)
        .join(EventRevision, EventRevision.event_id == Event.id)
        .join(Section, Event.section_id == Section.id)
        .where(
            condition,
            EventRevision.changed_at > since,
            EventRevision.changed_at <= now,
            or_(
                EventRevision.kind != RevisionKind.CREATED,
                EventRevision.document_version_id.is_(None),
                EventRevision.document_version_id != first_document,
            ),
        )
        # Event.id: two events can hold one position (one of them removed).
        .order_by(Section.position, Event.position, Event.id, EventRevision.revision)
    )


def _by_date(changes: list[Change]) -> list[Change]:
    # By the event's date like the other sections (events without a date last),
    # then the note's order; the sort is stable, so revisions stay in order.
    changes.sort(key=lambda c: c.event.occurrences[0].start if c.event.occurrences else dt.date.max)
    return changes


def _changes(session: Session, subscriber: Subscriber, *, now: dt.datetime) -> list[Change]:
    query = _changes_query(
        session,
        since=digest_since(session, subscriber.id, now=now),
        now=now,
        condition=scope_condition(session, subscriber),
    )
    return _by_date([Change(event, revision) for event, revision in session.execute(query)])


class _Rendered(NamedTuple):
    """One item of a digest, or a list of them, as plain text and HTML."""

    text: str
    html: Markup


@dataclass(frozen=True)
class _Part:
    """One list of a digest (or one section of upcoming dates), rendered."""

    count: int
    text: str
    html: Markup


def _markup(value: object) -> Markup:
    """What an autoescaped macro returned: Markup, never a bare string."""
    if not isinstance(value, Markup):
        raise TypeError(f"not autoescaped: {value!r}")
    return value


def _listing(items: Sequence[_Rendered]) -> _Part:
    # Each HTML item is Markup from an autoescaped macro: end to end they need
    # no escaping (Markup.join would escape each again, for nothing).
    return _Part(
        len(items), "".join([i.text for i in items]), Markup("".join([i.html for i in items]))
    )


def _joined(parts: Sequence[_Part]) -> _Part:
    return _Part(
        sum(p.count for p in parts),
        "".join([p.text for p in parts]),
        Markup("".join([p.html for p in parts])),
    )


class _Renderer:
    """Renders digests for a day and a mail context: the pieces they are made of
    (the macros of ``digest_items.txt``/``.html``), then whole digests from them
    (the shells ``digest.txt``/``.html``)."""

    def __init__(self, *, today: dt.date, context: MailContext) -> None:
        self.today = today
        self.context = context
        values = {
            "base_url": context.base_url,
            "day_text": functools.partial(day_text, today=today),
            "state": state_word,
            "when": functools.partial(event_when, today=today),
        }
        # The macros by name.
        self._text = vars(TEMPLATES.get_template("digest_items.txt").make_module(values))
        self._html = vars(TEMPLATES.get_template("digest_items.html").make_module(values))
        self._shells = (TEMPLATES.get_template("digest.txt"), TEMPLATES.get_template("digest.html"))

    def item(self, kind: str, value: Occurrence | Change) -> _Rendered:
        """An ``upcoming``, ``awaiting`` or ``overdue`` occurrence, or a ``change``."""
        return _Rendered(self._text[kind](value), _markup(self._html[kind](value)))

    def listing(self, kind: str, values: Sequence[Occurrence] | Sequence[Change]) -> _Part:
        return _listing([self.item(kind, v) for v in values])

    def section(self, name: str, items: _Part) -> _Part:
        """A section's upcoming dates (``items``) under its name."""
        return _Part(
            items.count,
            self._text["section"](name, items.text),
            _markup(self._html["section"](name, items.html)),
        )

    def page(
        self,
        subscriber: Subscriber,
        *,
        week: dt.date,
        upcoming: _Part,
        awaiting: _Part,
        overdue: _Part,
        changes: _Part,
    ) -> tuple[str, str, str]:
        """Subject, plain text and HTML of a digest made of rendered lists."""
        subject = (
            f"Weekly digest: {upcoming.count} upcoming, {awaiting.count} awaiting a date,"
            f" {overdue.count} overdue (week of {day_text(week)})"
        )
        page = {
            "subscriber": subscriber,
            "links": links_for(subscriber, self.context, issued=self.today),
            "week_of": week,
            "day_text": functools.partial(day_text, today=self.today),
        }
        parts = {
            "upcoming": upcoming,
            "awaiting": awaiting,
            "overdue": overdue,
            "changes": changes,
        }
        text, html = self._shells
        return (
            subject,
            text.render(page, **{name: part.text for name, part in parts.items()}),
            html.render(page, **{name: part.html for name, part in parts.items()}),
        )


def render_digest(digest: Digest, *, context: MailContext) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a digest."""
    renderer = _Renderer(today=digest.today, context=context)
    return renderer.page(
        digest.subscriber,
        week=digest.week_of,
        upcoming=_joined(
            [
                renderer.section(name, renderer.listing("upcoming", items))
                for name, items in digest.upcoming
            ]
        ),
        awaiting=renderer.listing("awaiting", digest.awaiting),
        overdue=renderer.listing("overdue", digest.overdue),
        changes=renderer.listing("change", digest.changes),
    )


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

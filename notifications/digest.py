"""The weekly digest of one subscriber: upcoming, awaiting a date, overdue, changed.

- upcoming: firm dates in the next weeks, grouped by section, the sections
  in the order of their first date;
- awaiting confirmation: tentative or approximate windows open or opening
  within the subscriber's lead time;
- overdue tbc: windows ended within the horizon with no date;
- changed: every change to a followed event since the subscriber's last
  digest (a week, for the first one), including those a new version of the
  note brought, by the event's date. Events created by the very first import
  are not "changes";
- late or stalled dialogues: series of meetings of the followed sections
  whose body should have met by its own rhythm and has not
  (``docs/series.md``), in the note's order.

The week of a digest is its Monday in the digest's time zone: one digest per
subscriber and week, whatever day it is sent.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session, contains_eager, selectinload

from models import (
    Category,
    DocumentVersion,
    Event,
    EventRevision,
    Group,
    LedgerEntry,
    LedgerState,
    Occurrence,
    RevisionKind,
    Rule,
    Section,
    Subscriber,
    followed_sections,
    scope_condition,
)
from models.agenda import build_agenda
from models.rhythm import OVERDUE_STATES
from models.series import SeriesRhythm, series_rhythms
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
    dialogues: list[SeriesRhythm]


def late_dialogues(
    session: Session,
    *,
    today: dt.date,
    policy: ReminderPolicy,
    sections: Iterable[int] | None = None,
    categories: Collection[Category] | None = None,
) -> list[SeriesRhythm]:
    """The late or stalled series of ``sections`` (all when None) whose category is one of
    ``categories`` (any when None), in the note's order."""
    return [
        series
        for series in series_rhythms(
            session, today=today, settings=policy.rhythm, section_ids=sections
        )
        if series.rhythm.state in OVERDUE_STATES
        and (not categories or series.category in categories)
    ]


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
    followed = followed_sections().subquery("followed")
    sections: Sequence[int] | None = None
    if not subscriber.is_following_everything:
        sections = session.scalars(
            select(followed.c.section_id).where(followed.c.subscriber_id == subscriber.id)
        ).all()
    dialogues = late_dialogues(
        session,
        today=today,
        policy=policy,
        sections=sections,
        categories={c.category for c in subscriber.categories},
    )
    return Digest(
        subscriber=subscriber,
        week_of=week_of(now, schedule.timezone),
        today=today,
        upcoming=upcoming,
        awaiting=agenda.awaiting,
        overdue=agenda.overdue,
        changes=_changes(session, subscriber, now=now),
        dialogues=dialogues,
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

    def item(self, kind: str, value: Occurrence | Change | SeriesRhythm) -> _Rendered:
        """An ``upcoming``, ``awaiting`` or ``overdue`` occurrence, a ``change`` or a
        ``dialogue``."""
        return _Rendered(self._text[kind](value), _markup(self._html[kind](value)))

    def listing(
        self, kind: str, values: Sequence[Occurrence] | Sequence[Change] | Sequence[SeriesRhythm]
    ) -> _Part:
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
        dialogues: _Part,
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
            "dialogues": dialogues,
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
        dialogues=renderer.listing("dialogue", digest.dialogues),
    )


#: Whom a digest is about: the section ids followed (None: every section) and
#: the categories they are narrowed to (None: every category).
Scope = tuple[frozenset[int] | None, frozenset[Category] | None]


class _Item(NamedTuple):
    """An occurrence of the agenda, with what digests filter and order it by."""

    #: Its place in the agenda's order (date, then the note's order).
    rank: int
    start: dt.date
    category: Category
    occurrence: Occurrence
    rendered: _Rendered


class _Revision(NamedTuple):
    """A change, with what digests filter it by."""

    changed_at: dt.datetime
    section_id: int
    category: Category
    change: Change
    rendered: _Rendered


@dataclass(frozen=True)
class _Section:
    """A section's upcoming dates within some categories, rendered."""

    #: Where the section comes in a digest: by its first date, then the note's order.
    order: tuple[dt.date, int]
    name: str
    items: list[_Item]
    part: _Part


@dataclass(frozen=True)
class _Agenda:
    """The upcoming, awaiting and overdue lists of one scope and lead time.

    Kept for the pass, and so only references to the rendered items: joined
    for each digest (copying them is what assembling a digest costs), not
    once per scope (which would keep a copy of every digest).
    """

    upcoming: list[_Section]
    awaiting: list[_Item]
    overdue: list[_Item]


class DigestBuilder:
    """The digests of one pass: what they share is read and rendered once.

    Made with the pass's ``now``. One query reads the agenda of every event
    (:func:`build_agenda`, with the longest lead time of the subscribers who
    want a digest), one the changes since the earliest of their last digests;
    each item is rendered once (``digest_items.txt``/``.html``) and indexed by
    its section. A digest then takes the items of its sections, filtered by its
    categories, lead time and last digest, in the order :func:`build_digest`
    gives them, and is assembled from the rendered items; subscribers with the
    same scope and lead time share the lists outright. What it makes is what
    :func:`build_digest` and :func:`render_digest` make for one subscriber,
    byte for byte.

    Nothing it keeps loads lazily: it outlives the session it was made in.
    The session given to :meth:`build` and :meth:`render` is read only when a
    subscriber asks for more than was read (a longer lead time, an earlier
    last digest: both changed since the pass began).
    """

    def __init__(
        self,
        session: Session,
        *,
        now: dt.datetime,
        schedule: DigestSchedule,
        policy: ReminderPolicy,
        context: MailContext,
    ) -> None:
        self.now = now
        self.schedule = schedule
        self.policy = policy
        self.context = context
        self.today = now.astimezone(ZoneInfo(schedule.timezone)).date()
        self.week_of = week_of(now, schedule.timezone)
        self._renderer = _Renderer(today=self.today, context=context)
        self._groups: dict[Group, set[int]] = defaultdict(set)
        for section_id, group in session.execute(select(Section.id, Section.group)):
            self._groups[group].add(section_id)
        self._every_section = frozenset(set().union(*self._groups.values()))
        rows = session.execute(
            select(
                Subscriber.id,
                Subscriber.wants_digest,
                Subscriber.tentative_lead_days,
                func.max(LedgerEntry.sent_at),
            )
            .outerjoin(
                LedgerEntry,
                and_(
                    LedgerEntry.subscriber_id == Subscriber.id,
                    LedgerEntry.rule == Rule.DIGEST,
                    LedgerEntry.state == LedgerState.SENT,
                ),
            )
            .group_by(Subscriber.id, Subscriber.wants_digest, Subscriber.tentative_lead_days)
        ).all()
        self._last_sent = {id_: last for id_, _wants, _lead, last in rows if last is not None}
        wanting = [(lead, last) for _id, wants, lead, last in rows if wants]
        self._read_agenda(session, max((lead for lead, _ in wanting), default=0))
        week_ago = now - dt.timedelta(days=7)
        self._read_changes(session, min([week_ago, *(last for _, last in wanting if last)]))
        self._dialogues = [
            (d, self._renderer.item("dialogue", d))
            for d in late_dialogues(session, today=self.today, policy=policy)
        ]

    def since(self, subscriber: Subscriber) -> dt.datetime:
        """:func:`digest_since`, as of when the pass began."""
        return self._last_sent.get(subscriber.id) or self.now - dt.timedelta(days=7)

    def build(
        self, session: Session, subscriber: Subscriber, *, since: dt.datetime | None = None
    ) -> Digest:
        """``subscriber``'s digest, as :func:`build_digest` makes it; the changes
        after ``since`` (default: :meth:`since`)."""
        agenda = self._agenda(session, subscriber)
        changes = self._changes(session, subscriber, since)
        return Digest(
            subscriber=subscriber,
            week_of=self.week_of,
            today=self.today,
            upcoming=[(s.name, [i.occurrence for i in s.items]) for s in agenda.upcoming],
            awaiting=[i.occurrence for i in agenda.awaiting],
            overdue=[i.occurrence for i in agenda.overdue],
            changes=[r.change for r in changes],
            dialogues=[d for d, _ in self._picked_dialogues(subscriber)],
        )

    def render(
        self, session: Session, subscriber: Subscriber, *, since: dt.datetime | None = None
    ) -> tuple[str, str, str]:
        """Subject, plain text and HTML of ``subscriber``'s digest, as :func:`render_digest`
        makes them; the changes after ``since`` (default: :meth:`since`)."""
        agenda = self._agenda(session, subscriber)
        changes = self._changes(session, subscriber, since)
        return self._renderer.page(
            subscriber,
            week=self.week_of,
            upcoming=_joined([s.part for s in agenda.upcoming]),
            awaiting=_listing([i.rendered for i in agenda.awaiting]),
            overdue=_listing([i.rendered for i in agenda.overdue]),
            changes=_listing([r.rendered for r in changes]),
            dialogues=_listing([r for _, r in self._picked_dialogues(subscriber)]),
        )

    def _picked_dialogues(self, subscriber: Subscriber) -> list[tuple[SeriesRhythm, _Rendered]]:
        sections, categories = self._scope(subscriber)
        return [
            (d, rendered)
            for d, rendered in self._dialogues
            if (sections is None or d.section_id in sections)
            and (categories is None or d.category in categories)
        ]

    def _scope(self, subscriber: Subscriber) -> Scope:
        """The scope of :func:`models.scope_condition`, as section ids and categories."""
        sections = None
        if not subscriber.is_following_everything:
            sections = frozenset(
                {s.id for s in subscriber.sections}.union(
                    *(self._groups[g.group] for g in subscriber.groups)
                )
            )
        return sections, frozenset(c.category for c in subscriber.categories) or None

    def _read_agenda(self, session: Session, lead_days: int) -> None:
        agenda = build_agenda(
            session,
            today=self.today,
            weeks=self.schedule.upcoming_weeks,
            lead_days=lead_days,
            horizon_days=self.policy.overdue_horizon_days,
        )
        self._lead_days = lead_days
        self._upcoming = self._index("upcoming", agenda.upcoming)
        for items in self._upcoming.values():
            # A section's items by date, as build_digest sorts them (stable).
            items.sort(key=lambda i: (i.start, i.occurrence.end))
        self._awaiting = self._index("awaiting", agenda.awaiting)
        self._overdue = self._index("overdue", agenda.overdue)
        self._sections: dict[tuple[int, frozenset[Category] | None], _Section | None] = {}
        self._agendas: dict[tuple[Scope, int], _Agenda] = {}

    def _index(self, kind: str, occurrences: list[Occurrence]) -> dict[int, list[_Item]]:
        """``occurrences`` rendered, by section, in the agenda's order."""
        index: dict[int, list[_Item]] = defaultdict(list)
        for rank, o in enumerate(occurrences):
            item = _Item(rank, o.start, o.event.category, o, self._renderer.item(kind, o))
            index[o.event.section_id].append(item)
        return index

    def _read_changes(self, session: Session, since: dt.datetime) -> None:
        query = _changes_query(session, since=since, now=self.now, condition=true()).options(
            contains_eager(Event.section), selectinload(Event.occurrences)
        )
        changes = _by_date([Change(e, r) for e, r in session.execute(query)])
        self._since = since
        self._revisions = [
            _Revision(
                c.revision.changed_at,
                c.event.section_id,
                c.event.category,
                c,
                self._renderer.item("change", c),
            )
            for c in changes
        ]
        self._changed: dict[tuple[Scope, dt.datetime], list[_Revision]] = {}

    def _agenda(self, session: Session, subscriber: Subscriber) -> _Agenda:
        lead_days = subscriber.tentative_lead_days
        if lead_days > self._lead_days:
            self._read_agenda(session, lead_days)
        scope = self._scope(subscriber)
        agenda = self._agendas.get((scope, lead_days))
        if agenda is None:
            sections, categories = scope
            ids = self._every_section if sections is None else sections
            upcoming = [s for i in ids if (s := self._section(i, categories)) is not None]
            upcoming.sort(key=lambda s: s.order)
            until = self.today + dt.timedelta(days=lead_days)
            awaiting = _picked(self._awaiting, ids, categories, until)
            overdue = _picked(self._overdue, ids, categories, dt.date.max)
            agenda = self._agendas[scope, lead_days] = _Agenda(upcoming, awaiting, overdue)
        return agenda

    def _section(self, section_id: int, categories: frozenset[Category] | None) -> _Section | None:
        key = (section_id, categories)
        if key not in self._sections:
            items = [
                i
                for i in self._upcoming.get(section_id, ())
                if categories is None or i.category in categories
            ]
            section = None
            if items:
                first = items[0].occurrence
                name = first.event.section.name
                section = _Section(
                    (first.start, first.event.section.position),
                    name,
                    items,
                    self._renderer.section(name, _listing([i.rendered for i in items])),
                )
            self._sections[key] = section
        return self._sections[key]

    def _changes(
        self, session: Session, subscriber: Subscriber, since: dt.datetime | None
    ) -> list[_Revision]:
        since = since or self.since(subscriber)
        if since < self._since:
            self._read_changes(session, since)
        scope = self._scope(subscriber)
        found = self._changed.get((scope, since))
        if found is None:
            sections, categories = scope
            revisions = [
                r
                for r in self._revisions
                if r.changed_at > since
                and (sections is None or r.section_id in sections)
                and (categories is None or r.category in categories)
            ]
            found = self._changed[scope, since] = revisions
        return found


def _picked(
    index: dict[int, list[_Item]],
    sections: Iterable[int],
    categories: frozenset[Category] | None,
    until: dt.date,
) -> list[_Item]:
    """The items of ``sections`` within ``categories`` starting by ``until``, in the
    agenda's order."""
    picked = [
        item
        for section_id in sections
        for item in index.get(section_id, ())
        if item.start <= until and (categories is None or item.category in categories)
    ]
    picked.sort(key=itemgetter(0))
    return picked


def compose_digest(
    session: Session, entry: LedgerEntry, *, digests: DigestBuilder
) -> EmailMessage | str:
    """The digest mail of a ledger row, from the pass's ``digests``."""
    subscriber = entry.subscriber
    if not subscriber.wants_digest:
        return "the subscriber no longer wants the digest"
    # Read now, not when the pass began: a digest sent since then counts.
    since = digest_since(session, subscriber.id, now=digests.now)
    subject, text, html = digests.render(session, subscriber, since=since)
    links = links_for(subscriber, digests.context, issued=digests.today)
    return build_message(
        to=entry.recipient,
        subject=subject,
        text=text,
        html=html,
        entry=entry,
        now=digests.now,
        context=digests.context,
        unsubscribe=links.unsubscribe,
    )

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
  moved, confirmed, cancelled or postponed;
- a series of meetings of a followed section that turned late, and again when
  it stalls (``docs/series.md``), from the day it did, within the horizon.

The ledger's unique key (occurrence, rule, recipient, due date) turns "due"
into "sent at most once": these functions only say what is due.

Each rule is one statement (:func:`firm_statement`, :func:`windows_statement`,
:func:`updates_statement`, built without running, so ``bench/plans.py`` can
show their plans). The occurrences a rule can make due are found first by
their dates (the indexes on ``occurrences.start`` and ``end``), the
subscribers as the sections they follow, and the two meet in one join on
the section: the work grows with what is due, not with events x subscribers.

The firm and window rules group the subscribers before that join
(:func:`_audience`): one row per section, lead time and category (or none)
with the ids of everyone it stands for, a few thousand rows for a thousand
subscribers. An occurrence meets the rows of its section whose lead time
fits it and whose category is its own or none; a row of the result is an
occurrence with the ids of everyone of one such group it is due for, so
neither a test per (occurrence, subscriber) nor a grouping of those pairs
is needed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from models import (
    Category,
    DocumentVersion,
    Event,
    EventRevision,
    LedgerEntry,
    LedgerState,
    Occurrence,
    Rule,
    Subscriber,
    SubscriberCategory,
    SubscriberLeadDay,
    collector,
    followed_sections,
    has_categories,
    in_categories,
)
from models.agenda import is_vague, reported_as_past
from models.rhythm import RhythmSettings, state_since
from models.series import SeriesRhythm, series_rhythms

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
    #: "Overdue tbc" (and a series turning late) only within this many days.
    overdue_horizon_days: int = 90
    #: How a series' rhythm and state are worked out.
    rhythm: RhythmSettings = field(default_factory=RhythmSettings)


class DueReminder(NamedTuple):
    """One reminder due. A pass makes one per subscriber and occurrence due, hundreds of
    thousands at a time: a named tuple costs a fifth of a frozen dataclass to make."""

    subscriber_id: int
    recipient: str
    rule: Rule
    due_date: dt.date
    #: The event it is about (None for a series).
    event_id: int | None
    #: "<uid>-<position>" for a stage, "<uid>" for an update, "series-<id>-<state>".
    occurrence_key: str
    position: int | None
    revision: int | None


def due_reminders(
    session: Session, *, now: dt.datetime, policy: ReminderPolicy
) -> list[DueReminder]:
    """Every reminder due as of ``now``: at most one per subscriber and occurrence."""
    today = now.date()
    with collector.paused():
        return [
            *_firm(session, today),
            *_windows(session, today, policy),
            *_updates(session),
            *_series(session, today, policy),
        ]


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


def _followers() -> Select[int, int]:
    """Subscribers who want reminders x each section they follow: (subscriber_id,
    section_id), once each (:func:`followed_sections`).

    A few rows per subscriber. Each rule adds the subscriber's lead times (and
    the updates rule their address and whether they chose categories).
    """
    followed = followed_sections().subquery("followed")
    return (
        select(followed.c.subscriber_id, followed.c.section_id)
        .join(Subscriber, Subscriber.id == followed.c.subscriber_id)
        .where(Subscriber.wants_reminders)
    )


def _audience(followers: Select[*tuple[Any, ...]], *keys: str) -> CTE:
    """``followers`` (with lead-time columns ``keys``) grouped as the ``audience`` of a
    statement: (section_id, *keys, category, ids), computed once (MATERIALIZED).

    One row per section, lead time and category with the ids of its
    followers (:func:`_subscriber_ids`): a subscriber who chose no
    categories is in the row of no category (NULL), one who chose some in
    the row of each. An occurrence is for the rows of its section whose
    category is NULL or its own (:func:`_in_scope`); for one occurrence
    those hold each subscriber at most once, as ``followers`` holds each
    (subscriber, section) once and the lead-time conditions of a rule let
    one lead time of a subscriber through.
    """
    rows = followers.subquery("followers")
    per_group = (rows.c.section_id, *(rows.c[key] for key in keys), SubscriberCategory.category)
    return (
        select(*per_group, _subscriber_ids(rows.c.subscriber_id))
        .select_from(rows)
        .outerjoin(SubscriberCategory, SubscriberCategory.subscriber_id == rows.c.subscriber_id)
        .group_by(*per_group)
        .cte("audience")
        .prefix_with("MATERIALIZED")
    )


def _candidates(*conditions: ColumnElement[bool], stage: ColumnElement[str] | None = None) -> CTE:
    """Occurrences of live events that ``conditions`` (on their dates first, for the
    indexes on ``occurrences.start`` and ``end``) make candidates of a rule, with
    what the reminders and the scope need; computed once (MATERIALIZED).

    Kept apart from the audience until both are made, so that they meet in one
    join on the section: left to itself, PostgreSQL paired each follower with
    an index range of occurrences first, millions of rows to keep a tenth.
    """
    columns = [
        Event.id.label("event_id"),
        Event.uid,
        Event.revision,
        Event.section_id,
        Event.category,
        Occurrence.position,
        Occurrence.start,
        Occurrence.end,
    ]
    if stage is not None:
        columns.append(stage.label("stage"))
    return (
        select(*columns)
        .select_from(Occurrence)
        .join(Event, Occurrence.event_id == Event.id)
        .outerjoin(DocumentVersion, Event.document_version_id == DocumentVersion.id)
        .where(not_(Event.is_removed), *conditions)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )


def _in_scope(audience: CTE, candidates: CTE) -> ColumnElement[bool]:
    """The candidate (joined to ``audience`` on its section) is in the category scope of
    the row's subscribers: they chose no categories, or chose its own."""
    return or_(audience.c.category.is_(None), audience.c.category == candidates.c.category)


def _lead_bands(today: dt.date, lead_days: Iterable[int]) -> Subquery:
    """(subscriber_id, days, after, until): a firm date starting in (after, until] is due
    ``days`` before it, for that subscriber.

    The smallest lead time whose day has come is the one whose threshold
    (today + days) the start does not pass while the next smaller one's it
    does: each subscriber's lead times become adjacent bands from today
    onwards, so a start falls into exactly one of a subscriber's bands and
    no smallest lead time needs to be looked for.
    """
    thresholds = _thresholds(today, lead_days)
    lead = SubscriberLeadDay
    return (
        select(
            lead.subscriber_id,
            lead.days,
            func.lag(thresholds.c.until, 1, literal(today, Date))
            .over(partition_by=lead.subscriber_id, order_by=lead.days)
            .label("after"),
            thresholds.c.until,
        )
        .join(thresholds, thresholds.c.days == lead.days)
        .subquery("bands")
    )


def firm_statement(session: Session, today: dt.date) -> Select[*Due, int, str]:
    """Firm dates starting within the longest lead time: one row per occurrence and
    audience row (:func:`_audience`) whose band (:func:`_lead_bands`) the start falls
    into, with that row's subscriber ids."""
    lead_days = session.scalars(select(SubscriberLeadDay.days).distinct()).all()
    until = today + dt.timedelta(days=max([0, *lead_days]))
    bands = _lead_bands(today, lead_days)
    candidates = _candidates(
        Occurrence.start > today, Occurrence.start <= until, Event.is_firm.expression
    )
    audience = _audience(
        _followers()
        .join(bands, bands.c.subscriber_id == Subscriber.id)
        .add_columns(bands.c.days, bands.c.after, bands.c.until),
        "days",
        "after",
        "until",
    )
    return (
        select(*_occurrence_columns(candidates), audience.c.days, audience.c.ids)
        .select_from(candidates)
        .join(audience, audience.c.section_id == candidates.c.section_id)
        .where(
            candidates.c.start > audience.c.after,
            candidates.c.start <= audience.c.until,
            _in_scope(audience, candidates),
        )
    )


def windows_statement(
    session: Session, today: dt.date, policy: ReminderPolicy
) -> Select[*Due, dt.date, str, int, str]:
    """Vague windows ended within the horizon, open, or opening within the followers'
    lead time: one row per occurrence (with its stage) and audience row
    (:func:`_audience`) it is due for, with that row's subscriber ids."""
    lead_days = session.scalars(select(Subscriber.tentative_lead_days).distinct()).all()
    until = today + dt.timedelta(days=max([0, *lead_days]))
    thresholds = _thresholds(today, lead_days)
    horizon = today - dt.timedelta(days=policy.overdue_horizon_days)
    stage = case(
        (Occurrence.end < today, Rule.OVERDUE.value),
        (Occurrence.start <= today, Rule.OPEN.value),
        else_=Rule.OPENS_SOON.value,
    )
    candidates = _candidates(
        # The three stages' bounds together first, for the indexes on the dates.
        Occurrence.end >= horizon,
        Occurrence.start <= until,
        is_vague(),
        or_(
            and_(Occurrence.end < today, not_(reported_as_past())),
            and_(Occurrence.start <= today, Occurrence.end >= today),
            Occurrence.start > today,
        ),
        stage=stage,
    )
    audience = _audience(
        _followers()
        .join(thresholds, thresholds.c.days == Subscriber.tentative_lead_days)
        .add_columns(thresholds.c.days, thresholds.c.until),
        "days",
        "until",
    )
    return (
        select(
            *_occurrence_columns(candidates),
            candidates.c.end,
            candidates.c.stage,
            audience.c.days,
            audience.c.ids,
        )
        .select_from(candidates)
        .join(audience, audience.c.section_id == candidates.c.section_id)
        .where(
            # Opening soon: within this follower's lead time.
            or_(
                candidates.c.stage != Rule.OPENS_SOON.value,
                candidates.c.start <= audience.c.until,
            ),
            _in_scope(audience, candidates),
        )
    )


def updates_statement() -> Select[int, str, int, str, int, list[str], dt.datetime]:
    """Revisions of followed events newer than the last mail each recipient had about them.

    Which of them are updates (their labels) is decided in Python: the labels
    are a JSON list.
    """
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
    audience = (
        _followers()
        .add_columns(Subscriber.email, has_categories(Subscriber.id).label("narrowed"))
        .cte("audience")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(
            audience.c.subscriber_id,
            audience.c.email,
            Event.id,
            Event.uid,
            Event.revision,
            EventRevision.labels,
            EventRevision.changed_at,
        )
        .select_from(seen)
        .join(Event, Event.id == seen.c.event_id)
        .join(
            audience,
            and_(
                audience.c.subscriber_id == seen.c.subscriber_id,
                audience.c.section_id == Event.section_id,
            ),
        )
        .join(
            EventRevision,
            and_(EventRevision.event_id == Event.id, EventRevision.revision > seen.c.revision),
        )
        .where(
            not_(Event.is_removed),
            in_categories(audience.c.subscriber_id, audience.c.narrowed, Event.category),
        )
    )


#: Which occurrence of which event: event id, uid and revision, the occurrence's
#: position and start.
Due = tuple[int, str, int, int, dt.date]


def _occurrence_columns(candidates: CTE) -> tuple[SQLColumnExpression[Any], ...]:
    """The columns of :data:`Due`."""
    return (
        candidates.c.event_id,
        candidates.c.uid,
        candidates.c.revision,
        candidates.c.position,
        candidates.c.start,
    )


def _subscriber_ids(subscriber_id: SQLColumnExpression[int]) -> ColumnElement[str]:
    """The ids of the subscribers of an audience row, as text ("3,17,42"), labelled ``ids``.

    A reminder is due for many subscribers at once (an occurrence of a
    section, for everyone who follows it): one row per occurrence and group
    of followers, rather than one row per reminder, carries a fraction of the
    values from the database and keeps the per-reminder work in Python to
    reading the group's ids once (:class:`_Recipients`).
    """
    return func.aggregate_strings(cast(subscriber_id, String), ",").label("ids")


class _Recipients(dict[str, list[tuple[int, str]]]):
    """The ids of an audience row (:func:`_subscriber_ids`) -> (id, address) of those
    subscribers, one removed since the statement ran left out.

    An audience row meets many occurrences of its section: its ids are read
    once a pass, the first time they are looked up.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        # Read after the rules' statements, so that whoever they name is here (unless
        # removed since).
        rows = session.connection().execute(select(Subscriber.id, Subscriber.email))
        self.emails: dict[int, str] = dict(rows.all())

    def __missing__(self, ids: str) -> list[tuple[int, str]]:
        emails = self.emails
        recipients = [(sid, emails[sid]) for sid in map(int, ids.split(",")) if sid in emails]
        self[ids] = recipients
        return recipients


def _firm(session: Session, today: dt.date) -> list[DueReminder]:
    rows = session.connection().execute(firm_statement(session, today)).all()
    recipients = _Recipients(session)
    due: list[DueReminder] = []
    for eid, uid, revision, pos, start, lead, ids in rows:
        day, key = start - dt.timedelta(days=lead), f"{uid}-{pos}"
        due += [
            DueReminder(sid, email, Rule.FIRM, day, eid, key, pos, revision)
            for sid, email in recipients[ids]
        ]
    return due


def _windows(session: Session, today: dt.date, policy: ReminderPolicy) -> list[DueReminder]:
    rows = session.connection().execute(windows_statement(session, today, policy)).all()
    recipients = _Recipients(session)
    due: list[DueReminder] = []
    for eid, uid, revision, pos, start, end, stage, lead, ids in rows:
        rule = _STAGES[stage]
        if rule is Rule.OVERDUE:
            day = end + dt.timedelta(days=1)
        elif rule is Rule.OPEN:
            day = start
        else:
            day = start - dt.timedelta(days=lead)
        key = f"{uid}-{pos}"
        due += [
            DueReminder(sid, email, rule, day, eid, key, pos, revision)
            for sid, email in recipients[ids]
        ]
    return due


#: The rule of each stage value the windows statement gives.
_STAGES = {rule.value: rule for rule in (Rule.OPENS_SOON, Rule.OPEN, Rule.OVERDUE)}


def _updates(session: Session) -> list[DueReminder]:
    """Updates for events changed since the last mail each recipient had about them:
    for each, the latest revision whose labels warrant one."""
    rows = session.connection().execute(updates_statement())
    latest: dict[tuple[int, int], tuple[str, str, int, dt.datetime]] = {}
    for sid, email, eid, uid, revision, labels, changed_at in rows:
        if not UPDATE_LABELS.intersection(labels):
            continue
        key = (sid, eid)
        if key not in latest or changed_at > latest[key][3]:
            latest[key] = (email, uid, revision, changed_at)
    return [
        DueReminder(sid, email, Rule.UPDATE, changed_at.date(), eid, uid, None, revision)
        for (sid, eid), (email, uid, revision, changed_at) in latest.items()
    ]


def _series(session: Session, today: dt.date, policy: ReminderPolicy) -> list[DueReminder]:
    """A reminder per series that turned late or stalled within the horizon, for the
    subscribers of its section whose categories (if they chose any) hold its own."""
    horizon = today - dt.timedelta(days=policy.overdue_horizon_days)
    turned = [
        (series, day)
        for series in series_rhythms(session, today=today, settings=policy.rhythm)
        if (day := state_since(series.rhythm)) is not None and day >= horizon
    ]
    if not turned:
        return []
    followed = followed_sections().subquery("followed")
    followers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in session.execute(
        select(followed.c.subscriber_id, Subscriber.email, followed.c.section_id)
        .join(Subscriber, Subscriber.id == followed.c.subscriber_id)
        .where(
            Subscriber.wants_reminders,
            followed.c.section_id.in_({series.section_id for series, _ in turned}),
        )
    ):
        followers[row.section_id].append((row.subscriber_id, row.email))
    chosen: dict[int, set[Category]] = defaultdict(set)
    for sid, category in session.execute(
        select(SubscriberCategory.subscriber_id, SubscriberCategory.category)
    ):
        chosen[sid].add(category)
    return [
        DueReminder(sid, email, Rule.SERIES, day, None, series_key(series), None, None)
        for series, day in turned
        for sid, email in followers[series.section_id]
        if not chosen[sid] or series.category in chosen[sid]
    ]


def series_key(series: SeriesRhythm) -> str:
    """The ledger's occurrence key of a series' state: once per series and state."""
    return f"series-{series.id}-{series.rhythm.state.value}"

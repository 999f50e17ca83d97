"""Which events a feed holds: its scope (everything, a section, a group, a
category, a subscriber's own) and the filters of the request.

:func:`feed_entries` is one SQL query; the rules that depend on the day
(how long cancelled events stay, the ``past_days`` horizon) take ``today``.
:class:`ScopeCache` keeps the scopes a process looked up for as long as the
data version stays, so that a feed served again needs no lookup.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select, true
from sqlalchemy.orm import Session

from feeds.errors import FeedNotFound
from models import (
    CATEGORY_LABELS,
    Category,
    Confidence,
    DocumentFormat,
    DocumentVersion,
    Event,
    Occurrence,
    Precision,
    Section,
    SourceRef,
    Status,
    Subscriber,
    category_by_key,
    group_by_key,
    scope_condition,
    section_by_key,
    slug,
)


@dataclass(frozen=True)
class Scope:
    """What a feed covers. ``key`` identifies it in caches and calendar uids."""

    key: str
    name: str
    condition: ColumnElement[bool]
    #: Part of the cache key when the scope itself can change (a subscriber's).
    version: str = ""


@dataclass(frozen=True)
class FeedQuery:
    """Filters a subscriber can add to a feed URL."""

    #: Confidences to include; None means all.
    confidences: frozenset[Confidence] | None = None
    #: Leave out occurrences that ended more than this many days ago; None keeps all.
    past_days: int | None = None
    #: Add the expected windows of series (``feeds.expected``): the subscriber opted in.
    expected: bool = False


@dataclass(frozen=True)
class FeedEntry:
    """One occurrence of one event, with what its VEVENT needs."""

    uid: str
    position: int
    start: dt.date
    end: dt.date
    title: str
    outcome: str
    raw_date: str
    status: Status
    precision: Precision
    category: Category
    location: str | None
    section: str
    #: Where the note has the event's row; None for an event added by hand.
    source: SourceRef | None
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ScopeCache:
    """Scopes by the words that named them, for one data version at a time.

    A section's slug, name and id and a subscriber's selection (groups
    expanded to their sections) change only with the data version (an
    import) or with the subscriber's own version, which the caller puts in
    the key. A new version empties the cache; so does reaching ``size``
    entries, so that no choice of URLs makes it grow without bound. Unknown
    keys are not kept.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._version: str | None = None
        self._scopes: dict[tuple[object, ...], Scope] = {}
        self._lock = threading.Lock()

    def get(self, version: str, key: tuple[object, ...], make: Callable[[], Scope]) -> Scope:
        """The scope ``make`` gives for ``key`` at data ``version``, made once per version."""
        with self._lock:
            if version != self._version:
                self._version, self._scopes = version, {}
            scope = self._scopes.get(key)
        if scope is not None:
            return scope
        scope = make()  # FeedNotFound goes to the caller, and nothing is kept
        with self._lock:
            if version == self._version:
                if len(self._scopes) >= self._size:
                    self._scopes.clear()
                self._scopes[key] = scope
        return scope


def everything() -> Scope:
    return Scope("all", "All sections", true())


def section_scope(session: Session, key: str) -> Scope:
    """A section by slug or ISO 3166-1 code (``cabo-verde`` or ``cv``)."""
    section = section_by_key(session, key)
    if section is None:
        raise FeedNotFound(key)
    return Scope(f"section:{section.slug}", section.name, Event.section_id == section.id)


def group_scope(key: str) -> Scope:
    group = group_by_key(key)
    if group is None:
        raise FeedNotFound(key)
    return Scope(f"group:{slug(group.value)}", group.value, Section.group == group)


def category_scope(key: str) -> Scope:
    category = category_by_key(key)
    if category is None:
        raise FeedNotFound(key)
    return Scope(
        f"category:{category.value}", CATEGORY_LABELS[category], Event.category == category
    )


def subscriber_scope(session: Session, subscriber: Subscriber) -> Scope:
    return Scope(
        f"subscriber:{subscriber.id}",
        f"{subscriber.name or subscriber.email}'s selection",
        scope_condition(session, subscriber),
        version=subscriber.updated_at.isoformat(),
    )


def feed_entries(
    session: Session,
    scope: Scope,
    query: FeedQuery,
    *,
    today: dt.date,
    cancelled_days: int,
) -> list[FeedEntry]:
    """Every occurrence a feed shows, in calendar order.

    Removed events are left out; cancelled and postponed ones stay for
    ``cancelled_days`` after the change that made them so (their
    ``updated_at``), so that subscribers see the change before they go.
    """
    cancelled_since = dt.datetime.combine(
        today - dt.timedelta(days=cancelled_days), dt.time(), tzinfo=dt.UTC
    )
    off = Event.status.in_((Status.CANCELLED, Status.POSTPONED))
    conditions: list[ColumnElement[bool]] = [
        not_(Event.is_removed),
        scope.condition,
        or_(not_(off), Event.updated_at >= cancelled_since),
    ]
    if query.past_days is not None:
        conditions.append(Occurrence.end >= today - dt.timedelta(days=query.past_days))
    if query.confidences is not None:
        conditions.append(Event.confidence.in_([c.value for c in query.confidences]))
    statement: Select[Occurrence, Event, Section, str | None, DocumentFormat | None] = (
        select(Occurrence, Event, Section, DocumentVersion.symbol, DocumentVersion.format)
        .join(Occurrence.event)
        .join(Event.section)
        .outerjoin(DocumentVersion, Event.document_version_id == DocumentVersion.id)
        .where(and_(*conditions))
        .order_by(Occurrence.start, Section.position, Event.position, Occurrence.position)
    )
    return [
        FeedEntry(
            uid=event.uid,
            position=occurrence.position,
            start=occurrence.start,
            end=occurrence.end,
            title=event.title,
            outcome=event.outcome,
            raw_date=event.raw_date,
            status=event.status,
            precision=event.precision,
            category=event.category,
            location=event.location,
            section=section.name,
            source=_source(event, symbol, document_format),
            revision=event.revision,
            created_at=event.created_at,
            updated_at=event.updated_at,
        )
        for occurrence, event, section, symbol, document_format in session.execute(statement)
    ]


def _source(
    event: Event, symbol: str | None, document_format: DocumentFormat | None
) -> SourceRef | None:
    # From the query's columns: SourceRef.of would load each event's document.
    if symbol is None or document_format is None:
        return None
    return SourceRef.in_document(event, symbol, document_format)


def latest_import(session: Session) -> dt.datetime | None:
    """When the newest note was imported: the Last-Modified of a feed with no events."""
    return session.scalar(select(func.max(DocumentVersion.imported_at)))


def parse_confidences(values: Sequence[str]) -> frozenset[Confidence]:
    """``firm,tentative`` -> the set; an unknown word raises ValueError."""
    return frozenset(Confidence(v.strip().lower()) for v in values if v.strip())

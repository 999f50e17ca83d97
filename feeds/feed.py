"""A rendered feed with its HTTP validators, rendered once per change of the data.

:func:`render_feed` keys its cache on the scope, the filters, the day and the
data version stored in the database (:func:`models.data_version`), so every
web worker serves the same bytes and renders again only after the data (or
the day) changed. The ETag is a hash of the bytes, so it is strong.

Whoever holds a feed link chooses the filters, so the filters are first
brought to a small set (:func:`normal_query`: ``past_days`` rounded up to one
of ``[feeds] past_days_choices``, the confidences as a set, all of them as
none), and :class:`FeedCache` is bounded in entries and in bytes: no choice
of URLs makes a worker keep more than ``[feeds] cache_bytes`` of feeds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from feeds.expected import expected_markers
from feeds.ics import CalendarMeta, IcsOptions, build_calendar
from feeds.scopes import FeedQuery, Scope, feed_entries, latest_import
from models import Confidence, data_version
from models.rhythm import RhythmSettings

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: The largest ``past_days`` a URL or the configuration may give (a century).
MAX_PAST_DAYS = 36_500
#: What a cached feed costs beyond its body (key, validators, bookkeeping): an
#: estimate, so that many tiny feeds count as well.
ENTRY_OVERHEAD = 1024
_ALL_CONFIDENCES = frozenset(Confidence)


@dataclass(frozen=True)
class FeedSettings:
    """The feed options of the configuration ([feeds])."""

    refresh: dt.timedelta
    coarse_as_marker: bool
    #: Days a cancelled or postponed event stays in feeds after the change.
    cancelled_days: int
    #: Horizon for past occurrences when the URL gives none (None keeps all).
    past_days: int | None
    #: Rendered feeds kept in memory per process, at most.
    cache_size: int
    #: Bytes of rendered feeds kept in memory per process, at most (see FeedCache).
    cache_bytes: int
    #: The horizons a URL's ``past_days`` is rounded up to, ascending; a
    #: larger one keeps every past occurrence.
    past_days_choices: tuple[int, ...]
    #: How the expected windows of series are worked out (``?expected=1``).
    rhythm: RhythmSettings = field(default_factory=RhythmSettings)


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: dt.datetime
    events: int


class FeedCache:
    """A thread-safe LRU of rendered feeds, bounded in entries and in bytes.

    A feed costs its body's length plus :data:`ENTRY_OVERHEAD`. Adding one
    drops the least recently used until at most ``size`` feeds costing at
    most ``max_bytes`` in all are left; a feed that alone costs more than
    ``max_bytes`` is not kept.
    """

    def __init__(self, size: int, max_bytes: int) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._items: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        self._lock = threading.Lock()
        #: Bytes the kept feeds cost (never more than ``max_bytes``).
        self.bytes = 0
        #: Feeds offered to the cache: one per render.
        self.renders = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[object, ...]) -> RenderedFeed | None:
        with self._lock:
            feed = self._items.get(key)
            if feed is not None:
                self._items.move_to_end(key)
            return feed

    def put(self, key: tuple[object, ...], feed: RenderedFeed) -> bool:
        """Keep ``feed`` under ``key``; False when it alone is over the byte bound."""
        cost = _cost(feed)
        with self._lock:
            self.renders += 1
            if (old := self._items.pop(key, None)) is not None:
                self.bytes -= _cost(old)
            if cost > self._max_bytes:
                return False
            self._items[key] = feed
            self.bytes += cost
            while len(self._items) > self._size or self.bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= _cost(dropped)
            return True


def _cost(feed: RenderedFeed) -> int:
    return len(feed.body) + ENTRY_OVERHEAD


def round_past_days(days: int, choices: Sequence[int]) -> int | None:
    """``days`` rounded up to the nearest of ``choices`` (ascending); None above them all.

    Rounding up keeps at least what was asked for: a feed shows a little more
    of the past than the URL said, never less.

    >>> [round_past_days(d, (0, 7, 30, 90)) for d in (0, 1, 30, 31, 90, 91, 5000)]
    [0, 7, 30, 90, 90, None, None]
    >>> round_past_days(12, ()) is None
    True
    """
    index = bisect.bisect_left(choices, days)
    return choices[index] if index < len(choices) else None


def normal_query(query: FeedQuery, settings: FeedSettings) -> FeedQuery:
    """The query a feed is rendered (and cached) for: one of a small, configured set.

    No ``past_days`` takes the configured one; one from a URL is rounded up
    to ``settings.past_days_choices`` (:func:`round_past_days`). No
    confidence, or every confidence, is no filter. So a scope has at most
    15 x (choices + 2) renderings, whatever the URLs say.

    >>> settings = FeedSettings(dt.timedelta(hours=6), True, 30, 90, 8, 10**6, (0, 7, 30))
    >>> normal_query(FeedQuery(frozenset(Confidence), 12), settings)
    FeedQuery(confidences=None, past_days=30, expected=False)
    >>> normal_query(FeedQuery(frozenset(), None), settings)
    FeedQuery(confidences=None, past_days=90, expected=False)
    >>> normal_query(FeedQuery(frozenset({Confidence.FIRM}), 400), settings)
    FeedQuery(confidences=frozenset({<Confidence.FIRM: 'firm'>}), past_days=None, expected=False)
    """
    confidences = query.confidences
    if not confidences or confidences >= _ALL_CONFIDENCES:
        confidences = None
    if query.past_days is None:
        past_days = settings.past_days
    else:
        past_days = round_past_days(query.past_days, settings.past_days_choices)
    return FeedQuery(confidences, past_days, query.expected)


def cached_feed(
    cache: FeedCache,
    scope: Scope,
    query: FeedQuery,
    *,
    today: dt.date,
    settings: FeedSettings,
    version: str,
) -> RenderedFeed | None:
    """The feed :func:`render_feed` would return if ``cache`` holds it, with no session at all."""
    return cache.get(_cache_key(scope, normal_query(query, settings), today, version))


def _cache_key(scope: Scope, query: FeedQuery, today: dt.date, version: str) -> tuple[object, ...]:
    return (
        scope.key,
        scope.version,
        # None (every confidence) apart from any set: an empty set once shared
        # the key of no filter, and its empty feed was served for the full one.
        None if query.confidences is None else tuple(sorted(query.confidences)),
        query.past_days,
        query.expected,
        today,
        version,
    )


def render_feed(
    session: Session,
    scope: Scope,
    query: FeedQuery,
    *,
    today: dt.date,
    settings: FeedSettings,
    cache: FeedCache | None = None,
    version: str | None = None,
) -> RenderedFeed:
    """The feed of ``scope`` as of ``today``, from the cache when the data has not changed.

    ``query`` is rendered as :func:`normal_query` brings it (``past_days``
    rounded up to a configured choice). ``version`` is the data version when
    the caller has read it already (``feeds.tokens.feed_access``); a cached
    feed then costs no query at all.
    """
    query = normal_query(query, settings)
    key = _cache_key(scope, query, today, version or data_version(session))
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    entries = feed_entries(
        session, scope, query, today=today, cancelled_days=settings.cancelled_days
    )
    meta = CalendarMeta(
        name=f"{scope.name} – EU migration dialogues",
        description=(
            f"Key past and upcoming events for {scope.name}, from the Council note on external"
            " cooperation in the field of migration policy (LIMITE, do not forward). Dates"
            " marked tbc or shown as a window are not firm."
        ),
    )
    markers = (
        expected_markers(
            session, scope, today=today, settings=settings.rhythm, past_days=query.past_days
        )
        if query.expected
        else []
    )
    body = build_calendar(
        meta, entries, IcsOptions(settings.refresh, settings.coarse_as_marker), markers
    )
    # Whatever can change the bytes moves Last-Modified forward: an import (also
    # of removals), an edit of an event in the feed, and the day (cancelled
    # events and the past_days horizon drop out as days pass).
    start_of_day = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    last_modified = max(
        [start_of_day, latest_import(session) or EPOCH, *(e.updated_at for e in entries)]
    )
    feed = RenderedFeed(
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=last_modified.replace(microsecond=0),
        events=len(entries),
    )
    if cache is not None:
        cache.put(key, feed)
    return feed

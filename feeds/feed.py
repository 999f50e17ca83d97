"""A rendered feed with its HTTP validators, rendered once per change of the data.

:func:`render_feed` keys its cache on the scope, the filters, the day and the
data version stored in the database (:func:`models.data_version`), so every
web worker serves the same bytes and renders again only after the data (or
the day) changed. The ETag is a hash of the bytes, so it is strong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from feeds.ics import CalendarMeta, IcsOptions, build_calendar
from feeds.scopes import FeedQuery, Scope, feed_entries, latest_import
from models import data_version

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FeedSettings:
    """The feed options of the configuration ([feeds])."""

    refresh: dt.timedelta
    coarse_as_marker: bool
    #: Days a cancelled or postponed event stays in feeds after the change.
    cancelled_days: int
    #: Horizon for past occurrences when the URL gives none (None keeps all).
    past_days: int | None
    #: Rendered feeds kept in memory per process.
    cache_size: int


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: dt.datetime
    events: int


class FeedCache:
    """A small thread-safe LRU of rendered feeds."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        self._lock = threading.Lock()
        self.renders = 0

    def get(self, key: tuple[object, ...]) -> RenderedFeed | None:
        with self._lock:
            feed = self._items.get(key)
            if feed is not None:
                self._items.move_to_end(key)
            return feed

    def put(self, key: tuple[object, ...], feed: RenderedFeed) -> None:
        with self._lock:
            self.renders += 1
            self._items[key] = feed
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def render_feed(
    session: Session,
    scope: Scope,
    query: FeedQuery,
    *,
    today: dt.date,
    settings: FeedSettings,
    cache: FeedCache | None = None,
) -> RenderedFeed:
    """The feed of ``scope`` as of ``today``, from the cache when the data has not changed."""
    if query.past_days is None and settings.past_days is not None:
        query = FeedQuery(query.confidences, settings.past_days)
    key = (
        scope.key,
        scope.version,
        tuple(sorted(query.confidences or ())),
        query.past_days,
        today,
        data_version(session),
    )
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
    body = build_calendar(meta, entries, IcsOptions(settings.refresh, settings.coarse_as_marker))
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

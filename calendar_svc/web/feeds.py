"""The ICS feeds over HTTP: ``/feeds/<token>/...``, behind a secret token.

Responses are plain bytes (never compressed: compressed feeds have broken
Outlook subscriptions), with a strong ETag and Last-Modified answered by 304.
The filters of the query string are checked here; ``feeds.feed`` rounds
``past_days`` to a configured choice, so that a token holder cannot make a
worker render and keep a feed per number.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from werkzeug.http import http_date, is_resource_modified, quote_etag

from calendar_svc.extensions import driver_connection, get_session, request_now, services
from feeds.feed import MAX_PAST_DAYS, cached_feed, render_feed
from feeds.scopes import (
    FeedQuery,
    Scope,
    category_scope,
    everything,
    group_scope,
    parse_confidences,
    section_scope,
    subscriber_scope,
)
from feeds.tokens import FeedAccess, feed_access
from models import Subscriber

blueprint = Blueprint("feeds", __name__, url_prefix="/feeds")


@blueprint.get("/<token>/all.ics")
def all_events(token: str) -> ResponseReturnValue:
    return _feed(_access(token), ("all",), everything)


@blueprint.get("/<token>/mine.ics")
def mine(token: str) -> ResponseReturnValue:
    access = _access(token)

    def scope() -> Scope:
        subscriber = get_session().get(Subscriber, access.subscriber_id)
        if subscriber is None:  # deleted since the round trip
            abort(404)
        return subscriber_scope(get_session(), subscriber)

    return _feed(access, ("subscriber", access.subscriber_id, access.subscriber_version), scope)


@blueprint.get("/<token>/section/<key>.ics")
def section(token: str, key: str) -> ResponseReturnValue:
    return _feed(_access(token), ("section", key), lambda: section_scope(get_session(), key))


@blueprint.get("/<token>/group/<key>.ics")
def group(token: str, key: str) -> ResponseReturnValue:
    return _feed(_access(token), ("group", key), lambda: group_scope(key))


@blueprint.get("/<token>/category/<key>.ics")
def category(token: str, key: str) -> ResponseReturnValue:
    return _feed(_access(token), ("category", key), lambda: category_scope(key))


def _access(token: str) -> FeedAccess:
    """The request's one query: the token's owner and the data version; 404 for a dead token."""
    with driver_connection() as connection:
        access = feed_access(connection, services().engine.dialect, token)
    if not access.is_live:
        abort(404)
    return access


def _query() -> FeedQuery:
    confidence = request.args.get("confidence")
    past_days = request.args.get("past_days")
    try:
        confidences = parse_confidences(confidence.split(",")) if confidence else None
        days = int(past_days) if past_days else None
    except ValueError:
        abort(400, "confidence takes firm, approximate, tentative, off; past_days a number")
    if days is not None and not 0 <= days <= MAX_PAST_DAYS:
        abort(400, f"past_days must be between 0 and {MAX_PAST_DAYS}")
    expected = request.args.get("expected", "0")
    if expected not in ("0", "1"):
        abort(400, "expected takes 1 (add the windows series are expected in) or 0")
    return FeedQuery(confidences, days, expected == "1")


def _feed(access: FeedAccess, name: tuple[object, ...], make: Callable[[], Scope]) -> Response:
    """The feed of the scope ``make`` builds, looked up by ``name`` in the process's caches.

    A feed rendered before at this data version costs no query beyond
    :func:`_access`, and a 304 is answered before any body is touched.
    """
    app = services()
    scope = app.scopes.get(access.data_version, name, make)
    query, today = _query(), request_now().date()
    feed = cached_feed(
        app.feed_cache,
        scope,
        query,
        today=today,
        settings=app.feed_settings,
        version=access.data_version,
    ) or render_feed(
        get_session(),
        scope,
        query,
        today=today,
        settings=app.feed_settings,
        cache=app.feed_cache,
        version=access.data_version,
    )
    headers = _validators(feed.etag, feed.last_modified)
    # A client sends back the one ETag it was given: that exact header is a
    # match without werkzeug parsing it (and If-None-Match outranks any date).
    if request.environ.get("HTTP_IF_NONE_MATCH") == headers[0][1] or not is_resource_modified(
        request.environ, feed.etag, last_modified=feed.last_modified
    ):
        return Response(status=304, headers=headers)
    return Response(feed.body, headers=headers, content_type="text/calendar; charset=utf-8")


@functools.lru_cache(maxsize=1024)
def _validators(etag: str, last_modified: dt.datetime) -> tuple[tuple[str, str], ...]:
    """A feed's strong ETag and Last-Modified, and that clients must ask again each time."""
    return (
        ("ETag", quote_etag(etag)),
        ("Last-Modified", http_date(last_modified)),
        ("Cache-Control", "private, max-age=0, must-revalidate"),
    )

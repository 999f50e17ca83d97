"""The ICS feeds over HTTP: ``/feeds/<token>/...``, behind a secret token.

Responses are plain bytes (never compressed: compressed feeds have broken
Outlook subscriptions), with a strong ETag and Last-Modified answered by 304.
The filters of the query string are checked here; ``feeds.feed`` rounds
``past_days`` to a configured choice, so that a token holder cannot make a
worker render and keep a feed per number.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from calendar_svc.extensions import get_session, request_now, services
from feeds.feed import MAX_PAST_DAYS, render_feed
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
from feeds.tokens import is_live_token, subscriber_for_token
from models import Subscriber

blueprint = Blueprint("feeds", __name__, url_prefix="/feeds")


@blueprint.get("/<token>/all.ics")
def all_events(token: str) -> ResponseReturnValue:
    _check(token)
    return _feed(everything())


@blueprint.get("/<token>/mine.ics")
def mine(token: str) -> ResponseReturnValue:
    return _feed(subscriber_scope(get_session(), _subscriber(token)))


@blueprint.get("/<token>/section/<key>.ics")
def section(token: str, key: str) -> ResponseReturnValue:
    _check(token)
    return _feed(section_scope(get_session(), key))


@blueprint.get("/<token>/group/<key>.ics")
def group(token: str, key: str) -> ResponseReturnValue:
    _check(token)
    return _feed(group_scope(key))


@blueprint.get("/<token>/category/<key>.ics")
def category(token: str, key: str) -> ResponseReturnValue:
    _check(token)
    return _feed(category_scope(key))


def _check(token: str) -> None:
    if not is_live_token(get_session(), token):
        abort(404)


def _subscriber(token: str) -> Subscriber:
    subscriber = subscriber_for_token(get_session(), token)
    if subscriber is None:
        abort(404)
    return subscriber


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
    return FeedQuery(confidences, days)


def _feed(scope: Scope) -> Response:
    app = services()
    feed = render_feed(
        get_session(),
        scope,
        _query(),
        today=request_now().date(),
        settings=app.feed_settings,
        cache=app.feed_cache,
    )
    response = Response(feed.body, content_type="text/calendar; charset=utf-8")
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    response.cache_control.private = True
    response.cache_control.max_age = 0
    response.cache_control.must_revalidate = True
    # In place; what it returns is typed as werkzeug's Response, not Flask's.
    response.make_conditional(request)
    return response

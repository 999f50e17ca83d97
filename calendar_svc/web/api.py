"""The JSON API under ``/api/v1/``: events (with the dashboard's filters), sections and
series (recurring bodies and their rhythm, ``docs/series.md``).

Read-only. A caller is a signed-in user (the session cookie) or presents an
API token (``Authorization: Bearer ...``, made with ``calendar-svc users
token``); anyone else gets 401. Errors are JSON: ``{"error": "..."}``. The
OpenAPI document (``/api/v1/openapi.json``, ``calendar_svc.web.openapi``)
describes it and is open; without credentials it leaves out the sections'
slugs, the one part of it that comes from the note.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import and_
from werkzeug.exceptions import HTTPException

from calendar_svc.events.export import count_events, event_records
from calendar_svc.events.filters import EventFilter, FilterError
from calendar_svc.events.history import revisions_of
from calendar_svc.events.series import member_uids, parse_states, series_listing, series_record
from calendar_svc.extensions import get_session, request_now, services
from calendar_svc.users import user_for_api_token
from calendar_svc.web.openapi import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, openapi_document
from models import Event, EventRevision, listed_event_counts, section_by_key, sections_in_order

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(HTTPException):
    """An error answered as ``{"error": description}``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code


@blueprint.errorhandler(HTTPException)
# By its code, so that it comes before the app's HTML page for 400 (the input
# guard's answer to a control character in a parameter).
@blueprint.errorhandler(400)
def json_error(error: HTTPException) -> ResponseReturnValue:
    response = jsonify(error=error.description or error.name)
    response.status_code = error.code or 500
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="calendar-svc"'
    return response


@blueprint.before_request
def authenticate() -> None:
    if g.user is not None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    session, now = get_session(), request_now()
    user = (
        user_for_api_token(session, token.strip(), now=now) if scheme.lower() == "bearer" else None
    )
    # The description answers anyone, with less for a caller without credentials.
    if user is None and request.endpoint != "api.openapi":
        raise ApiError(401, "sign in, or send an API token as 'Authorization: Bearer <token>'")
    g.user = user


@blueprint.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    slugs: list[str] = []
    if g.user is not None:
        slugs = [section.slug for section in sections_in_order(get_session())]
    response = jsonify(openapi_document(slugs))
    # The answer depends on the credentials: no shared cache may keep one for all.
    response.vary.update(("Authorization", "Cookie"))
    response.cache_control.private = True
    return response


@blueprint.get("/events")
def events() -> ResponseReturnValue:
    session = get_session()
    for name in ("section", "group", "category", "confidence"):
        # The dashboard's form sends "" for "any"; a caller of the API leaves it out.
        if "" in request.args.getlist(name):
            raise ApiError(400, f"{name} is empty; leave it out to mean any")
    filters = EventFilter.from_args(request.args, request.args.to_dict(flat=False))
    limit = _integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _integer("offset", 0, 0, MAX_OFFSET)
    removed = _boolean("removed")
    try:
        condition = filters.condition(session)
    except FilterError as exc:
        raise ApiError(400, str(exc)) from None
    if not removed:
        condition = and_(condition, Event.is_removed.is_(False))
    total = count_events(session, condition)
    return jsonify(
        total=total,
        limit=limit,
        offset=offset,
        events=event_records(session, condition, limit=limit, offset=offset),
    )


@blueprint.get("/events/<uid>")
def event(uid: str) -> ResponseReturnValue:
    session = get_session()
    records = event_records(session, Event.uid == uid)
    if not records:
        raise ApiError(404, f"no event {uid!r}")
    revisions = revisions_of(session, uid)
    return jsonify(records[0] | {"revisions": [_revision(r) for r in revisions]})


@blueprint.get("/sections")
def sections() -> ResponseReturnValue:
    session = get_session()
    counts = listed_event_counts(session)
    return jsonify(
        sections=[
            {
                "slug": s.slug,
                "name": s.name,
                "group": s.group.value,
                "iso_code": s.iso_code,
                "events": counts.get(s.id, 0),
            }
            for s in sections_in_order(session)
        ]
    )


@blueprint.get("/series")
def series() -> ResponseReturnValue:
    session, today = get_session(), request_now().date()
    key = request.args.get("section")
    section = section_by_key(session, key) if key is not None else None
    if key is not None and section is None:
        raise ApiError(400, f"no section {key[:80]!r}")
    try:
        states = parse_states(request.args.get("state", ""))
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    listing = series_listing(
        session,
        today=today,
        settings=services().settings.series,
        sections=[section] if section else [],
        states=states,
        everything=_boolean("all"),
    )
    uids = member_uids(session, listing)
    return jsonify(today=today.isoformat(), series=[series_record(s, uids) for s in listing])


def _revision(revision: EventRevision) -> dict[str, Any]:
    return {
        "revision": revision.revision,
        "kind": revision.kind.value,
        "labels": revision.labels,
        "changes": revision.changes,
        "document": revision.document_version.symbol if revision.document_version else None,
        "actor": revision.actor,
        "changed_at": revision.changed_at.isoformat(),
    }


def _integer(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}")
    return value


def _boolean(name: str) -> bool:
    text = request.args.get(name, "false")
    if text not in ("true", "false"):
        raise ApiError(400, f"{name} is true or false")
    return text == "true"

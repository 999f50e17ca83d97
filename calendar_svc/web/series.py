"""Dialogues by rhythm: the series listed with their state and timeline, and a page per series.

The listing is :func:`calendar_svc.events.series.series_listing` as of the
request's day (the series of two or more meetings), narrowed by ``state`` and
``section`` in the query string; ``docs/series.md`` says how a series'
rhythm and state are worked out.

Editors rename a series, merge another of its section into it, split events
off into a new one and move an event to another series of the section. Each
is one transaction through ``calendar_svc.events.series``; an edit that cannot
be made (an empty name, a series of another section) leaves everything as it
was and is shown on the page with status 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.events.series import (
    SeriesError,
    member_events,
    merge_series,
    move_event,
    parse_states,
    rename_series,
    series_listing,
    series_page,
    split_series,
)
from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.web.auth import editor_required
from calendar_svc.web.rhythm_timeline import RhythmTimeline, SeriesEvents, lay_out
from models import Event, Section, event_by_uid, section_by_key, sections_in_order
from models.rhythm import SeriesState
from models.series import Series

blueprint = Blueprint("series", __name__, url_prefix="/series")


@dataclass(frozen=True)
class SectionRhythms:
    """One section of the listing: its series, drawn and tabled row by row."""

    section: Section
    timeline: RhythmTimeline


@blueprint.get("")
def index() -> ResponseReturnValue:
    session = get_session()
    today = request_now().date()
    # "state=late,stalled", or one "state" per ticked box of the page's form.
    state_text = ",".join(request.args.getlist("state"))
    key = request.args.get("section", "").strip()
    context = {
        "today": today,
        "sections": sections_in_order(session),
        "states": list(SeriesState),
        "chosen_section": key,
        # As asked, so that the form shows what was sent even when it names no state.
        "chosen_states": {part.strip().lower() for part in state_text.split(",")} - {""},
    }
    try:
        states = parse_states(state_text)
    except ValueError as exc:
        return render_template("series_index.html", error=str(exc), **context), 400
    section = section_by_key(session, key) if key else None
    if key and section is None:
        # Not echoed in full: the value is whatever was sent.
        error = f"no section {key[:40]!r}"
        return render_template("series_index.html", error=error, **context), 400
    listing = series_listing(
        session,
        today=today,
        settings=services().settings.series,
        sections=[section] if section else [],
        states=states,
    )
    events = member_events(session, (listed.series for listed in listing))
    grouped: dict[int, tuple[Section, list[SeriesEvents]]] = {}
    for listed in listing:
        grouped.setdefault(listed.section.id, (listed.section, []))[1].append(
            (listed.series, events[listed.series.id])
        )
    timelines = lay_out([rows for _, rows in grouped.values()], today=today)
    return render_template(
        "series_index.html",
        groups=[
            SectionRhythms(listed_section, timeline)
            for (listed_section, _), timeline in zip(grouped.values(), timelines, strict=True)
        ],
        count=len(listing),
        **context,
    )


@blueprint.get("/<int:series_id>")
def show(series_id: int) -> ResponseReturnValue:
    return _page(get_session(), series_id)


def _page(session: Session, series_id: int, *, error: str | None = None) -> str:
    today = request_now().date()
    page = series_page(session, series_id, today=today, settings=services().settings.series)
    if page is None:
        abort(404)
    timeline = (
        lay_out([[(page.rhythm, page.listed_events)]], today=today)[0] if page.rhythm else None
    )
    return render_template(
        "series.html",
        page=page,
        series=page.series,
        rhythm=page.rhythm,
        timeline=timeline,
        today=today,
        error=error,
    )


Change = Callable[[Session, Series, str, dt.datetime], str]


def _edit(series_id: int, change: Change) -> ResponseReturnValue:
    """Make ``change`` (which returns what to tell the editor) in one transaction, then
    show the series' page again."""
    session = get_writer_session()
    try:
        with session.begin():
            series = session.get(Series, series_id)
            if series is None:
                abort(404)
            done = change(session, series, g.user.email, request_now())
    except SeriesError as exc:
        return _page(get_session(), series_id, error=str(exc)), 400
    flash(done)
    return redirect(url_for("series.show", series_id=series_id))


@blueprint.post("/<int:series_id>/rename")
@editor_required
def rename(series_id: int) -> ResponseReturnValue:
    name = request.form.get("name", "")

    def change(session: Session, series: Series, actor: str, now: dt.datetime) -> str:
        revision = rename_series(session, series, name, actor=actor, now=now)
        return f"Renamed to {revision.changes['name'][1]}."

    return _edit(series_id, change)


@blueprint.post("/<int:series_id>/merge")
@editor_required
def merge(series_id: int) -> ResponseReturnValue:
    merged_id = request.form.get("merged", type=int)

    def change(session: Session, series: Series, actor: str, now: dt.datetime) -> str:
        merged = session.get(Series, merged_id) if merged_id is not None else None
        if merged is None:
            raise SeriesError("choose the series to merge into this one")
        name, count = merged.name, len(merged.members)
        merge_series(session, series, merged, actor=actor, now=now)
        return f"Merged {name} into this series ({_events(count)})."

    return _edit(series_id, change)


@blueprint.post("/<int:series_id>/split")
@editor_required
def split(series_id: int) -> ResponseReturnValue:
    uids = request.form.getlist("event")
    name = request.form.get("name", "")

    def change(session: Session, series: Series, actor: str, now: dt.datetime) -> str:
        events = list(session.scalars(select(Event).where(Event.uid.in_(uids)))) if uids else []
        if len(events) != len(set(uids)):
            raise SeriesError(f"only events of {series.name!r} can be split off it")
        new = split_series(session, series, events, name=name, actor=actor, now=now)
        return f"Split {_events(len(events))} off into the new series {new.name}."

    return _edit(series_id, change)


@blueprint.post("/<int:series_id>/move")
@editor_required
def move(series_id: int) -> ResponseReturnValue:
    uid = request.form.get("event", "")
    target_id = request.form.get("target", type=int)

    def change(session: Session, series: Series, actor: str, now: dt.datetime) -> str:
        event = event_by_uid(session, uid) if uid else None
        if event is None or all(member.event_id != event.id for member in series.members):
            raise SeriesError(f"choose an event of {series.name!r} to move")
        target = session.get(Series, target_id) if target_id is not None else None
        if target is None:
            raise SeriesError("choose the series to move the event into")
        move_event(session, event, target, actor=actor, now=now)
        return f"Moved {event.display_title} into {target.name}."

    return _edit(series_id, change)


def _events(count: int) -> str:
    """>>> _events(1), _events(3)
    ('1 event', '3 events')
    """
    return f"{count} event" if count == 1 else f"{count} events"

"""An event's page, and the editor's changes to it: confirm, move, cancel, edit, add.

Every change goes through ``calendar_svc.events.editing`` in one transaction and is
an :class:`~models.EventRevision` naming the signed-in user. A change that
cannot be made (an unreadable date, a date outside 1900-2100, a title or
outcome longer than a cell of the note may be, nothing changed) leaves the
event as it was and is shown on the page with status 400 (the limits are
``calendar_svc.events.editing``'s, documented in ``docs/dates.md``, "Limits").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session, joinedload, selectinload

from calendar_svc.events import editing
from calendar_svc.events.editing import EditError
from calendar_svc.events.history import conflicts_of
from calendar_svc.extensions import get_session, get_writer_session, request_now
from calendar_svc.web.auth import editor_required
from models import (
    Category,
    Event,
    EventConflict,
    EventRevision,
    SourceRef,
    Status,
    category_by_key,
    event_by_uid,
    section_by_key,
    sections_in_order,
)
from models.window import BOUNDS

blueprint = Blueprint("events", __name__)
#: What the status buttons may set, and what the page calls each, for an
#: event that is on (as planned) or off (cancelled or postponed).
STATUS_ACTIONS = {
    "on": {
        Status.CANCELLED: "Cancel",
        Status.POSTPONED: "Postpone",
        Status.CONFIRMED: "Mark confirmed (no longer tbc)",
        Status.TENTATIVE: "Mark tbc",
    },
    "off": {
        Status.CANCELLED: "Cancel",
        Status.POSTPONED: "Postpone",
        Status.CONFIRMED: "Reinstate as confirmed",
        Status.TENTATIVE: "Reinstate as tbc",
    },
}


@blueprint.get("/events/<uid>")
def show(uid: str) -> ResponseReturnValue:
    return _page(get_session(), uid)


def _page(session: Session, uid: str, *, error: str | None = None) -> str:
    event = event_by_uid(
        session,
        uid,
        joinedload(Event.section),
        joinedload(Event.document_version),
        selectinload(Event.occurrences),
        selectinload(Event.revisions).joinedload(EventRevision.document_version),
    )
    if event is None:
        abort(404)
    conflicts = conflicts_of(session, event)
    return render_template(
        "event.html",
        event=event,
        source=SourceRef.of(event),
        conflicts=conflicts,
        error=error,
        status_actions={
            status: label
            for status, label in STATUS_ACTIONS[
                "off" if event.status in (Status.CANCELLED, Status.POSTPONED) else "on"
            ].items()
            if status != event.status
        },
        categories=list(Category),
        # The date inputs' min and max: a browser refuses other days before sending.
        bounds=BOUNDS,
    )


def _edit(uid: str, change: Callable[[Session, Event, str, dt.datetime], object], done: str):
    """Apply ``change`` to the event in one transaction, then show the page again."""
    session = get_writer_session()
    try:
        with session.begin():
            event = event_by_uid(session, uid)
            if event is None:
                abort(404)
            change(session, event, g.user.email, request_now())
    except EditError as exc:
        return _page(get_session(), uid, error=str(exc)), 400
    flash(done)
    return redirect(url_for("events.show", uid=uid))


@blueprint.post("/events/<uid>/confirm")
@editor_required
def confirm(uid: str) -> ResponseReturnValue:
    start = _date("start")
    end = _date("end") if request.form.get("end", "").strip() else start

    def change(session: Session, event: Event, actor: str, now: dt.datetime) -> object:
        return editing.confirm_date(session, event, start, end, actor=actor, now=now)

    return _edit(uid, change, "Date confirmed.")


@blueprint.post("/events/<uid>/date")
@editor_required
def set_date(uid: str) -> ResponseReturnValue:
    text = request.form.get("date_text", "")

    def change(session: Session, event: Event, actor: str, now: dt.datetime) -> object:
        return editing.set_date_text(session, event, text, actor=actor, now=now)

    return _edit(uid, change, "Date changed.")


@blueprint.post("/events/<uid>/status")
@editor_required
def set_status(uid: str) -> ResponseReturnValue:
    try:
        status = Status(request.form.get("status", ""))
    except ValueError:
        abort(400, "status takes confirmed, tentative, cancelled or postponed")

    def change(session: Session, event: Event, actor: str, now: dt.datetime) -> object:
        return editing.set_status(session, event, status, actor=actor, now=now)

    return _edit(uid, change, f"Marked {status.value}.")


@blueprint.post("/events/<uid>/details")
@editor_required
def edit_details(uid: str) -> ResponseReturnValue:
    form = request.form
    category = _category(form.get("category", ""))

    def change(session: Session, event: Event, actor: str, now: dt.datetime) -> object:
        return editing.edit_details(
            session,
            event,
            actor=actor,
            now=now,
            title=form.get("title", ""),
            outcome=form.get("outcome", ""),
            category=category,
            location=form.get("location"),
        )

    return _edit(uid, change, "Details saved.")


@blueprint.route("/events/new", methods=["GET", "POST"])
@editor_required
def new() -> ResponseReturnValue:
    reader = get_session()
    sections = sections_in_order(reader)
    form = request.form if request.method == "POST" else request.args
    context = {"sections": sections, "form": form, "categories": list(Category)}
    if request.method == "GET":
        return render_template("event_new.html", **context)
    session = get_writer_session()
    try:
        with session.begin():
            section = section_by_key(session, form.get("section", ""))
            if section is None:
                raise EditError("choose the section the event belongs to")
            category = form.get("category", "")
            event = editing.add_event(
                session,
                section,
                title=form.get("title", ""),
                date_text=form.get("date_text", ""),
                outcome=form.get("outcome", ""),
                category=_category(category) if category else None,
                actor=g.user.email,
                now=request_now(),
            )
            uid = event.uid
    except EditError as exc:
        return render_template("event_new.html", error=str(exc), **context), 400
    flash("Event added.")
    return redirect(url_for("events.show", uid=uid))


@blueprint.post("/conflicts/<int:conflict_id>/resolve")
@editor_required
def resolve(conflict_id: int) -> ResponseReturnValue:
    decision = request.form.get("decision")
    if decision not in ("keep", "take"):
        abort(400, "decision is keep or take")
    session = get_writer_session()
    try:
        with session.begin():
            conflict = session.get(EventConflict, conflict_id)
            if conflict is None:
                abort(404)
            uid = conflict.event.uid
            editing.resolve_conflict(
                session,
                conflict,
                keep=decision == "keep",
                actor=g.user.email,
                now=request_now(),
            )
    except EditError as exc:
        flash(str(exc))
        return redirect(url_for("dashboard.index"))
    flash("Kept our version." if decision == "keep" else "Took the note's version.")
    return redirect(url_for("events.show", uid=uid))


def _date(name: str) -> dt.date:
    """A day of the form; whether it lies within the bounds is the edit's to say."""
    try:
        return dt.date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        abort(400, f"{name} must be a date (YYYY-MM-DD)")


def _category(value: str) -> Category:
    category = category_by_key(value)
    if category is None:
        # Not echoed in full: the value is whatever was sent.
        abort(400, f"no category {value[:40]!r}")
    return category

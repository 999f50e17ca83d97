"""The dashboard: what is coming, what awaits a date, what is overdue, what changed.

The lists are the agenda's (``models.agenda``) narrowed by the filters in the
query string (``calendar_svc.events.filters``); unresolved conflicts between hand
edits and a newer note are listed for editors to settle.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, and_, func, not_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from calendar_svc.events.filters import EventFilter, FilterError
from calendar_svc.extensions import get_session, request_now
from models import (
    DocumentVersion,
    Event,
    EventConflict,
    EventRevision,
    RevisionKind,
    Section,
)
from models.agenda import build_agenda

blueprint = Blueprint("dashboard", __name__)
UPCOMING_WEEKS = 6
RECENT_DAYS = 30
RECENT_LIMIT = 50


@blueprint.get("/")
def index() -> ResponseReturnValue:
    session = get_session()
    now = request_now()
    filters = EventFilter.from_args(request.args, request.args.to_dict(flat=False))
    sections = list(session.scalars(select(Section).order_by(Section.position)))
    context = {"filters": filters, "sections": sections, "weeks": UPCOMING_WEEKS}
    try:
        condition = filters.condition(session)
    except FilterError as exc:
        return render_template("dashboard.html", error=str(exc), agenda=None, **context), 400
    return render_template(
        "dashboard.html",
        agenda=build_agenda(session, today=now.date(), weeks=UPCOMING_WEEKS, condition=condition),
        changes=recent_changes(session, condition, since=now - dt.timedelta(days=RECENT_DAYS)),
        conflicts=open_conflicts(session, condition),
        **context,
    )


def recent_changes(
    session: Session, condition: ColumnElement[bool], *, since: dt.datetime
) -> list[EventRevision]:
    """The latest revisions, newest first, without the first import's creations (all rows)."""
    first_document = select(func.min(DocumentVersion.id)).scalar_subquery()
    return list(
        session.scalars(
            select(EventRevision)
            .join(EventRevision.event)
            .join(Event.section)
            .options(
                contains_eager(EventRevision.event).contains_eager(Event.section),
                contains_eager(EventRevision.event).selectinload(Event.occurrences),
                joinedload(EventRevision.document_version),
            )
            .where(
                condition,
                EventRevision.changed_at >= since,
                not_(
                    and_(
                        EventRevision.kind == RevisionKind.CREATED,
                        EventRevision.document_version_id == first_document,
                    )
                ),
            )
            .order_by(EventRevision.changed_at.desc(), EventRevision.id.desc())
            .limit(RECENT_LIMIT)
        )
    )


def open_conflicts(session: Session, condition: ColumnElement[bool]) -> list[EventConflict]:
    return list(
        session.scalars(
            select(EventConflict)
            .join(EventConflict.event)
            .join(Event.section)
            .options(
                contains_eager(EventConflict.event).contains_eager(Event.section),
                joinedload(EventConflict.document_version),
            )
            .where(condition, EventConflict.resolved_at.is_(None))
            .order_by(EventConflict.detected_at, EventConflict.id)
        )
    )

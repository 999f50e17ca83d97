"""The dashboard: what is coming, what awaits a date, what is overdue, what changed.

The lists are the agenda's (``models.agenda``) narrowed by the filters in the
query string (``calendar_svc.events.filters``); unresolved conflicts between hand
edits and a newer note are listed for editors to settle, and dates read from a
scan with little OCR confidence for someone to check (``calendar_svc.events.review``).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from calendar_svc.events.filters import EventFilter, FilterError
from calendar_svc.events.history import open_conflicts, recent_changes
from calendar_svc.events.review import dates_to_check
from calendar_svc.extensions import get_session, request_now, services
from models import sections_in_order
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
    sections = sections_in_order(session)
    review_below = services().settings.ingest.ocr_review_below
    context = {
        "filters": filters,
        "sections": sections,
        "weeks": UPCOMING_WEEKS,
        "review_below": review_below,
    }
    try:
        condition = filters.condition(session)
    except FilterError as exc:
        return render_template("dashboard.html", error=str(exc), agenda=None, **context), 400
    return render_template(
        "dashboard.html",
        agenda=build_agenda(session, today=now.date(), weeks=UPCOMING_WEEKS, condition=condition),
        changes=recent_changes(
            session, condition, since=now - dt.timedelta(days=RECENT_DAYS), limit=RECENT_LIMIT
        ),
        conflicts=open_conflicts(session, condition),
        to_check=dates_to_check(session, review_below, condition),
        **context,
    )

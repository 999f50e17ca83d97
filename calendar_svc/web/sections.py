"""The sections (countries and processes): a list, and a page per section with its timeline."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask.typing import ResponseReturnValue

from calendar_svc.extensions import get_session, request_now, services
from calendar_svc.subscribers import HOW_TO_SUBSCRIBE, FeedLink, feed_link, subscriber_by_email
from calendar_svc.web.timeline import lay_out
from models import (
    Section,
    current_feed_token,
    events_of,
    listed_event_counts,
    section_by_key,
    sections_in_order,
)

blueprint = Blueprint("sections", __name__, url_prefix="/sections")


@blueprint.get("")
def index() -> ResponseReturnValue:
    session = get_session()
    counts = listed_event_counts(session)
    sections = sections_in_order(session)
    return render_template("sections.html", sections=sections, counts=counts)


@blueprint.get("/<slug>")
def show(slug: str) -> ResponseReturnValue:
    session = get_session()
    section = section_by_key(session, slug)
    if section is None:
        abort(404)
    events = events_of(session, section)
    listed = [e for e in events if not e.is_removed]
    today = request_now().date()
    return render_template(
        "section.html",
        section=section,
        events=listed,
        removed=[e for e in events if e.is_removed],
        timeline=lay_out(listed, today=today),
        feed=_feed_link(section),
        how_to=HOW_TO_SUBSCRIBE,
    )


def _feed_link(section: Section) -> FeedLink | None:
    """The section's feed with the signed-in user's token, if they have one."""
    subscriber = subscriber_by_email(get_session(), g.user.email)
    app = services()
    token = subscriber and current_feed_token(subscriber, app.secret)
    if not token:
        return None
    return feed_link(app.settings.base_url, token, section.name, f"section/{section.slug}.ics")

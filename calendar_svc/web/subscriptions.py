"""Subscriptions: what a colleague follows, which mails they get, and their feed links.

Everyone manages their own (the subscriber with their sign-in address); an
admin can also list, add and change anyone's. Regenerating the token revokes
every feed link given out before.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.subscribers import (
    HOW_TO_SUBSCRIBE,
    FeedLink,
    SubscriberError,
    add_subscriber,
    all_subscribers,
    describe_scope,
    feed_links,
    subscriber_by_email,
    update_subscriber,
)
from calendar_svc.web.auth import admin_required
from feeds.tokens import issue_token, revoke_tokens
from models import Subscriber, current_feed_token, sections_in_order, slug

blueprint = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")
#: What the form offers someone who has no subscription yet.
DEFAULTS: dict[str, Any] = {
    "sections": set(),
    "groups": set(),
    "categories": set(),
    "everything": False,
    "firm_days": "14, 7, 1",
    "tentative_days": 30,
    "reminders": True,
    "digest": True,
}


@blueprint.get("")
def mine() -> ResponseReturnValue:
    return _page(_own(get_session()), url_for("subscriptions.save_mine"))


@blueprint.post("")
def save_mine() -> ResponseReturnValue:
    session = get_writer_session()
    try:
        with session.begin():
            subscriber = _own(session)
            if subscriber is None:
                _add(session, g.user.email, g.user.name)
            else:
                update_subscriber(session, subscriber, now=request_now(), **_preferences())
    except SubscriberError as exc:
        return _page(_own(get_session()), url_for("subscriptions.save_mine"), str(exc)), 400
    flash("Subscription saved.")
    return redirect(url_for("subscriptions.mine"))


@blueprint.post("/token")
def new_token_mine() -> ResponseReturnValue:
    session = get_writer_session()
    with session.begin():
        subscriber = _own(session)
        if subscriber is None:
            abort(404)
        _replace_token(session, subscriber)
    flash("New feed links made; the old ones no longer work.")
    return redirect(url_for("subscriptions.mine"))


@blueprint.get("/all")
@admin_required
def index() -> ResponseReturnValue:
    subscribers = all_subscribers(get_session())
    return render_template(
        "subscribers.html",
        subscribers=[(s, describe_scope(s)) for s in subscribers],
    )


@blueprint.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> ResponseReturnValue:
    if request.method == "GET":
        return _page(None, url_for("subscriptions.new"), for_someone=True)
    session = get_writer_session()
    try:
        with session.begin():
            subscriber = _add(session, request.form.get("email", ""), request.form.get("name", ""))
            subscriber_id = subscriber.id
    except SubscriberError as exc:
        return _page(None, url_for("subscriptions.new"), str(exc), for_someone=True), 400
    flash("Subscriber added.")
    return redirect(url_for("subscriptions.edit", subscriber_id=subscriber_id))


@blueprint.get("/<int:subscriber_id>")
@admin_required
def edit(subscriber_id: int) -> ResponseReturnValue:
    subscriber = get_session().get(Subscriber, subscriber_id) or abort(404)
    return _page(subscriber, url_for("subscriptions.save", subscriber_id=subscriber_id))


@blueprint.post("/<int:subscriber_id>")
@admin_required
def save(subscriber_id: int) -> ResponseReturnValue:
    session = get_writer_session()
    target = url_for("subscriptions.save", subscriber_id=subscriber_id)
    try:
        with session.begin():
            subscriber = session.get(Subscriber, subscriber_id) or abort(404)
            update_subscriber(session, subscriber, now=request_now(), **_preferences())
    except SubscriberError as exc:
        return _page(get_session().get(Subscriber, subscriber_id), target, str(exc)), 400
    flash("Subscription saved.")
    return redirect(url_for("subscriptions.edit", subscriber_id=subscriber_id))


@blueprint.post("/<int:subscriber_id>/token")
@admin_required
def new_token(subscriber_id: int) -> ResponseReturnValue:
    session = get_writer_session()
    with session.begin():
        subscriber = session.get(Subscriber, subscriber_id) or abort(404)
        _replace_token(session, subscriber)
    flash("New feed links made; the old ones no longer work.")
    return redirect(url_for("subscriptions.edit", subscriber_id=subscriber_id))


def _own(session: Session) -> Subscriber | None:
    return subscriber_by_email(session, g.user.email)


def _add(session: Session, email: str, name: str) -> Subscriber:
    """A new subscriber with the form's preferences and a first feed token."""
    app = services()
    subscriber = add_subscriber(session, email, name=name, now=request_now(), **_preferences())
    issue_token(session, subscriber, secret=app.secret, now=request_now())
    return subscriber


def _replace_token(session: Session, subscriber: Subscriber) -> None:
    app = services()
    revoke_tokens(session, subscriber, now=request_now())
    issue_token(session, subscriber, secret=app.secret, now=request_now())


def _preferences() -> dict[str, Any]:
    """The form's choices as ``update_subscriber`` takes them.

    Raises:
        SubscriberError: lead times that are not whole numbers.
    """
    form = request.form
    try:
        firm_days = [int(part) for part in form.get("firm_days", "").replace(",", " ").split()]
        tentative_days = int(form.get("tentative_days", "30"))
    except ValueError:
        raise SubscriberError(
            "reminder lead times are whole numbers of days, e.g. 14, 7, 1"
        ) from None
    return {
        "sections": form.getlist("section"),
        "groups": form.getlist("group"),
        "categories": form.getlist("category"),
        "everything": form.get("everything") == "on",
        "firm_days": firm_days,
        "tentative_days": tentative_days,
        "reminders": form.get("reminders") == "on",
        "digest": form.get("digest") == "on",
    }


def _page(
    subscriber: Subscriber | None,
    action: str,
    error: str | None = None,
    *,
    for_someone: bool = False,
) -> str:
    """The subscription form (``action`` saves it) with the subscriber's feed links."""
    app = services()
    links: list[FeedLink] = []
    # Someone with no subscription yet has no feed token: links come once the form is saved.
    if subscriber is not None and (token := current_feed_token(subscriber, app.secret)):
        links = feed_links(app.settings.base_url, token, subscriber)
    if subscriber is None or subscriber.email == g.user.email:
        token_action = url_for("subscriptions.new_token_mine")
    else:
        token_action = url_for("subscriptions.new_token", subscriber_id=subscriber.id)
    if request.method == "POST":  # shown again after an error: keep what was typed
        form = request.form
        chosen = {
            "sections": set(form.getlist("section")),
            "groups": set(form.getlist("group")),
            "categories": set(form.getlist("category")),
            "everything": form.get("everything") == "on",
            "firm_days": form.get("firm_days", ""),
            "tentative_days": form.get("tentative_days", ""),
            "reminders": form.get("reminders") == "on",
            "digest": form.get("digest") == "on",
        }
    elif subscriber is not None:
        chosen = {
            "sections": {s.slug for s in subscriber.sections},
            "groups": {slug(g.group.value) for g in subscriber.groups},
            "categories": {c.category.value for c in subscriber.categories},
            "everything": subscriber.is_following_everything,
            "firm_days": ", ".join(str(d.days) for d in subscriber.lead_days),
            "tentative_days": subscriber.tentative_lead_days,
            "reminders": subscriber.wants_reminders,
            "digest": subscriber.wants_digest,
        }
    else:
        chosen = DEFAULTS
    return render_template(
        "subscription.html",
        subscriber=subscriber,
        action=action,
        token_action=token_action,
        error=error,
        for_someone=for_someone,
        sections=sections_in_order(get_session()),
        chosen=chosen,
        links=links,
        how_to=HOW_TO_SUBSCRIBE,
        slug=slug,
    )

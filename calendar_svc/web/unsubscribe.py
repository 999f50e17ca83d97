"""The unsubscribe link of every mail: ``/unsubscribe/<token>``.

GET only asks (mail scanners open links), POST unsubscribes: from the page's
button, or straight from a mail client's one-click unsubscribe (RFC 8058).
The token is the authorisation; it opens nothing else. Feeds keep working.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.app import get_session, get_writer_session, services
from models import Subscriber

blueprint = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")


def _subscriber(token: str, session: Session | None = None) -> Subscriber:
    session = session or get_session()
    subscriber = session.scalar(select(Subscriber).filter_by(unsubscribe_token=token))
    if subscriber is None:
        abort(404)
    return subscriber


@blueprint.get("/<token>")
def ask(token: str) -> ResponseReturnValue:
    subscriber = _subscriber(token)
    return render_template("unsubscribe.html", subscriber=subscriber, done=False)


@blueprint.post("/<token>")
def confirm(token: str) -> ResponseReturnValue:
    session = get_writer_session()
    with session.begin():
        subscriber = _subscriber(token, session)
        subscriber.wants_reminders = False
        subscriber.wants_digest = False
        subscriber.updated_at = services().clock()
    return render_template("unsubscribe.html", subscriber=subscriber, done=True)

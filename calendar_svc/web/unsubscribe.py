"""The unsubscribe link of every reminder and digest mail.

GET only asks (mail scanners open links), POST unsubscribes: from the page's
button, or straight from a mail client's one-click unsubscribe (RFC 8058).
The token is the authorisation; it opens nothing else. Feeds keep working.

A link carries the day its mail was made, signed with the app's secret
(:func:`models.subscriber.unsubscribe_token`), and works, for the page and
for one-click alike, for :data:`~models.subscriber.UNSUBSCRIBE_LINK_DAYS`
from then; nothing is stored. After that, and for a link of the first,
undated form (``/unsubscribe/<the stored token>``, in mails sent before
links expired), both answer 410 with a page saying where to go instead: the
link in a newer mail (every mail has one), or the subscription page after
signing in. A token that is no link gets the same bare 404 as any unknown
address. The page never shows the address in full (:func:`masked_email`):
whoever holds a forwarded mail learns no more than the mail showed.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import Gone

from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.subscribers import unsubscribe
from models.subscriber import UNSUBSCRIBE_LINK_DAYS, UnsubscribeLink, open_unsubscribe_link

blueprint = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")


def _link(token: str, session: Session) -> UnsubscribeLink:
    """The live link ``token`` is.

    Raises:
        NotFound: ``token`` is no link of this app (or of a subscriber removed since).
        Gone: the link has expired.
    """
    link = open_unsubscribe_link(session, token, services().secret)
    if link is None:
        abort(404)
    if not link.is_live(request_now().date()):
        raise Gone()
    return link


@blueprint.errorhandler(Gone)
def expired(_error: Gone) -> ResponseReturnValue:
    return render_template("unsubscribe.html", expired=True, days=UNSUBSCRIBE_LINK_DAYS), 410


@blueprint.get("/<token>")
def ask(token: str) -> ResponseReturnValue:
    link = _link(token, get_session())
    return render_template(
        "unsubscribe.html",
        email=masked_email(link.subscriber.email),
        last_day=link.last_day,
        done=False,
    )


@blueprint.post("/<token>")
def confirm(token: str) -> ResponseReturnValue:
    session = get_writer_session()
    with session.begin():
        subscriber = _link(token, session).subscriber
        unsubscribe(subscriber, now=request_now())
        email = masked_email(subscriber.email)
    return render_template("unsubscribe.html", email=email, done=True)


def masked_email(address: str) -> str:
    """The address with its local part hidden but for the first character.

    >>> masked_email("desk.officer@example.eu")
    'd***@example.eu'
    >>> masked_email("x@example.eu"), masked_email("no-at-sign")
    ('x***@example.eu', '***')
    """
    local, at, domain = address.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"

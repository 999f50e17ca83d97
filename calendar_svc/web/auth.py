"""Sign-in and sign-out, the guard in front of every page, and where sign-in leads.

Every page needs a signed-in user, except the secret feed links, the
unsubscribe link and the JSON API (which checks its own credentials); a
signed-out visitor is sent to the sign-in page and back. ``editor_required``
and ``admin_required`` answer 403 to a user without the role.

The session cookie (Flask's, signed) holds the id of a session row and the
form token, nothing else; the row is checked on every request
(``calendar_svc.users.current_session``), so signing out, a new password or a
disabled account ends the session on every worker at once. The cookie is set
at sign-in and not again on every response: it carries no timestamp to keep
fresh, as the lifetime and idle timeout are counted in the database.

A second cookie, ``device`` (signed, HttpOnly, sent only to ``/login``),
remembers that this browser signed in to an account, so that it may still
sign in while failures elsewhere lock the account
(``calendar_svc.users.sign_in``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer

from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.users import (
    WINDOW,
    Device,
    SessionPolicy,
    TooManyAttempts,
    current_session,
    end_session,
    needs_touch,
    sign_in,
    start_session,
    touch_session,
)
from models import User

blueprint = Blueprint("auth", __name__)
#: Blueprints that check their own credentials (or need none).
OPEN_BLUEPRINTS = frozenset({"feeds", "unsubscribe", "api", "health"})
#: The key of the session id in Flask's session cookie.
SESSION_KEY = "sid"
DEVICE_COOKIE = "device"
F = TypeVar("F", bound=Callable[..., Any])
#: What a browser drops from a URL wherever it stands (WHATWG URL: "ASCII tab or newline").
_DROPPED = str.maketrans("", "", "\t\n\r")
#: Leading and trailing characters a browser strips from a URL (C0 controls and space).
_STRIPPED = "".join(map(chr, range(0x21)))
#: Characters kept as they are when a path is made ASCII: RFC 3986's reserved
#: and unreserved ones, and "%" so that what is escaped stays escaped.
_URL_SAFE = "/?#[]@!$&'()*+,;=:%-._~"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with nothing to do for a request without the cookie.

    Flask makes a signing serializer for every request before it looks for
    the cookie, and reads seven cookie settings before it sees that an empty
    session has nothing to save; feeds, fetched by calendar clients many
    times a minute, never send one.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session or session.modified:
            super().save_session(app, session, response)
        elif session.accessed:  # what Flask does for an empty, untouched session
            response.vary.add("Cookie")


@blueprint.before_app_request
def require_sign_in() -> ResponseReturnValue | None:
    g.user = _current_user()
    if request.endpoint is None or request.blueprint in OPEN_BLUEPRINTS:
        return None
    if request.endpoint in ("auth.login", "static"):
        return None
    if g.user is None:
        return redirect(url_for("auth.login", next=request.full_path))
    return None


def session_policy() -> SessionPolicy:
    return SessionPolicy.from_settings(services().settings.auth)


def _current_user() -> User | None:
    """The user of the request's live session, recording the request on it."""
    token = session.get(SESSION_KEY)
    if token is None:
        return None
    now = request_now()
    live = (
        current_session(get_session(), token, now=now, policy=session_policy())
        if isinstance(token, str)
        else None
    )
    if live is None:
        session.pop(SESSION_KEY)  # ended or lapsed: the cookie no longer names it
        return None
    if needs_touch(live, now=now):
        writer = get_writer_session()
        with writer.begin():
            touch_session(writer, live.id, now=now)
    return live.user


def _requiring(allowed: Callable[[User], bool]) -> Callable[[F], F]:
    """A view decorator answering 403 to a user for whom ``allowed`` is false."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None or not allowed(g.user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


editor_required = _requiring(lambda user: user.can_edit)
admin_required = _requiring(lambda user: user.is_admin)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = safe_next(request.values.get("next")) or url_for("dashboard.index")
    if request.method == "GET":
        return render_template("login.html", next=target)
    now = request_now()
    device = _device(now)
    db = get_writer_session()
    try:
        with db.begin():
            user = sign_in(
                db,
                request.form.get("email", ""),
                request.form.get("password", ""),
                remote_addr=request.remote_addr or "unknown",
                now=now,
                device=device,
            )
            if user is not None:
                token = start_session(db, user, now=now, policy=session_policy())
                remembered = Device.new(user, now=now, previous=device)
    except TooManyAttempts as exc:
        response = make_response(render_template("login.html", next=target, error=str(exc)), 429)
        response.headers["Retry-After"] = str(int(WINDOW.total_seconds()))
        return response
    if user is None:
        return render_template("login.html", next=target, error="Wrong email or password."), 401
    session.clear()  # a new session on sign-in: nothing carried over from before
    session[SESSION_KEY] = token
    session.permanent = True  # the cookie's own expiry: [auth] session_hours
    # A new form token with the new session, set with this response, so that
    # the pages after it have no cookie to set.
    g.pop("csrf_token", None)
    generate_csrf()
    signed_in = redirect(target)
    signed_in.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps(
            [remembered.user_id, remembered.nonce, int(remembered.issued_at.timestamp())]
        ),
        max_age=int(dt.timedelta(days=services().settings.auth.device_days).total_seconds()),
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return signed_in


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db = get_writer_session()
        with db.begin():
            end_session(db, token, now=request_now())
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="calendar-svc device")  # type: ignore[arg-type]


def _device(now: dt.datetime) -> Device | None:
    """What this browser's device cookie says, if it is ours and recent enough; else None."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        user_id, nonce, issued = _device_signer().loads(cookie)
    except (BadSignature, TypeError, ValueError):
        return None
    if not (isinstance(user_id, int) and isinstance(nonce, str) and isinstance(issued, int)):
        return None
    issued_at = dt.datetime.fromtimestamp(issued, dt.UTC)
    if now - issued_at > dt.timedelta(days=services().settings.auth.device_days):
        return None
    return Device(user_id, nonce[:64], issued_at)


def safe_next(target: str | None) -> str | None:
    """The path on this site that ``target`` names, or None if it names none.

    ``target`` is read as a browser would read it in a ``Location``: TAB, LF
    and CR are dropped wherever they stand, leading and trailing control
    characters and spaces are stripped, and a backslash is a slash. What is
    left must be a path (no scheme, no host: ``//host`` is another site) with
    no other control character. The result is ASCII (anything else
    percent-encoded), so that it can go in a header.

    >>> safe_next("/sections/serbia?confidence=firm#jrc")
    '/sections/serbia?confidence=firm#jrc'
    >>> safe_next(" /events/new\\n")
    '/events/new'
    >>> [safe_next(t) for t in ("//x", "/\\\\x", "/\\t/x", "https://x", "x", "", None)]
    [None, None, None, None, None, None, None]
    >>> safe_next("/\\r\\nSet-Cookie: a=b"), safe_next("/a b/é")
    ('/Set-Cookie:%20a=b', '/a%20b/%C3%A9')
    """
    if not target:
        return None
    cleaned = target.strip(_STRIPPED).translate(_DROPPED).replace("\\", "/")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # e.g. an unbalanced "[" taken for an IPv6 host
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return quote(cleaned, safe=_URL_SAFE)

"""Sign-in and sign-out, and the guard in front of every page.

Every page needs a signed-in user, except the secret feed links, the
unsubscribe link and the JSON API (which checks its own credentials); a
signed-out visitor is sent to the sign-in page and back. ``editor_required``
and ``admin_required`` answer 403 to a user without the role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from calendar_svc.app import get_session, get_writer_session, services
from calendar_svc.auth import TooManyAttempts, sign_in
from models import User

blueprint = Blueprint("auth", __name__)
#: Blueprints that check their own credentials (or need none).
OPEN_BLUEPRINTS = frozenset({"feeds", "unsubscribe", "api", "health"})
F = TypeVar("F", bound=Callable[..., Any])


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


def _current_user() -> User | None:
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = get_session().get(User, user_id)
    return user if user is not None and user.is_active else None


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
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target)
    db = get_writer_session()
    try:
        with db.begin():
            user = sign_in(
                db,
                request.form.get("email", ""),
                request.form.get("password", ""),
                remote_addr=request.remote_addr or "unknown",
                now=services().clock(),
            )
    except TooManyAttempts as exc:
        return render_template("login.html", next=target, error=str(exc)), 429
    if user is None:
        return render_template("login.html", next=target, error="Wrong email or password."), 401
    session.clear()  # a new session on sign-in: nothing carried over from before
    session["user_id"] = user.id
    session.permanent = True
    return redirect(target)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("dashboard.index")
    return target

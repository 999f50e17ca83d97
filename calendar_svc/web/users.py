"""The admins' page of users: who may sign in, with which role, and their API tokens.

An admin lists the users, disables or enables one (disabling ends their
sessions at once; their API tokens stop working while they are disabled),
changes a role (it applies from the user's next request), signs a user out
everywhere, and lists and revokes their API tokens. The same as the
``calendar-svc users`` commands; new users, passwords and tokens stay with
the command line (a password or token is never shown on a page).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from calendar_svc.extensions import get_session, get_writer_session, request_now
from calendar_svc.users import (
    AuthError,
    all_users,
    end_sessions,
    live_api_tokens,
    live_sessions,
    revoke_api_token,
    set_active,
    set_role,
)
from calendar_svc.web.auth import SESSION_KEY, admin_required, session_policy
from models import Role, User

blueprint = Blueprint("users", __name__, url_prefix="/users")


@blueprint.get("")
@admin_required
def index() -> ResponseReturnValue:
    db = get_session()
    now = request_now()
    return render_template(
        "users.html",
        users=all_users(db),
        sessions=live_sessions(db, now=now, policy=session_policy()),
        tokens=live_api_tokens(db, now=now),
    )


@blueprint.get("/<int:user_id>")
@admin_required
def show(user_id: int) -> ResponseReturnValue:
    return _page(user_id)


@blueprint.post("/<int:user_id>/role")
@admin_required
def change_role(user_id: int) -> ResponseReturnValue:
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        abort(400, "Choose viewer, editor or admin.")
    return _change(user_id, lambda db, user: set_role(db, user, role), f"Role set to {role.value}.")


@blueprint.post("/<int:user_id>/active")
@admin_required
def change_active(user_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "yes"
    message = "User enabled." if active else "User disabled; their sessions have ended."
    return _change(
        user_id,
        lambda db, user: set_active(db, user, active, now=request_now()),
        message,
    )


@blueprint.post("/<int:user_id>/sessions/end")
@admin_required
def sign_out_everywhere(user_id: int) -> ResponseReturnValue:
    # An admin signing themselves out elsewhere keeps the session they are using.
    keep = session.get(SESSION_KEY) if user_id == g.user.id else None
    return _change(
        user_id,
        lambda db, user: end_sessions(db, user, now=request_now(), keep=keep),
        "Signed out everywhere.",
    )


@blueprint.post("/<int:user_id>/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(user_id: int, token_id: int) -> ResponseReturnValue:
    return _change(
        user_id,
        lambda db, user: revoke_api_token(db, user, token_id, now=request_now()),
        "API token revoked.",
    )


def _change(
    user_id: int, change: Callable[[Session, User], object], message: str
) -> ResponseReturnValue:
    """Apply ``change(session, user)`` in one transaction; a refusal is shown on the page."""
    db = get_writer_session()
    try:
        with db.begin():
            user = db.get(User, user_id) or abort(404)
            change(db, user)
    except AuthError as exc:
        return _page(user_id, error=str(exc)), 400
    flash(message)
    return redirect(url_for("users.show", user_id=user_id))


def _page(user_id: int, error: str | None = None) -> str:
    db = get_session()
    user = db.get(User, user_id) or abort(404)
    now = request_now()
    return render_template(
        "user.html",
        user=user,
        tokens=[(token, token.state(now)) for token in user.api_tokens],
        sessions=live_sessions(db, now=now, policy=session_policy()).get(user.id, 0),
        roles=list(Role),
        error=error,
    )

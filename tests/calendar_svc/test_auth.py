"""Users: argon2 password hashes, sign-in with rate limiting, API tokens; and the commands."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.auth import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    AuthError,
    TooManyAttempts,
    add_user,
    issue_api_token,
    set_password,
    sign_in,
    user_for_api_token,
)
from models import ApiToken, LoginAttempt, Role, User
from tests.conftest import Run

NOW = dt.datetime(2024, 2, 7, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(session: Session) -> User:
    return add_user(
        session,
        "Desk.Officer@Example.EU",
        name="Desk",
        role=Role.EDITOR,
        password=PASSWORD,
        now=NOW,
    )


def test_passwords_are_stored_as_argon2_hashes(user: User) -> None:
    assert user.email == "desk.officer@example.eu"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_short_passwords_and_duplicate_users_are_refused(session: Session, user: User) -> None:
    with pytest.raises(AuthError, match="at least 12 characters"):
        add_user(session, "new@example.eu", name="", role=Role.VIEWER, password="short", now=NOW)
    with pytest.raises(AuthError, match="already a user"):
        add_user(
            session,
            "DESK.OFFICER@example.eu",
            name="",
            role=Role.VIEWER,
            password=PASSWORD,
            now=NOW,
        )


def test_sign_in_checks_the_password_and_records_every_attempt(
    session: Session, user: User
) -> None:
    assert (
        sign_in(
            session, "desk.officer@example.eu", "wrong password!", remote_addr="10.0.0.1", now=NOW
        )
        is None
    )
    assert (
        sign_in(session, " Desk.Officer@example.eu", PASSWORD, remote_addr="10.0.0.1", now=NOW)
        is user
    )
    assert user.last_login_at == NOW
    attempts = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.email, a.succeeded) for a in attempts] == [
        ("desk.officer@example.eu", False),
        ("desk.officer@example.eu", True),
    ]


def test_a_disabled_user_cannot_sign_in(session: Session, user: User) -> None:
    user.is_active = False
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW) is None


def test_too_many_failures_for_an_account_lock_it_for_a_while(session: Session, user: User) -> None:
    for i in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(session, user.email, "wrong password!", remote_addr=f"10.0.0.{i}", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.9.9.9", now=NOW)
    later = NOW + dt.timedelta(minutes=15, seconds=1)
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.9.9.9", now=later) is user


def test_too_many_failures_from_one_client_stop_it_guessing_other_accounts(
    session: Session, user: User
) -> None:
    for i in range(MAX_FAILURES_PER_ADDRESS):
        sign_in(session, f"guess{i}@example.eu", "password guess", remote_addr="10.6.6.6", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.6.6.6", now=NOW)
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW) is user


def test_a_new_password_replaces_the_old(session: Session, user: User) -> None:
    set_password(session, user, "another long passphrase")
    assert sign_in(session, user.email, PASSWORD, remote_addr="a", now=NOW) is None
    assert sign_in(session, user.email, "another long passphrase", remote_addr="a", now=NOW) is user


def test_api_tokens_are_stored_hashed_and_can_be_revoked(session: Session, user: User) -> None:
    token = issue_api_token(session, user, name="script", now=NOW)
    assert len(token) >= 43
    stored = session.scalars(select(ApiToken)).one()
    assert token not in stored.token_hash
    assert user_for_api_token(session, token) is user
    assert user_for_api_token(session, token + "x") is None
    stored.revoked_at = NOW
    assert user_for_api_token(session, token) is None


def test_users_commands(run: Run) -> None:
    assert run("init-db").returncode == 0
    added = run("users", "add", "Editor@Example.EU", "--role", "editor", "--name", "Ed",
                "--now", "2024-02-07", input_text=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added editor@example.eu (editor)\n"
    assert PASSWORD not in added.stdout + added.stderr  # not echoed
    short = run("users", "add", "v@example.eu", input_text="short\nshort\n")
    assert short.returncode == 1
    assert short.stderr.strip().endswith("a password needs at least 12 characters")
    mismatch = run("users", "passwd", "editor@example.eu", input_text=f"{PASSWORD}\nother one!\n")
    assert mismatch.returncode != 0
    changed = run("users", "passwd", "editor@example.eu", input_text="a new long passphrase\n" * 2)
    assert changed.stdout == "password of editor@example.eu changed\n"
    listed = run("users", "list")
    assert listed.stdout == "editor@example.eu\teditor\tEd\tactive\tlast sign-in never\n"
    token = run("users", "token", "editor@example.eu", "--name", "script")
    assert token.returncode == 0
    assert len(token.stdout.strip()) >= 43
    unknown = run(
        "users", "passwd", "nobody@example.eu", input_text="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "Error: no user nobody@example.eu")


def test_no_user_is_added_when_the_password_is_refused(session: Session) -> None:
    with pytest.raises(AuthError):
        add_user(session, "x@example.eu", name="", role=Role.VIEWER, password="", now=NOW)
    assert session.scalar(select(func.count()).select_from(User)) == 0

"""Users: argon2 password hashes, sign-in with rate limiting, API tokens; and the commands."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.users import (
    MAX_EMAIL,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ACCOUNT_OVERALL,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_DEVICE,
    AuthError,
    Device,
    SessionPolicy,
    TooManyAttempts,
    add_user,
    current_session,
    end_session,
    end_sessions,
    issue_api_token,
    live_api_tokens,
    live_sessions,
    needs_touch,
    revoke_api_token,
    set_active,
    set_password,
    set_role,
    sign_in,
    start_session,
    touch_session,
    user_for_api_token,
)
from models import ApiToken, LoginAttempt, Role, User, UserSession
from tests.helpers.commands import Run

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


def test_too_many_failures_for_an_account_lock_it_for_that_client_for_a_while(
    session: Session, user: User
) -> None:
    """Finding 5: the lock holds against the client that failed, not the owner elsewhere."""
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(session, user.email, "wrong password!", remote_addr="10.6.6.6", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.6.6.6", now=NOW)
    # A client that has not failed: the owner, from their own address.
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW) is user
    later = NOW + dt.timedelta(minutes=15, seconds=1)
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.6.6.6", now=later) is user


def test_failures_for_an_account_spread_over_many_clients_lock_it_for_new_ones(
    session: Session, user: User
) -> None:
    """Guessing from many addresses is bounded too, and a trusted browser still gets in."""
    per_client = MAX_FAILURES_PER_ACCOUNT - 1
    for i in range(MAX_FAILURES_PER_ACCOUNT_OVERALL):
        sign_in(session, user.email, WRONG, remote_addr=f"10.6.{i // per_client}.1", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW)
    device = _trusted(user)
    assert (
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW, device=device)
        is user
    )


def test_too_many_failures_from_one_client_stop_it_guessing_other_accounts(
    session: Session, user: User
) -> None:
    for i in range(MAX_FAILURES_PER_ADDRESS):
        sign_in(session, f"guess{i}@example.eu", "password guess", remote_addr="10.6.6.6", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.6.6.6", now=NOW)
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW) is user


def test_a_new_password_replaces_the_old(session: Session, user: User) -> None:
    set_password(session, user, "another long passphrase", now=NOW)
    assert sign_in(session, user.email, PASSWORD, remote_addr="a", now=NOW) is None
    assert sign_in(session, user.email, "another long passphrase", remote_addr="a", now=NOW) is user


def test_api_tokens_are_stored_hashed_and_can_be_revoked(session: Session, user: User) -> None:
    token = issue_api_token(session, user, name="script", now=NOW)
    assert len(token) >= 43
    stored = session.scalars(select(ApiToken)).one()
    assert token not in stored.token_hash
    assert user_for_api_token(session, token, now=NOW) is user
    assert user_for_api_token(session, token + "x", now=NOW) is None
    assert user_for_api_token(session, "", now=NOW) is None
    stored.revoked_at = NOW
    assert user_for_api_token(session, token, now=NOW) is None


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
    assert changed.stdout == (
        "password of editor@example.eu changed; 0 sessions ended, 0 API tokens revoked\n"
    )
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


POLICY = SessionPolicy(lifetime=dt.timedelta(hours=12), idle=dt.timedelta(minutes=60))
WRONG = "wrong password!"


def _other_admin(session: Session) -> User:
    return add_user(
        session, "admin@example.eu", name="Admin", role=Role.ADMIN, password=PASSWORD, now=NOW
    )


def test_a_session_lasts_while_used_until_its_absolute_lifetime(
    session: Session, user: User
) -> None:
    """Requests keep it alive past the idle timeout, never past the lifetime."""
    token = start_session(session, user, now=NOW, policy=POLICY)
    stored = session.scalars(select(UserSession)).one()
    assert token not in stored.token_hash
    moment = NOW
    while moment + dt.timedelta(minutes=50) < NOW + POLICY.lifetime:
        moment += dt.timedelta(minutes=50)
        live = current_session(session, token, now=moment, policy=POLICY)
        assert live is not None, moment
        assert live.user is user
        assert needs_touch(live, now=moment)
        touch_session(session, live.id, now=moment)
        session.expire_all()
    assert current_session(session, token, now=NOW + POLICY.lifetime, policy=POLICY) is None


def test_a_session_lapses_after_its_idle_timeout(session: Session, user: User) -> None:
    token = start_session(session, user, now=NOW, policy=POLICY)
    almost = NOW + POLICY.idle - dt.timedelta(seconds=1)
    assert current_session(session, token, now=almost, policy=POLICY) is not None
    assert current_session(session, token, now=NOW + POLICY.idle, policy=POLICY) is None
    assert current_session(session, token + "x", now=NOW, policy=POLICY) is None


def test_requests_are_recorded_at_most_once_a_minute_and_never_backwards(
    session: Session, user: User
) -> None:
    token = start_session(session, user, now=NOW, policy=POLICY)
    live = current_session(session, token, now=NOW, policy=POLICY)
    assert live is not None
    assert not needs_touch(live, now=NOW + dt.timedelta(seconds=59))
    assert needs_touch(live, now=NOW + dt.timedelta(seconds=60))
    touch_session(session, live.id, now=NOW + dt.timedelta(minutes=5))
    touch_session(session, live.id, now=NOW + dt.timedelta(minutes=2))  # a slower request
    session.expire_all()
    assert live.last_seen_at == NOW + dt.timedelta(minutes=5)


def test_signing_out_ends_that_session_only(session: Session, user: User) -> None:
    first = start_session(session, user, now=NOW, policy=POLICY)
    second = start_session(session, user, now=NOW, policy=POLICY)
    end_session(session, first, now=NOW)
    assert current_session(session, first, now=NOW, policy=POLICY) is None
    assert current_session(session, second, now=NOW, policy=POLICY) is not None
    assert live_sessions(session, now=NOW, policy=POLICY) == {user.id: 1}


def test_a_new_session_clears_away_the_users_dead_ones(session: Session, user: User) -> None:
    old = start_session(session, user, now=NOW, policy=POLICY)
    end_session(session, old, now=NOW)
    start_session(session, user, now=NOW + dt.timedelta(minutes=1), policy=POLICY)
    assert len(session.scalars(select(UserSession)).all()) == 1


def test_a_new_password_ends_the_other_sessions_and_revokes_api_tokens(
    session: Session, user: User
) -> None:
    here = start_session(session, user, now=NOW, policy=POLICY)
    elsewhere = start_session(session, user, now=NOW, policy=POLICY)
    token = issue_api_token(session, user, name="script", now=NOW)
    later = NOW + dt.timedelta(minutes=5)
    ended = set_password(session, user, "another long passphrase", now=later, keep_session=here)
    assert (ended.sessions, ended.tokens) == (1, 1)
    assert current_session(session, elsewhere, now=later, policy=POLICY) is None
    assert current_session(session, here, now=later, policy=POLICY) is not None
    assert user_for_api_token(session, token, now=later) is None
    assert user.password_changed_at == later


def test_a_new_password_may_keep_the_api_tokens(session: Session, user: User) -> None:
    token = issue_api_token(session, user, name="script", now=NOW)
    ended = set_password(session, user, "another long passphrase", now=NOW, revoke_tokens=False)
    assert ended.tokens == 0
    assert user_for_api_token(session, token, now=NOW) is user


def test_disabling_a_user_ends_sessions_and_suspends_tokens(session: Session, user: User) -> None:
    browser = start_session(session, user, now=NOW, policy=POLICY)
    token = issue_api_token(session, user, name="script", now=NOW)
    assert set_active(session, user, False, now=NOW).sessions == 1
    assert current_session(session, browser, now=NOW, policy=POLICY) is None
    assert user_for_api_token(session, token, now=NOW) is None
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW) is None
    # Enabled again: the tokens work again; the sessions stay ended.
    set_active(session, user, True, now=NOW)
    assert user_for_api_token(session, token, now=NOW) is user
    assert current_session(session, browser, now=NOW, policy=POLICY) is None


def test_the_last_active_admin_cannot_be_disabled_or_demoted(session: Session) -> None:
    admin = _other_admin(session)
    with pytest.raises(AuthError, match="last active admin"):
        set_active(session, admin, False, now=NOW)
    with pytest.raises(AuthError, match="last active admin"):
        set_role(session, admin, Role.EDITOR)
    second = add_user(
        session, "second@example.eu", name="", role=Role.ADMIN, password=PASSWORD, now=NOW
    )
    set_role(session, admin, Role.VIEWER)
    assert admin.role is Role.VIEWER
    with pytest.raises(AuthError, match="last active admin"):
        set_active(session, second, False, now=NOW)


def test_api_tokens_expire(session: Session, user: User) -> None:
    expires = NOW + dt.timedelta(days=30)
    token = issue_api_token(session, user, name="ci", now=NOW, expires_at=expires)
    stored = session.scalars(select(ApiToken)).one()
    assert user_for_api_token(session, token, now=expires - dt.timedelta(seconds=1)) is user
    assert live_api_tokens(session, now=NOW) == {user.id: 1}
    assert user_for_api_token(session, token, now=expires) is None
    assert stored.state(expires) == "expired"
    assert live_api_tokens(session, now=expires) == {}
    with pytest.raises(AuthError, match="expire after"):
        issue_api_token(session, user, name="ci", now=NOW, expires_at=NOW)


def test_a_token_is_revoked_by_its_id_and_only_for_its_user(session: Session, user: User) -> None:
    token = issue_api_token(session, user, name="ci", now=NOW)
    stored = session.scalars(select(ApiToken)).one()
    admin = _other_admin(session)
    with pytest.raises(AuthError, match="has no API token"):
        revoke_api_token(session, admin, stored.id, now=NOW)
    assert revoke_api_token(session, user, stored.id, now=NOW).state(NOW) == "revoked"
    assert user_for_api_token(session, token, now=NOW) is None


def test_case_variants_of_an_address_are_one_account(session: Session, user: User) -> None:
    for variant in [
        "DESK.OFFICER@EXAMPLE.EU",
        " Desk.Officer@example.eu",
        "desk.officer@Example.Eu ",
    ] + ["desk.officer@example.eu"] * (MAX_FAILURES_PER_ACCOUNT - 3):
        sign_in(session, variant, WRONG, remote_addr="10.6.6.6", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, "Desk.Officer@Example.EU", PASSWORD, remote_addr="10.6.6.6", now=NOW)


def test_refused_attempts_check_no_password_and_record_nothing(
    session: Session, user: User
) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT + 3):
        with contextlib.suppress(TooManyAttempts):
            sign_in(session, user.email, WRONG, remote_addr="10.0.0.1", now=NOW)
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == (
        MAX_FAILURES_PER_ACCOUNT
    )


def test_an_address_too_long_for_any_user_is_throttled_like_another(session: Session) -> None:
    """Kept cut to the column's size: PostgreSQL refuses longer text (a 500 before)."""
    typed = "x" * 5000 + "@example.eu"
    assert sign_in(session, typed, WRONG, remote_addr="10.0.0.1", now=NOW) is None
    stored = session.scalars(select(LoginAttempt)).one()
    assert len(stored.email) == MAX_EMAIL


def _trusted(user: User, at: dt.datetime = NOW) -> Device:
    return Device.new(user, now=at)


def test_a_browser_that_signed_in_before_gets_in_while_the_account_is_locked(
    session: Session, user: User
) -> None:
    """Even from the address the failures came from (an office behind one proxy)."""
    device = _trusted(user)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(session, user.email, WRONG, remote_addr="10.0.0.1", now=NOW)
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW)
    assert (
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW, device=device)
        is user
    )
    attempt = session.scalars(select(LoginAttempt).where(LoginAttempt.succeeded)).one()
    assert attempt.device == device.nonce


def test_a_trusted_browser_is_locked_by_its_own_failures_not_the_account(
    session: Session, user: User
) -> None:
    device = _trusted(user)
    for _ in range(MAX_FAILURES_PER_DEVICE):
        assert (
            sign_in(session, user.email, WRONG, remote_addr="10.0.0.1", now=NOW, device=device)
            is None
        )
    with pytest.raises(TooManyAttempts):
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW, device=device)
    # Its failures did not lock the account for another browser.
    assert sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.2", now=NOW) is user


def test_trust_is_for_one_account_and_ends_with_a_new_password(
    session: Session, user: User
) -> None:
    admin = _other_admin(session)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(session, user.email, WRONG, remote_addr="10.0.0.1", now=NOW)
    with pytest.raises(TooManyAttempts):  # trusted by another account
        sign_in(
            session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW, device=_trusted(admin)
        )
    device = _trusted(user)
    set_password(session, user, PASSWORD, now=NOW + dt.timedelta(seconds=1))
    with pytest.raises(TooManyAttempts):  # trusted before the password changed
        sign_in(session, user.email, PASSWORD, remote_addr="10.0.0.1", now=NOW, device=device)


def test_a_new_device_keeps_the_id_of_the_browsers_previous_one(user: User) -> None:
    device = _trusted(user)
    again = Device.new(user, now=NOW + dt.timedelta(days=1), previous=device)
    assert (again.nonce, again.issued_at) == (device.nonce, NOW + dt.timedelta(days=1))
    assert Device.new(user, now=NOW).nonce != device.nonce


def test_end_sessions_keeps_the_one_asked(session: Session, user: User) -> None:
    kept = start_session(session, user, now=NOW, policy=POLICY)
    start_session(session, user, now=NOW, policy=POLICY)
    assert end_sessions(session, user, now=NOW, keep=kept) == 1
    assert current_session(session, kept, now=NOW, policy=POLICY) is not None


def test_users_commands_disable_enable_role_and_tokens(run: Run) -> None:
    assert run("init-db").returncode == 0
    for email, role in (("admin@example.eu", "admin"), ("ed@example.eu", "editor")):
        added = run("users", "add", email, "--role", role, input_text=f"{PASSWORD}\n" * 2)
        assert added.returncode == 0, added.stderr
    issued = run("users", "token", "ed@example.eu", "--name", "ci", "--expires-days", "30",
                 "--now", "2024-02-07")  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    assert "expires 2024-03-08 00:00 UTC" in issued.stderr
    forever = run("users", "token", "ed@example.eu", "--expires-days", "0", "--now", "2024-02-07")
    assert "does not expire" in forever.stderr
    default = run("users", "token", "ed@example.eu", "--now", "2024-02-07")
    assert "expires 2024-05-07" in default.stderr  # [auth] token_days = 90
    listed = run("users", "tokens", "ed@example.eu", "--now", "2024-04-01").stdout.splitlines()
    assert [line.split("\t")[1:4:2] for line in listed] == [
        ["ci", "expires 2024-03-08 00:00"],
        ["api", "expires never"],
        ["api", "expires 2024-05-07 00:00"],
    ]
    assert [line.rsplit("\t", 1)[1] for line in listed] == ["expired", "active", "active"]
    first_id = listed[1].split("\t")[0]
    revoked = run("users", "token", "ed@example.eu", "--revoke", first_id)
    assert revoked.stdout == f"revoked API token {first_id} (api) of ed@example.eu\n"
    assert run("users", "tokens", "ED@example.eu").stdout.splitlines()[1].endswith("\trevoked")
    nothing = run("users", "token", "admin@example.eu", "--revoke", first_id)
    assert nothing.returncode == 1
    assert f"has no API token {first_id}" in nothing.stderr
    assert run("users", "role", "ed@example.eu", "viewer").stdout == "ed@example.eu is now viewer\n"
    assert run("users", "role", "ed@example.eu", "owner").returncode == 2
    assert (
        run("users", "disable", "ed@example.eu").stdout
        == "disabled ed@example.eu; 0 sessions ended\n"
    )
    assert "\tdisabled\t" in run("users", "list").stdout
    assert run("users", "enable", "ed@example.eu").stdout == "enabled ed@example.eu\n"
    last = run("users", "disable", "admin@example.eu")
    assert (last.returncode, last.stderr.strip()) == (
        1,
        "Error: admin@example.eu is the last active admin; make another admin first",
    )

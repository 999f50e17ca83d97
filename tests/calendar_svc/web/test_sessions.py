"""Sessions kept in the database: signing out, lifetime and idle timeout, roles and
disabling applied on the next request, API token expiry, the trusted-browser cookie.

Through Flask's test client on the app's movable :class:`Clock`; the same
findings through gunicorn are in ``test_auth_production.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import Engine

from calendar_svc.errors import ConfigError
from calendar_svc.settings import load_settings
from calendar_svc.users import MAX_FAILURES_PER_ACCOUNT, find_user, issue_api_token, set_role
from models import Role
from tests.helpers.sites import (
    ADMIN,
    EDITOR,
    VIEWER,
    Seed,
    Site,
    csrf_token,
    post,
    serve_in_transaction,
    sign_in,
)


def _id(site: Site, email: str) -> int:
    with site.session() as session:
        return find_user(session, email).id


def _replay(site: Site, client: FlaskClient) -> FlaskClient:
    """A second client holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = site.app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(
    site: Site, viewer: FlaskClient
) -> None:
    kept = _replay(site, viewer)
    assert kept.get("/").status_code == 200
    response = post(viewer, "/logout")
    assert (response.status_code, response.location) == (302, "/login")
    assert viewer.get("/").status_code == 302
    assert kept.get("/").status_code == 302
    assert kept.get("/api/v1/sections").status_code == 401


def test_the_session_cookie_is_set_at_sign_in_and_not_on_every_response(
    site: Site, client: FlaskClient
) -> None:
    signed_in = sign_in(client, VIEWER)
    cookies = signed_in.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" in session
    for path in ("/", "/sections", "/documents", "/"):
        site.clock.advance(minutes=5)
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == [], path


def test_a_session_lapses_after_the_idle_timeout(site: Site, viewer: FlaskClient) -> None:
    site.clock.advance(minutes=59)
    assert viewer.get("/").status_code == 200
    site.clock.advance(minutes=59)
    assert viewer.get("/").status_code == 200
    site.clock.advance(minutes=60)
    response = viewer.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    # The cookie no longer names a session: it is rewritten without it.
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_a_session_in_use_lapses_at_its_absolute_lifetime(site: Site, viewer: FlaskClient) -> None:
    for _ in range(14):  # every 50 minutes, up to 11 h 40
        site.clock.advance(minutes=50)
        assert viewer.get("/").status_code == 200
    site.clock.advance(minutes=20)
    assert viewer.get("/").status_code == 302


def test_lifetime_and_idle_timeout_come_from_the_settings(
    shared: Engine, seeded: Seed, tmp_path: Path
) -> None:
    auth = {"session_hours": 1, "idle_minutes": 10}
    with serve_in_transaction(shared, seeded, tmp_path, auth=auth) as site:
        client = site.app.test_client()
        assert sign_in(client, VIEWER).status_code == 302
        site.clock.advance(minutes=9)
        assert client.get("/").status_code == 200
        site.clock.advance(minutes=10)
        assert client.get("/").status_code == 302
        assert sign_in(client, VIEWER).status_code == 302
        for _ in range(6):
            site.clock.advance(minutes=9)
            assert client.get("/").status_code == 200
        site.clock.advance(minutes=6)
        assert client.get("/").status_code == 302


def test_the_auth_settings_are_checked_and_read_from_the_environment() -> None:
    settings = load_settings(env={"CALENDAR_SVC_AUTH_IDLE_MINUTES": "30"})
    assert (settings.auth.idle_minutes, settings.auth.session_hours) == (30, 12)
    with pytest.raises(ConfigError, match="idle_minutes must be at least 5"):
        load_settings(env={"CALENDAR_SVC_AUTH_IDLE_MINUTES": "1"})
    with pytest.raises(ConfigError, match="token_days must not be negative"):
        load_settings(env={}, overrides={"auth": {"token_days": -1}})


def test_a_role_change_applies_from_the_next_request(site: Site, editor: FlaskClient) -> None:
    assert editor.get("/events/new").status_code == 200
    with site.session() as session, session.begin():
        set_role(session, find_user(session, EDITOR), Role.VIEWER)
    assert editor.get("/events/new").status_code == 403


def test_disabling_a_user_stops_their_session_and_api_token(
    site: Site, editor: FlaskClient
) -> None:
    with site.session() as session, session.begin():
        token = issue_api_token(session, find_user(session, EDITOR), name="ci", now=site.clock())
    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/sections", headers=headers).status_code == 200
    admin = site.app.test_client()
    sign_in(admin, ADMIN)
    assert post(admin, f"/users/{_id(site, EDITOR)}/active", {"active": "no"}).status_code == 302
    assert editor.get("/").status_code == 302
    assert api.get("/api/v1/sections", headers=headers).status_code == 401
    assert sign_in(site.app.test_client(), EDITOR).status_code == 401


def test_an_expired_api_token_is_refused(site: Site, client: FlaskClient) -> None:
    with site.session() as session, session.begin():
        token = issue_api_token(
            session,
            find_user(session, VIEWER),
            name="ci",
            now=site.clock(),
            expires_at=site.clock() + dt.timedelta(days=1),
        )
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sections", headers=headers).status_code == 200
    site.clock.advance(days=1)
    assert client.get("/api/v1/sections", headers=headers).status_code == 401


def test_the_device_cookie_is_signed_httponly_and_only_for_the_sign_in_page(
    client: FlaskClient,
) -> None:
    cookies = sign_in(client, VIEWER).headers.getlist("Set-Cookie")
    device = next(c for c in cookies if c.startswith("device="))
    assert "HttpOnly" in device
    assert "Path=/login" in device
    assert "SameSite=Lax" in device
    assert "Max-Age=15552000" in device  # [auth] device_days = 180


def _lock(site: Site, email: str) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert sign_in(site.app.test_client(), email, "wrong password, again").status_code == 401


def test_a_browser_that_signed_in_before_gets_into_a_locked_account(
    site: Site, client: FlaskClient
) -> None:
    assert sign_in(client, EDITOR).status_code == 302
    post(client, "/logout")
    _lock(site, EDITOR)
    assert sign_in(site.app.test_client(), EDITOR).status_code == 429
    assert sign_in(client, EDITOR).status_code == 302
    assert client.get("/").status_code == 200


def test_a_forged_or_foreign_device_cookie_is_not_trusted(site: Site, client: FlaskClient) -> None:
    assert sign_in(client, VIEWER).status_code == 302  # trusted for the viewer, not the editor
    _lock(site, EDITOR)
    assert sign_in(client, EDITOR).status_code == 429
    forged = URLSafeSerializer("not the app's key", salt="calendar-svc device")
    stranger = site.app.test_client()
    stranger.set_cookie("device", forged.dumps([2, "x" * 22, 1707296400]), path="/login")
    assert sign_in(stranger, EDITOR).status_code == 429


def test_the_sign_in_page_shows_no_session_cookie_to_a_visitor_twice(
    client: FlaskClient,
) -> None:
    """A signed-out visitor gets the form token's cookie once, not with every page."""
    csrf_token(client)
    assert client.get("/login").headers.getlist("Set-Cookie") == []

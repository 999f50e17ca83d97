"""The admins' users page: list, disable and enable, roles, signing out everywhere, tokens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from calendar_svc.users import find_user, issue_api_token
from models import ApiToken, Role
from tests.helpers.sites import ADMIN, EDITOR, VIEWER, Site, post, sign_in


def _id(site: Site, email: str) -> int:
    with site.session() as session:
        return find_user(session, email).id


def _token(site: Site, email: str) -> tuple[int, str]:
    with site.session() as session, session.begin():
        secret = issue_api_token(session, find_user(session, email), name="ci", now=site.clock())
        token_id = session.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()
    assert token_id is not None
    return token_id, secret


def test_admins_find_the_users_page_in_the_navigation(admin: FlaskClient) -> None:
    page = admin.get("/")
    assert 'href="/users"' in page.text
    listing = admin.get("/users")
    assert listing.status_code == 200
    for email in (VIEWER, EDITOR, ADMIN):
        assert email in listing.text


def test_others_see_no_users_link(viewer: FlaskClient) -> None:
    assert 'href="/users"' not in viewer.get("/").text
    assert viewer.get("/users").status_code == 403


def test_an_admin_disables_and_enables_a_user(site: Site, admin: FlaskClient) -> None:
    victim = site.app.test_client()
    assert sign_in(victim, VIEWER).status_code == 302
    user_id = _id(site, VIEWER)
    response = post(admin, f"/users/{user_id}/active", {"active": "no"})
    assert (response.status_code, response.location) == (302, f"/users/{user_id}")
    assert "User disabled; their sessions have ended." in admin.get(response.location).text
    assert victim.get("/").status_code == 302
    assert sign_in(victim, VIEWER).status_code == 401
    assert "disabled" in admin.get("/users").text
    post(admin, f"/users/{user_id}/active", {"active": "yes"})
    assert sign_in(victim, VIEWER).status_code == 302


def test_an_admin_changes_a_role(site: Site, admin: FlaskClient) -> None:
    viewer = site.app.test_client()
    sign_in(viewer, VIEWER)
    assert viewer.get("/events/new").status_code == 403
    assert post(admin, f"/users/{_id(site, VIEWER)}/role", {"role": "editor"}).status_code == 302
    assert viewer.get("/events/new").status_code == 200
    refused = post(admin, f"/users/{_id(site, VIEWER)}/role", {"role": "owner"})
    assert refused.status_code == 400


def test_the_last_admin_cannot_disable_or_demote_themselves(site: Site, admin: FlaskClient) -> None:
    own = _id(site, ADMIN)
    for path, data in (
        (f"/users/{own}/active", {"active": "no"}),
        (f"/users/{own}/role", {"role": "viewer"}),
    ):
        response = post(admin, path, data)
        assert response.status_code == 400
        assert "last active admin" in response.text
    with site.session() as session:
        assert find_user(session, ADMIN).role is Role.ADMIN
    assert admin.get("/users").status_code == 200


def test_an_admin_lists_and_revokes_a_users_api_tokens(site: Site, admin: FlaskClient) -> None:
    token_id, secret = _token(site, EDITOR)
    headers = {"Authorization": f"Bearer {secret}"}
    assert admin.get("/api/v1/sections", headers={}).status_code == 200  # the admin's session
    api = site.app.test_client()
    assert api.get("/api/v1/sections", headers=headers).status_code == 200
    page = admin.get(f"/users/{_id(site, EDITOR)}").text
    assert re.search(rf"<td>{token_id}</td>\s*<td>ci</td>", page)
    assert secret not in page
    revoke = f"/users/{_id(site, EDITOR)}/tokens/{token_id}/revoke"
    assert revoke in page
    assert post(admin, revoke).status_code == 302
    assert api.get("/api/v1/sections", headers=headers).status_code == 401
    assert revoke not in admin.get(f"/users/{_id(site, EDITOR)}").text
    # Another user's token id under this user: refused, nothing revoked.
    other_id, other_secret = _token(site, VIEWER)
    wrong = post(admin, f"/users/{_id(site, EDITOR)}/tokens/{other_id}/revoke")
    assert wrong.status_code == 400
    assert (
        api.get("/api/v1/sections", headers={"Authorization": f"Bearer {other_secret}"}).status_code
        == 200
    )


def test_signing_out_everywhere_keeps_the_admins_own_session(
    site: Site, admin: FlaskClient
) -> None:
    elsewhere = site.app.test_client()
    sign_in(elsewhere, ADMIN)
    editor = site.app.test_client()
    sign_in(editor, EDITOR)
    assert post(admin, f"/users/{_id(site, ADMIN)}/sessions/end").status_code == 302
    assert admin.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert post(admin, f"/users/{_id(site, EDITOR)}/sessions/end").status_code == 302
    assert editor.get("/").status_code == 302


def test_users_forms_need_their_csrf_token(site: Site, admin: FlaskClient) -> None:
    user_id = _id(site, VIEWER)
    assert admin.post(f"/users/{user_id}/active", data={"active": "no"}).status_code == 400
    assert sign_in(site.app.test_client(), VIEWER).status_code == 302
    html = admin.get(f"/users/{user_id}").text
    for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
        assert 'name="csrf_token"' in form


def test_unknown_users_are_404(admin: FlaskClient) -> None:
    assert admin.get("/users/999").status_code == 404
    assert post(admin, "/users/999/active", {"active": "no"}).status_code == 404

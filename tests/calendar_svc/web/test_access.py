"""Who may see and do what: sign-in, roles, CSRF, cookies, rate limiting."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Response
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from calendar_svc.users import MAX_FAILURES_PER_ACCOUNT
from calendar_svc.web.headers import HEADERS, add_headers
from models import EventRevision, Section, Series, SeriesRevision, Subscriber
from models.subscriber import unsubscribe_token
from tests.helpers.apps import SECRET
from tests.helpers.sites import (
    EDITOR,
    PASSWORD,
    VIEWER,
    Seed,
    Site,
    csrf_token,
    post,
    serve_in_transaction,
    sign_in,
)

#: Blueprints reachable without signing in: their secret token is the authorisation
#: (feeds, unsubscribe), or they answer 401 themselves (api), or hold nothing (health).
OPEN = {"feeds", "unsubscribe", "api", "health"}


def _series_ids(site: Site) -> tuple[int, int]:
    """Serbia's Joint Readmission Committee, and its Justice, Freedom and Security
    Sub-committee (a series of the same section)."""
    with site.session() as session:
        ids = dict(
            session.execute(
                select(Series.name, Series.id)
                .join(Section)
                .where(
                    Section.slug == "serbia",
                    Series.name.in_(
                        [
                            "Joint Readmission Committee",
                            "Justice, Freedom and Security Sub-committee",
                        ]
                    ),
                )
            ).all()
        )
    return ids["Joint Readmission Committee"], ids["Justice, Freedom and Security Sub-committee"]


def _urls(site: Site) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every route of the app, with real values for its arguments."""
    uid = site.event("serbia", "10 th EU-Serbia Joint Readmission").uid
    values = {
        "uid": uid,
        "series_id": _series_ids(site)[0],
        "slug": "serbia",
        "document_id": 1,
        "subscriber_id": 1,
        "conflict_id": 1,
        "token": site.feed_token,
        "key": "serbia",
        "filename": "style.css",
        "user_id": 1,
        "token_id": 1,
        "digest": "0" * 64,
    }
    urls = []
    with site.app.test_request_context():
        from flask import url_for

        for rule in site.app.url_map.iter_rules():
            arguments = {name: values[name] for name in rule.arguments}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((rule.endpoint, method, url_for(rule.endpoint, **arguments)))
    return urls


def test_every_page_but_the_secret_links_sends_a_signed_out_visitor_to_sign_in(
    site: Site, client: FlaskClient
) -> None:
    checked = 0
    token = csrf_token(client)  # a valid form token, so that only the sign-in guard refuses
    for endpoint, method, url in _urls(site):
        if endpoint.split(".")[0] in OPEN or endpoint in ("static", "auth.login"):
            continue
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        target = urlsplit(response.location)
        assert target.path == "/login", (method, url)
        assert parse_qs(target.query)["next"][0].startswith(url.split("?")[0]), (method, url)
        checked += 1
    assert checked >= 25  # every page and form of the app, not a hand-picked few


def test_secret_links_work_signed_out(site: Site, client: FlaskClient) -> None:
    assert client.get(f"/feeds/{site.feed_token}/section/serbia.ics").status_code == 200
    with site.session() as session:
        subscriber = session.scalars(select(Subscriber)).one()
        link = unsubscribe_token(subscriber, SECRET, issued=site.clock().date())
    assert client.get(f"/unsubscribe/{link}").status_code == 200
    assert client.get("/login").status_code == 200


def test_the_api_answers_401_not_a_redirect(client: FlaskClient) -> None:
    response = client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.json == {
        "error": "sign in, or send an API token as 'Authorization: Bearer <token>'"
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_sign_in_takes_you_where_you_were_going(client: FlaskClient) -> None:
    response = client.get("/sections/serbia")
    assert response.status_code == 302
    token = csrf_token(client, response.location)
    signed_in = client.post(
        "/login",
        data={
            "email": VIEWER,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/sections/serbia",
        },
    )
    assert (signed_in.status_code, signed_in.location) == (302, "/sections/serbia")
    assert "Serbia" in client.get("/sections/serbia").text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:x",
        " //evil.example/",
        "https:evil.example",
    ],
)
def test_sign_in_never_redirects_off_the_site(client: FlaskClient, target: str) -> None:
    response = sign_in(client, VIEWER, next=target)
    assert (response.status_code, response.location) == (302, "/")


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/\n/evil.example", "\t//evil.example", "/\r\nX-Evil: 1"]
)
def test_a_next_with_tabs_or_line_breaks_is_never_a_500_nor_off_the_site(
    client: FlaskClient, target: str
) -> None:
    """Browsers drop TAB, LF and CR from a Location: "/\t/x" is "//x", another site."""
    page = client.get("/login", query_string={"next": target})
    assert page.status_code in (200, 400)  # 400: refused as input before any view
    response = sign_in(client, VIEWER, next=target)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.location in ("/", "/X-Evil:%201")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: FlaskClient,
) -> None:
    wrong_password = sign_in(client, VIEWER, "not the password at all")
    no_such_user = sign_in(client, "nobody@example.eu", PASSWORD)
    for response in (wrong_password, no_such_user):
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
    assert client.get("/").status_code == 302


def test_sign_in_is_rate_limited_per_account(client: FlaskClient) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert sign_in(client, EDITOR, "wrong password, again").status_code == 401
    # Even the right password is refused for a while now.
    refused = sign_in(client, EDITOR)
    assert refused.status_code == 429
    assert "too many failed sign-ins" in refused.text
    assert client.get("/").status_code == 302
    # Other accounts are not locked out by it.
    assert sign_in(client, VIEWER).status_code == 302


def test_the_rate_limit_ends_after_its_window(site: Site, client: FlaskClient) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        sign_in(client, EDITOR, "wrong password, again")
    assert sign_in(client, EDITOR).status_code == 429
    site.clock.advance(minutes=16)
    assert sign_in(client, EDITOR).status_code == 302


def test_session_cookies_are_httponly_and_samesite_lax(client: FlaskClient) -> None:
    cookie = sign_in(client, VIEWER).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http here; see the next test


def test_session_cookies_are_secure_when_served_over_https(
    shared: Engine, seeded: Seed, tmp_path: Path
) -> None:
    with serve_in_transaction(shared, seeded, tmp_path, base_url="https://cal.example.eu") as site:
        client = site.app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/login", data={"email": VIEWER, "password": PASSWORD, "csrf_token": token}
        )
    assert response.status_code == 302
    assert "; Secure" in response.headers["Set-Cookie"]


def test_signing_out_ends_the_session(viewer: FlaskClient) -> None:
    assert viewer.get("/").status_code == 200
    response = post(viewer, "/logout")
    assert (response.status_code, response.location) == (302, "/login")
    assert viewer.get("/").status_code == 302


EDITOR_FORMS = [
    ("/events/{uid}/confirm", {"start": "2024-03-19"}),
    ("/events/{uid}/date", {"date_text": "19 March 2024"}),
    ("/events/{uid}/status", {"status": "cancelled"}),
    (
        "/events/{uid}/details",
        {"title": "Changed", "outcome": "", "category": "other", "location": ""},
    ),
    ("/events/new", {"section": "serbia", "title": "New", "date_text": "May 2024"}),
    ("/conflicts/1/resolve", {"decision": "keep"}),
    ("/documents/upload", {}),
    ("/documents/import", {"digest": "0" * 64}),
    ("/series/{series_id}/rename", {"name": "Renamed"}),
    ("/series/{series_id}/merge", {"merged": "{other_id}"}),
    ("/series/{series_id}/split", {"event": "{uid}", "name": "Split off"}),
    ("/series/{series_id}/move", {"event": "{uid}", "target": "{other_id}"}),
]
ADMIN_PAGES = [
    ("GET", "/users"),
    ("GET", "/users/1"),
    ("POST", "/users/1/role"),
    ("POST", "/users/1/active"),
    ("POST", "/users/1/sessions/end"),
    ("POST", "/users/1/tokens/1/revoke"),
    ("GET", "/subscriptions/all"),
    ("GET", "/subscriptions/new"),
    ("GET", "/subscriptions/1"),
    ("POST", "/subscriptions/1"),
    ("POST", "/subscriptions/1/token"),
    ("POST", "/subscriptions/new"),
]


def _revisions(site: Site) -> int:
    """Revisions of events and of series: what any edit adds."""
    with site.session() as session:
        return sum(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (EventRevision, SeriesRevision)
        )


def _form(site: Site, path: str, data: dict) -> tuple[str, dict]:
    """An editor's form with real values: the Serbian JRC's event and series, and
    another series of Serbia."""
    uid = site.event("serbia", "10 th EU-Serbia Joint Readmission").uid
    series_id, other_id = _series_ids(site)
    values = {"uid": uid, "series_id": series_id, "other_id": other_id}
    return path.format(**values), {name: value.format(**values) for name, value in data.items()}


@pytest.mark.parametrize(("path", "data"), EDITOR_FORMS)
def test_a_viewer_cannot_edit(site: Site, viewer: FlaskClient, path: str, data: dict) -> None:
    path, data = _form(site, path, data)
    before = _revisions(site)
    response = post(viewer, path, data)
    assert response.status_code == 403
    assert "Your role does not allow this." in response.text
    assert _revisions(site) == before


def test_a_viewer_sees_no_editing_forms(site: Site, viewer: FlaskClient) -> None:
    uid = site.event("serbia", "10 th EU-Serbia Joint Readmission").uid
    page = viewer.get(f"/events/{uid}").text
    assert "Confirm date" not in page
    assert f"/events/{uid}/confirm" not in page
    series_id = _series_ids(site)[0]
    series = viewer.get(f"/series/{series_id}").text
    assert "<form" not in series.split('<main id="content">')[1]
    assert f"/series/{series_id}/" not in series
    assert "Upload a new version" not in viewer.get("/documents").text
    assert viewer.get("/events/new").status_code == 403


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
@pytest.mark.parametrize("user", [VIEWER, EDITOR])
def test_only_an_admin_manages_other_peoples_subscriptions(
    client: FlaskClient, user: str, method: str, path: str
) -> None:
    sign_in(client, user)
    data = {"csrf_token": csrf_token(client, "/")} if method == "POST" else None
    assert client.open(path, method=method, data=data).status_code == 403


def test_an_admin_may(admin: FlaskClient) -> None:
    page = admin.get("/subscriptions/all")
    assert page.status_code == 200
    assert EDITOR in page.text


@pytest.mark.parametrize(("path", "data"), EDITOR_FORMS)
def test_forms_without_a_csrf_token_are_refused(
    site: Site, admin: FlaskClient, path: str, data: dict
) -> None:
    path, data = _form(site, path, data)
    before = _revisions(site)
    response = admin.post(path, data=data)
    assert response.status_code == 400
    assert "security token is missing" in response.text
    forged = admin.post(path, data=data | {"csrf_token": "forged"})
    assert forged.status_code == 400
    assert _revisions(site) == before


def test_the_sign_in_form_itself_needs_its_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": VIEWER, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_csrf_token_from_another_session_is_refused(site: Site) -> None:
    first, second = site.app.test_client(), site.app.test_client()
    sign_in(first, EDITOR)
    sign_in(second, EDITOR)
    uid = site.event("serbia", "10 th EU-Serbia Joint Readmission").uid
    foreign = csrf_token(second, "/")
    response = first.post(
        f"/events/{uid}/status", data={"status": "cancelled", "csrf_token": foreign}
    )
    assert response.status_code == 400


def test_every_form_of_the_pages_carries_a_csrf_token(site: Site, admin: FlaskClient) -> None:
    uid = site.event("serbia", "10 th EU-Serbia Joint Readmission").uid
    series = f"/series/{_series_ids(site)[0]}"
    for path in ("/", f"/events/{uid}", "/documents", "/subscriptions", "/events/new", series):
        html = admin.get(path).text
        for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
            if 'method="get"' in form:
                continue
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_pages_forbid_scripts_framing_and_outside_referers(viewer: FlaskClient) -> None:
    response = viewer.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # nothing is allowed to run
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_response_keeps_its_own_security_header_and_gets_the_others_once() -> None:
    response = Response(headers={"X-Frame-Options": "SAMEORIGIN"})
    add_headers(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    for name, value in HEADERS:
        if name != "X-Frame-Options":
            assert response.headers.getlist(name) == [value]

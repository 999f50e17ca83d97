"""The subscription page: choosing what to follow and which mails, feed links, new tokens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from models import Subscriber
from tests.calendar_svc.web.test_pages import JRC_SHOWN
from tests.helpers.sites import ADMIN, EDITOR, VIEWER, Site, post

FEED = re.compile(r"http://127\.0\.0\.1:8000(/feeds/([A-Za-z0-9_-]{43})/mine\.ics)")


def subscriber(site: Site, email: str) -> Subscriber | None:
    with site.session() as session:
        found = session.scalar(select(Subscriber).filter_by(email=email))
        if found is not None:  # load what the tests read, before the session closes
            _ = found.sections, found.groups, found.categories, found.lead_days, found.tokens
        return found


def feed_titles(client: FlaskClient, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    return {str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_a_colleague_subscribes_and_gets_their_feed_link(site: Site, viewer: FlaskClient) -> None:
    assert "You have no subscription yet" in viewer.get("/subscriptions").text
    response = post(
        viewer,
        "/subscriptions",
        {"section": ["albania"], "firm_days": "10, 3", "tentative_days": "20", "reminders": "on"},
    )
    assert (response.status_code, response.location) == (302, "/subscriptions")
    created = subscriber(site, VIEWER)
    assert created is not None
    assert [s.slug for s in created.sections] == ["albania"]
    assert [d.days for d in created.lead_days] == [3, 10]
    assert (created.tentative_lead_days, created.wants_reminders, created.wants_digest) == (
        20,
        True,
        False,
    )
    page = viewer.get("/subscriptions").text
    assert "Subscription saved." in page
    path, _token = FEED.search(page).groups()
    titles = feed_titles(viewer, path)
    assert any("Albania" in t or "EU-Albania" in t for t in titles)
    assert all("Serbia" not in t for t in titles)
    assert f"webcal://127.0.0.1:8000{path}" in page
    assert "Home &gt; Add Calendar &gt; From Internet" in page


def test_changing_what_you_follow_changes_your_feed(site: Site, editor: FlaskClient) -> None:
    page = editor.get("/subscriptions").text
    assert 'value="serbia" checked' in page
    path = FEED.search(page).group(1)
    assert any(t.endswith(JRC_SHOWN) for t in feed_titles(editor, path))
    site.clock.advance(minutes=1)
    response = post(
        editor,
        "/subscriptions",
        {"group": ["western-balkans"], "category": ["joint_readmission_committee"],
         "firm_days": "7", "tentative_days": "30", "reminders": "on", "digest": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    changed = subscriber(site, EDITOR)
    assert [g.group.value for g in changed.groups] == ["Western Balkans"]
    assert changed.sections == []
    titles = feed_titles(editor, path)
    assert any(t.endswith(JRC_SHOWN) for t in titles)
    assert not any("EU-Serbia Justice Freedom and Security Sub Committee" in t for t in titles)
    # The readmission committees of the whole group: Montenegro's too.
    assert any("EU-Montenegro Joint Readmission Committee" in t for t in titles)


def test_a_subscription_that_follows_nothing_or_bad_lead_times_is_refused(
    site: Site, editor: FlaskClient
) -> None:
    nothing = post(editor, "/subscriptions", {"firm_days": "7", "tentative_days": "30"})
    assert nothing.status_code == 400
    assert "say what to follow" in nothing.text
    bad = post(
        editor,
        "/subscriptions",
        {"section": ["serbia"], "firm_days": "soon", "tentative_days": "30"},
    )
    assert bad.status_code == 400
    assert "whole numbers of days" in bad.text
    assert 'value="serbia" checked' in bad.text  # what was typed is kept
    # Nothing was saved: the note lists Montenegro before Serbia.
    assert [s.slug for s in subscriber(site, EDITOR).sections] == ["montenegro", "serbia"]


def test_new_links_revoke_the_old_ones(site: Site, editor: FlaskClient) -> None:
    old = f"/feeds/{site.feed_token}/mine.ics"
    assert editor.get(old).status_code == 200
    response = post(editor, "/subscriptions/token")
    assert response.status_code == 302
    page = editor.get("/subscriptions").text
    assert "the old ones no longer work" in page
    path, token = FEED.search(page).groups()
    assert token != site.feed_token
    assert editor.get(old).status_code == 404
    assert editor.get(path).status_code == 200


def test_an_admin_manages_subscribers(site: Site, admin: FlaskClient) -> None:
    listing = admin.get("/subscriptions/all").text
    assert EDITOR in listing
    assert "Serbia" in listing
    created = post(
        admin,
        "/subscriptions/new",
        {"email": "Desk.Officer@Example.EU", "name": "Desk Officer", "everything": "on",
         "firm_days": "14, 7, 1", "tentative_days": "30", "digest": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    desk = subscriber(site, "desk.officer@example.eu")
    assert (desk.is_following_everything, desk.wants_reminders, desk.wants_digest) == (
        True,
        False,
        True,
    )
    assert len(desk.tokens) == 1
    duplicate = post(
        admin,
        "/subscriptions/new",
        {"email": EDITOR, "everything": "on", "firm_days": "1", "tentative_days": "30"},
    )
    assert duplicate.status_code == 400
    assert "is already a subscriber" in duplicate.text
    editor_id = subscriber(site, EDITOR).id
    edit = admin.get(f"/subscriptions/{editor_id}").text
    assert "Subscription of Editor" in edit
    assert post(admin, f"/subscriptions/{editor_id}/token").status_code == 302
    assert admin.get(f"/feeds/{site.feed_token}/mine.ics").status_code == 404
    assert (
        post(
            admin,
            f"/subscriptions/{editor_id}",
            {"section": ["kosovo"], "firm_days": "2", "tentative_days": "5"},
        ).status_code
        == 302
    )
    assert [s.slug for s in subscriber(site, EDITOR).sections] == ["kosovo"]
    assert admin.get("/subscriptions/9999").status_code == 404
    assert ADMIN not in listing  # the admin has no subscription of their own yet

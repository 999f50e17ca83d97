"""Editing through the pages: each change is a revision by the signed-in editor,
shown in the event's history and in the feeds as a new SEQUENCE of the same UID."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar

from tests.calendar_svc.web.test_pages import JRC, JRC_SHOWN, section_of_page, titles
from tests.helpers.sites import EDITOR, Site, post, sign_in


def vevents(client: FlaskClient, path: str) -> dict[str, object]:
    response = client.get(path)
    assert response.status_code == 200
    # A VEVENT's UID is the event's uid and the occurrence's position.
    return {
        str(e["UID"]).rsplit("-", 1)[0]: e for e in Calendar.from_ical(response.data).walk("VEVENT")
    }


def test_confirming_a_tbc_date_is_seen_in_the_page_and_the_feed(
    site: Site, editor: FlaskClient
) -> None:
    uid = site.event("serbia", JRC).uid
    feed = f"/feeds/{site.feed_token}/mine.ics"
    before = vevents(editor, feed)[uid]
    site.clock.advance(days=1)
    # A day without a request ended the session (the idle timeout): sign in again.
    assert editor.get("/").status_code == 302
    assert sign_in(editor, EDITOR).status_code == 302
    response = post(editor, f"/events/{uid}/confirm", {"start": "2024-03-14", "end": ""})
    assert (response.status_code, response.location) == (302, f"/events/{uid}")
    page = editor.get(f"/events/{uid}").text
    assert "Date confirmed." in page
    assert "<dd>14 March 2024</dd>" in page
    assert '<span class="badge badge-firm">firm</span>' in page
    history = section_of_page(page, "history")
    assert f"<td>{EDITOR}</td>" in history
    assert "updated: date confirmed" in history
    assert "8 Feb 2024 09:00 UTC" in history
    after = vevents(editor, feed)[uid]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == dt.date(2024, 3, 14)
    # It moved from "awaiting confirmation" to the upcoming firm dates.
    dashboard = editor.get("/?section=serbia").text
    assert JRC_SHOWN in titles(section_of_page(dashboard, "upcoming"))
    assert JRC_SHOWN not in titles(section_of_page(dashboard, "awaiting"))
    assert "date confirmed" in section_of_page(dashboard, "changes")


def test_an_edit_that_cannot_be_made_is_explained_and_changes_nothing(
    site: Site, editor: FlaskClient
) -> None:
    uid = site.event("serbia", JRC).uid
    response = post(editor, f"/events/{uid}/date", {"date_text": "when the stars align"})
    assert response.status_code == 400
    assert "cannot read a date in &#39;when the stars align&#39;" in response.text
    assert site.event("serbia", JRC).revision == 1
    bad_day = post(editor, f"/events/{uid}/confirm", {"start": "26/03/2024"})
    assert bad_day.status_code == 400
    assert "start must be a date (YYYY-MM-DD)" in bad_day.text


def test_move_cancel_and_edit_details(site: Site, editor: FlaskClient) -> None:
    uid = site.event("serbia", JRC).uid
    assert (
        post(editor, f"/events/{uid}/date", {"date_text": "April/May 2024 (tbc)"}).status_code
        == 302
    )
    assert post(editor, f"/events/{uid}/status", {"status": "cancelled"}).status_code == 302
    details = {
        "title": "10th EU-Serbia JRC",
        "outcome": "Postponed at Serbia's request.",
        "category": "joint_readmission_committee",
        "location": "Belgrade",
    }
    assert post(editor, f"/events/{uid}/details", details).status_code == 302
    event = site.event("serbia", "10th EU-Serbia JRC")
    assert (event.raw_date, event.status.value, event.location, event.revision) == (
        "April/May 2024 (tbc)",
        "cancelled",
        "Belgrade",
        4,
    )
    page = editor.get(f"/events/{uid}").text
    assert "Reinstate as tbc" in page  # a cancelled event can be brought back
    assert '<span class="badge badge-off">off</span>' in page


def test_adding_an_event(site: Site, editor: FlaskClient) -> None:
    form = editor.get("/events/new?section=serbia").text
    assert '<option value="serbia" selected>' in form
    response = post(
        editor,
        "/events/new",
        {
            "section": "serbia",
            "title": "EU-Serbia Readmission Expert Meeting",
            "date_text": "May 2024 (tbc)",
            "outcome": "",
            "category": "",
        },
    )
    assert response.status_code == 302
    page = editor.get(response.location).text
    assert "EU-Serbia Readmission Expert Meeting" in page
    assert "Added by hand; no note lists it yet." in page
    assert "added by hand" in section_of_page(page, "history")
    missing = post(editor, "/events/new", {"section": "", "title": "x", "date_text": "May 2024"})
    assert missing.status_code == 400
    assert "choose the section" in missing.text


def test_a_conflict_with_a_newer_note_is_settled_from_the_dashboard(
    site: Site, editor: FlaskClient
) -> None:
    from tests.calendar_svc.web.test_documents import upload_and_import

    uid = site.event("serbia", JRC).uid
    post(editor, f"/events/{uid}/confirm", {"start": "2024-03-26"})
    site.clock.now = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
    assert sign_in(editor, EDITOR).status_code == 302  # months later: a new session
    upload_and_import(editor)
    dashboard = editor.get("/").text
    conflicts = section_of_page(dashboard, "conflicts")
    assert JRC in conflicts
    assert "ours 26 Mar 2024; the note now 19 Mar 2024" in conflicts
    action = re.search(r'action="(/conflicts/\d+/resolve)"', conflicts)
    assert action, conflicts
    resolve = post(editor, action[1], {"decision": "take"})
    assert resolve.status_code == 302
    event = site.event("serbia", "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade")
    assert (event.uid, event.raw_date, event.is_manual_override) == (uid, "19 March 2024", False)
    assert 'id="conflicts"' not in editor.get("/").text


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        (
            "confirm",
            {"start": "2024-05-01", "end": "9999-12-31"},
            "9999-12-31 is outside the dates calendar-svc keeps (1900-01-01 to 2100-12-31)",
        ),
        ("confirm", {"start": "1899-12-31"}, "1899-12-31 is outside the dates"),
        ("date", {"date_text": "early " * 2000 + "2024"}, "the date is 12,004 characters long"),
        (
            "details",
            {"title": "T" * 1001, "category": "other"},
            "the title is 1,001 characters long; it may have at most 1,000",
        ),
        (
            "details",
            {"title": JRC, "outcome": "O" * 4001, "category": "other"},
            "the outcome is 4,001 characters long",
        ),
    ],
)
def test_issue_3_an_edit_outside_the_limits_is_a_400_saying_what(
    site: Site, editor: FlaskClient, path: str, form: dict[str, str], message: str
) -> None:
    uid = site.event("serbia", JRC).uid
    response = post(editor, f"/events/{uid}/{path}", form)
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert site.event("serbia", JRC).revision == 1
    assert editor.get(f"/feeds/{site.feed_token}/mine.ics").status_code == 200


def test_issue_3_adding_an_event_outside_the_limits_is_a_400(
    site: Site, editor: FlaskClient
) -> None:
    form = {"section": "serbia", "title": "A new meeting", "outcome": "", "category": ""}
    for fields, message in (
        ({"date_text": "2024, " * 4000}, "the date is 23,999 characters long"),
        ({"date_text": "Q4 2024", "title": "T" * 1001}, "the title is 1,001 characters long"),
    ):
        response = post(editor, "/events/new", form | fields)
        assert response.status_code == 400
        assert message in html.unescape(response.text)
    assert "A new meeting" not in editor.get("/sections/serbia").text


def test_the_confirm_form_carries_the_bounds(site: Site, editor: FlaskClient) -> None:
    page = editor.get(f"/events/{site.event('serbia', JRC).uid}").text
    assert page.count('min="1900-01-01" max="2100-12-31"') == 2

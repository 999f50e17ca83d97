"""The web app in a real browser: Debian's chromium, driven by Playwright.

Each test serves its own copy of the seeded site on loopback and walks
through it as a desk officer or an editor would. Screenshots of the
dashboard, a section's timeline and an event page go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from models import Subscriber
from notifications.jobs import runtime, send_digests
from tests.calendar_svc.web.test_pages import JRC, JRC_SHOWN
from tests.helpers.apps import services_of
from tests.helpers.documents import V2_PDF
from tests.helpers.sites import EDITOR, PASSWORD, VIEWER, Seed, Site, serve_copy
from tests.helpers.smtp import SmtpServer

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
#: Debian's package (apt-get install chromium); Playwright downloads no browser.
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def live(seeded: Seed, tmp_path: Path, smtp: SmtpServer) -> Iterator[Site]:
    """The site served over HTTP; its base URL (in links and mails) is where it is served."""
    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    url = f"http://127.0.0.1:{server.server_port}"
    smtp_settings = {"host": "127.0.0.1", "port": smtp.port, "security": "none"}
    with serve_copy(seeded, tmp_path, base_url=url, smtp=smtp_settings) as site:
        site.url = url
        holder["app"] = site.app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield site
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, live: Site) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def feed_event(page: Page, url: str, uid: str) -> Any:
    response = page.request.get(url)
    assert response.ok
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    return next(e for e in events if str(e["UID"]).startswith(uid))


def test_sign_in_and_filter_the_dashboard(page: Page) -> None:
    sign_in(page, VIEWER)
    expect(
        page.get_by_role("heading", name=re.compile(r"^Upcoming, next 6 weeks \(14\)"))
    ).to_be_visible()
    # The style sheet loads under the pages' content security policy.
    expect(page.locator("header.site")).to_have_css("background-color", "rgb(11, 79, 138)")
    screenshot(page, "dashboard")
    page.get_by_label("Section").select_option(label="Serbia")
    page.get_by_role("checkbox", name="tentative").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"section=serbia.*confidence=tentative"))
    expect(page.get_by_role("heading", name="Upcoming, next 6 weeks (0)")).to_be_visible()
    expect(page.get_by_role("heading", name="Awaiting confirmation (1)")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=JRC_SHOWN)
    expect(row).to_contain_text("Q1 2024 (tbc)")
    expect(row).to_contain_text("1 Jan – 31 Mar 2024")
    expect(row.locator(".badge-tentative")).to_have_text("tentative")
    # The filters stay as chosen.
    expect(page.get_by_label("Section")).to_have_value("serbia")
    expect(page.get_by_role("checkbox", name="tentative")).to_be_checked()


def test_keyboard_users_can_skip_to_the_content(page: Page) -> None:
    sign_in(page, VIEWER)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))


def test_confirm_a_tbc_date_and_the_subscribers_feed_follows(page: Page, live: Site) -> None:
    sign_in(page, EDITOR)
    page.get_by_role("link", name="Subscription").click()
    feed_url = page.locator("code", has_text="/mine.ics").inner_text()
    assert feed_url.startswith(f"{live.url}/feeds/")
    uid = live.event("serbia", JRC).uid
    before = feed_event(page, feed_url, uid)

    page.get_by_role("link", name="Sections").click()
    page.get_by_role("link", name="Serbia", exact=True).click()
    timeline = page.get_by_role("img", name="Timeline of Serbia")
    expect(timeline).to_be_visible()
    expect(timeline.locator("rect.bar")).to_have_count(19)
    expect(timeline.locator("rect.bar-tentative")).to_have_count(1)
    expect(page.locator("#feed-https")).to_have_value(re.compile(r"/section/serbia\.ics$"))
    screenshot(page, "section-timeline")

    page.get_by_role("cell").get_by_role("link", name=JRC_SHOWN).click()
    expect(page.get_by_role("heading", name=JRC_SHOWN)).to_be_visible()
    expect(page.get_by_text("line 768")).to_be_visible()
    screenshot(page, "event")
    live.clock.advance(minutes=30)  # later, within the session's idle timeout
    page.get_by_label("First day").fill("2024-03-14")
    page.get_by_role("button", name="Confirm date").click()
    expect(page.get_by_role("status")).to_have_text("Date confirmed.")
    expect(page.locator("dl.facts .badge")).to_have_text("firm")
    expect(page.locator("#history + table tbody tr").first).to_contain_text(EDITOR)

    after = feed_event(page, feed_url, uid)
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == dt.date(2024, 3, 14)


def test_upload_a_new_version_and_see_what_changed(page: Page, live: Site) -> None:
    """As delegates receive it: the PDF of the second version."""
    live.clock.now = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
    sign_in(page, EDITOR)
    page.get_by_role("link", name="Documents").click()
    page.get_by_label("The note as PDF, Word (.docx) or text (.txt)").set_input_files(V2_PDF)
    # Reading a 93-page PDF takes seconds, more on a busy machine: as long as
    # gunicorn gives an upload (calendar_svc/ops/server.py), not Playwright's 30 s.
    page.get_by_role("button", name="Preview the import").click(timeout=120_000)
    expect(page.get_by_role("heading", name="Preview: 9876/24 of 15 May 2024")).to_be_visible()
    expect(page.get_by_text("add 4 events, change 8, remove 7")).to_be_visible()
    page.get_by_role("button", name="Import 9876/24").click()
    expect(page.get_by_role("status")).to_have_text("Imported 9876/24.")
    for heading in ("New (4)", "Confirmed (3)", "Cancelled (2)", "Changed (3)", "Removed (7)"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    confirmed = page.locator("#confirmed + table")
    expect(confirmed).to_contain_text("Q1 2024 (tbc) → 19 March 2024")
    page.get_by_role("link", name="Documents").click()
    expect(page.get_by_role("row").filter(has_text="9876/24")).to_contain_text("15 May 2024")


def test_unsubscribe_through_the_link_in_a_mail(
    browser: Browser, live: Site, smtp: SmtpServer
) -> None:
    with runtime(services_of(live.app).notifications) as rt:
        report = send_digests(
            rt.sessions, rt.mailer, now=live.clock(), settings=rt.settings, emails=[EDITOR]
        )
    assert report.sent == 1
    (mail,) = smtp.inbox.messages
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"Unsubscribe from these mails: (\S+)", text).group(1)
    assert link.startswith(f"{live.url}/unsubscribe/")
    # Whoever follows the link from a mail client need not be signed in.
    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    # The page shows the address masked: whoever holds a forwarded mail learns no more.
    expect(
        page.get_by_text("Stop all reminder and digest mails to e***@example.eu?")
    ).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_contain_text(
        "e***@example.eu will get no more reminder or digest mails."
    )
    context.close()
    with live.session() as session:
        editor = session.query(Subscriber).filter_by(email=EDITOR).one()
        assert (editor.wants_reminders, editor.wants_digest) == (False, False)


def test_split_and_merge_dialogues_and_the_histories_say_who(page: Page, live: Site) -> None:
    """In the Western Balkans the Berlin Process Summit (3 November 2022, leaders) is no
    meeting of the Berlin Process home affairs ministers: split off into "Western Balkans
    summits", with the EU – Western Balkan Summit (6 October 2021) merged in."""
    sign_in(page, EDITOR)
    live.clock.advance(minutes=30)
    page.get_by_role("link", name="Dialogues").click()
    expect(page.get_by_role("heading", name="Dialogues by rhythm")).to_be_visible()
    page.get_by_label("Section").select_option(label="Western Balkans (regional)")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"section=western-balkans"))
    timeline = page.get_by_role("img", name="Rhythm of the dialogues of Western Balkans (regional)")
    expect(timeline).to_be_visible()
    expect(timeline.locator(".mark")).not_to_have_count(0)
    screenshot(page, "dialogues")
    page.locator("table.rhythms").get_by_role("link", name="Berlin Process Ministerial").click()
    expect(page.get_by_role("heading", name="Berlin Process Ministerial", level=1)).to_be_visible()

    page.get_by_role("checkbox", name="Berlin Process Summit (3 November 2022)").check()
    page.get_by_label("Name of the new series").fill("Western Balkans summits")
    page.get_by_role("button", name="Split off").click()
    expect(page.get_by_role("status")).to_have_text(
        "Split 1 event off into the new series Western Balkans summits."
    )
    expect(page.get_by_role("heading", name="Meetings (3)")).to_be_visible()

    live.clock.advance(minutes=5)
    page.locator("#others + ul").get_by_role("link", name="Western Balkans summits").click()
    expect(page.get_by_role("heading", name="Western Balkans summits", level=1)).to_be_visible()
    page.get_by_label("Series to merge in").select_option(
        label="EU – Western Balkan Summit (1 event)"
    )
    page.get_by_role("button", name="Merge into Western Balkans summits").click()
    expect(page.get_by_role("status")).to_have_text(
        "Merged EU – Western Balkan Summit into this series (1 event)."
    )
    # Held on 6 October 2021 and 3 November 2022: 393 days apart, so the next one is
    # expected 1 December 2023 give or take 98 days, a window open on 7 February 2024.
    facts = page.locator("dl.facts")
    expect(facts.locator(".badge")).to_have_text("due")
    expect(facts).to_contain_text("25 Aug 2023 – 8 Mar 2024")
    history = page.locator("#history + table tbody tr")
    merged = history.filter(has_text="EU – Western Balkan Summit merged into this series")
    expect(merged).to_contain_text("7 Feb 2024 09:35 UTC")
    expect(merged).to_contain_text(EDITOR)
    split = history.filter(has_text="split off Berlin Process Ministerial")
    expect(split).to_contain_text("7 Feb 2024 09:30 UTC")
    expect(split).to_contain_text(EDITOR)
    expect(history.first).to_contain_text("merged")  # newest first
    screenshot(page, "series")

    page.locator("#meetings + table").get_by_role("link", name="Berlin Process Summit").click()
    expect(page.get_by_role("heading", name="Berlin Process Summit")).to_be_visible()
    moved = page.locator("#history + table tbody tr").first
    expect(moved).to_contain_text("series changed")
    expect(moved).to_contain_text("series: Berlin Process Ministerial → Western Balkans summits")
    expect(moved).to_contain_text(EDITOR)

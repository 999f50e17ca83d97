"""Findings 6 and 9 through a real gunicorn on loopback: control characters in what
a request carries, the unsubscribe link, and the OpenAPI document.

Over a copy of the web tests' database (the sample note, users, a
subscriber; SQLite, and PostgreSQL when the suite has one, where NUL once
made a 500), where the admin signs in through the public form. The app's clock
is a file (``loopback``), set to the Monday after the note: the mail's
unsubscribe link is made then, and a test moves the clock past its end
without sleeping.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.calendar_svc.web.loopback import APP, CLOCK_ENV, INSTANCE_ENV, Browser, set_clock
from tests.calendar_svc.web.test_pages import JRC
from tests.helpers.commands import Runner
from tests.helpers.data import SAMPLE
from tests.helpers.databases import connected, fresh_database
from tests.helpers.servers import gunicorn
from tests.helpers.sites import ADMIN, EDITOR, PASSWORD, Seed

#: The web tests' subscriber (to Serbia and Montenegro), whose mails have the link.
SUBSCRIBER = EDITOR
#: The Monday after the note (5484/24 of 6 February 2024): the digest's day.
MONDAY = dt.datetime(2024, 2, 12, 9, 0, tzinfo=dt.UTC)
#: How long an unsubscribe link works (models.subscriber.UNSUBSCRIBE_LINK_DAYS),
#: as the README promises it.
LINK_DAYS = 60
_LINK = re.compile(r"/unsubscribe/([A-Za-z0-9_-]+)")
#: The two findings' characters and ESC, as a URL carries them and as a form does.
ENCODED = ("%00", "%0a", "%1b")
RAW = ("\x00", "\n", "\x1b")


@dataclass(frozen=True)
class Site:
    run: Runner
    feed_token: str
    uid: str
    #: The unsubscribe link's token in the digest made on MONDAY.
    unsubscribe: str


@dataclass(frozen=True)
class Served:
    site: Site
    base: str
    clock: Path

    def browser(self) -> Browser:
        return Browser(self.base)


@contextmanager
def serve_copy(seed: Seed, folder: Path) -> Iterator[Served]:
    """gunicorn (two workers, the clock at MONDAY) over a copy of the web tests' database."""
    with fresh_database(seed.kind, folder, template=seed.url) as url:
        run = Runner(url, folder)
        with connected(url) as connection:
            uid = connection.scalar(text("SELECT uid FROM events WHERE title = :t"), {"t": JRC})
        preview = run("digest", "preview", "--subscriber", SUBSCRIBER, "--now", MONDAY.isoformat())
        assert preview.returncode == 0, preview.stderr
        match = _LINK.search(preview.stdout)
        assert match, preview.stdout
        site = Site(run, seed.feed_token, uid, match.group(1))
        clock = folder / "now"
        set_clock(clock, MONDAY)
        env = {CLOCK_ENV: str(clock), INSTANCE_ENV: str(folder / "instance")}
        with gunicorn(url, "--workers", "2", APP, env=env) as base:
            yield Served(site, base, clock)


@pytest.fixture(scope="module")
def shared(seeded: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the tests that show nothing is written."""
    with serve_copy(seeded, tmp_path_factory.mktemp("input")) as served:
        yield served


@pytest.fixture
def served(seeded: Seed, tmp_path: Path) -> Iterator[Served]:
    """A server of the test's own, for the tests that unsubscribe or move the clock."""
    with serve_copy(seeded, tmp_path) as served:
        yield served


@pytest.fixture
def admin(shared: Served) -> Browser:
    browser = shared.browser()
    assert browser.sign_in(ADMIN, PASSWORD).status == 302
    return browser


def paths(site: Site, c: str) -> list[str]:
    """Every route that takes text from its URL, with ``c`` put into that text."""
    return [
        f"/sections/serbia{c}",
        f"/events/{site.uid}{c}",
        f"/?q=JRC{c}",
        f"/api/v1/events?q=JRC{c}",
        f"/api/v1/events?section=serbia{c}",
        f"/api/v1/events?confidence=firm{c}",
        f"/api/v1/events/{site.uid}{c}",
        f"/feeds/{site.feed_token}{c}/all.ics",
        f"/feeds/{site.feed_token}/section/serbia{c}.ics",
        f"/feeds/{site.feed_token}/all.ics?past_days=30{c}",
        f"/unsubscribe/{site.unsubscribe}{c}",
        f"/login?next=/sections{c}",
        f"/documents?x{c}=1",
    ]


def test_a_control_character_in_any_url_is_a_400_never_a_500(
    shared: Served, admin: Browser
) -> None:
    """Finding 6: "%00" in a URL was a 500 on PostgreSQL (its text cannot hold NUL)."""
    site = shared.site
    # The same routes without the character answer: the 400 is the character's.
    for path in paths(site, ""):
        assert admin.open(path).status in {200, 302}, path
    for character in ENCODED:
        for path in paths(site, character):
            answer = admin.open(path)
            assert answer.status == 400, (path, answer.status)
            assert "control character" in answer.text, path
            if path.startswith("/api/"):
                assert "control character" in json.loads(answer.body)["error"]


def test_a_control_character_in_any_form_is_a_400_and_changes_nothing(
    shared: Served, admin: Browser
) -> None:
    """Finding 6: the sign-in e-mail, an editor's fields, a new subscriber, a role, a file name."""
    site, served = shared.site, shared
    title_before = _api_event(admin, site.uid)["title"]
    for character in RAW:
        _post_everywhere(site, served, admin, character)
    # Nothing was written: the event, the subscribers, the admin's role.
    assert _api_event(admin, site.uid)["title"] == title_before
    with connected(site.run.database) as connection:
        emails = connection.scalars(text("SELECT email FROM subscribers")).all()
        role = connection.scalar(text("SELECT role FROM users WHERE email = :e"), {"e": ADMIN})
    assert emails == [SUBSCRIBER]
    assert str(role).lower() == "admin"
    assert admin.open("/users").status == 200  # still an admin


def _post_everywhere(site: Site, served: Served, admin: Browser, character: str) -> None:
    visitor = served.browser()
    answer = visitor.open(
        "/login",
        form={
            "email": ADMIN + character,
            "password": PASSWORD,
            "csrf_token": visitor.form_token(),
        },
    )
    assert answer.status == 400, answer.text
    assert "control character" in answer.text

    event = f"/events/{site.uid}"
    forms: list[tuple[str, dict[str, str]]] = [
        (f"{event}/details", {"title": f"JRC{character}", "location": "Belgrade"}),
        (f"{event}/confirm", {"start": f"2024-03-19{character}", "end": "2024-03-19"}),
        (f"{event}/date", {"date_text": f"19 March 2024{character}"}),
        ("/subscriptions/new", {"email": "new@example.eu", "name": f"New{character}"}),
        ("/users/1/role", {"role": f"editor{character}"}),
    ]
    for path, fields in forms:
        token = admin.form_token(event)
        answer = admin.open(path, form=fields | {"csrf_token": token})
        assert answer.status == 400, (path, answer.status)
        assert "control character" in answer.text, path
    upload = admin.open(
        "/documents/upload",
        form={"csrf_token": admin.form_token("/documents")},
        files={"note": (f"note{character}.txt", SAMPLE.read_bytes())},
    )
    assert upload.status == 400, upload.text


def _api_event(browser: Browser, uid: str) -> dict[str, Any]:
    answer = browser.open(f"/api/v1/events/{uid}")
    assert answer.status == 200, answer.text
    event: dict[str, Any] = json.loads(answer.body)
    return event


def test_the_unsubscribe_page_masks_the_address_and_the_link_ends(served: Served) -> None:
    """Finding 9: the link worked forever, and its page showed the address."""
    site = served.site
    visitor = served.browser()
    link = f"/unsubscribe/{site.unsubscribe}"
    page = visitor.open(link)
    assert page.status == 200
    assert SUBSCRIBER not in page.text
    assert "e***@example.eu" in page.text

    # On its last day it still unsubscribes; the day after, it is gone.
    set_clock(served.clock, MONDAY + dt.timedelta(days=LINK_DAYS))
    assert visitor.open(link).status == 410
    assert visitor.open(link, method="POST").status == 410
    assert _wants_mail(site) == (True, True)

    set_clock(served.clock, MONDAY + dt.timedelta(days=LINK_DAYS - 1))
    done = visitor.open(link, method="POST")
    assert done.status == 200
    assert SUBSCRIBER not in done.text
    assert _wants_mail(site) == (False, False)


def test_a_link_of_the_first_form_or_a_forged_one_unsubscribes_nobody(served: Served) -> None:
    """The first links were the stored token itself, with no end: they are expired."""
    site = served.site
    with connected(site.run.database) as connection:
        stored = connection.scalar(text("SELECT unsubscribe_token FROM subscribers"))
    visitor = served.browser()
    assert visitor.open(f"/unsubscribe/{stored}", method="POST").status == 410
    forged = site.unsubscribe[:-2] + ("AA" if not site.unsubscribe.endswith("AA") else "BB")
    assert visitor.open(f"/unsubscribe/{forged}", method="POST").status == 404
    assert _wants_mail(site) == (True, True)


def _wants_mail(site: Site) -> tuple[bool, bool]:
    with connected(site.run.database) as connection:
        row = connection.execute(
            text("SELECT wants_reminders, wants_digest FROM subscribers")
        ).one()
    return bool(row[0]), bool(row[1])


def test_the_openapi_document_names_sections_only_to_a_signed_in_caller(
    shared: Served, admin: Browser
) -> None:
    """Finding 9: /api/v1/openapi.json listed every section to anyone."""
    public = shared.browser().open("/api/v1/openapi.json")
    assert public.status == 200
    assert '"serbia"' not in public.text
    assert '"serbia"' in admin.open("/api/v1/openapi.json").text

"""The digests of a pass built together (``DigestBuilder``): the very mails that one
subscriber's digest (``build_digest`` + ``render_digest``) gives, whatever the scope,
and in a number of SQL statements that does not grow with the number of digests.

The scene, on Monday 20 May 2024: the sample note imported on 6 February, an
edit on 8 May, the second version of the note on 16 May; subscribers follow
sections, a group, everything, narrowed or not by categories, with different
lead times; one had a digest on 29 April (so the edit is a change to them),
one at the moment of the edit (it is not), one on 17 May (nothing changed since).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from calendar_svc.events.editing import set_date_text
from calendar_svc.subscribers import add_subscriber
from models import Event, Section, Subscriber
from models.agenda import build_agenda
from models.text import readable
from notifications.config import NotificationSettings
from notifications.digest import DigestBuilder, build_digest, render_digest
from notifications.jobs import send_digests
from notifications.mail import RecordingMailer
from tests.helpers.data import V2

NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
EARLY_DIGEST = dt.datetime(2024, 4, 29, 6, 0, tzinfo=dt.UTC)
EDIT = dt.datetime(2024, 5, 8, 10, 0, tzinfo=dt.UTC)
V2_DAY = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
LATE_DIGEST = dt.datetime(2024, 5, 17, 6, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2024, 5, 20, 6, 0, tzinfo=dt.UTC)
SMN = ["serbia", "montenegro", "north-macedonia"]

#: email -> add_subscriber's arguments.
SCOPES: dict[str, dict[str, Any]] = {
    "desk@example.eu": {"sections": SMN},
    # The same scope as the desk: shares its lists.
    "twin@example.eu": {"sections": SMN},
    # The same scope again, but a digest on 29 April: the edit of 8 May is news.
    "early@example.eu": {"sections": SMN},
    # A digest sent the very moment of the edit: the edit is not news.
    "boundary@example.eu": {"sections": SMN},
    # A digest on 17 May: nothing changed since.
    "late@example.eu": {"sections": ["serbia"], "tentative_days": 60},
    "balkans@example.eu": {"groups": ["western-balkans"]},
    "africa@example.eu": {"groups": ["africa"], "tentative_days": 7},
    "everything@example.eu": {"everything": True},
    "jrcs@example.eu": {"everything": True, "categories": ["joint_readmission_committee"]},
    "narrow@example.eu": {
        "sections": ["serbia", "libya", "ethiopia"],
        "categories": ["mission_or_visit", "joint_readmission_committee"],
        "tentative_days": 90,
    },
}


@pytest.fixture
def scene(
    session: Session,
    sessions: sessionmaker[Session],
    ingest: Callable[..., Any],
    settings: NotificationSettings,
) -> list[str]:
    ingest(at=NOTE_DAY)
    for email, scope in SCOPES.items():
        add_subscriber(session, email, now=NOTE_DAY, **scope)
    session.commit()
    mail = RecordingMailer()
    send_digests(sessions, mail, now=EARLY_DIGEST, settings=settings, emails=["early@example.eu"])
    serbian = session.scalars(
        select(Event)
        .join(Section)
        .where(Section.slug == "serbia", Event.is_removed.is_(False))
        .order_by(Event.position)
    ).first()
    assert serbian is not None
    send_digests(sessions, mail, now=EDIT, settings=settings, emails=["boundary@example.eu"])
    set_date_text(session, serbian, "June 2024 (tbc)", actor="editor@example.eu", now=EDIT)
    session.commit()
    ingest(V2, at=V2_DAY)
    session.commit()
    send_digests(sessions, mail, now=LATE_DIGEST, settings=settings, emails=["late@example.eu"])
    assert len(mail.messages) == 3
    return list(SCOPES)


def subscribers(session: Session) -> list[Subscriber]:
    """Every subscriber, with what a digest reads of them loaded."""
    return list(
        session.scalars(
            select(Subscriber)
            .order_by(Subscriber.email)
            .options(
                selectinload(Subscriber.sections),
                selectinload(Subscriber.groups),
                selectinload(Subscriber.categories),
                selectinload(Subscriber.tokens),
            )
        )
    )


def one_by_one(session: Session, settings: NotificationSettings) -> dict[str, tuple[str, str, str]]:
    """Each subscriber's digest on its own: the reference."""
    return {
        s.email: render_digest(
            build_digest(
                session, s, now=MONDAY, schedule=settings.schedule, policy=settings.policy
            ),
            context=settings.context,
        )
        for s in subscribers(session)
    }


def builder(session: Session, settings: NotificationSettings) -> DigestBuilder:
    return DigestBuilder(
        session,
        now=MONDAY,
        schedule=settings.schedule,
        policy=settings.policy,
        context=settings.context,
    )


def test_the_builder_makes_the_digests_one_subscriber_at_a_time_would(
    scene: list[str], session: Session, settings: NotificationSettings
) -> None:
    expected = one_by_one(session, settings)
    digests = builder(session, settings)
    got = {s.email: digests.render(session, s) for s in subscribers(session)}
    assert set(got) == set(SCOPES)
    for email in SCOPES:
        assert got[email] == expected[email], email
    # The lists too, item for item.
    for s in subscribers(session):
        one = build_digest(
            session, s, now=MONDAY, schedule=settings.schedule, policy=settings.policy
        )
        built = digests.build(session, s)
        assert [(n, [o.id for o in items]) for n, items in built.upcoming] == [
            (n, [o.id for o in items]) for n, items in one.upcoming
        ]
        assert [o.id for o in built.awaiting] == [o.id for o in one.awaiting]
        assert [o.id for o in built.overdue] == [o.id for o in one.overdue]
        assert [c.revision.id for c in built.changes] == [c.revision.id for c in one.changes]
    # Not a comparison of empty digests: every list has items somewhere, and
    # the scopes, lead times and last digests tell the digests apart.
    by_email = {s.email: digests.build(session, s) for s in subscribers(session)}
    everything = by_email["everything@example.eu"]
    assert everything.upcoming
    assert everything.awaiting
    assert everything.overdue
    assert everything.changes
    # The builder read windows opening within 90 days (narrow's lead time);
    # everything's digest keeps those within its 30.
    wider = build_agenda(session, today=MONDAY.date(), lead_days=90)
    assert len(everything.awaiting) < len(wider.awaiting)
    desk, early = by_email["desk@example.eu"], by_email["early@example.eu"]
    assert desk.changes
    assert len(early.changes) > len(desk.changes)
    assert by_email["boundary@example.eu"].changes == desk.changes
    assert by_email["late@example.eu"].changes == []
    bodies = {text.split("\n--\n")[0] for _subject, text, _html in got.values()}
    # Twin's and boundary's are the desk's; all others differ.
    assert len(bodies) == len(SCOPES) - 2


def test_a_digest_pass_sends_the_digests_one_subscriber_at_a_time_would(
    scene: list[str],
    session: Session,
    sessions: sessionmaker[Session],
    settings: NotificationSettings,
) -> None:
    """Through ``send_digests``: one builder for the pass, a session for each row."""
    expected = one_by_one(session, settings)
    mail = RecordingMailer()
    report = send_digests(sessions, mail, now=MONDAY, settings=settings)
    assert report.sent == len(SCOPES)
    assert len(mail.messages) == len(SCOPES)
    for message in mail.messages:
        subject, text, html = expected[str(message["To"])]
        assert str(message["Subject"]) == subject
        plain, rich = message.get_body(("plain",)), message.get_body(("html",))
        assert plain is not None
        assert rich is not None
        assert plain.get_content() == readable(text)
        assert rich.get_content() == readable(html)


@contextmanager
def counting(session: Session) -> Iterator[list[str]]:
    """The SQL statements run in ``session`` meanwhile."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = session.connection().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_statements_to_build_digests_do_not_grow_with_their_number(
    scene: list[str], sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    counts = {}
    for n in (1, 3, len(SCOPES)):
        with sessions() as session:
            chosen = subscribers(session)[:n]
            with counting(session) as statements:
                digests = builder(session, settings)
                for s in chosen:
                    digests.render(session, s)
            counts[n] = len(statements)
    assert counts[1] == counts[3] == counts[len(SCOPES)], counts
    # The sections and groups, the subscribers' last digests, the agenda, the
    # first document, the changes (with their events' occurrences), and the
    # late dialogues (the sections' names, the series' members).
    assert counts[1] <= 8, counts

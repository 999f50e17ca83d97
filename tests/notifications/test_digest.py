"""The weekly digest: what it lists, what changed, once per subscriber and week.

As of 6 February 2024, read from the note, the Serbia/Montenegro/North
Macedonia desk has six firm dates in the next six weeks (North Macedonia
6 February and 5-6 March, Montenegro 7-8 and 13-14 March, Serbia 6-7 February
and 12-13 March), two windows awaiting a date (the Montenegrin and Serbian
JRCs), nothing overdue and, before any new note, no changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.subscribers import add_subscriber
from models import Subscriber
from notifications.config import NotificationSettings
from notifications.digest import build_digest, render_digest
from notifications.jobs import send_digests
from notifications.mail import RecordingMailer
from tests.helpers.data import V2

NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
SMN = ["serbia", "montenegro", "north-macedonia"]


@pytest.fixture
def desk(session: Session, ingest: Callable[..., Any]) -> Subscriber:
    ingest(at=NOTE_DAY)
    subscriber = add_subscriber(session, "desk@example.eu", now=NOTE_DAY, sections=SMN)
    session.commit()
    return subscriber


def test_the_desks_digest_on_the_note_date(
    desk: Subscriber, session: Session, settings: NotificationSettings
) -> None:
    digest = build_digest(
        session, desk, now=NOTE_DAY, schedule=settings.schedule, policy=settings.policy
    )
    assert digest.week_of == dt.date(2024, 2, 5)
    # Sections in the order of their first date (North Macedonia's 6 February,
    # then Serbia's 6-7 February, then Montenegro's 7-8 March), not the note's
    # (North Macedonia, Montenegro, Serbia); each section by date.
    assert [(section, [o.event.raw_date for o in items]) for section, items in digest.upcoming] == [
        ("North Macedonia", ["6 February 2024", "5-6 March 2024"]),
        ("Serbia", ["6-7 February 2024", "12-13 March 2024"]),
        ("Montenegro", ["7-8 March 2024", "13-14 March 2024"]),
    ]
    assert sorted(o.event.raw_date for o in digest.awaiting) == [
        "Q1 2024 (tbc)",
        "Q1/Q2 2024 (tbc)",
    ]
    assert digest.overdue == []
    assert digest.changes == []
    subject, text, html = render_digest(digest, context=settings.context)
    assert subject == (
        "Weekly digest: 6 upcoming, 2 awaiting a date, 0 overdue (week of Mon 5 Feb 2024)"
    )
    assert (
        "UPCOMING (firm dates, next weeks)\nNorth Macedonia\n  Tue 6 Feb  EMN Fact finding"
        " mission\n  Tue 5-Wed 6 Mar  EU-North Macedonia" in text
    )
    assert "\nSerbia\n  Tue 6-Wed 7 Feb  Mission of DDG HOME" in text
    assert "  Q1 2024 (tbc)  " in text
    assert "Joint Readmission Committee meeting (Serbia; tbc)\n" in text
    assert "Nothing overdue." in text
    assert "No changes." in text
    assert '<h3 style="font-size: 1rem; margin-bottom: 0.25rem;">Serbia</h3>' in html


def test_a_digest_for_everything_matches_the_agenda(
    session: Session, ingest: Callable[..., Any], settings: NotificationSettings
) -> None:
    ingest(at=NOTE_DAY)
    everyone = add_subscriber(session, "all@example.eu", now=NOTE_DAY, everything=True)
    digest = build_digest(
        session, everyone, now=NOTE_DAY, schedule=settings.schedule, policy=settings.policy
    )
    assert sum(len(items) for _, items in digest.upcoming) == 15
    assert len(digest.awaiting) == 14
    assert [o.event.raw_date for o in digest.overdue] == ["30 November or 1 December 2023"]


def test_changes_brought_by_a_new_version_of_the_note(
    desk: Subscriber,
    session: Session,
    ingest: Callable[..., Any],
    settings: NotificationSettings,
) -> None:
    ingest(V2, at=dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC))
    monday = dt.datetime(2024, 5, 20, 6, 0, tzinfo=dt.UTC)
    digest = build_digest(
        session, desk, now=monday, schedule=settings.schedule, policy=settings.policy
    )
    # By date: the Serbian mission of 6-7 February, the Serbian JRC now on
    # 19 March, the Montenegrin one on 23-24 May, the new Serbian JRC in Q4.
    assert [(c.event.section.slug, c.revision.labels) for c in digest.changes] == [
        ("serbia", ["title changed"]),
        ("serbia", ["date confirmed", "title changed", "outcome changed"]),
        ("montenegro", ["date confirmed"]),
        ("serbia", ["new"]),
    ]
    _subject, text, _html = render_digest(digest, context=settings.context)
    assert (
        "  Tue 19 Mar  10th EU-Serbia Joint Readmission Committee meeting, Belgrade (Serbia):"
        " date confirmed, title changed, outcome changed; date Q1 2024 (tbc) -> 19 March 2024"
        in text
    )
    assert "  Q4 2024  11th EU-Serbia Joint Readmission Committee meeting (Serbia): new" in text


def test_one_digest_per_subscriber_and_week_whoever_sends_it(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    mail = RecordingMailer()
    monday = dt.datetime(2024, 2, 5, 7, 0, tzinfo=dt.UTC)
    assert send_digests(sessions, mail, now=monday, settings=settings).sent == 1
    wednesday = monday + dt.timedelta(days=2)
    assert send_digests(sessions, mail, now=wednesday, settings=settings).sent == 0
    next_monday = monday + dt.timedelta(days=7)
    assert send_digests(sessions, mail, now=next_monday, settings=settings).sent == 1
    assert [m["To"] for m in mail.messages] == ["desk@example.eu"] * 2
    subjects = [str(m["Subject"]) for m in mail.messages]
    assert subjects[0].endswith("(week of Mon 5 Feb 2024)")
    assert subjects[1].endswith("(week of Mon 12 Feb 2024)")


def test_no_digest_for_those_who_do_not_want_it(
    session: Session,
    sessions: sessionmaker[Session],
    ingest: Callable[..., Any],
    settings: NotificationSettings,
) -> None:
    ingest(at=NOTE_DAY)
    add_subscriber(session, "nodigest@example.eu", now=NOTE_DAY, everything=True, digest=False)
    session.commit()
    assert send_digests(sessions, RecordingMailer(), now=NOTE_DAY, settings=settings).sent == 0

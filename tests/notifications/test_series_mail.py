"""A series turning late, by mail: the reminder and the digest's section, over real SMTP.

Read from the note (docs/series.md): the EU-Moldova Justice, Freedom and
Security Sub-committee met on 14 November 2019, 24 September 2020, 12 October
2021 and 20 October 2022, and nothing is listed next. Intervals of 315, 383
and 373 days: median 373, spread 10; the next meeting was expected 373 days
after 20 October 2022 (28 October 2023) give or take 93 days, 27 July 2023 to
29 January 2024. From 30 January 2024 the series is late; it stalls one
median interval after the window, on 5 February 2025. Moldova's other series
are not late within the 90-day horizon: the JRC stalled in 2023, the
Association Council and Committee are on track. The JRC met last on
18 November 2020, after 400 days; it was expected by 2 April 2022.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.subscribers import add_subscriber
from models import LedgerEntry, Rule, Subscriber
from notifications.config import NotificationSettings
from notifications.jobs import reminder_pass, send_digests
from notifications.mail import SmtpMailer
from tests.helpers.smtp import BASE_URL, SmtpServer

NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2024, 2, 5, 7, 0, tzinfo=dt.UTC)
SUBJECT = "Late: Republic of Moldova: Justice, Freedom and Security Sub-committee"


@pytest.fixture
def desk(session: Session, ingest: Callable[..., Any]) -> Subscriber:
    ingest()
    subscriber = add_subscriber(
        session, "moldova.desk@example.eu", now=NOTE_DAY, sections=["moldova"]
    )
    session.commit()
    return subscriber


def text_of(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_series_turning_late_is_mailed_once(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    mailer: SmtpMailer,
    smtp: SmtpServer,
    settings: NotificationSettings,
) -> None:
    report = reminder_pass(sessions, mailer, now=NOTE_DAY, settings=settings)
    assert (report.sent, report.skipped, report.failed) == (1, 0, 0)
    assert smtp.inbox.subjects() == [SUBJECT]
    text = text_of(smtp.inbox.messages[0])
    assert "has not met since Thu 20 Oct 2022" in text
    assert "Meets every: 373 days (median)" in text
    assert "Next meeting expected: 27 July 2023 - 29 January 2024" in text
    assert "The note lists no next meeting" in text
    with sessions() as session:
        entry = session.scalars(select(LedgerEntry).where(LedgerEntry.rule == Rule.SERIES)).one()
        assert entry.due_date == dt.date(2024, 1, 30)
        series_url = f"{BASE_URL}/series/{entry.occurrence_key.split('-')[1]}"
    assert series_url in text
    # The next passes, the same week and months later, send it no more.
    for later in (NOTE_DAY + dt.timedelta(days=1), NOTE_DAY + dt.timedelta(days=80)):
        assert reminder_pass(sessions, mailer, now=later, settings=settings).sent == 0
    assert len(smtp.inbox.messages) == 1


def test_a_late_series_that_stalls_is_mailed_once_more(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    mailer: SmtpMailer,
    smtp: SmtpServer,
    settings: NotificationSettings,
) -> None:
    reminder_pass(sessions, mailer, now=NOTE_DAY, settings=settings)
    stalled_day = dt.datetime(2025, 2, 5, 8, 0, tzinfo=dt.UTC)
    reminder_pass(sessions, mailer, now=stalled_day - dt.timedelta(days=1), settings=settings)
    reminder_pass(sessions, mailer, now=stalled_day, settings=settings)
    reminder_pass(sessions, mailer, now=stalled_day + dt.timedelta(days=7), settings=settings)
    assert smtp.inbox.subjects() == [
        SUBJECT,
        "Stalled: Republic of Moldova: Justice, Freedom and Security Sub-committee",
    ]


def test_the_digest_lists_the_late_dialogues_of_the_subscribers_sections(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    mailer: SmtpMailer,
    smtp: SmtpServer,
    settings: NotificationSettings,
) -> None:
    assert send_digests(sessions, mailer, now=MONDAY, settings=settings).sent == 1
    assert (
        send_digests(sessions, mailer, now=MONDAY + dt.timedelta(days=2), settings=settings).sent
        == 0
    )
    assert len(smtp.inbox.messages) == 1
    text = text_of(smtp.inbox.messages[0])
    section = text.split("LATE OR STALLED DIALOGUES", 1)[1].split("CHANGED SINCE", 1)[0]
    lines = [line.strip() for line in section.strip().splitlines()[1:]]
    # In the note's order; the JRC's stalling is older than the reminders' horizon,
    # but a digest lists every late or stalled dialogue of its sections.
    assert lines == [
        "Joint Readmission Committee (Republic of Moldova): stalled;"
        " last met Wed 18 Nov 2020, expected by Sat 2 Apr 2022 (meets every 400 days)",
        "Justice, Freedom and Security Sub-committee (Republic of Moldova): late;"
        " last met Thu 20 Oct 2022, expected by Mon 29 Jan (meets every 373 days)",
    ]

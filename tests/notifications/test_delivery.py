"""Reminder passes over a real SMTP server: content, headers, links, once only, retries."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.subscribers import add_subscriber
from feeds.tokens import issue_token
from models import DocumentFormat, Event, LedgerEntry, LedgerState, Rule, Subscriber
from models.subscriber import unsubscribe_token
from notifications.config import NotificationSettings
from notifications.jobs import deliver, reminder_pass
from notifications.ledger import claim, failed_entries, mark_sent, record, reminder_rows
from notifications.mail import RecordingMailer, SmtpMailer, SmtpSettings
from notifications.rules import due_reminders
from notifications.scheduler import log_report
from tests.helpers.apps import SECRET
from tests.helpers.data import V2
from tests.helpers.smtp import BASE_URL, SmtpServer

NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
SMN = ["serbia", "montenegro", "north-macedonia"]


@pytest.fixture
def desk(session: Session, ingest: Callable[..., Any]) -> Subscriber:
    ingest()
    subscriber = add_subscriber(
        session, "desk.officer@example.eu", now=NOTE_DAY, name="Desk Officer", sections=SMN
    )
    issue_token(session, subscriber, secret=SECRET, now=NOTE_DAY)
    session.commit()
    return subscriber


def joined(text: str) -> str:
    """``text`` with the note's split ordinals joined ("10 th" -> "10th").

    Display titles are being cleaned (issue 12); subjects are compared in the
    cleaned form, whichever titles the importer gives.
    """
    return re.sub(r"\b(\d+) (st|nd|rd|th)\b", r"\1\2", text)


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_the_western_balkans_desk_gets_two_mails_on_the_note_date(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    mailer: SmtpMailer,
    smtp: SmtpServer,
    settings: NotificationSettings,
) -> None:
    report = reminder_pass(sessions, mailer, now=NOTE_DAY, settings=settings)
    assert (len(report.due), report.sent, report.skipped, report.retrying) == (2, 2, 0, 0)
    # Dates first, with weekdays; "tbc" because the note says so (both are tentative).
    assert [joined(s) for s in smtp.inbox.subjects()] == [
        "Q1 2024: 10th EU-Serbia Joint Readmission Committee meeting"
        " (tbc; window open until Sun 31 Mar)",
        "Q1-Q2 2024: 8th EU-Montenegro Joint Readmission Committee meeting"
        " (tbc; window open until Sun 30 Jun)",
    ]
    message = next(m for m in smtp.inbox.messages if "Serbia" in str(m["Subject"]))
    assert message["X-Envelope-To"] == "desk.officer@example.eu"
    assert message["To"] == "desk.officer@example.eu"
    assert message["From"] == "Calendar <calendar@example.eu>"
    assert message.get_content_type() == "multipart/alternative"
    # The link of a mail made on the note's day, signed (models.unsubscribe_token).
    unsubscribe = (
        f"{BASE_URL}/unsubscribe/{unsubscribe_token(desk, SECRET, issued=NOTE_DAY.date())}"
    )
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<calendar-svc\.\d+\.open\.20240101@cal\.example\.eu>", message["Message-ID"]
    )
    text, html = parts(message)
    event = sessions().scalar(
        select(Event).where(Event.raw_date == "Q1 2024 (tbc)", Event.title.contains("Serbia"))
    )
    assert event is not None
    for body in (text, html):
        assert f"{BASE_URL}/events/{event.uid}" in body
        assert unsubscribe in body
        assert "Q1 2024 (tbc)" in body
        assert "Council document 5484/24, line 768" in body
    assert "Window: 1 January - 31 March 2024 (tbc)" in text
    # Issue 12: smtplib.send_message turned the footer into ">From the Council note".
    for body in (text, html):
        assert "\nFrom the Council note on external cooperation in migration" in body
        assert ">From" not in body
    feed = re.search(rf"{BASE_URL}/feeds/([A-Za-z0-9_-]{{43}})/mine\.ics", text)
    assert feed is not None
    assert f"/feeds/{feed.group(1)}/mine.ics" in html


def test_the_feed_link_in_a_mail_opens_the_subscribers_feed(
    desk: Subscriber, session: Session, settings: NotificationSettings
) -> None:
    from models import current_feed_token

    token = current_feed_token(desk, SECRET)
    assert token is not None
    from feeds.tokens import feed_access

    connection = session.connection()
    assert feed_access(connection.connection, connection.dialect, token).subscriber_id == desk.id
    assert current_feed_token(desk, b"another key") is None  # a changed key: no link, no leak


def test_a_second_pass_and_a_second_process_send_nothing_again(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    mailer: SmtpMailer,
    smtp: SmtpServer,
    settings: NotificationSettings,
) -> None:
    reminder_pass(sessions, mailer, now=NOTE_DAY, settings=settings)
    again = reminder_pass(
        sessions, mailer, now=NOTE_DAY + dt.timedelta(minutes=15), settings=settings
    )
    assert (len(again.due), again.sent) == (2, 0)
    assert len(smtp.inbox.messages) == 2


def test_two_claims_never_take_the_same_row(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    with sessions.begin() as session:
        due = due_reminders(session, now=NOTE_DAY, policy=settings.policy)
        record(session, reminder_rows(due, now=NOTE_DAY), now=NOTE_DAY)
        record(session, reminder_rows(due, now=NOTE_DAY), now=NOTE_DAY)  # a second process
        assert len(session.scalars(select(LedgerEntry)).all()) == 2
    with sessions.begin() as session:
        first, ids = claim(session, now=NOTE_DAY, policy=settings.retry)
        second, none = claim(session, now=NOTE_DAY, policy=settings.retry)
    assert len(ids) == 2
    assert none == []
    with sessions.begin() as session:
        assert not mark_sent(session, ids[0], second, now=NOTE_DAY)  # not its claim
        assert mark_sent(session, ids[0], first, now=NOTE_DAY)
    # A claim older than the lease is taken over: its pass died before sending.
    later = NOTE_DAY + settings.retry.lease + dt.timedelta(seconds=1)
    with sessions.begin() as session:
        _third, taken_over = claim(session, now=later, policy=settings.retry)
    assert taken_over == [ids[1]]


def test_a_failed_send_is_retried_with_backoff_then_kept_as_failed(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    down = RecordingMailer(fail_with="127.0.0.1:25: Connection refused")
    first = reminder_pass(sessions, down, now=NOTE_DAY, settings=settings)
    assert (first.sent, first.retrying, first.failed) == (0, 2, 0)
    with sessions() as session:
        entries = session.scalars(select(LedgerEntry)).all()
        assert {(e.state, e.attempts, e.next_attempt_at) for e in entries} == {
            (LedgerState.PENDING, 1, NOTE_DAY + dt.timedelta(minutes=5))
        }
    # Not before the backoff has passed.
    assert (
        deliver(sessions, down, now=NOTE_DAY + dt.timedelta(minutes=4), settings=settings).retrying
        == 0
    )
    second = deliver(sessions, down, now=NOTE_DAY + dt.timedelta(minutes=5), settings=settings)
    assert second.retrying == 2
    third = deliver(sessions, down, now=NOTE_DAY + dt.timedelta(minutes=15), settings=settings)
    assert third.failed == 2  # max_attempts = 3
    with sessions() as session:
        failed = failed_entries(session)
        assert [(e.attempts, e.last_error) for e in failed] == [
            (3, "127.0.0.1:25: Connection refused")
        ] * 2
    up = RecordingMailer()
    assert deliver(sessions, up, now=NOTE_DAY + dt.timedelta(days=1), settings=settings).sent == 0


def test_a_mail_that_no_longer_makes_sense_is_skipped(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    down = RecordingMailer(fail_with="down")
    reminder_pass(sessions, down, now=NOTE_DAY, settings=settings)
    up = RecordingMailer()
    # SMTP was down until the windows had ended: the "open" mails are no longer right.
    report = deliver(sessions, up, now=dt.datetime(2024, 7, 2, tzinfo=dt.UTC), settings=settings)
    assert (report.sent, report.skipped) == (0, 2)
    with sessions() as session:
        assert {e.last_error for e in session.scalars(select(LedgerEntry))} == {
            "a later stage replaces it"
        }


def test_updates_after_a_new_version_of_the_note(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    ingest: Callable[..., Any],
    settings: NotificationSettings,
) -> None:
    mail = RecordingMailer()
    reminder_pass(sessions, mail, now=NOTE_DAY, settings=settings)
    ingest(V2, at=dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC))
    mail.messages.clear()
    report = reminder_pass(
        sessions, mail, now=dt.datetime(2024, 5, 16, 10, 0, tzinfo=dt.UTC), settings=settings
    )
    subjects = sorted(joined(str(m["Subject"])) for m in mail.messages)
    assert subjects == [
        # Montenegro's Stabilisation and Association Committee met on 26 January
        # 2022 and 25 January 2023 and lists nothing next: expected 364 days on,
        # give or take 91 (docs/series.md), by 24 April 2024, so late since the
        # 25th.
        "Late: Montenegro: Stabilisation and Association Committee",
        # North Macedonia's "May-June 2024" mission: its window is now open. The
        # note gives it without tbc: no "tbc" in the mail either.
        "May-June 2024: Mission DDG Onidi for WB Plan"
        " (date not yet fixed; window open until Sun 30 Jun)",
        "Thu 23-Fri 24 May: 8th EU-Montenegro Joint Readmission Committee meeting",
        "Thu 23-Fri 24 May: 8th EU-Montenegro Joint Readmission Committee meeting"
        " (date confirmed; was Q1/Q2 2024 (tbc))",
        "Tue 19 Mar: 10th EU-Serbia Joint Readmission Committee meeting, Belgrade"
        " (date confirmed; was Q1 2024 (tbc))",
    ]
    # The confirmed Montenegrin date is 7 days away: the firm reminders begin.
    reminder = next(
        m
        for m in mail.messages
        if "confirmed" not in str(m["Subject"]) and "Montenegro" in str(m["Subject"])
    )
    assert "meeting starts in 7 days: Thu 23-Fri 24 May 2024." in parts(reminder)[0]
    assert "When: Thu 23-Fri 24 May 2024 (firm)" in parts(reminder)[0]
    assert report.sent == 5
    text = (
        next(m for m in mail.messages if "Serbia" in str(m["Subject"]))
        .get_body(preferencelist=("plain",))
        .get_content()
    )
    assert "raw date: Q1 2024 (tbc) -> 19 March 2024" in text


def test_a_mail_says_where_the_note_has_the_row(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    """The source of a mail is the label pages and feeds show (models.SourceRef)."""
    with sessions.begin() as session:
        event = session.scalar(
            select(Event).where(Event.raw_date == "Q1 2024 (tbc)", Event.title.contains("Serbia"))
        )
        assert event is not None
        assert event.document_version is not None
        # As if 5484/24 had been read from its PDF: Serbia's table is its 22nd,
        # the JRC that table's 18th row (by reading the note).
        event.document_version.format = DocumentFormat.PDF
        event.source_line, event.source_page = None, 19
        event.source_table, event.source_row = 22, 18
    mail = RecordingMailer()
    reminder_pass(sessions, mail, now=NOTE_DAY, settings=settings)
    message = next(m for m in mail.messages if "Serbia" in str(m["Subject"]))
    text, html = parts(message)
    assert "Source: Council document 5484/24, p. 19, table 22 row 18" in text
    assert "<td>Council document 5484/24, p. 19, table 22 row 18</td>" in html


def test_html_parts_escape_what_the_note_says(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    with sessions.begin() as session:
        event = session.scalar(
            select(Event).where(Event.raw_date == "Q1 2024 (tbc)", Event.title.contains("Serbia"))
        )
        assert event is not None
        event.title = "10th EU-Serbia JRC <script>alert(1)</script> & co"
    mail = RecordingMailer()
    reminder_pass(sessions, mail, now=NOTE_DAY, settings=settings)
    message = next(m for m in mail.messages if "Serbia" in str(m["Subject"]))
    _text, html = parts(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_the_rule_of_each_ledger_row(
    desk: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    reminder_pass(sessions, RecordingMailer(), now=NOTE_DAY, settings=settings)
    with sessions() as session:
        rows = session.scalars(select(LedgerEntry)).all()
        assert {(r.rule, r.state, r.recipient) for r in rows} == {
            (Rule.OPEN, LedgerState.SENT, "desk.officer@example.eu")
        }
        assert all(r.sent_at == NOTE_DAY and r.event_revision == 1 for r in rows)


def test_the_scheduler_logs_why_mails_wait(
    desk: Subscriber,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    settings: NotificationSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The default security against a server without STARTTLS: the log says what to set."""
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp.port, security="starttls", timeout=10))
    report = reminder_pass(sessions, mailer, now=NOTE_DAY, settings=settings)
    with caplog.at_level(logging.INFO, logger="notifications.scheduler"):
        log_report("reminder pass", report)
    assert (report.sent, report.retrying) == (0, 2)
    assert smtp.inbox.messages == []
    logged = [r for r in caplog.records if r.name == "notifications.scheduler"]
    assert [(r.levelname, r.getMessage()) for r in logged][1:] == [
        (
            "WARNING",
            f"reminder pass: 2 mail(s) to retry: STARTTLS not offered by 127.0.0.1:{smtp.port};"
            ' set [smtp] security ("none" for a server without TLS, "ssl" for TLS from the start)',
        )
    ]

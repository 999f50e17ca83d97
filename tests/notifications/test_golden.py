"""Golden mails: one reminder and one digest, byte for byte as flattened for SMTP.

The files in ``golden/`` were read and checked by eye: subject leading with the
dates, weekdays, "date not yet fixed" (not "tbc") for windows the note gives
without tbc, digest sections in date order, the footer's "From the Council
note" line unmangled. Only ``Date`` and ``Message-ID`` are normalised (the
Message-ID holds the ledger row's id, which a PostgreSQL sequence does not give
back on rollback). The subscriber has a fixed id and unsubscribe secret, so the
unsubscribe link is part of the comparison.

After an intended change, ``CALENDAR_SVC_WRITE_GOLDEN=1`` writes the files
anew and fails the test: read them before keeping them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from calendar_svc.subscribers import update_subscriber
from models import Subscriber
from notifications.config import NotificationSettings
from notifications.jobs import reminder_pass, send_digests
from notifications.mail import WIRE_POLICY, RecordingMailer

GOLDEN = Path(__file__).parent / "golden"
NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
#: A Monday after Ethiopia's "February 2024" window has ended.
DIGEST_DAY = dt.datetime(2024, 3, 4, 7, 0, tzinfo=dt.UTC)
#: Sections in the note's order (Ethiopia, Libya, Western Balkans, China, United Nations);
#: their titles need no cleaning.
SECTIONS = ["ethiopia", "libya", "western-balkans", "china", "united-nations"]


@pytest.fixture
def reader(session: Session, ingest: Callable[..., Any]) -> Subscriber:
    ingest(at=NOTE_DAY)
    subscriber = Subscriber(
        id=424242,
        email="reader@example.eu",
        name="Desk Reader",
        unsubscribe_token="golden-unsubscribe-secret-0123456789-abcdef",
        created_at=NOTE_DAY,
    )
    update_subscriber(
        session,
        subscriber,
        now=NOTE_DAY,
        sections=SECTIONS,
        groups=(),
        categories=(),
        everything=False,
        firm_days=(14, 7, 1),
        tentative_days=30,
        reminders=True,
        digest=True,
    )
    session.add(subscriber)
    session.commit()
    return subscriber


def normalised(message: EmailMessage) -> bytes:
    """The mail as flattened for SMTP, LF line ends, Date and Message-ID blanked."""
    raw = message.as_bytes(policy=WIRE_POLICY.clone(linesep="\n"))
    raw = re.sub(rb"(?m)^Date: .*$", b"Date: <normalised>", raw, count=1)
    return re.sub(rb"(?m)^Message-ID: .*$", b"Message-ID: <normalised>", raw, count=1)


def compare(message: EmailMessage, name: str) -> None:
    path = GOLDEN / name
    got = normalised(message)
    if os.environ.get("CALENDAR_SVC_WRITE_GOLDEN"):
        path.write_bytes(got)
        pytest.fail(f"wrote {path}: read it, then run again without CALENDAR_SVC_WRITE_GOLDEN")
    assert got.decode() == path.read_bytes().decode()
    assert got == path.read_bytes()


def test_golden_reminder_of_an_approximate_window(
    reader: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    """Ethiopia's "February 2024" (no tbc in the note) is open: "date not yet fixed"."""
    mail = RecordingMailer()
    reminder_pass(sessions, mail, now=NOTE_DAY, settings=settings)
    subjects = sorted(str(m["Subject"]) for m in mail.messages)
    assert subjects == [
        "February 2024: Third Joint Working Group with Ethiopia"
        " (date not yet fixed; window open until Thu 29 Feb)",
        "Q1 2024: Virtual workshop readmission management"
        " (date not yet fixed; window open until Sun 31 Mar)",
        # Tentative, day precision, ended: neither "window" nor weekday-less dates.
        "Thu 30 Nov-Fri 1 Dec 2023: 2nd EU-China Dialogue on Drugs (overdue tbc)",
        "Tue 13-Wed 14 Feb: Sarajevo Security Forum-ministerial",
    ]
    compare(next(m for m in mail.messages if "Ethiopia" in str(m["Subject"])), "reminder.eml")


def test_golden_digest(
    reader: Subscriber, sessions: sessionmaker[Session], settings: NotificationSettings
) -> None:
    mail = RecordingMailer()
    send_digests(sessions, mail, now=DIGEST_DAY, settings=settings)
    assert len(mail.messages) == 1
    compare(mail.messages[0], "digest.eml")

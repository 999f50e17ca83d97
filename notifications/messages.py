"""Composing reminder and update mails from a ledger row and the event as it stands,
and the mail that a series of meetings turned late or stalled (``docs/series.md``).

A mail is built when it is sent, not when it became due, so it says what is
true then; a row whose reason has gone (event removed, cancelled, started,
confirmed) is skipped instead. Text and HTML parts come from the Jinja
templates in ``notifications/templates`` (HTML autoescaped). A control
character stored before the importer refused them (``models.text``) reaches
no mail: the subject is one line, and the parts show it as U+FFFD (their line
breaks as LF).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CATEGORY_LABELS,
    Confidence,
    Event,
    EventRevision,
    LedgerEntry,
    LedgerState,
    Occurrence,
    Precision,
    Rule,
    SourceRef,
    Status,
    Subscriber,
    current_feed_token,
)
from models.rhythm import RhythmSettings
from models.series import Series, series_rhythms
from models.subscriber import unsubscribe_token
from models.text import one_line, readable
from models.window import Window, format_window

#: Headers are not folded below the RFC 5322 limit: a long List-Unsubscribe URL
#: cannot be folded, and the default policy would encode it instead, which mail
#: clients do not recognise.
POLICY = email.policy.default.clone(max_line_length=998)
TEMPLATES = Environment(
    loader=PackageLoader("notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class MailContext:
    """What every mail needs from the configuration."""

    base_url: str
    sender: str
    #: Derives subscribers' feed tokens for the feed link and signs unsubscribe links.
    secret: bytes = field(repr=False)

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or "calendar-svc"


@dataclass(frozen=True)
class Links:
    unsubscribe: str
    feed: str | None


def links_for(subscriber: Subscriber, context: MailContext, *, issued: dt.date) -> Links:
    """The links of a mail to ``subscriber`` made on ``issued``.

    The unsubscribe link works for ``models.UNSUBSCRIBE_LINK_DAYS`` from then.
    """
    token = current_feed_token(subscriber, context.secret)
    unsubscribe = unsubscribe_token(subscriber, context.secret, issued=issued)
    return Links(
        unsubscribe=f"{context.base_url}/unsubscribe/{unsubscribe}",
        feed=f"{context.base_url}/feeds/{token}/mine.ics" if token else None,
    )


def window_text(start: dt.date, end: dt.date) -> str:
    """>>> window_text(dt.date(2024, 3, 12), dt.date(2024, 3, 13))
    '12-13 March 2024'
    """
    precision = Precision.DAY if start == end else Precision.DAYS
    return format_window(Window(start, end), precision)


#: English whatever the locale: mails must not change with the server's.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(start: dt.date, end: dt.date | None = None, *, today: dt.date | None = None) -> str:
    """Days with their weekdays, short: the year only when it is not ``today``'s.

    >>> day_text(dt.date(2024, 3, 14), today=dt.date(2024, 3, 1))
    'Thu 14 Mar'
    >>> day_text(dt.date(2024, 3, 12), dt.date(2024, 3, 13), today=dt.date(2024, 3, 1))
    'Tue 12-Wed 13 Mar'
    >>> day_text(dt.date(2024, 2, 29), dt.date(2024, 3, 1), today=dt.date(2024, 2, 1))
    'Thu 29 Feb-Fri 1 Mar'
    >>> day_text(dt.date(2024, 12, 31), dt.date(2025, 1, 1), today=dt.date(2024, 12, 20))
    'Tue 31 Dec 2024-Wed 1 Jan 2025'
    >>> day_text(dt.date(2024, 3, 14))
    'Thu 14 Mar 2024'
    """
    end = end or start
    year = today is None or start.year != today.year or end.year != today.year

    def one(day: dt.date, *, month: bool = True, with_year: bool = year) -> str:
        text = f"{WEEKDAYS[day.weekday()]} {day.day}"
        if month:
            text += f" {MONTHS[day.month]}"
        return f"{text} {day.year}" if month and with_year else text

    if start == end:
        return one(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{one(start, month=False)}-{one(end)}"
    return f"{one(start, with_year=year and start.year != end.year)}-{one(end)}"


def window_label(event: Event, occurrence: Occurrence, *, today: dt.date) -> str:
    """An occurrence's dates as a reader wants them first: days with weekdays, or the window.

    A day or days of the note (firm or tbc) are days (``day_text``); a coarser
    window is written as the note would ("Q1 2024", "May-June 2024").
    """
    if event.precision in (Precision.DAY, Precision.DAYS):
        return day_text(occurrence.start, occurrence.end, today=today)
    return format_window(Window(occurrence.start, occurrence.end), event.precision)


def event_when(event: Event, *, today: dt.date) -> str:
    """An event's first dates (``window_label``), or the note's words when it has none."""
    first = event.occurrences[0] if event.occurrences else None
    return window_label(event, first, today=today) if first else event.raw_date


def state_word(event: Event) -> str:
    """How sure the date is, in the words mails use.

    Tentative dates, those the note marks tbc, are "tbc"; approximate ones, a
    window the note gives without tbc ("May-June 2024"), are "date not yet
    fixed": saying tbc of those would claim what the note does not say.
    """
    return {
        Confidence.FIRM: "firm",
        Confidence.TENTATIVE: "tbc",
        Confidence.APPROXIMATE: "date not yet fixed",
    }.get(event.confidence, event.status.value)


def compose_reminder(
    session: Session, entry: LedgerEntry, *, now: dt.datetime, context: MailContext
) -> EmailMessage | str:
    """The mail for a reminder or update row, or why it is no longer worth sending."""
    event = entry.event
    if event is None or event.is_removed:
        return "the event is no longer in the note"
    if entry.rule is Rule.UPDATE:
        return _update(session, entry, event, now=now, context=context)
    occurrence = next(
        (o for o in event.occurrences if o.position == entry.occurrence_position), None
    )
    if occurrence is None:
        return "the occurrence no longer exists"
    today = now.date()
    confidence = event.confidence
    if confidence is Confidence.OFF:
        return f"the event is {event.status.value}"
    if entry.rule is Rule.FIRM:
        if confidence is not Confidence.FIRM:
            return "the date is no longer firm"
        if occurrence.start <= today:
            return "the event has started"
        lead = (occurrence.start - entry.due_date).days
        latest = min(
            (
                d.days
                for d in entry.subscriber.lead_days
                if (occurrence.start - today).days <= d.days
            ),
            default=None,
        )
        if lead != latest:
            return "a later reminder replaces it"
        days = (occurrence.start - today).days
        when = "tomorrow" if days == 1 else f"in {days} days"
        title = event.display_title
        subject = f"{window_label(event, occurrence, today=today)}: {title}"
        headline = f"{title} starts {when}: {day_text(occurrence.start, occurrence.end)}."
    else:
        if confidence is Confidence.FIRM:
            return "the date has been confirmed"
        stage = _window_stage(occurrence, today)
        if stage is not entry.rule:
            return "a later stage replaces it"
        subject, headline = _window_subject(event, occurrence, stage, today=today)
    return _message(
        session,
        entry,
        subject=subject,
        template="reminder",
        now=now,
        context=context,
        headline=headline,
        event=event,
        occurrence=occurrence,
        changes=[],
    )


def compose_series(
    session: Session,
    entry: LedgerEntry,
    *,
    now: dt.datetime,
    context: MailContext,
    rhythm: RhythmSettings,
) -> EmailMessage | str:
    """The mail that a series turned late or stalled, or why it is no longer worth sending."""
    _, series_id, state = entry.occurrence_key.split("-", 2)
    series = session.get(Series, int(series_id))
    if series is None:
        return "the series no longer exists"
    today = now.date()
    current = next(
        (
            s
            for s in series_rhythms(
                session, today=today, settings=rhythm, section_ids=[series.section_id]
            )
            if s.id == series.id
        ),
        None,
    )
    if current is None:
        return "the series lists no meetings"
    if current.rhythm.state.value != state:
        return f"the series is {current.rhythm.state.value.replace('_', ' ')} now"
    facts = current.rhythm
    name = f"{series.section.name}: {series.name}"
    subject = f"{'Stalled' if state == 'stalled' else 'Late'}: {name}"
    last = day_text(facts.last_held) if facts.last_held else "never"
    headline = (
        f"{name} has not met since {last}, and the note lists no next meeting."
        f" By its rhythm it was expected by {day_text(facts.expected.end)}."
        if facts.expected
        else f"{name} is {state}."
    )
    return _message(
        session,
        entry,
        subject=subject,
        template="series",
        now=now,
        context=context,
        headline=headline,
        series=series,
        rhythm=facts,
        series_url=f"{context.base_url}/series/{series.id}",
    )


def _window_stage(occurrence: Occurrence, today: dt.date) -> Rule:
    if occurrence.end < today:
        return Rule.OVERDUE
    if occurrence.start <= today:
        return Rule.OPEN
    return Rule.OPENS_SOON


def _window_subject(
    event: Event, occurrence: Occurrence, stage: Rule, *, today: dt.date
) -> tuple[str, str]:
    """Subject and headline of a tentative or approximate window at ``stage``."""
    label = window_label(event, occurrence, today=today)
    opens, ends = (day_text(d, today=today) for d in (occurrence.start, occurrence.end))
    days = event.precision in (Precision.DAY, Precision.DAYS)
    tentative = event.confidence is Confidence.TENTATIVE
    word = state_word(event)
    title = event.display_title
    what = (
        "the date is still to be confirmed (tbc)"
        if tentative
        else "the note gives the window, not yet a date"
    )
    if stage is Rule.OVERDUE:
        late = "overdue tbc" if tentative else "date not yet fixed"
        return (
            f"{label}: {title} ({late}{'' if days else f'; window ended {ends}'})",
            f"The window for {title} ({label}) ended on {day_text(occurrence.end)}"
            f" and the note gives no date{' (still tbc)' if tentative else ''}.",
        )
    if stage is Rule.OPEN:
        return (
            f"{label}: {title} ({word}{'' if days else f'; window open until {ends}'})",
            f"The window for {title} ({label}) is open until {day_text(occurrence.end)}: {what}.",
        )
    return (
        f"{label}: {title} ({word}{'' if days else f'; window opens {opens}'})",
        f"The window for {title} ({label}) opens on {day_text(occurrence.start)}: {what}.",
    )


def _update(
    session: Session, entry: LedgerEntry, event: Event, *, now: dt.datetime, context: MailContext
) -> EmailMessage | str:
    seen = session.scalar(
        select(LedgerEntry.event_revision)
        .where(
            LedgerEntry.subscriber_id == entry.subscriber_id,
            LedgerEntry.event_id == event.id,
            LedgerEntry.state == LedgerState.SENT,
            # Mails sent in the same pass about the new revision do not count.
            LedgerEntry.event_revision < (entry.event_revision or 0),
        )
        .order_by(LedgerEntry.event_revision.desc())
        .limit(1)
    )
    revisions = session.scalars(
        select(EventRevision)
        .where(EventRevision.event_id == event.id, EventRevision.revision > (seen or 0))
        .order_by(EventRevision.revision)
    ).all()
    if not revisions:
        return "nothing changed since the last mail"
    labels = list(dict.fromkeys(label for r in revisions for label in r.labels))
    was = next((r.changes["raw_date"][0] for r in revisions if "raw_date" in r.changes), None)
    first = event.occurrences[0] if event.occurrences else None
    label = event_when(event, today=now.date())
    if event.status in (Status.CANCELLED, Status.POSTPONED):
        subject = f"{label}: {event.display_title} ({event.status.value})"
    else:
        what = labels[0] if labels else "changed"
        subject = f"{label}: {event.display_title} ({what}" + (f"; was {was})" if was else ")")
    changes = [
        f"{name.replace('_', ' ')}: {old} -> {new}"
        for r in revisions
        for name, (old, new) in r.changes.items()
        if name in ("raw_date", "status", "title", "location")
    ]
    return _message(
        session,
        entry,
        subject=subject,
        template="reminder",
        now=now,
        context=context,
        headline=f"{event.display_title} has changed ({', '.join(labels)}).",
        event=event,
        occurrence=first,
        changes=changes,
    )


def _message(
    session: Session,
    entry: LedgerEntry,
    *,
    subject: str,
    template: str,
    now: dt.datetime,
    context: MailContext,
    **values: object,
) -> EmailMessage:
    subscriber = entry.subscriber
    links = links_for(subscriber, context, issued=now.date())
    event = values.get("event")
    source = SourceRef.of(event) if isinstance(event, Event) else None
    page = {
        "subscriber": subscriber,
        "links": links,
        "event_url": f"{context.base_url}/events/{event.uid}" if isinstance(event, Event) else None,
        "category": CATEGORY_LABELS[event.category] if isinstance(event, Event) else None,
        "source": f"Council document {source.label}" if source is not None else None,
        "window_text": window_text,
        "day_text": day_text,
        "state": state_word(event) if isinstance(event, Event) else None,
        **values,
    }
    return build_message(
        to=entry.recipient,
        subject=subject,
        text=TEMPLATES.get_template(f"{template}.txt").render(page),
        html=TEMPLATES.get_template(f"{template}.html").render(page),
        entry=entry,
        now=now,
        context=context,
        unsubscribe=links.unsubscribe,
    )


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    entry: LedgerEntry,
    now: dt.datetime,
    context: MailContext,
    unsubscribe: str,
) -> EmailMessage:
    """A multipart/alternative mail with the headers list mail needs."""
    message = EmailMessage(policy=POLICY)
    message["From"] = context.sender
    message["To"] = to
    # A title stored with a line break or ESC must neither break the header
    # (email refuses one) nor reach the reader's terminal.
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(now)
    # The same id on every attempt, so a resend can be recognised as one.
    message["Message-ID"] = (
        f"<calendar-svc.{entry.id}.{entry.rule.value}.{entry.due_date:%Y%m%d}@{context.domain}>"
    )
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    text, html = readable(text), readable(html)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # The same mail, the same bytes: the boundary comes from the content (a
    # random one would not), and "=_" can start no line of a quoted-printable
    # or 8-bit part that does not already hold the hash.
    digest = hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()[:32]
    message.set_boundary(f"=_{digest}")
    for part in message.iter_parts():
        # add_alternative makes the part a whole message; MIME-Version belongs on top.
        del part["MIME-Version"]
    return message
